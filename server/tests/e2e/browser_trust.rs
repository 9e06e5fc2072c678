//! Issue 19 findings 3 and 5 in a real Chromium against the release binary: another site's
//! page cannot spend the keys through `/v1` (a listed browser app can, with CORS), and no
//! page can frame the UI, which itself hydrates under its script policy without a violation.

use super::support;

use engine::store::Store;
use serde_json::Value;
use wiremock::{Mock, MockServer, ResponseTemplate};

/// Finding 3: the hostile page's no-cors POST is refused with 403 and the upstream sees only
/// the listed app's one request, whose answer that app reads.
#[tokio::test(flavor = "multi_thread")]
async fn r19_3_a_web_page_cannot_spend_the_keys_but_a_listed_browser_app_can() {
    let upstream = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "id": "c1", "object": "chat.completion", "model": "gpt-4o",
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": "hello from upstream"}}]
        })))
        .mount(&upstream)
        .await;
    let data = tempfile::tempdir().expect("temp dir");
    let db = data.path().join("api-switch.db");
    support::seed_gpt4o_channel(&db, "main", &upstream.uri(), "sk-browser-secret");
    let (hostile, listed) = (support::free_port(), support::free_port());
    let store = Store::open(db).expect("store");
    let mut settings = store.settings().expect("settings");
    settings.browser_origins = vec![format!("http://127.0.0.1:{listed}")];
    store.save_settings(&settings).expect("save");
    drop(store);

    let stdout = support::run_browser_check(
        data.path(),
        "browser_origins.mjs",
        &[hostile.to_string(), listed.to_string()],
    )
    .await;
    let result: Value = stdout
        .lines()
        .find_map(|line| line.strip_prefix("result "))
        .and_then(|json| serde_json::from_str(json).ok())
        .unwrap_or_else(|| panic!("no result line: {stdout}"));
    assert_eq!(result["hostileStatus"], 403, "{result}");
    assert_eq!(result["hostile"]["type"], "opaque", "{result}");
    assert_eq!(result["listed"]["status"], 200, "{result}");
    assert_eq!(
        result["listed"]["content"], "hello from upstream",
        "the listed app reads the answer: {result}"
    );
    assert!(
        result["hostileCors"]["error"].is_string(),
        "the hostile page's CORS request fails at its preflight: {result}"
    );
    let received = upstream.received_requests().await.unwrap_or_default();
    assert_eq!(
        received.len(),
        1,
        "only the listed app reached the upstream: {result}"
    );
}

/// Finding 5: the UI hydrates under its policy with no violation, and a page on another
/// origin that frames it gets nothing rendered.
#[tokio::test(flavor = "multi_thread")]
async fn r19_5_the_ui_hydrates_under_its_policy_and_cannot_be_framed() {
    let data = tempfile::tempdir().expect("temp dir");
    let attacker = support::free_port();
    let stdout =
        support::run_browser_check(data.path(), "framing.mjs", &[attacker.to_string()]).await;
    assert!(stdout.contains("framing ok"), "{stdout}");
}
