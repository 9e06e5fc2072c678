//! Issue 21: money in headless Chromium (`end2end/spend.mjs`) against the release binary. A
//! log with priced, unpriced and failed requests of two apps shows its spend on the Dashboard
//! (today, 7 and 30 days; by app, model and channel) and its cost on each Logs row ("no price"
//! for a request without one, never $0); a channel's price multiplier is set in its edit form
//! and kept. Both languages and themes pass axe; the screenshots are looked at.

use super::support;

use engine::logs::RequestRecord;
use engine::store::{NewChannel, NewEntry, Store};
use engine::upstream::ChannelKind;

fn row(minutes_ago: i64, key: &str, model: &str, cost: Option<f64>) -> RequestRecord {
    RequestRecord {
        at_ms: engine::clock::now_ms() - minutes_ago * 60_000,
        requested_model: model.into(),
        model: model.into(),
        channel: "relay".into(),
        client_key_name: key.into(),
        status: 200,
        latency_ms: 900,
        prompt_tokens: Some(12_000),
        completion_tokens: Some(800),
        cache_read_tokens: Some(9_000),
        reasoning_tokens: Some(200),
        cost_usd: cost,
        ..RequestRecord::default()
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn spend_shows_on_the_dashboard_and_logs_and_a_channel_takes_a_price_multiplier() {
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
    let mut failed = row(3, "agent", "claude-sonnet-4-5", None);
    failed.status = 502;
    failed.prompt_tokens = None;
    let mut rows = vec![
        row(50, "agent", "claude-sonnet-4-5", Some(0.0423)),
        row(40, "agent", "gpt-5.2", Some(1.25)),
        row(30, "editor", "claude-sonnet-4-5", Some(0.0031)),
        row(20, "editor", "mystery-model", None),
        failed,
    ];
    store.write_batch(&[], &mut rows).expect("log rows");
    drop(store);

    let stdout = support::run_browser_check(data.path(), "spend.mjs", &[]).await;
    assert!(stdout.contains("spend ok"), "{stdout}");
    eprintln!("{stdout}");
    let pricing = Store::open(data.path().join("api-switch.db"))
        .expect("store")
        .channels()
        .expect("channels")[0]
        .pricing
        .clone();
    assert_eq!(pricing.multiplier, 0.3);
}
