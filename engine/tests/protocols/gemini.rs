//! Gemini through the proxy: its `/v1beta` routes, auth by `x-goog-api-key` or `?key=`,
//! errors in Gemini's shape, the model list and `countTokens`; a Gemini client reaching a
//! native `gemini` channel untouched and Anthropic and OpenAI channels converted; other clients
//! reaching a native `gemini` channel in Gemini's own format. (A `gemini` channel whose base
//! ends in `/openai` stays on Google's OpenAI-compatible layer: `cases.rs`.)

use axum::response::{IntoResponse, Response};
use engine::upstream::ChannelKind;
use serde_json::{Value, json};

use super::Recorder;
use crate::common::Proxy;

const GEMINI_TEXT: &str = "Hello from Gemini";

/// The recorder's answer for a native Gemini path (`/v1beta/models/M:generateContent` or
/// `:streamGenerateContent`): a text, or a function call when the request offers tools.
pub fn answer(path: &str, body: &Value) -> Option<Response> {
    let tools = body["tools"].as_array().is_some_and(|t| !t.is_empty());
    let parts = if tools {
        json!([{"text": "Checking."}, {"functionCall": {"name": "get_weather", "args": {"city": "Paris"}}}])
    } else {
        json!([{"text": GEMINI_TEXT}])
    };
    let usage = json!({"promptTokenCount": 11, "candidatesTokenCount": 4, "totalTokenCount": 15});
    if path.ends_with(":generateContent") {
        return Some(
            axum::Json(json!({"candidates": [{"content": {"role": "model", "parts": parts}, "finishReason": "STOP", "index": 0}],
                "usageMetadata": usage, "modelVersion": "gemini-2.5-flash", "responseId": "r-1"}))
            .into_response(),
        );
    }
    if path.ends_with(":streamGenerateContent") {
        let first = json!({"candidates": [{"content": {"role": "model", "parts": [{"text": "Hello"}]}, "index": 0}],
            "modelVersion": "gemini-2.5-flash", "responseId": "r-1"});
        let rest = match tools {
            true => parts,
            false => json!([{"text": " from Gemini"}]),
        };
        let last = json!({"candidates": [{"content": {"role": "model", "parts": rest}, "finishReason": "STOP", "index": 0}],
            "usageMetadata": usage, "modelVersion": "gemini-2.5-flash", "responseId": "r-1"});
        return Some(super::sse(&format!(
            "data: {first}\r\n\r\ndata: {last}\r\n\r\n"
        )));
    }
    None
}

fn gemini_request() -> Value {
    json!({
        "contents": [{"role": "user", "parts": [{"text": "What is the weather in Paris?"}]}],
        "systemInstruction": {"parts": [{"text": "Be brief."}]},
        "generationConfig": {"maxOutputTokens": 256, "topK": 40},
        "safetySettings": [{"category": "HARM_CATEGORY_HARASSMENT", "threshold": "BLOCK_NONE"}]
    })
}

fn with_tools(mut body: Value) -> Value {
    body["tools"] = json!([{"functionDeclarations": [{"name": "get_weather", "description": "Weather",
        "parameters": {"type": "OBJECT", "properties": {"city": {"type": "STRING"}}, "required": ["city"]}}]}]);
    body
}

async fn post(proxy: &Proxy, path: &str, headers: &[(&str, &str)], body: &str) -> (u16, String) {
    let mut request = proxy
        .http
        .post(format!("{}{path}", proxy.url))
        .body(body.to_owned());
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.expect("send");
    let status = response.status().as_u16();
    (status, response.text().await.expect("body"))
}

async fn get(proxy: &Proxy, path: &str, headers: &[(&str, &str)]) -> (u16, Value) {
    let mut request = proxy.http.get(format!("{}{path}", proxy.url));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.expect("send");
    let status = response.status().as_u16();
    (status, response.json().await.expect("json"))
}

