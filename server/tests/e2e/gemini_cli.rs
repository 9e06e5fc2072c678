//! Issue 22: the real Gemini CLI (npm `@google/gemini-cli`, pinned, run offline) answers
//! through api-switch with nothing but what `api-switch connect gemini-cli` wrote into a fresh
//! home (`~/.gemini/.env`: `GOOGLE_GEMINI_BASE_URL` and `GEMINI_API_KEY`; `settings.json`:
//! API-key sign-in). It speaks Gemini's native API (`/v1beta/models/M:streamGenerateContent`),
//! and reaches three channels: an Anthropic one and an OpenAI-compatible one (converted through
//! the hub) and a native `gemini` one (passed through untouched). For each: a text answer, and
//! a shell-tool round trip (the scripted upstream asks for `run_shell_command`, the CLI runs it,
//! sends its output back, and prints the upstream's final answer). `--undo` then restores the
//! home's files.

use super::agent_cli::{connect, node_bin, run_clean_with, text};
use super::support;

use std::path::Path;
use std::process::Output;
use std::time::Duration;

use engine::store::{NewChannel, NewEntry, Store};
use engine::upstream::ChannelKind;
use serde_json::{Value, json};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// The prompt that makes the scripted upstream ask for the shell tool.
const TOOL_PROMPT: &str = "Run the marker command";
/// What the shell command prints (and writes to `marker.txt`); written so the command itself
/// does not contain it, so seeing it upstream means the command's output was sent back.
const COMMAND: &str = "printf tool-ran-%s 42 | tee marker.txt";
const TOOL_OUTPUT: &str = "tool-ran-42";

/// Which answer the upstream gives, read from the conversation so far.
#[derive(Clone, Copy)]
enum Turn {
    Hello,
    CallShell,
    Final,
}

/// The three channels: (label, kind, base URL below the mock, model, upstream path).
const CHANNELS: [(&str, ChannelKind, &str, &str); 3] = [
    ("anthropic", ChannelKind::Anthropic, "", "claude-sonnet-4-5"),
    ("openai", ChannelKind::Custom, "/v1", "gpt-5"),
    ("gemini", ChannelKind::Gemini, "", "gemini-2.5-pro"),
];

fn hello(label: &str) -> String {
    format!("Hello from the {label} upstream")
}

fn final_answer(label: &str) -> String {
    format!("Final answer from the {label} upstream: the command ran")
}

fn sse(events: &[(Option<&str>, Value)]) -> String {
    let mut body = String::new();
    for (name, data) in events {
        if let Some(name) = name {
            body.push_str(&format!("event: {name}\n"));
        }
        body.push_str(&format!("data: {data}\n\n"));
    }
    body
}

fn anthropic(turn: Turn) -> String {
    let start = json!({"type": "message_start", "message": {"id": "msg_1", "type": "message", "role": "assistant", "model": "claude-sonnet-4-5", "content": [], "stop_reason": null, "stop_sequence": null, "usage": {"input_tokens": 40, "output_tokens": 1}}});
    let (block, delta, stop) = match turn {
        Turn::CallShell => (
            json!({"type": "tool_use", "id": "toolu_shell_1", "name": "run_shell_command", "input": {}}),
            json!({"type": "input_json_delta", "partial_json": json!({"command": COMMAND}).to_string()}),
            "tool_use",
        ),
        Turn::Hello | Turn::Final => {
            let said = match turn {
                Turn::Hello => hello("anthropic"),
                _ => final_answer("anthropic"),
            };
            (
                json!({"type": "text", "text": ""}),
                json!({"type": "text_delta", "text": said}),
                "end_turn",
            )
        }
    };
    sse(&[
        (Some("message_start"), start),
        (
            Some("content_block_start"),
            json!({"type": "content_block_start", "index": 0, "content_block": block}),
        ),
        (
            Some("content_block_delta"),
            json!({"type": "content_block_delta", "index": 0, "delta": delta}),
        ),
        (
            Some("content_block_stop"),
            json!({"type": "content_block_stop", "index": 0}),
        ),
        (
            Some("message_delta"),
            json!({"type": "message_delta", "delta": {"stop_reason": stop, "stop_sequence": null}, "usage": {"output_tokens": 9}}),
        ),
        (Some("message_stop"), json!({"type": "message_stop"})),
    ])
}

