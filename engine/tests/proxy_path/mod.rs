//! Regressions of issue 13 on real sockets: where a failure came from decides failover
//! (provenance), no silent stall before the first content (keep-alives are not content), and
//! protocol fidelity found with the real Claude Code and Codex CLIs. Shares the `streaming`
//! test binary to save link time. `Scripted` is an OpenAI-style upstream whose behaviour the
//! model name chooses; the `Recorder` of `protocols` answers every other protocol.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use engine::upstream::ChannelKind;
use serde_json::{Value, json};

use crate::common::Proxy;
use crate::protocols::{Recorder, post_raw, sse_data};

/// An OpenAI-style upstream that records request bodies. Models: `keepalive-forever` (an SSE
/// stream of `: keep-alive` comments and never content), `slow-500` (300 ms, then 500),
/// `rejects-stream-options` (400 naming the field when the body has `stream_options`); any
/// other answers a short chat stream or completion.
#[derive(Clone)]
struct Scripted {
    url: String,
    bodies: Arc<Mutex<Vec<Value>>>,
}

impl Scripted {
    async fn start() -> Scripted {
        let bodies = Arc::new(Mutex::new(Vec::new()));
        let app = axum::Router::new()
            .fallback(scripted)
            .with_state(bodies.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        tokio::spawn(async move { axum::serve(listener, app).await });
        Scripted { url, bodies }
    }

    fn bodies(&self) -> Vec<Value> {
        self.bodies.lock().expect("bodies").clone()
    }
}

fn sse(body: Body) -> Response {
    Response::builder()
        .header("content-type", "text/event-stream")
        .body(body)
        .expect("response")
}

async fn scripted(State(bodies): State<Arc<Mutex<Vec<Value>>>>, body: Bytes) -> Response {
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    bodies.lock().expect("bodies").push(body.clone());
    let model = body["model"].as_str().unwrap_or_default().to_owned();
    match model.as_str() {
        "keepalive-forever" => {
            let pings = futures::stream::unfold((), |()| async {
                tokio::time::sleep(Duration::from_millis(100)).await;
                Some((Ok::<_, std::io::Error>(Bytes::from(": keep-alive\n\n")), ()))
            });
            sse(Body::from_stream(pings))
        }
        "slow-500" => {
            tokio::time::sleep(Duration::from_millis(300)).await;
            (
                axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                axum::Json(json!({"error": {"message": "slow failure"}})),
            )
                .into_response()
        }
        "rejects-stream-options" if body.get("stream_options").is_some() => (
            axum::http::StatusCode::BAD_REQUEST,
            axum::Json(json!({"error": {"message": "Unrecognized request argument supplied: stream_options",
                                        "type": "invalid_request_error"}})),
        )
            .into_response(),
        "rejects-reasoning-input" if body.to_string().contains("reasoning_content") => (
            axum::http::StatusCode::BAD_REQUEST,
            axum::Json(json!({"error": {"message": "messages[1]: unknown field `reasoning_content`",
                                        "type": "invalid_request_error"}})),
        )
            .into_response(),
        _ if body["stream"] == json!(true) => {
            let chunk = |delta: Value, finish: Value| {
                format!(
                    "data: {}\n\n",
                    json!({"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": model,
                           "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]})
                )
            };
            let mut text = chunk(json!({"role": "assistant", "content": ""}), Value::Null);
            text += &chunk(json!({"content": format!("scripted:{model}")}), Value::Null);
            text += &chunk(json!({}), json!("stop"));
            text += &format!(
                "data: {}\n\n",
                json!({"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": model,
                       "choices": [], "usage": {"prompt_tokens": 11, "completion_tokens": 4, "total_tokens": 15}})
            );
            text += "data: [DONE]\n\n";
            sse(Body::from(text))
        }
        _ => axum::Json(json!({"id": "c1", "object": "chat.completion", "created": 1, "model": model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": format!("scripted:{model}")}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5}}))
        .into_response(),
    }
}

fn messages_body(model: &str, messages: Value, stream: bool) -> Value {
    json!({"model": model, "max_tokens": 100, "stream": stream, "messages": messages})
}

// ---- 3. Provenance: where an error came from decides what failover does ----

#[tokio::test]
async fn a_body_the_hub_cannot_read_skips_converting_candidates_for_one_that_takes_it_as_is() {
    let proxy = Proxy::start().await;
    let (openai, anthropic) = (Scripted::start().await, Recorder::start().await);
    let o = proxy.channel_of("O", ChannelKind::Openai, &openai.url, "");
    let a = proxy.channel_of("A", ChannelKind::Anthropic, &anthropic.url, "");
    let converting = proxy.entry(o, "m", "auto");
    proxy.entry(a, "m", "auto");
    // `messages` is there (routing's check passes) but not an array: the hub cannot read it.
    let body = json!({"model": "auto", "max_tokens": 10, "messages": {"role": "user"}});
    let (status, text) = post_raw(&proxy, "/v1/messages", &[], &body).await;
    assert_eq!(status, 200, "{text}");
    assert!(
        openai.bodies().is_empty(),
        "the unconvertible body was sent"
    );
    assert_eq!(anthropic.last().body["messages"], json!({"role": "user"}));
    let entry = proxy.entry_state(converting);
    assert_eq!((entry.cooldown_until_ms, entry.enabled), (0, true));
}

#[tokio::test]
async fn a_body_no_candidate_can_take_gets_400_in_the_clients_shape_and_nothing_is_sent() {
    let proxy = Proxy::start().await;
    let openai = Scripted::start().await;
    let o = proxy.channel_of("O", ChannelKind::Openai, &openai.url, "");
    let entry = proxy.entry(o, "m", "auto");
    let body = json!({"model": "auto", "messages": 5});
    let (status, text) = post_raw(&proxy, "/v1/messages", &[], &body).await;
    assert_eq!(status, 400, "{text}");
    let error: Value = serde_json::from_str(&text).expect("json");
    assert_eq!(error["type"], "error");
    assert_eq!(error["error"]["type"], "invalid_request_error");
    assert!(
        error["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("messages")),
        "{text}"
    );
    assert!(openai.bodies().is_empty());
    assert_eq!(proxy.entry_state(entry).cooldown_until_ms, 0);
}

#[tokio::test]
async fn a_400_to_a_converted_request_is_not_the_clients_fault_and_fails_over_without_cooling() {
    let proxy = Proxy::start().await;
    let (openai, anthropic) = (Recorder::start().await, Recorder::start().await);
    let o = proxy.channel_of("O", ChannelKind::Openai, &openai.url, "");
    let a = proxy.channel_of("A", ChannelKind::Anthropic, &anthropic.url, "");
    // The Recorder's Chat side answers 400 to `fail-400`.
    let rejecting = proxy.entry(o, "fail-400", "auto");
    proxy.entry(a, "claude", "auto");
    let body = messages_body("auto", json!([{"role": "user", "content": "Hi"}]), false);
    let (status, text) = post_raw(&proxy, "/v1/messages", &[], &body).await;
    assert_eq!(status, 200, "{text}");
    assert_eq!(openai.count(), 1);
    assert_eq!(anthropic.count(), 1, "the next entry was not tried");
    let entry = proxy.entry_state(rejecting);
    assert_eq!((entry.cooldown_until_ms, entry.enabled), (0, true));
}

// ---- 4. No silent stall before the first content ----

#[tokio::test]
async fn keep_alives_without_content_do_not_hold_off_failover() {
    let mut settings = crate::common::test_settings();
    settings.first_byte_timeout_ms = 600;
    // Longer than the whole test: only the first-content deadline can end the wait.
    settings.stream_idle_timeout_ms = 30_000;
    let proxy = Proxy::with_settings(settings).await;
    let upstream = Scripted::start().await;
    let c = proxy.channel("S", &upstream.url);
    let stalling = proxy.entry(c, "keepalive-forever", "auto");
    proxy.entry(c, "ok", "auto");
    let started = Instant::now();
    let (status, text) = post_raw(
        &proxy,
        "/v1/chat/completions",
        &[],
        &json!({"model": "auto", "stream": true, "messages": [{"role": "user", "content": "hi"}]}),
    )
    .await;
    assert_eq!(status, 200);
    assert!(text.contains("scripted:ok"), "{text}");
    assert!(
        !text.contains("keep-alive"),
        "the stalled attempt's bytes leaked: {text}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "failover took {:?}",
        started.elapsed()
    );
    assert!(proxy.entry_state(stalling).cooldown_until_ms > 0);
}

#[tokio::test]
async fn an_entrys_response_time_is_measured_from_its_own_attempt() {
    let proxy = Proxy::start().await;
    let upstream = Scripted::start().await;
    let c = proxy.channel("S", &upstream.url);
    proxy.entry(c, "slow-500", "auto");
    let fast = proxy.entry(c, "fast", "auto");
    let (status, _) = proxy.chat("auto").await;
    assert_eq!(status, 200);
    proxy.state.flush();
    let measured = proxy
        .entry_state(fast)
        .last_response_ms
        .expect("a response time");
    // The failed attempt before it took 300 ms; the fast entry answers at once.
    assert!(measured < 250, "the fast entry was charged {measured} ms");
}

// ---- 5. Fidelity ----

#[tokio::test]
async fn streamed_answers_converted_from_anthropic_log_their_prompt_tokens() {
    let proxy = Proxy::start().await;
    let anthropic = Recorder::start().await;
    let a = proxy.channel_of("A", ChannelKind::Anthropic, &anthropic.url, "");
    proxy.entry(a, "claude", "auto");
    for (path, body) in [
        (
            "/v1/chat/completions",
            json!({"model": "auto", "stream": true, "messages": [{"role": "user", "content": "hi"}]}),
        ),
        (
            "/v1/responses",
            json!({"model": "auto", "stream": true, "input": "hi"}),
        ),
    ] {
        let (status, text) = post_raw(&proxy, path, &[], &body).await;
        assert_eq!(status, 200, "{path}: {text}");
        proxy.state.flush();
        let row = crate::common::log_rows(proxy.state.store(), 1)[0].clone();
        // The Recorder's stream: input 10 in `message_start`, output 5 in `message_delta`.
        assert_eq!(
            (row.prompt_tokens, row.completion_tokens),
            (Some(10), Some(5)),
            "{path}"
        );
    }
}

#[tokio::test]
async fn a_system_turn_inside_anthropic_messages_reaches_a_chat_channel_as_system() {
    let proxy = Proxy::start().await;
    let openai = Recorder::start().await;
    let o = proxy.channel_of("O", ChannelKind::Openai, &openai.url, "");
    proxy.entry(o, "gpt", "auto");
    let messages = json!([
        {"role": "system", "content": "Answer tersely."},
        {"role": "user", "content": "Hi"}
    ]);
    let (status, text) = post_raw(
        &proxy,
        "/v1/messages",
        &[],
        &messages_body("auto", messages, false),
    )
    .await;
    assert_eq!(status, 200, "{text}");
    let sent = openai.last().body["messages"].clone();
    let with_text: Vec<&Value> = sent
        .as_array()
        .expect("messages")
        .iter()
        .filter(|m| m.to_string().contains("Answer tersely."))
        .collect();
    assert_eq!(with_text.len(), 1, "{sent}");
    assert_eq!(with_text[0]["role"], "system", "{sent}");
}

#[tokio::test]
async fn codex_namespace_tools_reach_a_chat_channel_flattened_not_dropped() {
    let proxy = Proxy::start().await;
    let upstream = Scripted::start().await;
    let c = proxy.channel_of("C", ChannelKind::Custom, &upstream.url, "");
    proxy.entry(c, "m", "auto");
    let body = json!({"model": "auto", "input": "hi", "tools": [
        {"type": "function", "name": "shell", "parameters": {"type": "object", "properties": {}}},
        {"type": "namespace", "name": "collaboration", "description": "Agents.", "tools": [
            {"type": "function", "name": "spawn_agent", "description": "Spawns an agent.",
             "parameters": {"type": "object", "properties": {"message": {"type": "string"}}}},
            {"type": "function", "name": "send_message",
             "parameters": {"type": "object", "properties": {"message": {"type": "string"}}}}]}
    ]});
    let (status, text) = post_raw(&proxy, "/v1/responses", &[], &body).await;
    assert_eq!(status, 200, "{text}");
    let names: Vec<String> = upstream.bodies()[0]["tools"]
        .as_array()
        .expect("tools")
        .iter()
        .map(|t| {
            t["function"]["name"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        })
        .collect();
    assert_eq!(
        names,
        [
            "shell",
            "collaboration__spawn_agent",
            "collaboration__send_message"
        ]
    );
}

#[tokio::test]
async fn custom_channels_get_include_usage_and_one_that_refuses_it_is_asked_again_without() {
    let proxy = Proxy::start().await;
    let (plain, refusing) = (Scripted::start().await, Scripted::start().await);
    let p = proxy.channel_of("P", ChannelKind::Custom, &plain.url, "");
    proxy.entry(p, "m", "plain");
    let r = proxy.channel_of("R", ChannelKind::Custom, &refusing.url, "");
    let entry = proxy.entry(r, "rejects-stream-options", "refusing");
    let ask = |group: &str| json!({"model": group, "stream": true, "input": "hi"});

    let (status, text) = post_raw(&proxy, "/v1/responses", &[], &ask("plain")).await;
    assert_eq!(status, 200, "{text}");
    assert_eq!(
        plain.bodies()[0]["stream_options"],
        json!({"include_usage": true})
    );
    proxy.state.flush();
    let row = crate::common::log_rows(proxy.state.store(), 1)[0].clone();
    assert_eq!(
        (row.prompt_tokens, row.completion_tokens),
        (Some(11), Some(4))
    );

    for round in 0..2 {
        let (status, text) = post_raw(&proxy, "/v1/responses", &[], &ask("refusing")).await;
        assert_eq!(status, 200, "round {round}: {text}");
        assert!(
            sse_data(&text)
                .iter()
                .any(|e| e.to_string().contains("scripted:rejects-stream-options")),
            "{text}"
        );
    }
    let sent: Vec<bool> = refusing
        .bodies()
        .iter()
        .map(|b| b.get("stream_options").is_some())
        .collect();
    // Refused once, asked again without, and never sent it again.
    assert_eq!(sent, [true, false, false]);
    let entry = proxy.entry_state(entry);
    assert_eq!((entry.cooldown_until_ms, entry.enabled), (0, true));
}

#[tokio::test]
async fn reasoning_sent_back_to_a_chat_channel_that_refuses_it_is_learned_and_left_out() {
    let proxy = Proxy::start().await;
    let refusing = Scripted::start().await;
    let r = proxy.channel_of("R", ChannelKind::Custom, &refusing.url, "");
    let entry = proxy.entry(r, "rejects-reasoning-input", "refusing");
    // Claude Code's second turn: its thinking (unsigned, as a converted answer gave it) comes
    // back before the tool call.
    let turn = messages_body(
        "refusing",
        json!([
            {"role": "user", "content": "Weather?"},
            {"role": "assistant", "content": [
                {"type": "thinking", "thinking": "Look it up.", "signature": ""},
                {"type": "tool_use", "id": "call_1", "name": "get_weather", "input": {"city": "Paris"}}
            ]},
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "call_1", "content": "sunny"}]}
        ]),
        false,
    );
    for round in 0..2 {
        let (status, text) = post_raw(&proxy, "/v1/messages", &[], &turn).await;
        assert_eq!(status, 200, "round {round}: {text}");
        assert!(text.contains("scripted:rejects-reasoning-input"), "{text}");
    }
    let sent: Vec<bool> = refusing
        .bodies()
        .iter()
        .map(|b| b["messages"][1].get("reasoning_content").is_some())
        .collect();
    // Sent once (DeepSeek needs it), refused, asked again without, never sent there again.
    assert_eq!(sent, [true, false, false]);
    let entry = proxy.entry_state(entry);
    assert_eq!((entry.cooldown_until_ms, entry.enabled), (0, true));
}
