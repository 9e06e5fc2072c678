//! Issue 21: Settings -> Model catalog in headless Chromium (`end2end/catalog.mjs`) against the
//! release binary: a bad source is refused naming the model and field, "Update model catalog"
//! takes a models.dev-shaped source served here, both languages and themes pass axe, and
//! "Use the built-in catalog" goes back.

use axum::Json;
use axum::routing::get;
use serde_json::{Value, json};

use super::support;

fn api_json(sonnet_input: f64) -> Value {
    json!({
        "anthropic": {"id": "anthropic", "name": "Anthropic", "models": {
            "claude-sonnet-4-5": {
                "id": "claude-sonnet-4-5", "release_date": "2025-09-29",
                "limit": {"context": 200000, "output": 64000},
                "cost": {"input": sonnet_input, "output": 15.0}
            }
        }},
        "openai": {"id": "openai", "name": "OpenAI", "models": {
            "gpt-ui-1": {
                "id": "gpt-ui-1", "name": "GPT UI 1", "release_date": "2026-12-01",
                "limit": {"context": 100000, "output": 10000},
                "cost": {"input": 1.0, "output": 2.0}
            }
        }}
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn the_model_catalog_section_updates_refuses_and_resets() {
    let app = axum::Router::new()
        .route("/good.json", get(|| async { Json(api_json(5.0)) }))
        .route("/bad.json", get(|| async { Json(api_json(-1.0)) }));
    let addr = support::serve_on_loopback(app).await;
    let data = tempfile::tempdir().expect("temp dir");
    let stdout = support::run_browser_check(
        data.path(),
        "catalog.mjs",
        &[
            format!("http://{addr}/good.json"),
            format!("http://{addr}/bad.json"),
        ],
    )
    .await;
    assert!(stdout.contains("catalog ok"), "{stdout}");
}
