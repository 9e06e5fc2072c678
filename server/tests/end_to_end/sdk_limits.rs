//! Limits per access key through the official `openai` and `anthropic` Python SDKs
//! (`end2end/sdk_limits.py`): a key over its requests per minute, and one over its tokens per
//! day, get 429 with `Retry-After` as each SDK's `RateLimitError` in Chat Completions, Responses
//! and Messages; another key is unaffected; raising the limit lets the next request through at
//! once. The keys and their limits come in through `import`, as a user's file would bring them.

use std::path::Path;

use engine::manage::KeyLimits;
use serde_json::json;

use super::{start_upstream, venv_python};

const AGENT: &str = "sk-as-agent-0123456789abcdef";
const EDITOR: &str = "sk-as-editor-0123456789abcdef";
const DAILY: &str = "sk-as-daily-0123456789abcdef";

async fn run_phase(url: &str, phase: &str) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../end2end/sdk_limits.py");
    let output = tokio::process::Command::new(venv_python())
        .arg(script)
        .args([url, phase, AGENT, EDITOR, DAILY])
        .output()
        .await
        .expect("run python");
    assert!(
        output.status.success(),
        "sdk_limits.py {phase} failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[tokio::test]
async fn the_sdks_get_429_with_retry_after_over_a_limit_and_a_raise_applies_at_once() {
    let upstream = start_upstream().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let state = engine::AppState::open(dir.path().join("api-switch.db")).expect("open");
    let file = json!({"version": 1, "settings": {"require_access_key": true},
        "access_keys": [
            {"name": "agent", "key": AGENT, "limits": {"requests_per_minute": 2}},
            {"name": "editor", "key": EDITOR},
            {"name": "daily", "key": DAILY, "limits": {"tokens_per_day": 5}}
        ],
        "channels": [{"name": "live", "api_type": "custom", "base_url": format!("{upstream}/v1"),
                      "api_key": "sk-live-0123456789", "entries": [{"model": "gpt-test"}]}]});
    state.import_config(&file.to_string()).expect("import");
    let app = engine::proxy::proxy_routes::<engine::AppState>().with_state(state.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await });

    run_phase(&url, "over").await;

    let agent = state.store().access_keys().expect("keys")[0].clone();
    assert_eq!(agent.name, "agent");
    let raised = KeyLimits {
        requests_per_minute: Some(4),
        ..agent.limits
    };
    state
        .set_access_key_limits(agent.id, raised)
        .await
        .expect("raise");
    run_phase(&url, "raised").await;
}
