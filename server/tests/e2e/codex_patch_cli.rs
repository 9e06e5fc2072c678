//! Issue 23 finding 1: the real Codex CLI edits a file with its freeform `apply_patch` tool
//! through a Chat channel and an Anthropic channel. Codex offers `apply_patch` as a custom
//! (raw text) tool when its model catalog says so; the providers see a function with one
//! string argument and call it; Codex must receive a `custom_tool_call` with the raw patch,
//! apply it, and send the result back.

use super::agent_cli::{connect, node_bin, run_clean, text};
use super::support;

use std::sync::{Arc, Mutex};

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use engine::upstream::ChannelKind;
use serde_json::{Value, json};

const FINAL: &str = "The patch is applied.";

type Seen = Arc<Mutex<Vec<Value>>>;

fn patch(file: &str) -> String {
    format!("*** Begin Patch\n*** Add File: {file}\n+written by apply_patch\n*** End Patch\n")
}

/// Codex's model catalog entry that makes it offer `apply_patch` as a freeform tool.
fn catalog(models: &[&str]) -> Value {
    let entry = |slug: &str| {
        json!({"slug": slug, "display_name": slug, "apply_patch_tool_type": "freeform",
            "base_instructions": "You are a coding agent.", "supported_reasoning_levels": [],
            "shell_type": "default", "visibility": "list", "supported_in_api": true, "priority": 1,
            "support_verbosity": false, "truncation_policy": {"mode": "bytes", "limit": 10000},
            "experimental_supported_tools": []})
    };
    json!({"models": models.iter().map(|m| entry(m)).collect::<Vec<_>>()})
}

fn sse(events: Vec<String>) -> Response {
    ([("content-type", "text/event-stream")], events.concat()).into_response()
}

/// Whether the history already holds the patch call's result.
fn patched(body: &Value) -> bool {
    body.to_string().contains("call_patch_1") && body.to_string().contains("Success")
}

