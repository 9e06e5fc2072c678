//! Issue 21: `api-switch catalog update|reset|status` on a data folder a server is running on
//! (the server takes the stored catalog within a second), and the Settings screen's server
//! functions for the same operation.

use std::net::SocketAddr;
use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use api_switch::http::{DB_FILE_NAME, router};
use app::screens::settings::{ModelCatalogStatus, UpdateModelCatalog};
use axum::Json;
use axum::body::{Body, to_bytes};
use axum::http::{Request, header};
use axum::routing::get;
use engine::AppState;
use leptos::server_fn::ServerFn;
use serde_json::{Value, json};
use tower::ServiceExt;

use super::support;

/// A models.dev-shaped `api.json`: Anthropic re-prices Claude Sonnet 4.5, OpenAI adds a model.
fn models_dev(sonnet_input: f64) -> Value {
    json!({
        "anthropic": {"id": "anthropic", "name": "Anthropic", "models": {
            "claude-sonnet-4-5": {
                "id": "claude-sonnet-4-5", "release_date": "2025-09-29",
                "limit": {"context": 200000, "output": 64000},
                "cost": {"input": sonnet_input, "output": 15.0}
            }
        }},
        "openai": {"id": "openai", "name": "OpenAI", "models": {
            "gpt-cli-1": {
                "id": "gpt-cli-1", "name": "GPT CLI 1", "release_date": "2026-12-01",
                "limit": {"context": 100000, "output": 10000},
                "cost": {"input": 1.0, "output": 2.0}
            }
        }}
    })
}

fn catalog(data: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_api-switch"))
        .arg("catalog")
        .args(args)
        .arg("--data-dir")
        .arg(data)
        .env_remove("API_SWITCH_DATA_DIR")
        .output()
        .expect("the api-switch binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The running server's `catalog_status` server function, as the Settings page calls it.
fn served_status(base_url: &str) -> Value {
    let answer = reqwest::blocking::Client::new()
        .post(format!("{base_url}{}", ModelCatalogStatus::PATH))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "application/json")
        .header("sec-fetch-site", "same-origin")
        .body("")
        .send()
        .expect("the server answers");
    answer.json().expect("json")
}

fn wait_for_stored(base_url: &str, stored: bool) -> Value {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let status = served_status(base_url);
        if status["stored"] == stored || Instant::now() > deadline {
            return status;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn catalog_cli_refuses_a_bad_file_and_a_running_server_takes_a_good_one() {
    let data = tempfile::tempdir().expect("temp dir");
    let port = support::free_port();
    let listen = format!("127.0.0.1:{port}");
    let data_dir = data.path().display().to_string();
    let server = support::start(
        Path::new(env!("CARGO_BIN_EXE_api-switch")),
        &["serve", "--listen", &listen, "--data-dir", &data_dir],
        data.path(),
        port,
    );
    let base_url = format!("http://{listen}");
    let builtin = served_status(&base_url);
    assert_eq!(builtin["stored"], false, "{builtin}");

    let bad = data.path().join("bad.json");
    let mut negative = models_dev(-3.0);
    negative["openai"]["models"]["gpt-cli-1"]
        .as_object_mut()
        .expect("object")
        .remove("id");
    std::fs::write(&bad, negative.to_string()).expect("write");
    let refused = catalog(
        data.path(),
        &["update", "--from", &bad.display().to_string()],
    );
    let said = text(&refused.stderr);
    assert!(!refused.status.success(), "a bad file must fail: {said}");
    assert!(said.contains("nothing changed"), "{said}");
    assert!(
        said.contains("model claude-sonnet-4-5, cost.input"),
        "{said}"
    );
    assert!(said.contains("model openai/gpt-cli-1, id"), "{said}");

    let good = data.path().join("api.json");
    std::fs::write(&good, models_dev(7.0).to_string()).expect("write");
    let updated = catalog(
        data.path(),
        &["update", "--from", &good.display().to_string()],
    );
    let printed = text(&updated.stdout);
    assert!(updated.status.success(), "{}", text(&updated.stderr));
    assert!(printed.contains("Catalog updated"), "{printed}");
    assert!(
        printed.contains("Added 1, removed 0, prices changed 1"),
        "{printed}"
    );
    assert!(printed.contains("Added: gpt-cli-1"), "{printed}");

    let taken = wait_for_stored(&base_url, true);
    assert_eq!(taken["stored"], true, "the running server reloads: {taken}");
    assert_eq!(
        taken["models"].as_u64(),
        builtin["models"].as_u64().map(|n| n + 1)
    );

    let status = catalog(data.path(), &["status", "--json"]);
    let status: Value = serde_json::from_slice(&status.stdout).expect("status json");
    assert_eq!(status["source"], good.display().to_string());

    let reset = catalog(data.path(), &["reset"]);
    assert!(reset.status.success(), "{}", text(&reset.stderr));
    assert!(
        text(&reset.stdout).contains("built-in"),
        "{}",
        text(&reset.stdout)
    );
    assert_eq!(wait_for_stored(&base_url, false)["stored"], false);
    drop(server);
}

async fn call<F: ServerFn>(router: &axum::Router, body: String) -> (u16, String) {
    let request = Request::post(F::PATH)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "application/json")
        .header("sec-fetch-site", "same-origin")
        .body(Body::from(body))
        .expect("request");
    let response = router.clone().oneshot(request).await.expect("response");
    let status = response.status().as_u16();
    let body = to_bytes(response.into_body(), usize::MAX)
        .await
        .expect("body");
    (status, text(&body))
}

#[tokio::test]
async fn the_settings_server_function_updates_from_a_url_and_refuses_a_file_path() {
    let body = models_dev(8.0);
    let app = axum::Router::new().route("/api.json", get(move || async move { Json(body) }));
    let addr = support::serve_on_loopback(app).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let state = AppState::open(dir.path().join(DB_FILE_NAME)).expect("state");
    let router = router(state.clone(), SocketAddr::from(([127, 0, 0, 1], 0)));

    let url = format!("http://{addr}/api.json");
    let form = format!("from={}", url.replace(':', "%3A").replace('/', "%2F"));
    let (status, answer) = call::<UpdateModelCatalog>(&router, form).await;
    assert_eq!(status, 200, "{answer}");
    let changes: Value = serde_json::from_str(&answer).expect("json");
    assert_eq!(changes["added"], json!(["gpt-cli-1"]));
    assert_eq!(changes["source"], url);
    let price = engine::catalog::Catalog::current()
        .lookup("claude-sonnet-4-5")
        .and_then(|m| m.model.price.clone())
        .and_then(|p| p.input);
    assert_eq!(price, Some(8.0));

    let file = dir.path().join(DB_FILE_NAME).display().to_string();
    let (status, answer) = call::<UpdateModelCatalog>(&router, format!("from={file}")).await;
    assert_ne!(status, 200, "{answer}");
    assert!(answer.contains("invalid_catalog"), "{answer}");
    assert!(answer.contains("http(s) URLs only"), "{answer}");
}
