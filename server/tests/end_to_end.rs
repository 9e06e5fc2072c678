//! The real `api-switch` binary: `import` into the data folder of a running server (which picks
//! it up without restart), `export` with and without secrets, and the official `openai` Python
//! SDK driving the proxy, streaming and not, through a failover.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use axum::Json;
use axum::body::Body;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_api-switch");

/// An OpenAI-like upstream answering "hello from upstream", as JSON or as a stream.
async fn start_upstream() -> String {
    async fn chat(Json(body): Json<Value>) -> Response {
        if body["stream"].as_bool() == Some(true) {
            // The whole stream in one body: the SDK's parsing is what this test proves; chunk
            // timing is covered by the engine's streaming tests.
            let events: String = [
                json!({"choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}}]}),
                json!({"choices": [{"index": 0, "delta": {"content": "hello"}}]}),
                json!({"choices": [{"index": 0, "delta": {"content": " from upstream"}, "finish_reason": "stop"}]}),
            ]
            .iter()
            .map(|c| format!("data: {}\n\n", json!({"id": "c", "object": "chat.completion.chunk", "created": 1, "model": "gpt-test", "choices": c["choices"]})))
            .chain(["data: [DONE]\n\n".to_owned()])
            .collect();
            return Response::builder()
                .header("content-type", "text/event-stream")
                .body(Body::from(events))
                .expect("response");
        }
        Json(json!({"id": "c", "object": "chat.completion", "created": 1, "model": body["model"],
            "choices": [{"index": 0, "message": {"role": "assistant", "content": "hello from upstream"}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5}}))
        .into_response()
    }
    serve_on_loopback(axum::Router::new().route("/v1/chat/completions", axum::routing::post(chat)))
        .await
}

/// Serves `app` on a free loopback port for the rest of the test; returns its base URL.
async fn serve_on_loopback(app: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    url
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

/// A running `api-switch serve`, killed on drop.
struct Server {
    child: Child,
    url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn serve(data: &Path) -> Server {
    serve_with_env(data, &[]).await
}

/// `serve` with these environment variables set.
async fn serve_with_env(data: &Path, env: &[(&str, &str)]) -> Server {
    let port = free_port();
    let child = Command::new(BIN)
        .args([
            "serve",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--data-dir",
        ])
        .arg(data)
        .envs(env.iter().copied())
        .stdout(Stdio::null())
        .spawn()
        .expect("start api-switch");
    let server = Server {
        child,
        url: format!("http://127.0.0.1:{port}"),
    };
    for _ in 0..300 {
        if reqwest::get(format!("{}/health", server.url)).await.is_ok() {
            return server;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("api-switch did not start serving on {}", server.url);
}

fn run(args: &[&str], data: &Path) -> std::process::Output {
    let output = Command::new(BIN)
        .args(args)
        .arg("--data-dir")
        .arg(data)
        .output()
        .expect("run api-switch");
    assert!(
        output.status.success(),
        "api-switch {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

fn config(upstream: &str, dead: &str) -> Value {
    json!({"version": 1, "settings": {},
    "channels": [
        {"name": "dead", "api_type": "openai", "base_url": dead, "api_key": "sk-dead-0123456789", "entries": [{"model": "gpt-test"}]},
        {"name": "live", "api_type": "custom", "base_url": format!("{upstream}/v1"), "api_key": "sk-live-0123456789", "entries": [{"model": "gpt-test"}]}
    ]})
}

/// `config` with one access key, `editor`, whose secret is `key`.
fn config_with_editor_key(upstream: &str, dead: &str, key: &str) -> Value {
    let mut config = config(upstream, dead);
    config["access_keys"] = json!([{"name": "editor", "key": key}]);
    config
}

fn dead_url() -> String {
    format!("http://127.0.0.1:{}", free_port())
}

async fn model_ids(url: &str) -> Vec<String> {
    let list: Value = reqwest::get(format!("{url}/v1/models"))
        .await
        .expect("models")
        .json()
        .await
        .expect("json");
    list["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|m| m["id"].as_str().expect("id").to_owned())
        .collect()
}

#[tokio::test]
async fn import_reaches_a_running_server_and_export_masks_keys() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = serve(dir.path()).await;
    assert_eq!(model_ids(&server.url).await, vec!["auto"]);
    // Unknown proxy paths answer in OpenAI's shape even beside the UI's routes.
    let unknown = reqwest::get(format!("{}/v1/nope", server.url))
        .await
        .expect("get");
    assert_eq!(unknown.status(), 404);
    let body: Value = unknown.json().await.expect("json 404");
    assert_eq!(body["error"]["code"], "unknown_url");
    let file = dir.path().join("config.json");
    std::fs::write(
        &file,
        config(&start_upstream().await, &dead_url()).to_string(),
    )
    .expect("write");
    run(&["import", file.to_str().expect("utf-8 path")], dir.path());
    let mut ids = Vec::new();
    for _ in 0..100 {
        ids = model_ids(&server.url).await;
        if ids.contains(&"gpt-test".to_owned()) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        ids,
        vec!["gpt-test", "auto"],
        "the running server did not pick up the import"
    );

    let masked = String::from_utf8(run(&["export"], dir.path()).stdout).expect("utf-8");
    assert!(
        !masked.contains("sk-live-0123456789") && masked.contains("\"live\""),
        "{masked}"
    );
    let full =
        String::from_utf8(run(&["export", "--include-secrets"], dir.path()).stdout).expect("utf-8");
    assert!(full.contains("sk-live-0123456789"), "{full}");
}

#[tokio::test]
async fn a_bad_import_fails_with_paths_and_a_nonzero_exit() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("bad.json");
    std::fs::write(
        &file,
        r#"{"channels":[{"name":"x","api_type":"openai","base_url":"nope"}]}"#,
    )
    .expect("write");
    let output = Command::new(BIN)
        .arg("import")
        .arg(&file)
        .arg("--data-dir")
        .arg(dir.path())
        .output()
        .expect("run");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("channels[0].base_url: not a URL"),
        "{stderr}"
    );
}

fn venv_python() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let python = root.join("target/venv/bin/python");
    assert!(
        python.exists(),
        "the Python virtualenv is missing at {}; create it with `cargo xtask setup` \
         (or `python3 -m venv target/venv && target/venv/bin/pip install -r end2end/requirements.txt`)",
        python.display()
    );
    python
}

#[tokio::test]
async fn the_official_openai_sdk_works_through_the_proxy_streaming_and_not() {
    let python = venv_python();
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("config.json");
    std::fs::write(
        &file,
        config(&start_upstream().await, &dead_url()).to_string(),
    )
    .expect("write");
    run(&["import", file.to_str().expect("utf-8 path")], dir.path());
    let server = serve(dir.path()).await;
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../end2end/openai_sdk_proxy.py");
    let output = tokio::process::Command::new(python)
        .arg(script)
        .arg(&server.url)
        .output()
        .await
        .expect("run python");
    assert!(
        output.status.success(),
        "the openai SDK script failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("openai sdk ok"));
}

#[path = "end_to_end/sdk_protocols.rs"]
mod sdk_protocols;

#[path = "end_to_end/sdk_limits.rs"]
mod sdk_limits;

#[path = "end_to_end/sdk_affinity.rs"]
mod sdk_affinity;

#[path = "end_to_end/metrics.rs"]
mod metrics;

#[path = "end_to_end/traces.rs"]
mod traces;
