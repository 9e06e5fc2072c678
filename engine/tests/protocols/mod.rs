//! Protocols through the proxy on real sockets: each inbound protocol (Chat Completions,
//! Anthropic Messages, Responses, Gemini) against each channel kind, stream and not, tools included.
//! The `Recorder` upstream speaks every upstream protocol by path and records what it received,
//! so tests check both the request the channel got (path, query, auth, body) and the answer the
//! client got. Shares the `streaming` test binary to save link time.

use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use engine::upstream::ChannelKind;
use serde_json::{Value, json};

use crate::common::Proxy;

mod cases;
mod gemini;

/// What the recorder received.
#[derive(Clone, Debug)]
pub struct Received {
    pub path: String,
    pub query: String,
    pub headers: axum::http::HeaderMap,
    pub body: Value,
}

/// An upstream that answers in the protocol its path names and records every request. The model
/// chooses failures: `fail-529`, `fail-400`, `cut` (a stream that stops after some content),
/// `preamble-error` (an Anthropic stream whose first event after the preamble is an error).
#[derive(Clone)]
pub struct Recorder {
    pub url: String,
    seen: Arc<Mutex<Vec<Received>>>,
}

impl Recorder {
    pub async fn start() -> Recorder {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let app = axum::Router::new()
            .fallback(record)
            .with_state(seen.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind recorder");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        tokio::spawn(async move { axum::serve(listener, app).await });
        Recorder { url, seen }
    }

    pub fn last(&self) -> Received {
        self.seen
            .lock()
            .expect("seen")
            .last()
            .cloned()
            .expect("the recorder received a request")
    }

    pub fn count(&self) -> usize {
        self.seen.lock().expect("seen").len()
    }
}

async fn record(State(seen): State<Arc<Mutex<Vec<Received>>>>, request: Request) -> Response {
    let path = request.uri().path().to_owned();
    let query = request.uri().query().unwrap_or_default().to_owned();
    let headers = request.headers().clone();
    let raw = axum::body::to_bytes(request.into_body(), 1 << 20)
        .await
        .expect("body");
    let body: Value = serde_json::from_slice(&raw).unwrap_or(Value::Null);
    seen.lock().expect("seen").push(Received {
        path: path.clone(),
        query,
        headers,
        body: body.clone(),
    });
    let model = body["model"].as_str().unwrap_or_default();
    let stream = body["stream"].as_bool() == Some(true);
    let tools = body["tools"].as_array().is_some_and(|t| !t.is_empty());
    if let Some(answer) = gemini::answer(&path, &body) {
        return answer;
    }
    if path.ends_with("/count_tokens") {
        return axum::Json(json!({"input_tokens": 42})).into_response();
    }
    if path.ends_with("/messages") {
        return match model {
            "fail-529" => error(529, ANTHROPIC_OVERLOADED),
            "fail-400" => error(400, ANTHROPIC_BAD_REQUEST),
            "cut" => sse(&cut(
                anthropic_stream(model, false),
                "event: content_block_stop",
            )),
            "preamble-error" => sse(&format!(
                "{}event: error\ndata: {ANTHROPIC_OVERLOADED}\n\n",
                cut(anthropic_stream(model, false), "event: ping")
            )),
            _ if stream => sse(&anthropic_stream(model, tools)),
            _ => axum::Json(anthropic_message(model, tools)).into_response(),
        };
    }
    if path.ends_with("/responses") {
        return axum::Json(json!({"id": "resp_1", "object": "response", "status": "completed",
            "model": model, "output": [{"type": "message", "id": "m1", "role": "assistant", "status": "completed",
            "content": [{"type": "output_text", "text": "native responses", "annotations": []}]}],
            "usage": {"input_tokens": 3, "output_tokens": 2, "total_tokens": 5}}))
        .into_response();
    }
    match model {
        "fail-529" => error(529, r#"{"error":{"message":"busy","type":"server_error"}}"#),
        "fail-400" => error(
            400,
            r#"{"error":{"message":"bad temperature","type":"invalid_request_error"}}"#,
        ),
        "cut" => sse(&cut(chat_stream(model, false), "finish_reason\":\"stop")),
        _ if stream => sse(&chat_stream(model, tools)),
        _ => axum::Json(chat_completion(model, tools)).into_response(),
    }
}

const ANTHROPIC_OVERLOADED: &str =
    r#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#;
const ANTHROPIC_BAD_REQUEST: &str = r#"{"type":"error","error":{"type":"invalid_request_error","message":"max_tokens: too large"}}"#;

/// The events of `stream` before the first one containing `marker`.
fn cut(stream: String, marker: &str) -> String {
    let kept: Vec<&str> = stream
        .split_inclusive("\n\n")
        .take_while(|event| !event.contains(marker))
        .collect();
    kept.concat()
}

fn error(status: u16, body: &'static str) -> Response {
    let status = StatusCode::from_u16(status).expect("status");
    (status, [("content-type", "application/json")], body).into_response()
}

pub fn sse(text: &str) -> Response {
    Response::builder()
        .header("content-type", "text/event-stream")
        .body(Body::from(text.to_owned()))
        .expect("response")
}

fn anthropic_message(model: &str, tools: bool) -> Value {
    let (content, stop) = if tools {
        (
            json!([{"type": "text", "text": "Checking."},
                   {"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {"city": "Paris"}}]),
            "tool_use",
        )
    } else {
        (
            json!([{"type": "text", "text": "Hello from Claude"}]),
            "end_turn",
        )
    };
    json!({"id": "msg_1", "type": "message", "role": "assistant", "model": model, "content": content,
           "stop_reason": stop, "stop_sequence": null, "usage": {"input_tokens": 10, "output_tokens": 5}})
}

fn event(name: &str, data: Value) -> String {
    format!("event: {name}\ndata: {data}\n\n")
}

/// Anthropic's documented stream order: message_start, block start, ping, deltas, block stop,
/// message_delta, message_stop.
pub fn anthropic_stream(model: &str, tools: bool) -> String {
    let mut out = event(
        "message_start",
        json!({"type": "message_start", "message": {"id": "msg_1", "type": "message", "role": "assistant",
               "model": model, "content": [], "stop_reason": null, "usage": {"input_tokens": 10, "output_tokens": 1}}}),
    );
    out += &event(
        "content_block_start",
        json!({"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}}),
    );
    out += &event("ping", json!({"type": "ping"}));
    for piece in ["Hello", " from Claude"] {
        out += &event(
            "content_block_delta",
            json!({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": piece}}),
        );
    }
    out += &event(
        "content_block_stop",
        json!({"type": "content_block_stop", "index": 0}),
    );
    let mut stop = "end_turn";
    if tools {
        stop = "tool_use";
        out += &event(
            "content_block_start",
            json!({"type": "content_block_start", "index": 1, "content_block": {"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {}}}),
        );
        for part in [r#"{"city":"#, r#""Paris"}"#] {
            out += &event(
                "content_block_delta",
                json!({"type": "content_block_delta", "index": 1, "delta": {"type": "input_json_delta", "partial_json": part}}),
            );
        }
        out += &event(
            "content_block_stop",
            json!({"type": "content_block_stop", "index": 1}),
        );
    }
    out += &event(
        "message_delta",
        json!({"type": "message_delta", "delta": {"stop_reason": stop, "stop_sequence": null}, "usage": {"output_tokens": 5}}),
    );
    out += &event("message_stop", json!({"type": "message_stop"}));
    out
}

fn chat_completion(model: &str, tools: bool) -> Value {
    let message = if tools {
        json!({"role": "assistant", "content": null, "tool_calls": [{"id": "call_1", "type": "function",
               "function": {"name": "get_weather", "arguments": "{\"city\":\"Paris\"}"}}]})
    } else {
        json!({"role": "assistant", "content": "Hello from GPT"})
    };
    let finish = if tools { "tool_calls" } else { "stop" };
    json!({"id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": model,
           "choices": [{"index": 0, "message": message, "finish_reason": finish}],
           "usage": {"prompt_tokens": 7, "completion_tokens": 3, "total_tokens": 10}})
}

fn chat_chunk(model: &str, delta: Value, finish: Value) -> String {
    let chunk = json!({"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1, "model": model,
                       "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]});
    format!("data: {chunk}\n\n")
}

fn chat_stream(model: &str, tools: bool) -> String {
    let mut out = chat_chunk(
        model,
        json!({"role": "assistant", "content": ""}),
        Value::Null,
    );
    if tools {
        out += &chat_chunk(
            model,
            json!({"tool_calls": [{"index": 0, "id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": ""}}]}),
            Value::Null,
        );
        out += &chat_chunk(
            model,
            json!({"tool_calls": [{"index": 0, "function": {"arguments": "{\"city\":\"Paris\"}"}}]}),
            Value::Null,
        );
        out += &chat_chunk(model, json!({}), json!("tool_calls"));
    } else {
        for piece in ["Hello", " from GPT"] {
            out += &chat_chunk(model, json!({"content": piece}), Value::Null);
        }
        out += &chat_chunk(model, json!({}), json!("stop"));
    }
    out += "data: [DONE]\n\n";
    out
}

/// A proxy with one channel of `kind` on a fresh recorder, serving model `model`.
pub async fn proxy_with(kind: ChannelKind, model: &str) -> (Proxy, Recorder) {
    let proxy = Proxy::start().await;
    let recorder = Recorder::start().await;
    let channel = proxy.channel_of("R", kind, &recorder.url, "");
    proxy.entry(channel, model, "auto");
    (proxy, recorder)
}

/// Posts `body` to `path` with extra headers; the status and the raw text.
pub async fn post_raw(
    proxy: &Proxy,
    path: &str,
    headers: &[(&str, &str)],
    body: &Value,
) -> (u16, String) {
    let mut request = proxy.http.post(format!("{}{path}", proxy.url)).json(body);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.expect("send");
    let status = response.status().as_u16();
    (status, response.text().await.expect("text"))
}

/// The `data:` payloads of an SSE text, parsed where they are JSON.
pub fn sse_data(text: &str) -> Vec<Value> {
    text.lines()
        .filter_map(|line| line.strip_prefix("data: "))
        .map(|data| serde_json::from_str(data).unwrap_or(Value::String(data.to_owned())))
        .collect()
}

/// The `event:` names of an SSE text, in order.
pub fn sse_names(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|line| line.strip_prefix("event: "))
        .map(str::to_owned)
        .collect()
}
