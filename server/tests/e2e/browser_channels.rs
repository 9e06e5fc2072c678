//! Issue 11: the Channels and API management screens in a real browser against the release
//! binary and local upstreams (`end2end/channels.mjs`): a relay is added through calibration
//! from a pasted full chat-completions URL with its attempts shown live and the pre-selection
//! applied; entries are reordered by drag and drop and by keyboard and the proxy follows; "Test
//! all" fills rows live (green times, a red ✗ for the failing upstream), can be cancelled, and
//! changes no entry; axe-core finds nothing on either screen in both languages and themes.

use super::support;

use std::time::Duration;

use engine::store::{NewChannel, NewEntry, Store};
use engine::upstream::ChannelKind;
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn completion(content: &str) -> serde_json::Value {
    json!({
        "id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": "m",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 7}
    })
}

/// An OpenAI-style upstream whose chat answers name it; `status` other than 200 fails.
async fn upstream(name: &str, status: u16, delay_ms: u64) -> MockServer {
    let server = MockServer::start().await;
    let template = if status == 200 {
        ResponseTemplate::new(200).set_body_json(completion(&format!("from-{name}")))
    } else {
        ResponseTemplate::new(status)
            .set_body_json(json!({"error": {"message": format!("{name} upstream broke")}}))
    };
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .respond_with(template.set_delay(Duration::from_millis(delay_ms)))
        .mount(&server)
        .await;
    server
}

/// A relay that keeps its API below `/api/paas/v4` (not where OpenAI's is), listing a recent
/// model, an old one and one the catalog does not know, slowly enough to watch the attempts.
async fn relay() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/paas/v4/models"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"object": "list", "data": [
                    {"id": "claude-sonnet-5-5", "object": "model"},
                    {"id": "gpt-4o", "object": "model"},
                    {"id": "relay-special", "object": "model"}
                ]}))
                .set_delay(Duration::from_millis(1500)),
        )
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/paas/v4/chat/completions"))
        .respond_with(ResponseTemplate::new(200).set_body_json(completion("from-relay")))
        .mount(&server)
        .await;
    server
}

#[tokio::test(flavor = "multi_thread")]
async fn channels_and_api_management_work_end_to_end_in_the_browser() {
    let alpha = upstream("alpha", 200, 0).await;
    let beta = upstream("beta", 200, 0).await;
    let broken = upstream("broken", 500, 0).await;
    let slow = upstream("slow", 200, 2500).await;
    let relay = relay().await;
    let data = tempfile::tempdir().expect("temp dir");
    {
        let store = Store::open(data.path().join("api-switch.db")).expect("store");
        for (name, uri, model) in [
            ("alpha", alpha.uri(), "gpt-4o"),
            ("beta", beta.uri(), "gpt-4o"),
            ("broken", broken.uri(), "gpt-4o-mini"),
            ("slow", slow.uri(), "gpt-4.1"),
        ] {
            let channel = store
                .create_channel(&NewChannel {
                    name: name.into(),
                    api_type: ChannelKind::Openai,
                    base_url: uri,
                    api_key: format!("sk-{name}-browser-secret").into(),
                    enabled: true,
                    api_version: String::new(),
                })
                .expect("channel");
            store
                .create_entry(&NewEntry::new(channel, model))
                .expect("entry");
            if name == "alpha" {
                let off = store
                    .create_entry(&NewEntry::new(channel, "o3-mini"))
                    .expect("entry");
                store.set_entry_enabled(off, false).expect("disable");
            }
        }
    }
    let relay_url = format!("{}/api/paas/v4/chat/completions", relay.uri());
    let stdout = support::run_browser_check(data.path(), "channels.mjs", &[relay_url]).await;
    assert!(stdout.contains("channels ok"), "{stdout}");
    let keys_seen = relay
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .filter(|r| {
            r.headers
                .get("authorization")
                .is_some_and(|v| v.as_bytes() == b"Bearer sk-relay-pasted-secret")
        })
        .count();
    assert!(
        keys_seen >= 2,
        "calibration and the proxy used the pasted key"
    );
}
