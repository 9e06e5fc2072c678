//! Issue 22: reasoning survives a converted coding-agent session. The real Claude Code and
//! Codex CLIs run a tool turn through API Switch to channels of another protocol whose mock
//! providers, like the real ones, refuse the next turn unless the reasoning comes back:
//!
//! - a DeepSeek-style Chat channel: the assistant turn that called the tool must carry the
//!   `reasoning_content` the provider gave (DeepSeek answers 400 otherwise);
//! - an Anthropic channel with thinking: the assistant turn must start with the thinking block
//!   and its exact signature (Anthropic answers 400 otherwise).
//!
//! Each CLI must really run the tool (its output reaches the provider) and print the final
//! answer, which the providers only give once the reasoning came back.

use super::agent_cli::{connect, node_bin, run_clean, text};
use super::support;

use std::path::Path;
use std::sync::{Arc, Mutex};

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use engine::upstream::ChannelKind;
use serde_json::{Value, json};

const THOUGHT: &str = "The user wants the marker printed; I will run echo.";
const SIGNATURE: &str = "EqQBCgIYAhIMsigReasoningRoundTrip";
const MARKER: &str = "reasoning-round-trip-ok";
const FINAL: &str = "The command printed the marker, and I remembered why.";

type Seen = Arc<Mutex<Vec<Value>>>;

/// The mock provider: Chat Completions at `/v1/chat/completions`, Anthropic Messages at
/// `/v1/messages`, every body recorded.
async fn provider() -> (String, Seen) {
    let seen: Seen = Arc::default();
    let app = axum::Router::new()
        .route("/v1/chat/completions", axum::routing::post(chat))
        .route("/v1/messages", axum::routing::post(messages))
        .route(
            "/v1/messages/count_tokens",
            axum::routing::post(|| async { Json(json!({"input_tokens": 42})) }),
        )
        .with_state(seen.clone());
    let url = format!("http://{}", support::serve_on_loopback(app).await);
    (url, seen)
}

/// The shell call this client's tools take, by the tool's name.
fn shell_call(tool_names: &[String]) -> Option<(String, Value)> {
    let command = format!("echo {MARKER}");
    tool_names.iter().find_map(|name| {
        let arguments = match name.as_str() {
            "Bash" => json!({"command": command, "description": "Print the marker"}),
            "shell" => json!({"command": ["bash", "-lc", command]}),
            "shell_command" => json!({"command": command}),
            "exec_command" => json!({"cmd": command}),
            _ => return None,
        };
        Some((name.clone(), arguments))
    })
}

fn sse(events: Vec<String>) -> Response {
    ([("content-type", "text/event-stream")], events.concat()).into_response()
}

