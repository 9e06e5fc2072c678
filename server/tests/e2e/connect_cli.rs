//! Issue 11: `api-switch connect` writes Claude Code's and Codex's configuration into a
//! temporary home, and the real CLIs (npm `@anthropic-ai/claude-code`, `@openai/codex`, run
//! offline) answer a prompt through a running api-switch using only that configuration (plus
//! the variables that switch off their telemetry). Access keys are required, so the key
//! Connect wrote is what lets them in. A local scripted upstream answers: Anthropic Messages
//! for Claude Code (passed through), Chat Completions for Codex (the hub converts its
//! Responses request and the streamed answer). `--undo` then restores each home's files.

use super::agent_cli::{connect, node_bin, run_clean, text};
use super::support;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use engine::store::Store;
use engine::upstream::ChannelKind;
use serde_json::json;
use wiremock::matchers::{body_partial_json, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const CLAUDE_ANSWER: &str = "Hello from the Anthropic upstream";
const CODEX_ANSWER: &str = "Hello from the chat upstream";

fn sse(events: &[(Option<&str>, serde_json::Value)]) -> String {
    let mut body = String::new();
    for (name, data) in events {
        if let Some(name) = name {
            body.push_str(&format!("event: {name}\n"));
        }
        body.push_str(&format!("data: {data}\n\n"));
    }
    body
}

fn anthropic_stream() -> String {
    sse(&[
        (
            Some("message_start"),
            json!({"type": "message_start", "message": {"id": "msg_1", "type": "message", "role": "assistant", "model": "claude-sonnet-4-5", "content": [], "stop_reason": null, "stop_sequence": null, "usage": {"input_tokens": 12, "output_tokens": 1}}}),
        ),
        (
            Some("content_block_start"),
            json!({"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}}),
        ),
        (
            Some("content_block_delta"),
            json!({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": CLAUDE_ANSWER}}),
        ),
        (
            Some("content_block_stop"),
            json!({"type": "content_block_stop", "index": 0}),
        ),
        (
            Some("message_delta"),
            json!({"type": "message_delta", "delta": {"stop_reason": "end_turn", "stop_sequence": null}, "usage": {"output_tokens": 7}}),
        ),
        (Some("message_stop"), json!({"type": "message_stop"})),
    ])
}

fn chat_stream() -> String {
    let chunk = |delta: serde_json::Value, finish: Option<&str>| {
        json!({"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1, "model": "gpt-5-codex",
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]})
    };
    let mut body = sse(&[
        (
            None,
            chunk(json!({"role": "assistant", "content": "Hello from "}), None),
        ),
        (None, chunk(json!({"content": "the chat upstream"}), None)),
        (None, chunk(json!({}), Some("stop"))),
        (
            None,
            json!({"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1, "model": "gpt-5-codex", "choices": [],
                "usage": {"prompt_tokens": 20, "completion_tokens": 6, "total_tokens": 26}}),
        ),
    ]);
    body.push_str("data: [DONE]\n\n");
    body
}

/// One upstream speaking both protocols, streaming or not, as each request asks.
async fn upstream() -> MockServer {
    let server = MockServer::start().await;
    let stream = |body: String| {
        ResponseTemplate::new(200)
            .insert_header("content-type", "text/event-stream")
            .set_body_raw(body, "text/event-stream")
    };
    Mock::given(method("POST"))
        .and(path("/v1/messages"))
        .and(body_partial_json(json!({"stream": true})))
        .respond_with(stream(anthropic_stream()))
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/messages"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": "msg_2", "type": "message", "role": "assistant", "model": "claude-sonnet-4-5",
            "content": [{"type": "text", "text": CLAUDE_ANSWER}], "stop_reason": "end_turn",
            "stop_sequence": null, "usage": {"input_tokens": 12, "output_tokens": 7}
        })))
        .with_priority(2)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/messages/count_tokens"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"input_tokens": 12})))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .respond_with(stream(chat_stream()))
        .mount(&server)
        .await;
    server
}

/// A data folder whose `auto` group starts with the chat relay (Codex asks for `auto`) and
/// whose Anthropic channel serves `claude-sonnet-4-5`; access keys are required.
fn configure(data: &Path, upstream: &str) {
    // A relay's base URL includes its `/v1`, Anthropic's does not.
    support::seed_channels(
        data,
        &[
            (
                "relay",
                ChannelKind::Custom,
                format!("{upstream}/v1"),
                "gpt-5-codex",
            ),
            (
                "anthropic",
                ChannelKind::Anthropic,
                upstream.to_owned(),
                "claude-sonnet-4-5",
            ),
        ],
    );
    let store = Store::open(data.join("api-switch.db")).expect("store");
    let mut settings = store.settings().expect("settings");
    settings.require_access_key = true;
    store.save_settings(&settings).expect("save");
}

