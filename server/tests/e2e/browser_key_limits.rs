//! Issue 21, limits per access key on the Access keys screen, in headless Chromium against the
//! release binary (`end2end/key_limits.mjs`): each key shows its use against each of its limits
//! (seeded from the request log at start-up), a request through the proxy moves the count live,
//! the limits form saves a lower limit that the very next request meets (429 with
//! `Retry-After`), and the screen and the form pass axe in both languages and themes, with
//! screenshots to look at.

use super::support;

use engine::manage::KeyLimits;
use engine::store::Store;
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const AGENT: &str = "sk-as-agent-limits-0000000000000001";
const EDITOR: &str = "sk-as-editor-limits-000000000000002";

async fn upstream() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": "c1", "object": "chat.completion", "created": 1, "model": "gpt-4o",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": "hello"}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 7}
        })))
        .mount(&server)
        .await;
    server
}

fn logged(at_ms: i64, key: &str) -> engine::logs::RequestRecord {
    engine::logs::RequestRecord {
        at_ms,
        requested_model: "gpt-4o".into(),
        model: "gpt-4o".into(),
        channel: "relay".into(),
        client_key_name: key.into(),
        status: 200,
        latency_ms: 800,
        prompt_tokens: Some(12_000),
        completion_tokens: Some(800),
        cost_usd: Some(1.2),
        ..engine::logs::RequestRecord::default()
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_access_keys_screen_shows_use_against_limits_live_and_sets_them() {
    let upstream = upstream().await;
    let data = tempfile::tempdir().expect("temp dir");
    let db = data.path().join("api-switch.db");
    support::seed_gpt4o_channel(&db, "relay", &upstream.uri(), "sk-relay-secret-0001");
    let store = Store::open(db.clone()).expect("store");
    let agent = store.create_access_key("agent", AGENT).expect("agent");
    assert_eq!(agent, 1, "the browser check finds agent's row by its id");
    store.create_access_key("editor", EDITOR).expect("editor");
    let limits = KeyLimits {
        requests_per_minute: Some(60),
        tokens_per_day: Some(100_000),
        usd_per_day: Some(5.0),
        usd_per_month: Some(50.0),
    };
    store.set_access_key_limits(agent, &limits).expect("limits");
    // One request earlier today (in an earlier minute), $1.20 and 12 800 tokens. In the first
    // two minutes of a UTC day there is no earlier minute of today that is two minutes back:
    // the check waits them out rather than put the row in the minute it reads as "0 / 60".
    let since_midnight = engine::clock::now_ms().rem_euclid(86_400_000);
    if since_midnight < 120_000 {
        let wait = u64::try_from(120_000 - since_midnight).unwrap_or(0);
        tokio::time::sleep(std::time::Duration::from_millis(wait)).await;
    }
    let earlier = engine::clock::now_ms() - 120_000;
    store
        .write_batch(&[], &mut [logged(earlier, "agent")])
        .expect("log row");
    drop(store);

    let stdout =
        support::run_browser_check(data.path(), "key_limits.mjs", &[AGENT.to_owned()]).await;
    assert!(stdout.contains("key limits ok"), "{stdout}");

    let store = Store::open(db).expect("store");
    let saved = store.access_keys().expect("keys")[0].limits;
    assert_eq!(
        saved,
        KeyLimits {
            requests_per_minute: Some(1),
            ..limits
        }
    );
}
