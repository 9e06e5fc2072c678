//! Issue 21: replacing the model catalog from models.dev's JSON (served by a local HTTP server)
//! or from a file, with prices and lookups reflecting it at once; a bad source changes nothing
//! and names every problem; `reset_catalog` goes back to the built-in copy.

mod common;

use axum::Json;
use axum::routing::get;
use engine::AppState;
use engine::catalog::Catalog;
use engine::manage::CatalogUpdateError;
use serde_json::{Value, json};

fn open() -> (tempfile::TempDir, AppState) {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = AppState::open(dir.path().join("api-switch.db")).expect("open");
    (dir, state)
}

/// A small `api.json`: Anthropic re-prices Claude Sonnet 4.5, OpenAI lists a new model, a
/// reseller lists a copy that must not be read, and an embedding model is left out.
fn models_dev() -> Value {
    json!({
        "anthropic": {"id": "anthropic", "name": "Anthropic", "models": {
            "claude-sonnet-4-5": {
                "id": "claude-sonnet-4-5", "name": "Claude Sonnet 4.5",
                "release_date": "2025-09-29", "tool_call": true, "reasoning": true,
                "limit": {"context": 200000, "output": 64000},
                "modalities": {"input": ["text", "image"], "output": ["text"]},
                "cost": {"input": 9.0, "output": 99.0, "cache_read": 0.9, "cache_write": 11.0}
            }
        }},
        "openai": {"id": "openai", "name": "OpenAI", "models": {
            "gpt-test-9": {
                "id": "gpt-test-9", "name": "GPT Test 9", "family": "gpt",
                "release_date": "2026-12-01", "tool_call": true,
                "limit": {"context": 400000, "output": 128000},
                "modalities": {"input": ["text"], "output": ["text"]},
                "cost": {"input": 1.5, "output": 6.0}
            },
            "text-embedding-9": {
                "id": "text-embedding-9", "release_date": "2026-12-01",
                "limit": {"context": 8192, "output": 1},
                "modalities": {"input": ["text"], "output": ["embedding"]},
                "cost": {"input": 0.1}
            },
            "gpt-undated": {
                "id": "gpt-undated", "release_date": "2026-12",
                "limit": {"context": 1000, "output": 1000}
            }
        }},
        "openrouter": {"id": "openrouter", "models": {
            "anthropic/claude-sonnet-4.5": {
                "id": "anthropic/claude-sonnet-4.5", "cost": {"input": 1000.0, "output": 1000.0}
            }
        }}
    })
}

fn sonnet_input_price() -> Option<f64> {
    Catalog::current()
        .lookup("claude-sonnet-4-5-20250929")
        .and_then(|found| found.model.price.clone())
        .and_then(|price| price.input)
}

#[tokio::test]
async fn update_from_a_local_models_dev_server_reprices_and_adds_models() {
    let body = models_dev();
    let app = axum::Router::new().route("/api.json", get(move || async move { Json(body) }));
    let addr = common::serve_on_loopback(app).await;
    let url = format!("http://{addr}/api.json");
    let (dir, state) = open();
    assert_eq!(sonnet_input_price(), Some(3.0), "the built-in price first");

    let changes = state
        .update_catalog(Some(url.clone()))
        .await
        .expect("a valid models.dev source is taken");

    assert_eq!(changes.source, url);
    assert_eq!(changes.added, vec!["gpt-test-9".to_owned()]);
    assert!(changes.removed.is_empty(), "{:?}", changes.removed);
    assert_eq!(
        changes.prices_changed, 1,
        "Sonnet 4.5 re-priced (a new model counts as added)"
    );
    assert_eq!(changes.models, Catalog::embedded().models().len() + 1);
    assert!(
        changes.skipped.iter().any(|s| s.contains("gpt-undated")),
        "{:?}",
        changes.skipped
    );
    assert_eq!(sonnet_input_price(), Some(9.0), "the maker's new price");
    let current = Catalog::current();
    let new = current
        .lookup("gpt-test-9")
        .expect("the new model is known");
    assert_eq!(new.model.context_length, 400_000);
    assert_eq!(new.model.price.as_ref().and_then(|p| p.output), Some(6.0));
    assert!(
        current
            .lookup("text-embedding-9")
            .is_none_or(|m| m.model.id != "text-embedding-9")
    );
    let info = current.info("claude-sonnet-4-5").expect("known");
    assert_eq!(info.price.and_then(|p| p.cache_write), Some(11.0));

    // The stored copy is what a restarted server on the same folder uses.
    drop(state);
    let reopened = AppState::open(dir.path().join("api-switch.db")).expect("reopen");
    let status = reopened.catalog_status().await.expect("status");
    assert!(status.stored);
    assert_eq!(status.source.as_deref(), Some(url.as_str()));
    assert_eq!(status.models, changes.models);
    assert_eq!(sonnet_input_price(), Some(9.0));

    let back = reopened.reset_catalog().await.expect("reset");
    assert_eq!(back.removed, vec!["gpt-test-9".to_owned()]);
    assert_eq!(sonnet_input_price(), Some(3.0), "the built-in price again");
    assert!(!reopened.catalog_status().await.expect("status").stored);
}