#[tokio::test(flavor = "multi_thread")]
async fn claude_code_and_codex_answer_through_api_switch_with_only_what_connect_wrote() {
    let claude = node_bin("claude");
    let codex = node_bin("codex");
    let upstream = upstream().await;
    let data = tempfile::tempdir().expect("data");
    configure(data.path(), &upstream.uri());
    let received = tokio::task::spawn_blocking(move || {
        let server = support::serve_data(data.path());
        let base = server.base_url.clone();
        let home = tempfile::tempdir().expect("home");
        let work = tempfile::tempdir().expect("work");

        let said = connect(home.path(), data.path(), &base, "claude-code", false);
        assert!(String::from_utf8_lossy(&said.stdout).contains("Claude Code now uses API Switch"));
        connect(home.path(), data.path(), &base, "codex", false);
        let listing = Command::new(env!("CARGO_BIN_EXE_api-switch"))
            .args(["connect", "--url", &base, "--data-dir"])
            .arg(data.path())
            .env("HOME", home.path())
            .env_remove("CODEX_HOME")
            .env_remove("CLAUDE_CONFIG_DIR")
            .env_remove("XDG_CONFIG_HOME")
            .output()
            .expect("run api-switch connect");
        let listing = String::from_utf8_lossy(&listing.stdout).into_owned();
        for line in [
            format!("Claude Code  API Switch ({base})"),
            format!("Codex        API Switch ({base}/v1)"),
            "OpenCode     not configured".to_owned(),
        ] {
            assert!(listing.contains(&line), "`{line}` in:\n{listing}");
        }
        // The server picks the new keys up from the database within a second.
        std::thread::sleep(Duration::from_millis(1500));

        let answer = run_clean(
            &claude,
            &["-p", "Say hello", "--model", "claude-sonnet-4-5"],
            home.path(),
            work.path(),
        );
        assert!(
            answer.status.success(),
            "claude -p failed: {}",
            text(&answer)
        );
        assert!(
            String::from_utf8_lossy(&answer.stdout).contains(CLAUDE_ANSWER),
            "Claude Code's answer: {}",
            text(&answer)
        );

        let answer = run_clean(
            &codex,
            &["exec", "--skip-git-repo-check", "--ephemeral", "Say hello"],
            home.path(),
            work.path(),
        );
        assert!(
            answer.status.success(),
            "codex exec failed: {}",
            text(&answer)
        );
        assert!(
            String::from_utf8_lossy(&answer.stdout).contains(CODEX_ANSWER),
            "Codex's answer: {}",
            text(&answer)
        );

        // The request log names each app by the key Connect made for it.
        let names = logged_key_names(data.path());
        assert!(names.iter().any(|n| n == "Claude Code"), "{names:?}");
        assert!(names.iter().any(|n| n == "Codex"), "{names:?}");

        connect(home.path(), data.path(), &base, "claude-code", true);
        connect(home.path(), data.path(), &base, "codex", true);
        assert!(!home.path().join(".claude/settings.json").exists());
        assert!(!home.path().join(".codex/config.toml").exists());
        drop(server);
        names.len()
    })
    .await
    .expect("the CLIs ran");
    assert!(received >= 2);
}

/// The client key names of the proxied requests logged so far.
fn logged_key_names(data: &Path) -> Vec<String> {
    let db = rusqlite::Connection::open(data.join("api-switch.db")).expect("db");
    // Rows are written in the background; give the writer a moment.
    for _ in 0..50 {
        let mut statement = db
            .prepare("SELECT DISTINCT client_key_name FROM request_log")
            .expect("query");
        let names: Vec<String> = statement
            .query_map([], |row| row.get(0))
            .expect("rows")
            .collect::<Result<_, _>>()
            .expect("names");
        if names.len() >= 2 {
            return names;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Vec::new()
}

/// Issue 22: the key `api-switch connect` just created is accepted by the running server at
/// once (the proxy re-reads the access keys on an unknown one), not only after its next poll
/// of the database: the request right after `connect` returns gets through, not 401.
#[tokio::test(flavor = "multi_thread")]
async fn a_key_connect_just_created_is_accepted_at_once_by_the_running_server() {
    let upstream = upstream().await;
    let data = tempfile::tempdir().expect("data");
    configure(data.path(), &upstream.uri());
    let port = support::free_port();
    let folder = data.path().to_path_buf();
    let server = tokio::task::spawn_blocking(move || {
        let data_dir = folder.display().to_string();
        let listen = format!("127.0.0.1:{port}");
        let args = ["serve", "--listen", &listen, "--data-dir", &data_dir];
        support::start(
            Path::new(env!("CARGO_BIN_EXE_api-switch")),
            &args,
            &folder,
            port,
        )
    })
    .await
    .expect("server");
    let base = server.base_url.clone();
    let home = tempfile::tempdir().expect("home");
    let http = reqwest::Client::new();
    // A wrong key first: refused, and it starts the re-read interval the next one must wait out.
    let refused = http
        .post(format!("{base}/v1/messages"))
        .header("x-api-key", "sk-as-not-a-key-of-this-server")
        .json(&json!({"model": "claude-sonnet-4-5", "max_tokens": 8,
            "messages": [{"role": "user", "content": "hi"}]}))
        .send()
        .await
        .expect("send");
    assert_eq!(refused.status().as_u16(), 401);
    connect(home.path(), data.path(), &base, "claude-code", false);
    let settings: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(home.path().join(".claude/settings.json")).expect("settings"),
    )
    .expect("json");
    let key = settings["env"]["ANTHROPIC_AUTH_TOKEN"]
        .as_str()
        .expect("the access key")
        .to_owned();
    let started = std::time::Instant::now();
    let answer = http
        .post(format!("{base}/v1/messages"))
        .bearer_auth(&key)
        .json(&json!({"model": "claude-sonnet-4-5", "max_tokens": 8,
            "messages": [{"role": "user", "content": "hi"}]}))
        .send()
        .await
        .expect("send");
    let waited = started.elapsed();
    let status = answer.status().as_u16();
    let body = answer.text().await.expect("body");
    assert_eq!(status, 200, "{body}");
    assert!(body.contains(CLAUDE_ANSWER), "{body}");
    // Well before the server's one-second poll of the database would have found the key.
    assert!(waited < Duration::from_millis(900), "took {waited:?}");
    drop(server);
}
