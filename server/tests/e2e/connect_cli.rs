//! Issue 11: `api-switch connect` writes Claude Code's and Codex's configuration into a
//! temporary home, and the real CLIs (npm `@anthropic-ai/claude-code`, `@openai/codex`, run
//! offline) answer a prompt through a running api-switch using only that configuration (plus
//! the variables that switch off their telemetry). Access keys are required, so the key
//! Connect wrote is what lets them in. A local scripted upstream answers: Anthropic Messages
//! for Claude Code (passed through), Chat Completions for Codex (the hub converts its
//! Responses request and the streamed answer). `--undo` then restores each home's files.

use super::support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use engine::store::{NewChannel, NewEntry, Store};
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
    let store = Store::open(data.join("api-switch.db")).expect("store");
    // A relay's base URL includes its `/v1`, Anthropic's does not.
    for (name, kind, base_url, model) in [
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
    ] {
        let channel = store
            .create_channel(&NewChannel {
                name: name.into(),
                api_type: kind,
                base_url,
                api_key: format!("sk-{name}-upstream-secret").into(),
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

pub(super) fn node_bin(name: &str) -> PathBuf {
    let path = support::workspace_root()
        .join("node_modules/.bin")
        .join(name);
    assert!(
        path.exists(),
        "{} is missing: run `cargo xtask setup` (it installs the pinned npm packages)",
        path.display()
    );
    path
}

/// Runs `program` with nothing from this environment but `PATH`, a fresh `HOME`, and the
/// variables that keep the CLIs offline; fails the test after 120 s.
fn run_clean(program: &Path, args: &[&str], home: &Path, cwd: &Path) -> Output {
    let child = Command::new(program)
        .args(args)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("DISABLE_TELEMETRY", "1")
        .env("DISABLE_ERROR_REPORTING", "1")
        .env("DISABLE_AUTOUPDATER", "1")
        .env("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1")
        .current_dir(cwd)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", program.display()));
    let id = child.id();
    let watchdog = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_secs(120));
        // Only our own child, by its id, if it is still running.
        let _ = Command::new("kill")
            .args(["-9", &id.to_string()])
            .stderr(Stdio::null())
            .status();
    });
    let output = child.wait_with_output().expect("wait");
    drop(watchdog);
    output
}

pub(super) fn connect(home: &Path, data: &Path, base_url: &str, app: &str, undo: bool) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_api-switch"));
    command
        .args(["connect", app, "--url", base_url, "--data-dir"])
        .arg(data)
        .env("HOME", home)
        .env_remove("CODEX_HOME")
        .env_remove("CLAUDE_CONFIG_DIR")
        .env_remove("XDG_CONFIG_HOME");
    if undo {
        command.arg("--undo");
    }
    let output = command.output().expect("run api-switch connect");
    assert!(
        output.status.success(),
        "connect {app}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

pub(super) fn text(output: &Output) -> String {
    format!(
        "status {}\nstdout: {}\nstderr: {}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn claude_code_and_codex_answer_through_api_switch_with_only_what_connect_wrote() {
    let claude = node_bin("claude");
    let codex = node_bin("codex");
    let upstream = upstream().await;
    let data = tempfile::tempdir().expect("data");
    configure(data.path(), &upstream.uri());
    let received = tokio::task::spawn_blocking(move || {
        let port = support::free_port();
        let server = support::start(
            Path::new(env!("CARGO_BIN_EXE_api-switch")),
            &[
                "serve",
                "--listen",
                &format!("127.0.0.1:{port}"),
                "--data-dir",
                &data.path().display().to_string(),
            ],
            data.path(),
            port,
        );
        let base = server.base_url.clone();
        let home = tempfile::tempdir().expect("home");
        let work = tempfile::tempdir().expect("work");

        let said = connect(home.path(), data.path(), &base, "claude-code", false);
        assert!(String::from_utf8_lossy(&said.stdout).contains("Claude Code now uses API Switch"));
        connect(home.path(), data.path(), &base, "codex", false);
        let listing = Command::new(env!("CARGO_BIN_EXE_api-switch"))
            .args(["connect", "--url", &base])
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