#[tokio::test]
async fn update_from_a_file_in_our_format_replaces_the_catalog() {
    let (dir, state) = open();
    let file = dir.path().join("models.json");
    let catalog = json!({
        "schema": 1,
        "updated": "2026-12-07",
        "prices": {"source": "a test", "date": "2026-12-07"},
        "providers": {"acme": {"name": "Acme", "aliases": ["acme"]}},
        "models": [{
            "id": "acme-1", "name": "Acme 1", "provider": "acme", "family": "acme",
            "release_date": "2026-11-01", "context_length": 32000, "max_output_tokens": 4000,
            "capabilities": ["tools"],
            "price": {"input": 0.5, "output": 2.0, "per_request": 0.01}
        }]
    });
    std::fs::write(&file, catalog.to_string()).expect("write");

    let changes = state
        .update_catalog(Some(file.display().to_string()))
        .await
        .expect("a valid file is taken");

    assert_eq!(changes.models, 1);
    assert_eq!(changes.added, vec!["acme-1".to_owned()]);
    assert_eq!(changes.removed.len(), Catalog::embedded().models().len());
    let current = Catalog::current();
    let price = current
        .lookup("acme/acme-1")
        .and_then(|found| found.model.price.clone())
        .expect("priced");
    assert_eq!(price.per_request, Some(0.01));
    assert!(current.lookup("claude-sonnet-4-5").is_none());
    assert_eq!(
        current.prices_source().map(|p| p.source.as_str()),
        Some("a test")
    );
}

/// Each bad source with the model and field its problem must name.
fn bad_sources() -> Vec<(&'static str, String, &'static str, &'static str)> {
    let ours = |model: Value| {
        json!({
            "providers": {"acme": {"name": "Acme"}},
            "models": [
                {"id": "fine-1", "name": "Fine", "provider": "acme", "family": "f",
                 "release_date": "2026-01-01", "context_length": 1, "max_output_tokens": 1,
                 "capabilities": []},
                model
            ]
        })
        .to_string()
    };
    let model = |extra: Value| {
        let mut m = json!({"name": "Bad", "provider": "acme", "family": "b",
            "release_date": "2026-01-01", "context_length": 1, "max_output_tokens": 1,
            "capabilities": []});
        if let (Some(m), Some(extra)) = (m.as_object_mut(), extra.as_object()) {
            m.extend(extra.clone());
        }
        m
    };
    let mut dev = models_dev();
    dev["anthropic"]["models"]["claude-sonnet-4-5"]["cost"]["output"] = json!(-1.0);
    vec![
        ("unparseable", "{\"models\": [".to_owned(), "", "not JSON"),
        (
            "negative price",
            ours(model(json!({"id": "bad-1", "price": {"input": -0.5}}))),
            "model bad-1, price.input",
            "not a price",
        ),
        (
            "no id",
            ours(model(json!({"price": {"input": 1.0}}))),
            "model #2, id",
            "missing",
        ),
        (
            "unknown provider",
            ours(model(json!({"id": "bad-2", "provider": "nobody"}))),
            "model bad-2, provider",
            "nobody",
        ),
        (
            "models.dev negative price",
            dev.to_string(),
            "model claude-sonnet-4-5, cost.output",
            "not a price",
        ),
    ]
}

#[tokio::test]
async fn a_bad_source_changes_nothing_and_names_every_problem() {
    let (dir, state) = open();
    for (what, text, names, says) in bad_sources() {
        let file = dir.path().join("bad.json");
        std::fs::write(&file, text).expect("write");
        let error = state
            .update_catalog(Some(file.display().to_string()))
            .await
            .expect_err(what);
        let CatalogUpdateError::Invalid { problems, .. } = &error else {
            panic!("{what}: {error}");
        };
        let message = error.to_string();
        assert!(message.contains(names), "{what}: {message}");
        assert!(message.contains(says), "{what}: {message}");
        assert_eq!(problems.len(), 1, "{what}: {problems:?}");
        assert_eq!(
            sonnet_input_price(),
            Some(3.0),
            "{what} changed the catalog"
        );
        assert!(
            !state.catalog_status().await.expect("status").stored,
            "{what}"
        );
    }
}

#[tokio::test]
async fn an_unreachable_source_changes_nothing() {
    let (_dir, state) = open();
    let url = format!("http://{}/api.json", common::refused_addr().await);
    let error = state.update_catalog(Some(url)).await.expect_err("refused");
    assert!(matches!(error, CatalogUpdateError::Read(_)), "{error}");
    assert_eq!(sonnet_input_price(), Some(3.0));
}