fn chat(turn: Turn) -> String {
    let chunk = |delta: Value, finish: Option<&str>| {
        json!({"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1, "model": "gpt-5",
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]})
    };
    let mut events = match turn {
        Turn::CallShell => vec![
            (
                None,
                chunk(
                    json!({"role": "assistant", "tool_calls": [{"index": 0, "id": "call_shell_1", "type": "function",
                        "function": {"name": "run_shell_command", "arguments": ""}}]}),
                    None,
                ),
            ),
            (
                None,
                chunk(
                    json!({"tool_calls": [{"index": 0, "function": {"arguments": json!({"command": COMMAND}).to_string()}}]}),
                    None,
                ),
            ),
            (None, chunk(json!({}), Some("tool_calls"))),
        ],
        Turn::Hello | Turn::Final => {
            let said = match turn {
                Turn::Hello => hello("openai"),
                _ => final_answer("openai"),
            };
            vec![
                (
                    None,
                    chunk(json!({"role": "assistant", "content": said}), None),
                ),
                (None, chunk(json!({}), Some("stop"))),
            ]
        }
    };
    events.push((
        None,
        json!({"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1, "model": "gpt-5", "choices": [],
            "usage": {"prompt_tokens": 40, "completion_tokens": 9, "total_tokens": 49}}),
    ));
    let mut body = sse(&events);
    body.push_str("data: [DONE]\n\n");
    body
}

fn gemini(turn: Turn) -> String {
    let parts = match turn {
        Turn::CallShell => {
            json!([{"functionCall": {"name": "run_shell_command", "args": {"command": COMMAND}}}])
        }
        Turn::Hello => json!([{"text": hello("gemini")}]),
        Turn::Final => json!([{"text": final_answer("gemini")}]),
    };
    sse(&[(
        None,
        json!({"candidates": [{"content": {"role": "model", "parts": parts}, "finishReason": "STOP", "index": 0}],
            "usageMetadata": {"promptTokenCount": 40, "candidatesTokenCount": 9, "totalTokenCount": 49},
            "modelVersion": "gemini-2.5-pro", "responseId": "resp-1"}),
    )])
}

/// One upstream speaking all three protocols, answering from the conversation it is sent.
struct Scripted;

impl Respond for Scripted {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let body = String::from_utf8_lossy(&request.body);
        let turn = if body.contains(TOOL_OUTPUT) {
            Turn::Final
        } else if body.contains(TOOL_PROMPT) {
            Turn::CallShell
        } else {
            Turn::Hello
        };
        let path = request.url.path();
        let stream = if path.starts_with("/v1/messages") {
            anthropic(turn)
        } else if path.ends_with("/chat/completions") {
            chat(turn)
        } else {
            gemini(turn)
        };
        ResponseTemplate::new(200)
            .insert_header("content-type", "text/event-stream")
            .set_body_raw(stream, "text/event-stream")
    }
}

fn configure(data: &Path, upstream: &str) {
    let store = Store::open(data.join("api-switch.db")).expect("store");
    for (label, kind, suffix, model) in CHANNELS {
        let channel = store
            .create_channel(&NewChannel {
                name: label.into(),
                api_type: kind,
                base_url: format!("{upstream}{suffix}"),
                api_key: format!("sk-{label}-upstream-secret").into(),
                enabled: true,
                api_version: String::new(),
            })
            .expect("channel");
        store
            .create_entry(&NewEntry::new(channel, model))
            .expect("entry");
    }
    let mut settings = store.settings().expect("settings");
    settings.require_access_key = true;
    store.save_settings(&settings).expect("save");
}

