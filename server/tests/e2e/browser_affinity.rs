//! Issue 22: session affinity and cache hit rates in headless Chromium (`end2end/affinity.mjs`)
//! against the release binary. A log with two sessions of one app (one warm, one cold, one row
//! that moved) and a request without a session shows each session's cache hit rate on the
//! Dashboard, each row's on Logs with the move and why; the group's affinity checkbox is on
//! and switching it off is stored. Both languages and themes pass axe; the screenshots are
//! looked at.

use super::support;

use engine::logs::RequestRecord;
use engine::store::{NewChannel, NewEntry, Store};
use engine::upstream::ChannelKind;

fn row(minutes_ago: i64, session: &str, prompt: i64, cached: i64) -> RequestRecord {
    RequestRecord {
        at_ms: engine::clock::now_ms() - minutes_ago * 60_000,
        requested_model: "claude-sonnet-4-5".into(),
        model: "claude-sonnet-4-5".into(),
        channel: "relay".into(),
        client_key_name: "agent".into(),
        status: 200,
        latency_ms: 900,
        prompt_tokens: Some(prompt),
        completion_tokens: Some(100),
        cache_read_tokens: Some(cached),
        session: session.into(),
        ..RequestRecord::default()
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn cache_hit_rates_and_session_moves_show_and_affinity_is_switched_off_per_group() {
    let data = tempfile::tempdir().expect("temp dir");
    let store = Store::open(data.path().join("api-switch.db")).expect("store");
    let channel = store
        .create_channel(&NewChannel {
            name: "relay".into(),
            api_type: ChannelKind::Custom,
            base_url: "http://127.0.0.1:9/v1".into(),
            api_key: "sk-relay-secret-0001".into(),
            enabled: true,
            api_version: String::new(),
        })
        .expect("channel");
    store
        .create_entry(&NewEntry::new(channel, "claude-sonnet-4-5"))
        .expect("entry");
    let mut moved = row(20, "5f2b0c1d9e8a", 10_000, 9_000);
    moved.session_moved = "key 1 of 3 failed; moved to key 2 of 3".into();
    let mut rows = vec![
        row(30, "5f2b0c1d9e8a", 10_000, 9_000),
        moved,
        row(15, "77aa00bb11cc", 8_000, 0),
        row(10, "", 5_000, 2_500),
    ];
    store.write_batch(&[], &mut rows).expect("log rows");
    drop(store);

    let stdout = support::run_browser_check(data.path(), "affinity.mjs", &[]).await;
    assert!(stdout.contains("affinity ok"), "{stdout}");
    let groups = Store::open(data.path().join("api-switch.db"))
        .expect("store")
        .group_routing()
        .expect("groups");
    assert_eq!(groups.len(), 1, "{groups:?}");
    assert!(!groups[0].affinity && groups[0].group.eq_ignore_ascii_case("auto"));
}
