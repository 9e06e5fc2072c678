//! Issue 10: the UI's shell, live stream, translations, access keys and accessibility, checked
//! by `end2end/ui.mjs` in headless Chromium against the release binary. The first entry's
//! upstream fails (HTTP 500) so it cools down; the second answers, so requests succeed.

use super::support;

use engine::store::Store;
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn upstream(status: u16) -> MockServer {
    let server = MockServer::start().await;
    let body = json!({
        "id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": "gpt-4o",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "hello"}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 7}
    });
    let template = if status == 200 {
        ResponseTemplate::new(200).set_body_json(body)
    } else {
        ResponseTemplate::new(status).set_body_json(json!({"error": {"message": "upstream broke"}}))
    };
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .respond_with(template)
        .mount(&server)
        .await;
    server
}

#[tokio::test(flavor = "multi_thread")]
async fn the_ui_is_live_translated_accessible_and_its_access_keys_bind_the_proxy() {
    let flaky = upstream(500).await;
    let good = upstream(200).await;
    let data = tempfile::tempdir().expect("temp dir");
    for (name, uri) in [("flaky", flaky.uri()), ("good", good.uri())] {
        support::seed_gpt4o_channel(
            &data.path().join("api-switch.db"),
            name,
            &uri,
            &format!("sk-{name}-secret"),
        );
    }
    let stdout = support::run_browser_check(data.path(), "ui.mjs", &[]).await;
    assert!(stdout.contains("ui ok"), "{stdout}");
    // Issue 12: the header's switch to Chinese was saved for the desktop tray (the later
    // screens set the language cookie directly, which saves nothing).
    let store = Store::open(data.path().join("api-switch.db")).expect("store");
    assert_eq!(
        store.settings().expect("settings").ui_language,
        engine::store::UiLanguage::Zh
    );
}
