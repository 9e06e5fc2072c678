//! `api-switch balance` end to end: the built binary against a local mock of DeepSeek's balance
//! endpoint and one that answers 500, on a configuration written by the engine's own store.
//! Without `--refresh` it shows the stored figures ("never" before any look-up); with it, the
//! figure, LOW under the threshold, and "unknown" with why (never 0, the key masked).

use std::process::Command;

use engine::balance::{BalanceKind, BalanceSettings};
use engine::store::{NewChannel, Store, TokenChange};
use engine::upstream::ChannelKind;
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn balance(data: &std::path::Path, args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_api-switch"))
        .arg("balance")
        .args(args)
        .arg("--data-dir")
        .arg(data)
        .env_remove("API_SWITCH_DATA_DIR")
        .output()
        .expect("the api-switch binary runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[tokio::test]
async fn balance_lists_figures_and_refresh_looks_them_up() {
    let deepseek = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/user/balance"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "is_available": true,
            "balance_infos": [{"currency": "CNY", "total_balance": "3.50"}]
        })))
        .mount(&deepseek)
        .await;
    let broken = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(500).set_body_string("down for sk-broken-secret-1"))
        .mount(&broken)
        .await;

    let data = tempfile::tempdir().expect("temp dir");
    {
        let store = Store::open(data.path().join("api-switch.db")).expect("store");
        for (name, base_url) in [("deep", deepseek.uri()), ("broken", broken.uri())] {
            let id = store
                .create_channel(&NewChannel {
                    name: name.into(),
                    api_type: ChannelKind::Custom,
                    base_url,
                    api_key: format!("sk-{name}-secret-1").into(),
                    enabled: true,
                    api_version: String::new(),
                })
                .expect("channel");
            let settings = BalanceSettings {
                kind: BalanceKind::Deepseek,
                threshold: Some(5.0),
                user_id: String::new(),
            };
            store
                .set_balance_settings(id, &settings, &TokenChange::Keep)
                .expect("settings");
        }
    }

    let before = balance(data.path(), &[]);
    assert!(before.contains("never"), "{before}");

    let after = balance(data.path(), &["--refresh"]);
    let deep = after.lines().find(|l| l.starts_with("deep")).expect("deep");
    assert!(deep.contains("3.50 CNY") && deep.contains("LOW"), "{after}");
    let broken_line = after
        .lines()
        .find(|l| l.starts_with("broken"))
        .expect("broken");
    assert!(
        broken_line.contains("unknown") && broken_line.contains("500"),
        "{after}"
    );
    assert!(
        !broken_line.contains("LOW"),
        "unknown is never low: {after}"
    );
    assert!(!after.contains("sk-broken-secret-1"), "{after}");

    let json: Value = serde_json::from_str(&balance(data.path(), &["--json"])).expect("json");
    assert_eq!(json[0]["last"]["amount"], 3.5);
    assert_eq!(json[1]["last"]["amount"], Value::Null);
}