/// Runs the Gemini CLI offline in a clean environment (`agent_cli::run_clean_with`): the fresh
/// `HOME`'s `~/.gemini/.env` holds the address and key; the work folder is trusted.
fn gemini_cli(args: &[&str], home: &Path, cwd: &Path) -> Output {
    let program = node_bin("gemini");
    run_clean_with(
        &program,
        args,
        home,
        cwd,
        &[("GEMINI_CLI_TRUST_WORKSPACE", "true")],
    )
}

/// The JSON bodies the upstream received on paths containing `fragment`.
async fn received(upstream: &MockServer, fragment: &str) -> Vec<(Request, Value)> {
    upstream
        .received_requests()
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|r| r.url.path().contains(fragment))
        .filter_map(|r| {
            let body = serde_json::from_slice(&r.body).ok()?;
            Some((r, body))
        })
        .collect()
}

/// The tool result the upstream got back, as the channel's protocol carries it: the call id it
/// answers and its text.
fn tool_results(label: &str, body: &Value) -> Vec<(String, String)> {
    let items = |v: &Value, key: &str| v[key].as_array().cloned().unwrap_or_default();
    match label {
        "anthropic" => items(body, "messages")
            .iter()
            .flat_map(|m| items(m, "content"))
            .filter(|b| b["type"] == "tool_result")
            .map(|b| {
                (
                    b["tool_use_id"].as_str().unwrap_or("").to_owned(),
                    b["content"].to_string(),
                )
            })
            .collect(),
        "openai" => items(body, "messages")
            .iter()
            .filter(|m| m["role"] == "tool")
            .map(|m| {
                (
                    m["tool_call_id"].as_str().unwrap_or("").to_owned(),
                    m["content"].to_string(),
                )
            })
            .collect(),
        _ => items(body, "contents")
            .iter()
            .flat_map(|c| items(c, "parts"))
            .filter_map(|p| p.get("functionResponse").cloned())
            .map(|r| {
                (
                    r["id"].as_str().unwrap_or("").to_owned(),
                    r["response"].to_string(),
                )
            })
            .collect(),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn gemini_cli_answers_and_runs_its_shell_tool_through_anthropic_openai_and_native_gemini_channels()
 {
    node_bin("gemini");
    let upstream = MockServer::start().await;
    Mock::given(wiremock::matchers::method("POST"))
        .respond_with(Scripted)
        .mount(&upstream)
        .await;
    let data = tempfile::tempdir().expect("data");
    configure(data.path(), &upstream.uri());
    let home = tempfile::tempdir().expect("home");
    let port = support::free_port();
    let (server, base) = {
        let data = data.path().to_owned();
        tokio::task::spawn_blocking(move || {
            let server = support::start(
                Path::new(env!("CARGO_BIN_EXE_api-switch")),
                &[
                    "serve",
                    "--listen",
                    &format!("127.0.0.1:{port}"),
                    "--data-dir",
                    &data.display().to_string(),
                ],
                &data,
                port,
            );
            let base = server.base_url.clone();
            (server, base)
        })
        .await
        .expect("server")
    };
    let said = connect(home.path(), data.path(), &base, "gemini-cli", false);
    assert!(
        String::from_utf8_lossy(&said.stdout).contains("Gemini CLI now uses API Switch"),
        "{}",
        text(&said)
    );
    let env = std::fs::read_to_string(home.path().join(".gemini/.env")).expect(".env");
    assert!(
        env.contains(&format!("GOOGLE_GEMINI_BASE_URL={base}\n")),
        "{env}"
    );
    // The server picks the new key up from the database within a second.
    tokio::time::sleep(Duration::from_millis(1500)).await;

    for (label, _, _, model) in CHANNELS {
        let work = tempfile::tempdir().expect("work");
        let (home_path, work_path) = (home.path().to_owned(), work.path().to_owned());
        let answer = tokio::task::spawn_blocking(move || {
            gemini_cli(&["-p", "Say hello", "-m", model], &home_path, &work_path)
        })
        .await
        .expect("ran");
        assert!(answer.status.success(), "{label}: {}", text(&answer));
        assert!(
            String::from_utf8_lossy(&answer.stdout).contains(&hello(label)),
            "{label}: {}",
            text(&answer)
        );

        let (home_path, work_path) = (home.path().to_owned(), work.path().to_owned());
        let answer = tokio::task::spawn_blocking(move || {
            gemini_cli(
                &["-p", TOOL_PROMPT, "-m", model, "--yolo"],
                &home_path,
                &work_path,
            )
        })
        .await
        .expect("ran");
        assert!(answer.status.success(), "{label}: {}", text(&answer));
        assert!(
            String::from_utf8_lossy(&answer.stdout).contains(&final_answer(label)),
            "{label}: {}",
            text(&answer)
        );
        let marker = std::fs::read_to_string(work.path().join("marker.txt"));
        assert_eq!(
            marker.ok().as_deref(),
            Some(TOOL_OUTPUT),
            "{label}: the shell tool ran"
        );
        let path = match label {
            "anthropic" => "/v1/messages",
            "openai" => "/chat/completions",
            _ => ":streamGenerateContent",
        };
        let results: Vec<(String, String)> = received(&upstream, path)
            .await
            .iter()
            .flat_map(|(_, body)| tool_results(label, body))
            .filter(|(_, output)| output.contains(TOOL_OUTPUT))
            .collect();
        assert!(
            !results.is_empty(),
            "{label}: the output went back upstream"
        );
        // The call id the upstream gave is the one its result answers.
        let expected_id = match label {
            "anthropic" => Some("toolu_shell_1"),
            "openai" => Some("call_shell_1"),
            _ => None,
        };
        if let Some(id) = expected_id {
            assert!(
                results.iter().all(|(got, _)| got == id),
                "{label}: {results:?}"
            );
        }
    }

    // The native channel got the CLI's own requests, untouched, with its own key.
    let native = received(
        &upstream,
        "/v1beta/models/gemini-2.5-pro:streamGenerateContent",
    )
    .await;
    assert!(native.len() >= 3, "{}", native.len());
    for (request, _) in &native {
        assert_eq!(
            request
                .headers
                .get("x-goog-api-key")
                .and_then(|v| v.to_str().ok()),
            Some("sk-gemini-upstream-secret")
        );
        assert!(request.headers.get("authorization").is_none());
        assert_eq!(request.url.query(), Some("alt=sse"));
    }
    assert!(
        native
            .iter()
            .any(|(request, _)| String::from_utf8_lossy(&request.body)
                .contains("skip_thought_signature_validator")),
        "the CLI's thought signature reached the native channel: the body passed untouched"
    );
    let converted = received(&upstream, "/v1/messages").await;
    assert!(
        converted
            .iter()
            .all(|(_, body)| body["model"] == "claude-sonnet-4-5" && body["stream"] == true)
    );

    assert!(
        logged_for_key(data.path(), "Gemini CLI"),
        "the log names the key Connect made"
    );

    connect(home.path(), data.path(), &base, "gemini-cli", true);
    assert!(!home.path().join(".gemini/.env").exists());
    assert!(!home.path().join(".gemini/settings.json").exists());
    drop(server);
}

/// Whether the request log has a row for the access key named `name` (rows are written in
/// the background, so it is asked for a few seconds).
fn logged_for_key(data: &Path, name: &str) -> bool {
    let db = rusqlite::Connection::open(data.join("api-switch.db")).expect("db");
    for _ in 0..50 {
        let count: i64 = db
            .query_row(
                "SELECT COUNT(*) FROM request_log WHERE client_key_name = ?1",
                [name],
                |row| row.get(0),
            )
            .expect("query");
        if count > 0 {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    false
}
