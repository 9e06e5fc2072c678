//! The official `anthropic` and `openai` Python SDKs across protocols: an Anthropic client
//! against an `openai`-type channel (converted) and an `anthropic` one (passed through), and an
//! OpenAI client (Chat Completions and Responses) against an `anthropic` channel. Streaming and
//! tool calls each way. The upstream below speaks both protocols by path, like the real APIs.

use std::path::Path;

use axum::Json;
use axum::body::Body;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::{run, serve, venv_python};

fn sse(text: String) -> Response {
    Response::builder()
        .header("content-type", "text/event-stream")
        .body(Body::from(text))
        .expect("response")
}

fn wants_tools(body: &Value) -> bool {
    body["tools"].as_array().is_some_and(|t| !t.is_empty())
}

/// OpenAI Chat Completions: "hello from openai", or a `get_weather` call when tools are offered.
async fn chat(Json(body): Json<Value>) -> Response {
    let tools = wants_tools(&body);
    let model = body["model"].clone();
    if body["stream"].as_bool() != Some(true) {
        let message = if tools {
            json!({"role": "assistant", "content": null, "tool_calls": [{"id": "call_1", "type": "function",
                   "function": {"name": "get_weather", "arguments": "{\"city\":\"Paris\"}"}}]})
        } else {
            json!({"role": "assistant", "content": "hello from openai"})
        };
        let finish = if tools { "tool_calls" } else { "stop" };
        return Json(
            json!({"id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": model,
            "choices": [{"index": 0, "message": message, "finish_reason": finish}],
            "usage": {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5}}),
        )
        .into_response();
    }
    let chunk = |delta: Value, finish: Value| {
        let c = json!({"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1, "model": model,
                       "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]});
        format!("data: {c}\n\n")
    };
    let mut out = chunk(json!({"role": "assistant", "content": ""}), Value::Null);
    if tools {
        out += &chunk(
            json!({"tool_calls": [{"index": 0, "id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": ""}}]}),
            Value::Null,
        );
        for part in ["{\"city\":", "\"Paris\"}"] {
            out += &chunk(
                json!({"tool_calls": [{"index": 0, "function": {"arguments": part}}]}),
                Value::Null,
            );
        }
        out += &chunk(json!({}), json!("tool_calls"));
    } else {
        out += &chunk(json!({"content": "hello"}), Value::Null);
        out += &chunk(json!({"content": " from openai"}), Value::Null);
        out += &chunk(json!({}), json!("stop"));
    }
    out += "data: [DONE]\n\n";
    sse(out)
}

fn event(name: &str, data: Value) -> String {
    format!("event: {name}\ndata: {data}\n\n")
}

/// Anthropic Messages: "hello from claude", or a `get_weather` tool use when tools are offered.
async fn messages(Json(body): Json<Value>) -> Response {
    let tools = wants_tools(&body);
    let model = body["model"].clone();
    let stop = if tools { "tool_use" } else { "end_turn" };
    if body["stream"].as_bool() != Some(true) {
        let content = if tools {
            json!([{"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {"city": "Paris"}}])
        } else {
            json!([{"type": "text", "text": "hello from claude"}])
        };
        return Json(
            json!({"id": "msg_1", "type": "message", "role": "assistant", "model": model,
            "content": content, "stop_reason": stop, "stop_sequence": null,
            "usage": {"input_tokens": 3, "output_tokens": 2}}),
        )
        .into_response();
    }
    let mut out = event(
        "message_start",
        json!({"type": "message_start", "message": {"id": "msg_1", "type": "message", "role": "assistant",
               "model": model, "content": [], "stop_reason": null, "stop_sequence": null,
               "usage": {"input_tokens": 3, "output_tokens": 1}}}),
    );
    let (block, deltas) = if tools {
        (
            json!({"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {}}),
            ["{\"city\":", "\"Paris\"}"]
                .map(|p| json!({"type": "input_json_delta", "partial_json": p})),
        )
    } else {
        (
            json!({"type": "text", "text": ""}),
            ["hello", " from claude"].map(|t| json!({"type": "text_delta", "text": t})),
        )
    };
    out += &event(
        "content_block_start",
        json!({"type": "content_block_start", "index": 0, "content_block": block}),
    );
    out += &event("ping", json!({"type": "ping"}));
    for delta in deltas {
        out += &event(
            "content_block_delta",
            json!({"type": "content_block_delta", "index": 0, "delta": delta}),
        );
    }
    out += &event(
        "content_block_stop",
        json!({"type": "content_block_stop", "index": 0}),
    );
    out += &event(
        "message_delta",
        json!({"type": "message_delta", "delta": {"stop_reason": stop, "stop_sequence": null}, "usage": {"output_tokens": 2}}),
    );
    out += &event("message_stop", json!({"type": "message_stop"}));
    sse(out)
}

async fn start_two_protocol_upstream() -> String {
    let app = axum::Router::new()
        .route("/v1/chat/completions", axum::routing::post(chat))
        .route("/v1/messages", axum::routing::post(messages));
    super::serve_on_loopback(app).await
}

/// Runs one script of end2end/ against the server; it must print `ok_marker`.
async fn run_script(name: &str, server_url: &str, ok_marker: &str) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../end2end")
        .join(name);
    let output = tokio::process::Command::new(venv_python())
        .arg(script)
        .arg(server_url)
        .output()
        .await
        .expect("run python");
    assert!(
        output.status.success(),
        "{name} failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains(ok_marker));
}

#[tokio::test]
async fn the_official_sdks_work_across_protocols_streaming_and_with_tools() {
    let upstream = start_two_protocol_upstream().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("config.json");
    let config = json!({"version": 1, "settings": {}, "channels": [
        {"name": "oa", "api_type": "openai", "base_url": upstream, "api_key": "sk-oa-0123456789",
         "entries": [{"model": "gpt-test", "group": "via-openai"}]},
        {"name": "an", "api_type": "anthropic", "base_url": upstream, "api_key": "sk-an-0123456789",
         "entries": [{"model": "claude-test", "group": "via-anthropic"}]}
    ]});
    std::fs::write(&file, config.to_string()).expect("write");
    run(&["import", file.to_str().expect("utf-8 path")], dir.path());
    let server = serve(dir.path()).await;
    run_script("anthropic_sdk_proxy.py", &server.url, "anthropic sdk ok").await;
    run_script(
        "openai_sdk_protocols.py",
        &server.url,
        "openai sdk protocols ok",
    )
    .await;
}