/// The `data:` chunks of an SSE answer, parsed.
fn chunks(text: &str) -> Vec<Value> {
    text.lines()
        .filter_map(|line| line.strip_prefix("data: "))
        .map(|data| serde_json::from_str(data).unwrap_or_else(|e| panic!("{data}: {e}")))
        .collect()
}

fn gemini_error(text: &str, code: u16, status: &str) {
    let body: Value = serde_json::from_str(text).unwrap_or_else(|e| panic!("{text}: {e}"));
    assert_eq!(body["error"]["code"], code, "{body}");
    assert_eq!(body["error"]["status"], status, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty())
    );
}

async fn keyed_proxy() -> Proxy {
    let proxy = Proxy::start().await;
    let mut settings = crate::common::test_settings();
    settings.require_access_key = true;
    proxy.apply_settings(&settings);
    proxy
        .state
        .store()
        .create_access_key("gemini", "sk-as-gemini")
        .expect("key");
    proxy.state.reload().expect("reload");
    proxy
}

#[tokio::test]
async fn gemini_routes_authenticate_and_answer_errors_in_gemini_shape() {
    let upstream = Recorder::start().await;
    let proxy = keyed_proxy().await;
    let channel = proxy.channel_of("g", ChannelKind::Gemini, &upstream.url, "");
    // Not in `auto`, so an unknown model has nowhere to go.
    proxy.entry(channel, "gemini-2.5-flash", "pinned");
    let body = gemini_request().to_string();
    let path = "/v1beta/models/gemini-2.5-flash:generateContent";

    let (status, text) = post(&proxy, path, &[], &body).await;
    assert_eq!(status, 401);
    gemini_error(&text, 401, "UNAUTHENTICATED");
    let (status, text) = post(&proxy, path, &[("x-goog-api-key", "sk-wrong")], &body).await;
    assert_eq!(status, 401);
    gemini_error(&text, 401, "UNAUTHENTICATED");
    assert_eq!(upstream.count(), 0, "nothing reached the upstream");

    let key = [("x-goog-api-key", "sk-as-gemini")];
    let (status, text) = post(&proxy, path, &key, &body).await;
    assert_eq!(status, 200, "{text}");
    let (status, _) = post(&proxy, &format!("{path}?key=sk-as-gemini"), &[], &body).await;
    assert_eq!(status, 200, "the key as Google's ?key= parameter");

    let (status, text) = post(&proxy, "/v1beta/models/nope:generateContent", &key, &body).await;
    assert_eq!(status, 404);
    gemini_error(&text, 404, "NOT_FOUND");
    let (status, text) = post(&proxy, path, &key, r#"{"generationConfig":{}}"#).await;
    assert_eq!(status, 400);
    gemini_error(&text, 400, "INVALID_ARGUMENT");
    assert!(text.contains("contents"), "{text}");
    let (status, text) = post(&proxy, path, &key, "{not json").await;
    assert_eq!(status, 400);
    gemini_error(&text, 400, "INVALID_ARGUMENT");
    let (status, text) = post(&proxy, "/v1beta/models/m:embedEverything", &key, &body).await;
    assert_eq!(status, 404);
    gemini_error(&text, 404, "NOT_FOUND");
    let (status, text) = post(&proxy, "/v1beta/cachedContents", &key, "{}").await;
    assert_eq!(status, 404);
    gemini_error(&text, 404, "NOT_FOUND");
}

#[tokio::test]
async fn models_list_and_count_tokens() {
    let upstream = Recorder::start().await;
    let proxy = keyed_proxy().await;
    let channel = proxy.channel_of("a", ChannelKind::Anthropic, &upstream.url, "");
    proxy.entry(channel, "claude-sonnet-4-5", "auto");
    let key = [("x-goog-api-key", "sk-as-gemini")];

    let (status, body) = get(&proxy, "/v1beta/models", &key).await;
    assert_eq!(status, 200, "{body}");
    let names: Vec<&str> = body["models"]
        .as_array()
        .expect("models")
        .iter()
        .filter_map(|m| m["name"].as_str())
        .collect();
    assert!(names.contains(&"models/claude-sonnet-4-5"), "{names:?}");
    assert!(names.contains(&"models/auto"), "{names:?}");
    let (status, body) = get(&proxy, "/v1beta/models/claude-sonnet-4-5", &key).await;
    assert_eq!(status, 200);
    assert_eq!(body["name"], "models/claude-sonnet-4-5");
    let (status, body) = get(&proxy, "/v1beta/models/unknown-model", &key).await;
    assert_eq!(
        (status, &body["error"]["status"]),
        (404, &json!("NOT_FOUND"))
    );
    let (status, body) = get(&proxy, "/v1beta/models", &[]).await;
    assert_eq!((status, &body["error"]["code"]), (401, &json!(401)));

    let (status, text) = post(
        &proxy,
        "/v1beta/models/claude-sonnet-4-5:countTokens",
        &key,
        &gemini_request().to_string(),
    )
    .await;
    assert_eq!(status, 200, "{text}");
    let counted: Value = serde_json::from_str(&text).expect("json");
    assert!(
        counted["totalTokens"].as_u64().unwrap_or(0) > 0,
        "{counted}"
    );
    assert_eq!(upstream.count(), 0, "counted locally");
}

#[tokio::test]
async fn a_gemini_client_reaches_a_native_gemini_channel_untouched() {
    let upstream = Recorder::start().await;
    let proxy = Proxy::start().await;
    let channel = proxy.channel_of("g", ChannelKind::Gemini, &upstream.url, "");
    proxy.entry(channel, "gemini-2.5-flash", "auto");
    let body = with_tools(gemini_request()).to_string();

    let (status, text) = post(&proxy, "/v1beta/models/auto:generateContent", &[], &body).await;
    assert_eq!(status, 200, "{text}");
    let answer: Value = serde_json::from_str(&text).expect("json");
    assert_eq!(
        answer["candidates"][0]["content"]["parts"][1]["functionCall"]["name"],
        "get_weather"
    );
    let seen = upstream.last();
    assert_eq!(seen.path, "/v1beta/models/gemini-2.5-flash:generateContent");
    assert_eq!(seen.headers["x-goog-api-key"], "sk-secret-g");
    assert!(seen.headers.get("authorization").is_none());
    assert_eq!(
        seen.body,
        serde_json::from_str::<Value>(&body).expect("json"),
        "untouched"
    );

    let (status, text) = post(
        &proxy,
        "/v1beta/models/auto:streamGenerateContent?alt=sse",
        &[],
        &body,
    )
    .await;
    assert_eq!(status, 200, "{text}");
    let seen = upstream.last();
    assert_eq!(
        seen.path,
        "/v1beta/models/gemini-2.5-flash:streamGenerateContent"
    );
    assert_eq!(seen.query, "alt=sse");
    assert!(
        text.contains("\r\n\r\n"),
        "the upstream's bytes as they came: {text:?}"
    );
    let chunks = chunks(&text);
    assert_eq!(
        chunks.last().expect("chunks")["candidates"][0]["finishReason"],
        "STOP"
    );
}

#[tokio::test]
async fn a_gemini_client_reaches_anthropic_and_openai_channels_converted() {
    let upstream = Recorder::start().await;
    let proxy = Proxy::start().await;
    let anthropic = proxy.channel_of("a", ChannelKind::Anthropic, &upstream.url, "");
    proxy.entry(anthropic, "claude-sonnet-4-5", "auto");
    let openai = proxy.channel_of("o", ChannelKind::Openai, &upstream.url, "");
    proxy.entry(openai, "gpt-4o", "auto");
    let body = with_tools(gemini_request()).to_string();

    for (model, path, text_said) in [
        // The recorder's Chat stream with tools is the call alone.
        ("claude-sonnet-4-5", "/v1/messages", "Hello from Claude"),
        ("gpt-4o", "/v1/chat/completions", ""),
    ] {
        let (status, text) = post(
            &proxy,
            &format!("/v1beta/models/{model}:streamGenerateContent?alt=sse"),
            &[],
            &body,
        )
        .await;
        assert_eq!(status, 200, "{model}: {text}");
        let seen = upstream.last();
        assert_eq!(seen.path, path);
        assert_eq!(seen.body["model"], model);
        assert_eq!(
            seen.body["stream"], true,
            "{model}: the URL asked for a stream"
        );
        assert_eq!(seen.body["tools"].as_array().map(Vec::len), Some(1));
        let chunks = chunks(&text);
        let parts: Vec<&Value> = chunks
            .iter()
            .flat_map(|c| {
                c["candidates"][0]["content"]["parts"]
                    .as_array()
                    .into_iter()
                    .flatten()
            })
            .collect();
        let said: String = parts.iter().filter_map(|p| p["text"].as_str()).collect();
        assert_eq!(said, text_said, "{model}");
        let call = parts
            .iter()
            .find_map(|p| p.get("functionCall"))
            .expect("a call");
        assert_eq!(call["args"], json!({"city": "Paris"}), "{model}");
        let last = chunks.last().expect("chunks");
        assert_eq!(last["candidates"][0]["finishReason"], "STOP");
        // The recorder's Chat stream reports no usage; Anthropic's does (10 in, 5 out).
        let total = last["usageMetadata"]["totalTokenCount"].as_u64();
        assert!(total.is_some(), "{last}");
        if model.starts_with("claude") {
            assert_eq!(total, Some(15), "{last}");
        }

        let (status, text) = post(
            &proxy,
            &format!("/v1beta/models/{model}:generateContent"),
            &[],
            &body,
        )
        .await;
        assert_eq!(status, 200, "{model}: {text}");
        let answer: Value = serde_json::from_str(&text).expect("json");
        assert_eq!(answer["candidates"][0]["finishReason"], "STOP");
        assert!(
            upstream
                .last()
                .body
                .get("stream")
                .is_none_or(|s| s == false)
        );
    }
}

#[tokio::test]
async fn other_clients_reach_a_native_gemini_channel_in_geminis_format() {
    let upstream = Recorder::start().await;
    let proxy = Proxy::start().await;
    let channel = proxy.channel_of(
        "g",
        ChannelKind::Gemini,
        &format!("{}/v1beta", upstream.url),
        "",
    );
    proxy.entry(channel, "gemini-2.5-flash", "auto");

    let (status, body) = proxy
        .post(
            "/v1/chat/completions",
            json!({"model": "gemini-2.5-flash", "messages": [
                {"role": "system", "content": "Be brief."}, {"role": "user", "content": "hi"}]}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["choices"][0]["message"]["content"], GEMINI_TEXT);
    assert_eq!(body["usage"]["prompt_tokens"], 11);
    let seen = upstream.last();
    assert_eq!(seen.path, "/v1beta/models/gemini-2.5-flash:generateContent");
    assert_eq!(seen.headers["x-goog-api-key"], "sk-secret-g");
    assert_eq!(
        seen.body["systemInstruction"]["parts"][0]["text"],
        "Be brief."
    );
    assert_eq!(seen.body["contents"][0]["parts"][0]["text"], "hi");
    assert!(seen.body.get("model").is_none() && seen.body.get("messages").is_none());

    let (status, body) = proxy
        .post(
            "/v1/messages",
            json!({"model": "gemini-2.5-flash", "max_tokens": 100, "messages": [{"role": "user", "content": "hi"}],
                "tools": [{"name": "get_weather", "input_schema": {"type": "object"}}]}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["stop_reason"], "tool_use");
    assert_eq!(body["content"][1]["input"], json!({"city": "Paris"}));
}
