//! Issue 14, API management's routing controls in a real browser against the release binary
//! and scripted local upstreams (`end2end/order.mjs`): AUTO switched to "fastest" in the UI
//! sends requests to the measured-fastest entry and the rows show that order; "newest" to the
//! latest release; an alias added in the UI routes and is listed by `/v1/models`; hedging
//! turned on for a group is saved; a system-disabled entry whose recovery probe succeeded shows
//! "last probe succeeded" and stays off. axe-core in both languages and themes, screenshots.

use super::support;

use std::time::Duration;

use engine::routing::{HedgeDelay, OrderMode};
use engine::store::{NewChannel, NewEntry, Store};
use engine::upstream::ChannelKind;
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// An OpenAI-style upstream that answers `from-NAME` after `delay_ms` and lists its models.
async fn upstream(name: &str, delay_ms: u64) -> MockServer {
    let server = MockServer::start().await;
    let answer = json!({
        "id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": "m",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": format!("from-{name}")}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 7}
    });
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(answer)
                .set_delay(Duration::from_millis(delay_ms)),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/models"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"object": "list", "data": [{"id": "o3-mini", "object": "model"}]}),
        ))
        .mount(&server)
        .await;
    server
}

/// Channels and entries, in priority order: AUTO holds mid (gpt-4o, 2024, 300 ms), slow
/// (claude-sonnet-5-5, 2026, 700 ms) and fast (gpt-4.1, 2025, no delay), so custom, fastest
/// and newest each put a different one first; `coding` holds one entry for hedging; `probe`
/// holds an entry the system switched off on a channel whose model list answers again.
fn seed(store: &Store, servers: &[(&str, String)]) {
    let entries: [(&str, &str, &str); 5] = [
        ("mid", "gpt-4o", "auto"),
        ("slow", "claude-sonnet-5-5", "auto"),
        ("fast", "gpt-4.1", "auto"),
        ("fast", "gpt-4o-mini", "coding"),
        ("flaky", "o3-mini", "probe"),
    ];
    let mut ids = std::collections::HashMap::new();
    for (name, uri) in servers {
        let channel = store
            .create_channel(&NewChannel {
                name: (*name).into(),
                api_type: ChannelKind::Openai,
                base_url: uri.clone(),
                api_key: format!("sk-{name}-order-secret").into(),
                enabled: true,
                api_version: String::new(),
            })
            .expect("channel");
        ids.insert(*name, channel);
    }
    for (channel, model, group) in entries {
        let entry = store
            .create_entry(&NewEntry {
                group: group.into(),
                ..NewEntry::new(ids[channel], model)
            })
            .expect("entry");
        if channel == "flaky" {
            store
                .disable_entry_with_reason(entry, "HTTP 401: invalid api key")
                .expect("system switch-off");
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn order_modes_aliases_hedging_and_probe_badges_work_in_the_browser() {
    let mid = upstream("mid", 300).await;
    let slow = upstream("slow", 700).await;
    let fast = upstream("fast", 0).await;
    let flaky = upstream("flaky", 0).await;
    let data = tempfile::tempdir().expect("temp dir");
    let db = data.path().join("api-switch.db");
    seed(
        &Store::open(db).expect("store"),
        &[
            ("mid", mid.uri()),
            ("slow", slow.uri()),
            ("fast", fast.uri()),
            ("flaky", flaky.uri()),
        ],
    );
    let stdout = support::run_browser_check(data.path(), "order.mjs", &[]).await;
    assert!(stdout.contains("order ok"), "{stdout}");

    // What the UI saved is in the store the next start reads.
    let store = Store::open(data.path().join("api-switch.db")).expect("store");
    let routing = store.group_routing().expect("group routing");
    let coding = routing
        .iter()
        .find(|g| g.group == "coding")
        .expect("coding's routing saved");
    assert_eq!(coding.hedging.delay, HedgeDelay::Fixed { ms: 250 });
    assert_eq!(coding.hedging.max_per_minute, 20);
    let auto = routing
        .iter()
        .find(|g| g.group.eq_ignore_ascii_case("auto"));
    assert_eq!(auto.map(|g| g.order), Some(OrderMode::Newest));
    let entries: Vec<_> = store
        .full_config()
        .expect("config")
        .channels
        .into_iter()
        .flat_map(|(_, entries)| entries)
        .collect();
    let aliased = entries
        .iter()
        .find(|e| e.model == "gpt-4.1")
        .expect("fast entry");
    assert_eq!(aliased.aliases, ["team-model"]);
    let off = entries
        .iter()
        .find(|e| e.model == "o3-mini")
        .expect("flaky");
    assert!(!off.enabled, "a probe never switches an entry on");
    assert!(
        off.last_probe_ok_ms.is_some(),
        "the probe's success is stored"
    );
    // The switched-off entry was probed (its model list), never sent a chat.
    let flaky_chats = flaky
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .filter(|r| r.method.as_str() == "POST")
        .count();
    assert_eq!(flaky_chats, 0, "a disabled entry gets no traffic");
}
