//! Issue 22, session affinity through the official `openai` and `anthropic` Python SDKs
//! (`end2end/sdk_affinity.py`): Chat's and Responses' `prompt_cache_key` and Messages'
//! `metadata.user_id` keep a session on one key of a 3-key pool and one entry of the group;
//! a key's failure moves it to another key once, an entry's failure to the other entry once,
//! and it sticks there after the old one is back; requests without a session rotate. The log
//! rows say why each session moved.

use std::collections::HashSet;
use std::path::Path;
use std::sync::{Arc, Mutex};

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::venv_python;

const ACCESS_KEY: &str = "sk-as-sdk-affinity-0123456789";
const POOL: [&str; 3] = [
    "sk-pool-one-0123456789",
    "sk-pool-two-0123456789",
    "sk-pool-three-012345678",
];
const SINGLE: &str = "sk-single-0123456789";

/// What a scripted upstream fails once: a key (429, `Retry-After: 1`) or every request (500).
#[derive(Default)]
struct FailOnce {
    keys: HashSet<String>,
    all: bool,
}

type Upstream = (&'static str, Arc<Mutex<FailOnce>>);

async fn chat(
    State((name, fail)): State<Upstream>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    let key = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default()
        .to_owned();
    {
        let mut fail = fail.lock().expect("script");
        if std::mem::take(&mut fail.all) {
            let error = json!({"error": {"message": "upstream down"}});
            return (StatusCode::INTERNAL_SERVER_ERROR, Json(error)).into_response();
        }
        if fail.keys.remove(&key) {
            let error = json!({"error": {"message": "slow down"}});
            return (
                StatusCode::TOO_MANY_REQUESTS,
                [("retry-after", "1")],
                Json(error),
            )
                .into_response();
        }
    }
    // The key by a tag, not itself: every upstream byte is masked on the way back.
    let content = format!("{name}:{}", key.replacen("sk-", "tag-", 1));
    Json(json!({"id": "c", "object": "chat.completion", "created": 1, "model": body["model"],
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5}}))
    .into_response()
}

async fn upstream(name: &'static str) -> (String, Arc<Mutex<FailOnce>>) {
    let fail = Arc::new(Mutex::new(FailOnce::default()));
    let app = axum::Router::new()
        .route("/v1/chat/completions", axum::routing::post(chat))
        .with_state((name, Arc::clone(&fail)));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, fail)
}

/// Runs one phase of the script; its output lines.
async fn run_phase(url: &str, phase: &str, arg: &str) -> Vec<String> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../end2end/sdk_affinity.py");
    let output = tokio::process::Command::new(venv_python())
        .arg(script)
        .args([url, phase, arg])
        .output()
        .await
        .expect("run python");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success() && stdout.contains("sdk affinity ok"),
        "sdk_affinity.py {phase} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout.lines().map(str::to_owned).collect()
}

fn printed(lines: &[String], name: &str) -> String {
    lines
        .iter()
        .find_map(|l| l.strip_prefix(&format!("{name}=")))
        .unwrap_or_else(|| panic!("{name} not printed: {lines:?}"))
        .to_owned()
}

#[tokio::test]
async fn sdk_sessions_stay_on_one_key_and_entry_and_move_once_when_they_fail() {
    let ((a_url, a_fail), (b_url, b_fail)) = (upstream("A").await, upstream("B").await);
    let dir = tempfile::tempdir().expect("tempdir");
    let state = engine::AppState::open(dir.path().join("api-switch.db")).expect("open");
    let pool: Vec<_> = POOL.iter().map(|k| json!({"key": k})).collect();
    let file = json!({"version": 1, "settings": {"require_access_key": true},
    "access_keys": [{"name": "sdk", "key": ACCESS_KEY}],
    "channels": [
        {"name": "A", "api_type": "custom", "base_url": format!("{a_url}/v1"), "api_key": "",
         "keys": pool, "entries": [{"model": "gpt-test", "group": "auto", "priority": 1}]},
        {"name": "B", "api_type": "custom", "base_url": format!("{b_url}/v1"), "api_key": SINGLE,
         "entries": [{"model": "gpt-test", "group": "auto", "priority": 2}]}
    ]});
    state.import_config(&file.to_string()).expect("import");
    // A one-second entry cooldown, below what a user may choose, so A recovers in the test.
    let mut settings = state.store().settings().expect("settings");
    settings.cooldown_secs = 1;
    state.store().save_settings(&settings).expect("settings");
    state.reload().expect("reload");
    let app = engine::proxy::proxy_routes::<engine::AppState>().with_state(state.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await });

    let sticky = run_phase(&url, "sticky", "").await;
    let chat_session = printed(&sticky, "chat-session");
    let messages_session = printed(&sticky, "messages-session");

    let serving = POOL
        .iter()
        .find(|k| chat_session == format!("A:{}", k.replacen("sk-", "tag-", 1)))
        .expect("the chat session is on a key of A's pool");
    a_fail
        .lock()
        .expect("script")
        .keys
        .insert((*serving).to_owned());
    let moved = run_phase(&url, "key-moved", &chat_session).await;
    let moved_to = printed(&moved, "moved-to");

    a_fail.lock().expect("script").all = true;
    run_phase(&url, "entry-moved", &messages_session).await;
    assert!(!b_fail.lock().expect("script").all);

    state.flush();
    let rows = state
        .store()
        .log_page(&Default::default())
        .expect("log")
        .rows;
    let reasons: Vec<_> = rows
        .iter()
        .filter(|r| !r.session_moved.is_empty())
        .map(|r| r.session_moved.clone())
        .collect();
    let place = |answer: &str| {
        let at = POOL
            .iter()
            .position(|k| answer.ends_with(&k.replacen("sk-", "tag-", 1)))
            .expect("a pool key");
        format!("key {} of 3", at + 1)
    };
    assert_eq!(
        reasons,
        [
            "A/gpt-test failed (status HTTP 500); moved to B/gpt-test".to_owned(),
            format!(
                "{} failed; moved to {}",
                place(&chat_session),
                place(&moved_to)
            ),
        ],
        "newest first"
    );
    // Every row of a session names it by the same hash, never by the client's id.
    let sessions: HashSet<_> = rows.iter().map(|r| r.session.as_str()).collect();
    assert_eq!(sessions.len(), 4, "three sessions and none: {sessions:?}");
    assert!(rows.iter().all(|r| !r.session.contains("conversation")));
}