async fn chat(State(seen): State<Seen>, Json(body): Json<Value>) -> Response {
    seen.lock().expect("seen").push(body.clone());
    let tools: Vec<String> = body["tools"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|t| t["function"]["name"].as_str().map(str::to_owned))
        .collect();
    let history = body["messages"].as_array().cloned().unwrap_or_default();
    let called = history
        .iter()
        .find(|m| m["role"] == "assistant" && m.get("tool_calls").is_some());
    let deltas: Vec<Value> = match (called, shell_call(&tools)) {
        (Some(turn), _) if turn["reasoning_content"] != THOUGHT => {
            return (
                StatusCode::BAD_REQUEST,
                Json(json!({"error": {"message": "The reasoning_content in the thinking mode must be passed back to the API.",
                    "type": "invalid_request_error", "param": null, "code": "invalid_request_error"}})),
            )
                .into_response();
        }
        (Some(_), _) => vec![json!({"content": FINAL})],
        (None, Some((name, arguments))) => vec![
            json!({"reasoning_content": THOUGHT}),
            json!({"tool_calls": [{"index": 0, "id": "call_shell_1", "type": "function",
                "function": {"name": name, "arguments": arguments.to_string()}}]}),
        ],
        // A side request of the CLI (a title, a summary): a plain answer.
        (None, None) => vec![json!({"content": "ok"})],
    };
    let finish = if deltas.iter().any(|d| d.get("tool_calls").is_some()) {
        "tool_calls"
    } else {
        "stop"
    };
    let chunk = |delta: Value, finish: Value| {
        let chunk = json!({"id": "chatcmpl-r", "object": "chat.completion.chunk", "created": 1,
            "model": "reasoner", "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]});
        format!("data: {chunk}\n\n")
    };
    let mut events = vec![chunk(
        json!({"role": "assistant", "content": ""}),
        Value::Null,
    )];
    events.extend(deltas.into_iter().map(|d| chunk(d, Value::Null)));
    events.push(chunk(json!({}), json!(finish)));
    events.push("data: [DONE]\n\n".to_owned());
    sse(events)
}

async fn messages(State(seen): State<Seen>, Json(body): Json<Value>) -> Response {
    seen.lock().expect("seen").push(body.clone());
    let tools: Vec<String> = body["tools"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|t| t["name"].as_str().map(str::to_owned))
        .collect();
    let history = body["messages"].as_array().cloned().unwrap_or_default();
    let called = history.iter().find(|m| {
        m["role"] == "assistant"
            && m["content"]
                .as_array()
                .is_some_and(|blocks| blocks.iter().any(|b| b["type"] == "tool_use"))
    });
    let event = |data: Value| {
        format!(
            "event: {}\ndata: {data}\n\n",
            data["type"].as_str().unwrap_or("")
        )
    };
    let mut events = vec![event(
        json!({"type": "message_start", "message": {"id": "msg_r", "type": "message",
        "role": "assistant", "model": "claude-thinker", "content": [], "stop_reason": null,
        "usage": {"input_tokens": 20, "output_tokens": 1}}}),
    )];
    let stop = match (called, shell_call(&tools)) {
        (Some(turn), _)
            if turn["content"][0]
                != json!({"type": "thinking", "thinking": THOUGHT, "signature": SIGNATURE}) =>
        {
            return (
                StatusCode::BAD_REQUEST,
                Json(json!({"type": "error", "error": {"type": "invalid_request_error",
                    "message": "messages.1.content.0.type: Expected `thinking` or `redacted_thinking`, but found `tool_use`. When `thinking` is enabled, a final `assistant` message must start with a thinking block."}})),
            )
                .into_response();
        }
        (None, Some((name, arguments))) => {
            events.push(event(json!({"type": "content_block_start", "index": 0, "content_block": {"type": "thinking", "thinking": "", "signature": ""}})));
            events.push(event(json!({"type": "content_block_delta", "index": 0, "delta": {"type": "thinking_delta", "thinking": THOUGHT}})));
            events.push(event(json!({"type": "content_block_delta", "index": 0, "delta": {"type": "signature_delta", "signature": SIGNATURE}})));
            events.push(event(json!({"type": "content_block_stop", "index": 0})));
            events.push(event(json!({"type": "content_block_start", "index": 1, "content_block": {"type": "tool_use", "id": "toolu_shell_1", "name": name, "input": {}}})));
            events.push(event(json!({"type": "content_block_delta", "index": 1, "delta": {"type": "input_json_delta", "partial_json": arguments.to_string()}})));
            events.push(event(json!({"type": "content_block_stop", "index": 1})));
            "tool_use"
        }
        (called, _) => {
            let answer = if called.is_some() { FINAL } else { "ok" };
            events.push(event(json!({"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}})));
            events.push(event(json!({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": answer}})));
            events.push(event(json!({"type": "content_block_stop", "index": 0})));
            "end_turn"
        }
    };
    events.push(event(json!({"type": "message_delta", "delta": {"stop_reason": stop}, "usage": {"output_tokens": 9}})));
    events.push(event(json!({"type": "message_stop"})));
    sse(events)
}

/// Two channels: `reasoner` on a DeepSeek-style Chat relay, `claude-thinker` on Anthropic.
fn configure(data: &Path, provider: &str) {
    support::seed_channels(
        data,
        &[
            (
                "deepseek-like",
                ChannelKind::Custom,
                format!("{provider}/v1"),
                "reasoner",
            ),
            (
                "anthropic",
                ChannelKind::Anthropic,
                provider.to_owned(),
                "claude-thinker",
            ),
        ],
    );
}

/// The bodies the provider got for `model` that offered tools (the agent's own turns).
fn tool_turns(seen: &Seen, model: &str) -> Vec<Value> {
    seen.lock()
        .expect("seen")
        .iter()
        .filter(|b| b["model"] == model && b["tools"].as_array().is_some_and(|t| !t.is_empty()))
        .cloned()
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn claude_code_and_codex_keep_their_reasoning_through_converted_tool_turns() {
    let claude = node_bin("claude");
    let codex = node_bin("codex");
    let (provider_url, seen) = provider().await;
    let data = tempfile::tempdir().expect("data");
    configure(data.path(), &provider_url);
    let outputs = tokio::task::spawn_blocking(move || {
        let server = support::serve_data(data.path());
        let base = server.base_url.clone();
        let home = tempfile::tempdir().expect("home");
        let work = tempfile::tempdir().expect("work");
        connect(home.path(), data.path(), &base, "claude-code", false);
        connect(home.path(), data.path(), &base, "codex", false);
        // The server picks the new keys up from the database within a second.
        std::thread::sleep(std::time::Duration::from_millis(1500));
        let prompt = format!("Run `echo {MARKER}` in the shell, then tell me what it printed.");
        // Codex's read-only sandbox needs its helper on PATH (bwrap execs it); the command
        // only echoes, so the test runs it without one.
        let codex_args = |model: &'static str| {
            [
                "exec",
                "--skip-git-repo-check",
                "--ephemeral",
                "--sandbox",
                "danger-full-access",
                "-m",
                model,
            ]
        };
        let claude_out = run_clean(
            &claude,
            &[
                "-p",
                &prompt,
                "--model",
                "reasoner",
                "--allowedTools",
                "Bash(echo:*)",
            ],
            home.path(),
            work.path(),
        );
        let codex_chat = run_clean(
            &codex,
            &[&codex_args("reasoner")[..], &[prompt.as_str()]].concat(),
            home.path(),
            work.path(),
        );
        let codex_anthropic = run_clean(
            &codex,
            &[&codex_args("claude-thinker")[..], &[prompt.as_str()]].concat(),
            home.path(),
            work.path(),
        );
        drop(server);
        [claude_out, codex_chat, codex_anthropic]
    })
    .await
    .expect("the CLIs ran");

    for (who, output) in ["Claude Code -> Chat", "Codex -> Chat", "Codex -> Anthropic"]
        .iter()
        .zip(&outputs)
    {
        assert!(output.status.success(), "{who}: {}", text(output));
        assert!(
            String::from_utf8_lossy(&output.stdout).contains(FINAL),
            "{who} printed no final answer: {}",
            text(output)
        );
    }
    // Every follow-up turn carried the tool's real output and the reasoning (else 400 above).
    let chat_turns = tool_turns(&seen, "reasoner");
    let follow_ups: Vec<&Value> = chat_turns
        .iter()
        .filter(|b| b.to_string().contains("call_shell_1\""))
        .filter(|b| {
            b["messages"]
                .as_array()
                .is_some_and(|m| m.iter().any(|m| m["role"] == "tool"))
        })
        .collect();
    assert!(follow_ups.len() >= 2, "Chat follow-ups: {chat_turns:#?}");
    for body in follow_ups {
        let tool = body["messages"]
            .as_array()
            .and_then(|m| m.iter().find(|m| m["role"] == "tool"))
            .expect("a tool message");
        assert!(tool.to_string().contains(MARKER), "the tool ran: {tool}");
    }
    let anthropic_turns = tool_turns(&seen, "claude-thinker");
    assert!(
        anthropic_turns
            .iter()
            .any(|b| b.to_string().contains(MARKER) && b.to_string().contains(SIGNATURE)),
        "Anthropic follow-up: {anthropic_turns:#?}"
    );
}
