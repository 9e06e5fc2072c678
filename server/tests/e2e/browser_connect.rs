//! Issue 11: the Test chat and Connect apps screens in a real browser (`end2end/connect.mjs`)
//! against the release binary, whose HOME is a temporary folder. The `auto` group's first
//! entry fails (HTTP 500) and its second streams its answer in two pieces a moment apart, so
//! the page shows the answer arriving, the entry that gave it and the failure before it.
//! A chat to `slowpoke` gets a first piece and then nothing: Stop ends it, and its upstream
//! sees the request cancelled. Connect writes Claude Code's and Codex's files there; this side
//! parses the copies the script saved and checks the restored files.

use super::support;

use std::net::SocketAddr;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::StatusCode;
use axum::response::Response;
use engine::store::{NewChannel, NewEntry, Store};
use engine::upstream::ChannelKind;
use futures::StreamExt;

/// The user's own Codex settings, which connecting must keep and restoring must bring back.
const CODEX_CONFIG: &str = "# mine\nmodel = \"gpt-5-codex\"\napproval_policy = \"on-request\"\nmodel_provider = \"corp\"\n\n[model_providers.corp]\nname = \"Corp\"\nbase_url = \"https://llm.corp.example/v1\"\nwire_api = \"responses\"\n";

/// An OpenAI upstream on a real socket: `fails` answers 500, otherwise a stream whose second
/// piece comes 1.5 s after the first.
async fn upstream(fails: bool) -> SocketAddr {
    let handler = move || async move {
        if fails {
            return Response::builder()
                .status(StatusCode::INTERNAL_SERVER_ERROR)
                .body(Body::from(r#"{"error":{"message":"upstream broke"}}"#))
                .expect("response");
        }
        let chunk = |content: &str| {
            let data = serde_json::json!({"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": "gpt-4o",
                "choices": [{"index": 0, "delta": {"content": content}, "finish_reason": null}]});
            Bytes::from(format!("data: {data}\n\n"))
        };
        let pieces = vec![
            (Duration::ZERO, chunk("Hello from ")),
            (Duration::from_millis(1500), chunk("the good upstream")),
            (Duration::ZERO, Bytes::from_static(b"data: [DONE]\n\n")),
        ];
        let stream = futures::stream::iter(pieces).then(|(wait, bytes)| async move {
            tokio::time::sleep(wait).await;
            Ok::<_, std::io::Error>(bytes)
        });
        Response::builder()
            .header("content-type", "text/event-stream")
            .body(Body::from_stream(stream))
            .expect("response")
    };
    let app = axum::Router::new().route("/v1/chat/completions", axum::routing::post(handler));
    support::serve_on_loopback(app).await
}

/// An upstream that streams a first piece and then nothing; the flag turns true when the
/// proxy closes that request (the Stop button's effect upstream).
async fn stalling_upstream() -> (SocketAddr, Arc<AtomicBool>) {
    struct SetOnDrop(Arc<AtomicBool>);
    impl Drop for SetOnDrop {
        fn drop(&mut self) {
            self.0.store(true, Ordering::SeqCst);
        }
    }
    let cancelled = Arc::new(AtomicBool::new(false));
    let flag = cancelled.clone();
    let handler = move || {
        let flag = flag.clone();
        async move {
            let data = serde_json::json!({"id": "c2", "object": "chat.completion.chunk", "created": 1, "model": "slowpoke",
                "choices": [{"index": 0, "delta": {"content": "Thinking about it"}, "finish_reason": null}]});
            let first = futures::stream::once(async move {
                Ok::<_, std::io::Error>(Bytes::from(format!("data: {data}\n\n")))
            });
            let never = futures::stream::once(async move {
                let _cancelled = SetOnDrop(flag);
                std::future::pending::<Result<Bytes, std::io::Error>>().await
            });
            Response::builder()
                .header("content-type", "text/event-stream")
                .body(Body::from_stream(first.chain(never)))
                .expect("response")
        }
    };
    let app = axum::Router::new().route("/v1/chat/completions", axum::routing::post(handler));
    (support::serve_on_loopback(app).await, cancelled)
}

fn configure(data: &Path, channels: &[(&str, SocketAddr, &str)]) {
    let store = Store::open(data.join("api-switch.db")).expect("store");
    for &(name, addr, model) in channels {
        let channel = store
            .create_channel(&NewChannel {
                name: name.into(),
                api_type: ChannelKind::Openai,
                base_url: format!("http://{addr}"),
                api_key: format!("sk-{name}-secret").into(),
                enabled: true,
                api_version: String::new(),
            })
            .expect("channel");
        store
            .create_entry(&NewEntry::new(channel, model))
            .expect("entry");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn test_chat_streams_and_names_the_entry_and_connect_writes_then_restores_app_files() {
    let flaky = upstream(true).await;
    let good = upstream(false).await;
    let (stalling, stalled_request_cancelled) = stalling_upstream().await;
    let data = tempfile::tempdir().expect("data");
    configure(
        data.path(),
        &[
            ("flaky", flaky, "gpt-4o"),
            ("good", good, "gpt-4o"),
            ("stalling", stalling, "slowpoke"),
        ],
    );
    let home = tempfile::tempdir().expect("home");
    let codex = home.path().join(".codex/config.toml");
    std::fs::create_dir_all(codex.parent().expect("parent")).expect("mkdir");
    std::fs::write(&codex, CODEX_CONFIG).expect("codex config");
    let out = tempfile::tempdir().expect("out");

    let paths = (
        data.path().to_path_buf(),
        home.path().to_path_buf(),
        out.path().to_path_buf(),
    );
    let (output, base_url) = tokio::task::spawn_blocking(move || {
        let (data, home, out) = paths;
        let port = support::free_port();
        let child = Command::new(support::release_binary())
            .args([
                "serve",
                "--listen",
                &format!("127.0.0.1:{port}"),
                "--data-dir",
            ])
            .arg(&data)
            .current_dir(&data)
            .env("HOME", &home)
            .env_remove("API_SWITCH_DATA_DIR")
            .env_remove("CODEX_HOME")
            .env_remove("CLAUDE_CONFIG_DIR")
            .env_remove("XDG_CONFIG_HOME")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start the release api-switch");
        let _server = support::KillOnDrop(child);
        let base_url = format!("http://127.0.0.1:{port}");
        support::wait_healthy(&base_url);
        let root = support::workspace_root();
        let output = Command::new("node")
            .arg(root.join("end2end/connect.mjs"))
            .arg(&base_url)
            .arg(&home)
            .arg(&out)
            .current_dir(&root)
            .output()
            .expect("run node (install Node.js, or run `cargo xtask test`)");
        (output, base_url)
    })
    .await
    .expect("node finished");
    assert!(
        output.status.success(),
        "browser check failed:\nstdout: {}\nstderr: {}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("connect ok"));
    assert!(
        stalled_request_cancelled.load(Ordering::SeqCst),
        "Stop on the Test chat screen cancelled the request to the stalling upstream"
    );

    // What Connect wrote, as each app reads it.
    let claude: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(out.path().join("claude-settings.json")).expect("claude copy"),
    )
    .expect("Claude Code's settings are JSON");
    assert_eq!(claude["env"]["ANTHROPIC_BASE_URL"], base_url.as_str());
    let token = claude["env"]["ANTHROPIC_AUTH_TOKEN"]
        .as_str()
        .unwrap_or_default();
    let codex_written: toml_edit::DocumentMut =
        std::fs::read_to_string(out.path().join("codex-config.toml"))
            .expect("codex copy")
            .parse()
            .expect("Codex's config is TOML");
    assert_eq!(codex_written["model_provider"].as_str(), Some("api-switch"));
    let ours = &codex_written["model_providers"]["api-switch"];
    assert_eq!(
        ours["base_url"].as_str(),
        Some(format!("{base_url}/v1").as_str())
    );
    assert_eq!(ours["wire_api"].as_str(), Some("responses"));
    assert_eq!(
        codex_written["model_providers"]["corp"]["base_url"].as_str(),
        Some("https://llm.corp.example/v1"),
        "the user's provider stays"
    );
    assert_eq!(codex_written["model"].as_str(), Some("gpt-5-codex"));

    // Each app's key is a real access key of this server.
    let store = Store::open(data.path().join("api-switch.db")).expect("store");
    let keys = store.access_keys().expect("keys");
    let key_of = |name: &str| {
        keys.iter()
            .find(|k| k.name == name)
            .map(|k| k.key.expose().to_owned())
            .unwrap_or_default()
    };
    assert_eq!(token, key_of("Claude Code"));
    assert_eq!(
        ours["experimental_bearer_token"].as_str(),
        Some(key_of("Codex").as_str())
    );

    // Gemini CLI: its .env points at the server with its own key, and API-key sign-in is on.
    let gemini_env = std::fs::read_to_string(out.path().join("gemini-env")).expect("env copy");
    assert_eq!(
        gemini_env,
        format!(
            "GOOGLE_GEMINI_BASE_URL={base_url}\nGEMINI_API_KEY={}\n",
            key_of("Gemini CLI")
        )
    );
    assert!(!key_of("Gemini CLI").is_empty());
    let gemini_settings: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(out.path().join("gemini-settings.json")).expect("settings copy"),
    )
    .expect("settings JSON");
    assert_eq!(
        gemini_settings["security"]["auth"]["selectedType"],
        "gemini-api-key"
    );

    // Restored: Claude Code's file (which we created) is gone, Codex's is the user's again.
    assert!(!home.path().join(".claude/settings.json").exists());
    assert_eq!(
        std::fs::read_to_string(&codex).expect("codex config"),
        CODEX_CONFIG
    );
}
