//! `api-switch speedtest --json` end to end: the built binary against a local mock provider,
//! on a configuration written by the engine's own store.

use std::process::Command;

use engine::store::{NewChannel, NewEntry, Store};
use engine::upstream::ChannelKind;
use serde_json::{Value, json};
use wiremock::matchers::{body_partial_json, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const KEY: &str = "sk-speedtest-secret";

#[tokio::test]
async fn speedtest_json_lists_every_entry_with_timings_or_the_error() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .and(body_partial_json(json!({"model": "good"})))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            "data: {\"choices\":[{\"delta\":{\"content\":\"OK\"}}]}\n\ndata: [DONE]\n\n",
            "text/event-stream",
        ))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .and(body_partial_json(json!({"model": "broken"})))
        .respond_with(
            ResponseTemplate::new(503).set_body_json(json!({"error": {"message": "overloaded"}})),
        )
        .mount(&server)
        .await;

    let data = tempfile::tempdir().expect("temp dir");
    {
        let store = Store::open(data.path().join("api-switch.db")).expect("store");
        let channel = store
            .create_channel(&NewChannel {
                name: "mock".into(),
                api_type: ChannelKind::Openai,
                base_url: server.uri(),
                api_key: KEY.into(),
                enabled: true,
                api_version: String::new(),
            })
            .expect("channel");
        for model in ["good", "broken"] {
            store
                .create_entry(&NewEntry::new(channel, model))
                .expect("entry");
        }
    }

    let output = Command::new(env!("CARGO_BIN_EXE_api-switch"))
        .args(["speedtest", "--json", "--timeout-secs", "5", "--data-dir"])
        .arg(data.path())
        .env_remove("API_SWITCH_DATA_DIR")
        .output()
        .expect("the api-switch binary runs");
    let stdout = String::from_utf8(output.stdout).expect("utf-8 stdout");
    let stderr = String::from_utf8(output.stderr).expect("utf-8 stderr");
    // One entry failed: scripts learn it from the exit code (issue 25).
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(!stdout.contains(KEY) && !stderr.contains(KEY), "key leaked");
    let rows: Value = serde_json::from_str(&stdout).expect("stdout is JSON");
    let rows = rows.as_array().expect("an array");
    assert_eq!(rows.len(), 2, "{rows:?}");

    let good = &rows[0];
    assert_eq!(good["channel"], "mock");
    assert_eq!(good["model"], "good");
    assert_eq!(good["ok"], true);
    assert_eq!(good["error"], Value::Null);
    let ttfb = good["ttfb_ms"].as_u64().expect("ttfb");
    let total = good["total_ms"].as_u64().expect("total");
    assert!(ttfb <= total);

    let broken = &rows[1];
    assert_eq!(broken["model"], "broken");
    assert_eq!(broken["ok"], false);
    assert_eq!(broken["ttfb_ms"], Value::Null);
    assert_eq!(broken["total_ms"], Value::Null);
    let error = broken["error"].as_str().expect("error text");
    assert!(
        error.contains("503") && error.contains("overloaded"),
        "{error}"
    );
}

#[test]
fn speedtest_without_a_configuration_says_what_to_do() {
    let data = tempfile::tempdir().expect("temp dir");
    let output = Command::new(env!("CARGO_BIN_EXE_api-switch"))
        .args(["speedtest", "--data-dir"])
        .arg(data.path())
        .output()
        .expect("the api-switch binary runs");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--data-dir"), "{stderr}");
}