async fn chat(State(seen): State<Seen>, Json(body): Json<Value>) -> Response {
    seen.lock().expect("seen").push(body.clone());
    let offers = body["tools"]
        .as_array()
        .is_some_and(|t| t.iter().any(|t| t["function"]["name"] == "apply_patch"));
    let chunk = |delta: Value, finish: Value| {
        let chunk = json!({"id": "chatcmpl-p", "object": "chat.completion.chunk", "created": 1,
            "model": "patcher-chat", "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]});
        format!("data: {chunk}\n\n")
    };
    let (delta, finish) = if offers && !patched(&body) {
        let arguments = json!({"input": patch("from-chat.txt")}).to_string();
        (
            json!({"tool_calls": [{"index": 0, "id": "call_patch_1", "type": "function",
                "function": {"name": "apply_patch", "arguments": arguments}}]}),
            "tool_calls",
        )
    } else {
        (
            json!({"content": if offers { FINAL } else { "ok" }}),
            "stop",
        )
    };
    sse(vec![
        chunk(json!({"role": "assistant", "content": ""}), Value::Null),
        chunk(delta, Value::Null),
        chunk(json!({}), json!(finish)),
        "data: [DONE]\n\n".to_owned(),
    ])
}

async fn messages(State(seen): State<Seen>, Json(body): Json<Value>) -> Response {
    seen.lock().expect("seen").push(body.clone());
    let offers = body["tools"]
        .as_array()
        .is_some_and(|t| t.iter().any(|t| t["name"] == "apply_patch"));
    let event = |data: Value| {
        format!(
            "event: {}\ndata: {data}\n\n",
            data["type"].as_str().unwrap_or_default()
        )
    };
    let mut events = vec![event(
        json!({"type": "message_start", "message": {"id": "msg_p",
        "type": "message", "role": "assistant", "model": "patcher-claude", "content": [],
        "usage": {"input_tokens": 5, "output_tokens": 1}}}),
    )];
    let stop = if offers && !patched(&body) {
        let input = json!({"input": patch("from-anthropic.txt")}).to_string();
        events.push(event(
            json!({"type": "content_block_start", "index": 0, "content_block":
            {"type": "tool_use", "id": "call_patch_1", "name": "apply_patch", "input": {}}}),
        ));
        events.push(event(
            json!({"type": "content_block_delta", "index": 0, "delta":
            {"type": "input_json_delta", "partial_json": input}}),
        ));
        "tool_use"
    } else {
        events.push(event(json!({"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}})));
        events.push(event(
            json!({"type": "content_block_delta", "index": 0, "delta":
            {"type": "text_delta", "text": if offers { FINAL } else { "ok" }}}),
        ));
        "end_turn"
    };
    events.push(event(json!({"type": "content_block_stop", "index": 0})));
    events.push(event(json!({"type": "message_delta", "delta": {"stop_reason": stop}, "usage": {"output_tokens": 3}})));
    events.push(event(json!({"type": "message_stop"})));
    sse(events)
}

#[tokio::test(flavor = "multi_thread")]
async fn codex_applies_a_patch_with_its_freeform_tool_through_chat_and_anthropic_channels() {
    let codex = node_bin("codex");
    let seen: Seen = Arc::default();
    let app = axum::Router::new()
        .route("/v1/chat/completions", axum::routing::post(chat))
        .route("/v1/messages", axum::routing::post(messages))
        .with_state(seen.clone());
    let provider = format!("http://{}", support::serve_on_loopback(app).await);

    let data = tempfile::tempdir().expect("data");
    support::seed_channels(
        data.path(),
        &[
            (
                "chat",
                ChannelKind::Custom,
                format!("{provider}/v1"),
                "patcher-chat",
            ),
            (
                "anthropic",
                ChannelKind::Anthropic,
                provider.clone(),
                "patcher-claude",
            ),
        ],
    );

    let (outputs, work) = tokio::task::spawn_blocking(move || {
        let server = support::serve_data(data.path());
        let home = tempfile::tempdir().expect("home");
        let work = tempfile::tempdir().expect("work");
        connect(home.path(), data.path(), &server.base_url, "codex", false);
        let catalog_file = home.path().join("catalog.json");
        std::fs::write(
            &catalog_file,
            catalog(&["patcher-chat", "patcher-claude"]).to_string(),
        )
        .expect("catalog");
        std::thread::sleep(std::time::Duration::from_millis(1500));
        let catalog_option = format!("model_catalog_json={}", catalog_file.display());
        let outputs: Vec<_> = ["patcher-chat", "patcher-claude"]
            .iter()
            .map(|model| {
                run_clean(
                    &codex,
                    &[
                        "exec",
                        "--skip-git-repo-check",
                        "--ephemeral",
                        // The patch only adds a file in the work folder; no sandbox helper here.
                        "--sandbox",
                        "danger-full-access",
                        "-c",
                        &catalog_option,
                        "-m",
                        model,
                        "Add the file the task needs.",
                    ],
                    home.path(),
                    work.path(),
                )
            })
            .collect();
        drop(server);
        (outputs, work)
    })
    .await
    .expect("Codex ran");

    let offered = seen.lock().expect("seen").clone();
    for (model, output, file) in [
        ("patcher-chat", &outputs[0], "from-chat.txt"),
        ("patcher-claude", &outputs[1], "from-anthropic.txt"),
    ] {
        assert!(output.status.success(), "{model}: {}", text(output));
        let written = std::fs::read_to_string(work.path().join(file))
            .unwrap_or_else(|e| panic!("{model}: {file} was not written ({e}): {}", text(output)));
        assert_eq!(written.trim_end(), "written by apply_patch");
        assert!(
            String::from_utf8_lossy(&output.stdout).contains(FINAL),
            "{model}: {}",
            text(output)
        );
        assert!(
            offered.iter().any(|b| b["model"] == model && patched(b)),
            "{model}: the patch's result went back to the provider"
        );
    }
}
