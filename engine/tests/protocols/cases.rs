//! The cases: request shapes per channel kind, pass-through, conversion in each direction
//! (non-stream, stream, tools), errors in the client's shape, failover across protocols, and
//! `count_tokens`.

use engine::upstream::ChannelKind;
use serde_json::{Value, json};

use super::{Recorder, anthropic_stream, post_raw, proxy_with, sse_data, sse_names};
use crate::common::Proxy;

fn chat_body(model: &str, stream: bool) -> Value {
    json!({"model": model, "stream": stream, "messages": [{"role": "user", "content": "hi"}]})
}

fn messages_body(model: &str, stream: bool) -> Value {
    json!({"model": model, "max_tokens": 100, "stream": stream,
           "messages": [{"role": "user", "content": "hi"}]})
}

fn weather_tool_chat() -> Value {
    json!([{"type": "function", "function": {"name": "get_weather", "description": "Weather of a city",
            "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}])
}

#[tokio::test]
async fn gemini_gets_its_openai_compatible_path_and_a_bearer_key() {
    // A `gemini` channel is native unless its base ends in `/openai`, as Google documents the
    // compatibility layer's base (`protocols::gemini` covers the native one).
    let proxy = Proxy::start().await;
    let recorder = Recorder::start().await;
    let base = format!("{}/v1beta/openai", recorder.url);
    let channel = proxy.channel_of("R", ChannelKind::Gemini, &base, "");
    proxy.entry(channel, "gemini-2.5-flash", "auto");
    let (status, _) = proxy.chat("gemini-2.5-flash").await;
    assert_eq!(status, 200);
    let seen = recorder.last();
    assert_eq!(seen.path, "/v1beta/openai/chat/completions");
    assert_eq!(seen.headers["authorization"], "Bearer sk-secret-R");
    assert!(seen.headers.get("x-goog-api-key").is_none());
    assert_eq!(seen.body["model"], "gemini-2.5-flash");
}

#[tokio::test]
async fn azure_gets_the_deployment_path_the_api_version_and_an_api_key_header() {
    let proxy = Proxy::start().await;
    let recorder = Recorder::start().await;
    let default = proxy.channel_of("Az", ChannelKind::Azure, &recorder.url, "");
    proxy.entry(default, "my-gpt4o", "auto");
    assert_eq!(proxy.chat("my-gpt4o").await.0, 200);
    let seen = recorder.last();
    assert_eq!(seen.path, "/openai/deployments/my-gpt4o/chat/completions");
    assert_eq!(seen.query, "api-version=2024-10-21");
    assert_eq!(seen.headers["api-key"], "sk-secret-Az");
    assert!(seen.headers.get("authorization").is_none());

    let pinned = proxy.channel_of(
        "Az2",
        ChannelKind::Azure,
        &recorder.url,
        "2025-04-01-preview",
    );
    proxy.entry(pinned, "other-dep", "auto");
    assert_eq!(proxy.chat("other-dep").await.0, 200);
    assert_eq!(recorder.last().query, "api-version=2025-04-01-preview");
}

#[tokio::test]
async fn anthropic_to_anthropic_passes_body_and_stream_through_untouched() {
    let (proxy, recorder) = proxy_with(ChannelKind::Anthropic, "claude-sonnet-4-5").await;
    let mut body = messages_body("claude-sonnet-4-5", false);
    body["some_future_field"] = json!({"kept": true});
    let headers = [("x-api-key", "client-key"), ("anthropic-beta", "beta-x")];
    let (status, text) = post_raw(&proxy, "/v1/messages", &headers, &body).await;
    assert_eq!(status, 200, "{text}");
    let seen = recorder.last();
    assert_eq!(seen.path, "/v1/messages");
    assert_eq!(seen.body, body, "the body reached the channel unchanged");
    assert_eq!(seen.headers["x-api-key"], "sk-secret-R");
    assert_eq!(seen.headers["anthropic-version"], "2023-06-01");
    assert_eq!(seen.headers["anthropic-beta"], "beta-x");
    let answer: Value = serde_json::from_str(&text).expect("json");
    assert_eq!(answer["content"][0]["text"], "Hello from Claude");

    let headers = [("anthropic-version", "2023-01-01")];
    let stream = messages_body("claude-sonnet-4-5", true);
    let (status, text) = post_raw(&proxy, "/v1/messages", &headers, &stream).await;
    assert_eq!(status, 200);
    assert_eq!(
        text,
        anthropic_stream("claude-sonnet-4-5", false),
        "byte-exact"
    );
    assert_eq!(recorder.last().headers["anthropic-version"], "2023-01-01");
}

/// A Claude Code session that a Chat channel served before (its thinking came back unsigned)
/// moves to an Anthropic channel: the unsigned block is left out, signed thinking and the rest
/// of the body go as sent.
#[tokio::test]
async fn unsigned_thinking_is_left_out_of_a_body_passed_to_anthropic() {
    let (proxy, recorder) = proxy_with(ChannelKind::Anthropic, "claude-sonnet-4-5").await;
    let mut body = messages_body("claude-sonnet-4-5", false);
    body["messages"] = json!([
        {"role": "user", "content": "first"},
        {"role": "assistant", "content": [
            {"type": "thinking", "thinking": "from a chat provider", "signature": ""},
            {"type": "text", "text": "one"}
        ]},
        {"role": "user", "content": "second"},
        {"role": "assistant", "content": [
            {"type": "thinking", "thinking": "signed", "signature": "sig-1"},
            {"type": "text", "text": "two"}
        ]},
        {"role": "user", "content": "third"}
    ]);
    let (status, text) = post_raw(&proxy, "/v1/messages", &[], &body).await;
    assert_eq!(status, 200, "{text}");
    let seen = recorder.last().body;
    assert_eq!(
        seen["messages"][1]["content"],
        json!([{"type": "text", "text": "one"}])
    );
    assert_eq!(seen["messages"][3], body["messages"][3]);
    let mut expected = body.clone();
    expected["messages"][1]["content"] = json!([{"type": "text", "text": "one"}]);
    assert_eq!(seen, expected, "nothing else changed");
}

/// Issue 23: a field a conversion cannot honour is refused in the client's shape, naming the
/// field and the channel's protocol, and nothing is sent.
#[tokio::test]
async fn a_field_the_conversion_cannot_honour_is_refused_by_name_and_nothing_is_sent() {
    let (proxy, recorder) = proxy_with(ChannelKind::Anthropic, "claude-sonnet-4-5").await;
    let mut body = chat_body("claude-sonnet-4-5", false);
    body["n"] = json!(2);
    let (status, text) = post_raw(&proxy, "/v1/chat/completions", &[], &body).await;
    assert_eq!(status, 400, "{text}");
    let error: Value = serde_json::from_str(&text).expect("json");
    let message = error["error"]["message"]
        .as_str()
        .expect("OpenAI's error shape");
    assert!(
        message.contains("`n`") && message.contains("Anthropic Messages"),
        "{message}"
    );
    assert_eq!(recorder.count(), 0, "nothing was sent");

    body["n"] = json!(1);
    let (status, text) = post_raw(&proxy, "/v1/chat/completions", &[], &body).await;
    assert_eq!(status, 200, "{text}");
}

/// Issue 23 finding 2: `previous_response_id` continues a conversation the hub converted
/// (single answers and streams both kept), an unknown id is refused by name with nothing sent,
/// and `store: false` keeps nothing.
#[tokio::test]
async fn previous_response_id_continues_a_conversation_answered_through_anthropic() {
    let (proxy, recorder) = proxy_with(ChannelKind::Anthropic, "claude-sonnet-4-5").await;
    let ask = |fields: Value| {
        let mut body = json!({"model": "claude-sonnet-4-5"});
        body.as_object_mut()
            .expect("object")
            .extend(fields.as_object().expect("object").clone());
        body
    };
    let roles = |body: &Value| -> Vec<String> {
        body["messages"]
            .as_array()
            .expect("messages")
            .iter()
            .map(|m| m["role"].as_str().unwrap_or_default().to_owned())
            .collect()
    };
    let (status, text) = post_raw(
        &proxy,
        "/v1/responses",
        &[],
        &ask(json!({"input": "first"})),
    )
    .await;
    assert_eq!(status, 200, "{text}");
    let first: Value = serde_json::from_str(&text).expect("json");
    let id = first["id"].as_str().expect("id").to_owned();

    let next = ask(json!({"previous_response_id": id, "input": "second"}));
    let (status, text) = post_raw(&proxy, "/v1/responses", &[], &next).await;
    assert_eq!(status, 200, "{text}");
    let sent = recorder.last().body;
    assert_eq!(roles(&sent), ["user", "assistant", "user"]);
    assert_eq!(sent["messages"][0]["content"][0]["text"], "first");
    assert_eq!(
        sent["messages"][1]["content"][0]["text"],
        "Hello from Claude"
    );

    // A streamed turn continues it, and is kept in turn. (The recorder answers every turn
    // with one id, so each turn replaces the last under it: wait for the write, which a new
    // id's miss would do by itself, as the second turn above did.)
    proxy.state.flush();
    let streamed = ask(json!({"previous_response_id": id, "input": "third", "stream": true}));
    let (status, text) = post_raw(&proxy, "/v1/responses", &[], &streamed).await;
    assert_eq!(status, 200, "{text}");
    assert_eq!(roles(&recorder.last().body).len(), 5);
    proxy.state.flush();
    let next = ask(json!({"previous_response_id": id, "input": "fourth"}));
    let (status, text) = post_raw(&proxy, "/v1/responses", &[], &next).await;
    assert_eq!(status, 200, "{text}");
    assert_eq!(roles(&recorder.last().body).len(), 7);

    let sent_before = recorder.count();
    let unknown = ask(json!({"previous_response_id": "resp_unknown", "input": "x"}));
    let (status, text) = post_raw(&proxy, "/v1/responses", &[], &unknown).await;
    assert_eq!(status, 400, "{text}");
    assert!(text.contains("previous_response_id"), "{text}");
    assert_eq!(recorder.count(), sent_before, "nothing was sent");

    // `store: false`: nothing kept, so the follow-up cannot continue it.
    let mut private = ask(json!({"input": "private", "store": false}));
    private["model"] = json!("claude-sonnet-4-5");
    let (status, _) = post_raw(&proxy, "/v1/responses", &[], &private).await;
    assert_eq!(status, 200);
    proxy.state.flush();
    let db = rusqlite::Connection::open(proxy.state.store().path()).expect("db");
    let kept: i64 = db
        .query_row("SELECT COUNT(*) FROM stored_responses", [], |row| {
            row.get(0)
        })
        .expect("count");
    assert_eq!(
        kept, 1,
        "one id, replaced by each turn; nothing for store: false"
    );
}

#[tokio::test]
async fn an_openai_client_gets_chat_answers_from_an_anthropic_channel() {
    let (proxy, recorder) = proxy_with(ChannelKind::Anthropic, "claude-sonnet-4-5").await;
    let (status, answer) = proxy.chat("claude-sonnet-4-5").await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["object"], "chat.completion");
    assert_eq!(
        answer["choices"][0]["message"]["content"],
        "Hello from Claude"
    );
    // Anthropic answers carry no time; the Chat client gets the time it was converted.
    assert!(
        answer["created"]
            .as_u64()
            .is_some_and(|t| t > 1_700_000_000),
        "{answer}"
    );
    assert_eq!(answer["choices"][0]["finish_reason"], "stop");
    assert_eq!(answer["usage"]["prompt_tokens"], 10);
    let seen = recorder.last();
    assert_eq!(seen.path, "/v1/messages");
    assert!(seen.body["max_tokens"].as_u64().is_some_and(|n| n > 0));
    assert_eq!(seen.body["messages"][0]["role"], "user");

    let (status, text) = post_raw(
        &proxy,
        "/v1/chat/completions",
        &[],
        &chat_body("claude-sonnet-4-5", true),
    )
    .await;
    assert_eq!(status, 200);
    let chunks = sse_data(&text);
    let content: String = chunks
        .iter()
        .filter_map(|c| c["choices"][0]["delta"]["content"].as_str())
        .collect();
    assert_eq!(content, "Hello from Claude");
    assert_eq!(chunks.last(), Some(&Value::String("[DONE]".into())));
    assert!(
        chunks
            .iter()
            .any(|c| c["choices"][0]["finish_reason"] == "stop")
    );
}

#[tokio::test]
async fn an_openai_client_gets_tool_calls_from_an_anthropic_channel_stream_and_not() {
    let (proxy, recorder) = proxy_with(ChannelKind::Anthropic, "claude-sonnet-4-5").await;
    let mut body = chat_body("claude-sonnet-4-5", false);
    body["tools"] = weather_tool_chat();
    let (status, text) = post_raw(&proxy, "/v1/chat/completions", &[], &body).await;
    assert_eq!(status, 200, "{text}");
    let tool = &recorder.last().body["tools"][0];
    assert_eq!(tool["name"], "get_weather");
    assert_eq!(tool["input_schema"]["required"][0], "city");
    let answer: Value = serde_json::from_str(&text).expect("json");
    let call = &answer["choices"][0]["message"]["tool_calls"][0];
    assert_eq!(call["function"]["name"], "get_weather");
    let arguments: Value =
        serde_json::from_str(call["function"]["arguments"].as_str().expect("args")).expect("json");
    assert_eq!(arguments, json!({"city": "Paris"}));
    assert_eq!(answer["choices"][0]["finish_reason"], "tool_calls");

    body["stream"] = json!(true);
    let (status, text) = post_raw(&proxy, "/v1/chat/completions", &[], &body).await;
    assert_eq!(status, 200);
    let chunks = sse_data(&text);
    let calls: Vec<&Value> = chunks
        .iter()
        .filter_map(|c| c["choices"][0]["delta"]["tool_calls"].as_array())
        .flatten()
        .collect();
    assert_eq!(calls[0]["function"]["name"], "get_weather");
    let arguments: String = calls
        .iter()
        .filter_map(|c| c["function"]["arguments"].as_str())
        .collect();
    assert_eq!(arguments, r#"{"city":"Paris"}"#);
    assert!(
        chunks
            .iter()
            .any(|c| c["choices"][0]["finish_reason"] == "tool_calls")
    );
}

#[tokio::test]
async fn an_anthropic_client_gets_messages_from_an_openai_channel() {
    let (proxy, recorder) = proxy_with(ChannelKind::Openai, "gpt-4o").await;
    let headers = [("authorization", "Bearer client-key")];
    let (status, text) = post_raw(
        &proxy,
        "/v1/messages",
        &headers,
        &messages_body("gpt-4o", false),
    )
    .await;
    assert_eq!(status, 200, "{text}");
    assert_eq!(recorder.last().path, "/v1/chat/completions");
    let answer: Value = serde_json::from_str(&text).expect("json");
    assert_eq!(answer["type"], "message");
    assert_eq!(answer["content"][0]["text"], "Hello from GPT");
    assert_eq!(answer["stop_reason"], "end_turn");

    let (status, text) = post_raw(
        &proxy,
        "/v1/messages",
        &headers,
        &messages_body("gpt-4o", true),
    )
    .await;
    assert_eq!(status, 200);
    let names = sse_names(&text);
    assert_eq!(names.first().map(String::as_str), Some("message_start"));
    assert_eq!(names.last().map(String::as_str), Some("message_stop"));
    assert!(names.iter().any(|n| n == "message_delta"));
    let text_out: String = sse_data(&text)
        .iter()
        .filter_map(|d| d["delta"]["text"].as_str())
        .collect();
    assert_eq!(text_out, "Hello from GPT");
}

#[tokio::test]
async fn a_responses_client_is_passed_through_to_openai_and_converted_for_anthropic() {
    let (proxy, recorder) = proxy_with(ChannelKind::Openai, "gpt-4o").await;
    let body = json!({"model": "gpt-4o", "input": "hi"});
    let (status, text) = post_raw(&proxy, "/v1/responses", &[], &body).await;
    assert_eq!(status, 200, "{text}");
    assert_eq!(recorder.last().path, "/v1/responses");
    assert_eq!(recorder.last().body, body);
    assert!(text.contains("native responses"));

    let (proxy, recorder) = proxy_with(ChannelKind::Anthropic, "claude-sonnet-4-5").await;
    let body = json!({"model": "claude-sonnet-4-5", "input": "hi"});
    let (status, text) = post_raw(&proxy, "/v1/responses", &[], &body).await;
    assert_eq!(status, 200, "{text}");
    assert_eq!(recorder.last().path, "/v1/messages");
    let answer: Value = serde_json::from_str(&text).expect("json");
    assert_eq!(answer["object"], "response");
    assert_eq!(
        answer["output"][0]["content"][0]["text"],
        "Hello from Claude"
    );

    let stream = json!({"model": "claude-sonnet-4-5", "input": "hi", "stream": true});
    let (status, text) = post_raw(&proxy, "/v1/responses", &[], &stream).await;
    assert_eq!(status, 200);
    let types: Vec<String> = sse_data(&text)
        .iter()
        .filter_map(|d| d["type"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(types.first().map(String::as_str), Some("response.created"));
    assert_eq!(types.last().map(String::as_str), Some("response.completed"));
    let deltas: String = sse_data(&text)
        .iter()
        .filter(|d| d["type"] == "response.output_text.delta")
        .filter_map(|d| d["delta"].as_str())
        .collect();
    assert_eq!(deltas, "Hello from Claude");
}

#[tokio::test]
async fn errors_come_back_in_the_clients_shape() {
    // An Anthropic client, an OpenAI channel that rejects the request: Anthropic's shape.
    let (proxy, _recorder) = proxy_with(ChannelKind::Openai, "fail-400").await;
    let (status, text) = post_raw(
        &proxy,
        "/v1/messages",
        &[],
        &messages_body("fail-400", false),
    )
    .await;
    assert_eq!(status, 400);
    let body: Value = serde_json::from_str(&text).expect("json");
    assert_eq!(body["type"], "error");
    assert_eq!(body["error"]["type"], "invalid_request_error");
    assert_eq!(body["error"]["message"], "bad temperature");

    // An OpenAI client, an Anthropic channel that rejects it: OpenAI's shape.
    let (proxy, _recorder) = proxy_with(ChannelKind::Anthropic, "fail-400").await;
    let (status, body) = proxy.chat("fail-400").await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["message"], "max_tokens: too large");
    assert_eq!(body["error"]["type"], "invalid_request_error");

    // Everything failed, malformed JSON: Anthropic's shape for an Anthropic client.
    let (proxy, _recorder) = proxy_with(ChannelKind::Anthropic, "fail-529").await;
    let (status, text) = post_raw(
        &proxy,
        "/v1/messages",
        &[],
        &messages_body("fail-529", false),
    )
    .await;
    assert_eq!(status, 502);
    let body: Value = serde_json::from_str(&text).expect("json");
    assert_eq!(body["type"], "error");
    assert_eq!(body["error"]["attempts"][0]["status"], 529);
    let response = proxy
        .http
        .post(format!("{}/v1/messages", proxy.url))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .expect("send");
    assert_eq!(response.status().as_u16(), 400);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["type"], "error");
    assert_eq!(body["error"]["type"], "invalid_request_error");
}

#[tokio::test]
async fn a_failing_anthropic_channel_fails_over_to_an_openai_one_for_either_client() {
    let proxy = Proxy::start().await;
    let (anthropic, openai) = (Recorder::start().await, Recorder::start().await);
    let a = proxy.channel_of("A", ChannelKind::Anthropic, &anthropic.url, "");
    let o = proxy.channel_of("O", ChannelKind::Openai, &openai.url, "");
    proxy.entry(a, "fail-529", "mix");
    proxy.entry(o, "gpt-4o", "mix");
    let (status, text) = post_raw(&proxy, "/v1/messages", &[], &messages_body("mix", true)).await;
    assert_eq!(status, 200, "{text}");
    assert_eq!(anthropic.count(), 1);
    assert!(sse_names(&text).iter().any(|n| n == "message_stop"));
    let text_out: String = sse_data(&text)
        .iter()
        .filter_map(|d| d["delta"]["text"].as_str())
        .collect();
    assert_eq!(text_out, "Hello from GPT");
    // The Anthropic entry is cooling now; an OpenAI client is served by the OpenAI channel.
    assert_eq!(proxy.answered_by("mix").await, "Hello from GPT");
    assert_eq!(anthropic.count(), 1, "the cooling entry was skipped");
}

#[tokio::test]
async fn count_tokens_asks_an_anthropic_channel_or_estimates() {
    let body = json!({"model": "m", "messages": [{"role": "user", "content": "Hello, how are you today?"}]});
    let (proxy, recorder) = proxy_with(ChannelKind::Anthropic, "m").await;
    let (status, text) = post_raw(&proxy, "/v1/messages/count_tokens", &[], &body).await;
    assert_eq!((status, text.as_str()), (200, r#"{"input_tokens":42}"#));
    assert_eq!(recorder.last().path, "/v1/messages/count_tokens");

    let (proxy, recorder) = proxy_with(ChannelKind::Openai, "m").await;
    let (status, text) = post_raw(&proxy, "/v1/messages/count_tokens", &[], &body).await;
    assert_eq!(status, 200);
    let answer: Value = serde_json::from_str(&text).expect("json");
    assert!(answer["input_tokens"].as_u64().is_some_and(|n| n > 0));
    assert_eq!(recorder.count(), 0, "estimated locally");
}

#[tokio::test]
async fn a_stream_cut_after_content_ends_with_an_error_event_in_the_clients_shape() {
    // Anthropic client, OpenAI channel (converted): Anthropic's `event: error`, no message_stop.
    let (proxy, _recorder) = proxy_with(ChannelKind::Openai, "cut").await;
    let (status, text) = post_raw(&proxy, "/v1/messages", &[], &messages_body("cut", true)).await;
    assert_eq!(status, 200);
    let names = sse_names(&text);
    assert_eq!(names.last().map(String::as_str), Some("error"), "{text}");
    assert!(!names.iter().any(|n| n == "message_stop"), "{text}");
    let last = sse_data(&text).pop().expect("error data");
    assert_eq!(last["type"], "error");
    assert_eq!(last["error"]["type"], "api_error");

    // Anthropic client, Anthropic channel (passed through): the same ending.
    let (proxy, _recorder) = proxy_with(ChannelKind::Anthropic, "cut").await;
    let (_, text) = post_raw(&proxy, "/v1/messages", &[], &messages_body("cut", true)).await;
    assert_eq!(
        sse_names(&text).last().map(String::as_str),
        Some("error"),
        "{text}"
    );

    // OpenAI client, Anthropic channel (converted): OpenAI's error chunk, no [DONE].
    let (_, text) = post_raw(&proxy, "/v1/chat/completions", &[], &chat_body("cut", true)).await;
    let chunks = sse_data(&text);
    assert!(
        chunks
            .last()
            .is_some_and(|c| c["error"]["code"] == "stream_interrupted"),
        "{text}"
    );
    assert!(!text.contains("[DONE]"));
}

#[tokio::test]
async fn an_error_right_after_the_anthropic_preamble_fails_over_with_nothing_sent() {
    let proxy = Proxy::start().await;
    let (first, second) = (Recorder::start().await, Recorder::start().await);
    let a = proxy.channel_of("A", ChannelKind::Anthropic, &first.url, "");
    let b = proxy.channel_of("B", ChannelKind::Anthropic, &second.url, "");
    proxy.entry(a, "preamble-error", "pair");
    proxy.entry(b, "claude-sonnet-4-5", "pair");
    let (status, text) = post_raw(&proxy, "/v1/messages", &[], &messages_body("pair", true)).await;
    assert_eq!(status, 200);
    assert_eq!(
        text,
        anthropic_stream("claude-sonnet-4-5", false),
        "only B's stream"
    );
    assert_eq!(first.count(), 1);
}

#[tokio::test]
async fn anthropic_clients_authenticate_with_x_api_key_or_bearer_and_are_refused_in_their_shape() {
    let mut settings = crate::common::test_settings();
    settings.require_access_key = true;
    let proxy = Proxy::with_settings(settings).await;
    let recorder = Recorder::start().await;
    let channel = proxy.channel_of("R", ChannelKind::Anthropic, &recorder.url, "");
    proxy.entry(channel, "claude-sonnet-4-5", "auto");
    proxy
        .state
        .create_access_key("laptop", "sk-local-1")
        .await
        .expect("key");
    let body = messages_body("claude-sonnet-4-5", false);
    let (status, text) = post_raw(&proxy, "/v1/messages", &[], &body).await;
    assert_eq!(status, 401);
    let refusal: Value = serde_json::from_str(&text).expect("json");
    assert_eq!(refusal["error"]["type"], "authentication_error");
    assert_eq!(refusal["type"], "error");
    for header in [
        ("x-api-key", "sk-local-1"),
        ("authorization", "Bearer sk-local-1"),
    ] {
        let (status, text) = post_raw(&proxy, "/v1/messages", &[header], &body).await;
        assert_eq!(status, 200, "{header:?}: {text}");
    }
    // The client's key never reaches the channel: the channel's own key does.
    assert_eq!(recorder.last().headers["x-api-key"], "sk-secret-R");
    assert!(recorder.last().headers.get("authorization").is_none());
}
