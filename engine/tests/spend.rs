//! The Dashboard's spend over a real SQLite file holding known rows at known times: totals
//! today, over 7 and 30 days; breakdowns by app, model and channel, most spent first, with
//! each line's cache hit rate; failed requests never counted, unpriced ones counted apart; a
//! chart bucket's spend.

use engine::dashboard::{SeriesRange, SpendSpan};
use engine::logs::RequestRecord;

const HOUR: i64 = 3600 * 1000;
const DAY: i64 = 24 * HOUR;

/// Today's UTC midnight and "now", 10:00 that day. Taken from the clock, not fixed: the
/// request-log writer deletes rows older than the retention (30 days) whenever it starts, so
/// rows dated years ago would vanish as soon as it ran.
fn midnight_and_now() -> (i64, i64) {
    let midnight = engine::clock::now_ms() / DAY * DAY;
    (midnight, midnight + 10 * HOUR)
}

fn row(at_ms: i64, key: &str, model: &str, channel: &str, cost: Option<f64>) -> RequestRecord {
    RequestRecord {
        at_ms,
        requested_model: model.into(),
        model: model.into(),
        channel: channel.into(),
        client_key_name: key.into(),
        status: 200,
        prompt_tokens: Some(1000),
        completion_tokens: Some(100),
        cache_read_tokens: Some(250),
        cost_usd: cost,
        ..RequestRecord::default()
    }
}

#[tokio::test]
async fn spend_is_summed_per_span_and_broken_down_by_app_model_and_channel() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = engine::AppState::open(dir.path().join("api-switch.db")).expect("open");
    let (midnight, now) = midnight_and_now();
    let mut failed = row(now - HOUR, "agent", "opus", "relay", Some(9.0));
    failed.status = 502;
    let mut rows = vec![
        row(now - HOUR, "agent", "opus", "relay", Some(1.25)),
        row(now - 2 * HOUR, "agent", "sonnet", "direct", Some(0.5)),
        row(now - 3 * HOUR, "editor", "sonnet", "relay", Some(0.25)),
        // Priced nowhere: counted apart, not as free.
        row(now - 4 * HOUR, "editor", "mystery", "relay", None),
        // Yesterday and 10 days ago: in the 7- and 30-day figures only.
        row(midnight - HOUR, "agent", "opus", "relay", Some(2.0)),
        row(midnight - 10 * DAY, "agent", "opus", "relay", Some(4.0)),
        // 40 days ago: outside every span.
        row(midnight - 40 * DAY, "agent", "opus", "relay", Some(100.0)),
        failed,
    ];
    state.store().write_batch(&[], &mut rows).expect("write");

    let spend = state.spend(SpendSpan::Today, now, 0).await.expect("spend");
    let close = |a: f64, b: f64| (a - b).abs() < 1e-9;
    assert!(close(spend.today.cost_usd, 2.0), "{:?}", spend.today);
    assert_eq!((spend.today.priced, spend.today.unpriced), (3, 1));
    assert!(close(spend.last_7_days.cost_usd, 4.0));
    assert!(close(spend.last_30_days.cost_usd, 8.0));

    let apps: Vec<(&str, f64, u64)> = spend
        .by_app
        .iter()
        .map(|l| (l.name.as_str(), l.cost_usd, l.unpriced))
        .collect();
    assert_eq!(apps, [("agent", 1.75, 0), ("editor", 0.25, 1)]);
    let models: Vec<&str> = spend.by_model.iter().map(|l| l.name.as_str()).collect();
    assert_eq!(models, ["opus", "sonnet", "mystery"]);
    let relay = &spend.by_channel[0];
    assert_eq!((relay.name.as_str(), relay.requests), ("relay", 3));
    assert_eq!(relay.cache_hit_rate(), Some(0.25));

    // A longer span takes the older rows into the breakdown.
    let month = state
        .spend(SpendSpan::Last30Days, now, 0)
        .await
        .expect("spend");
    assert!(close(month.by_app[0].cost_usd, 7.75));

    // The chart's bucket of the hour spends what its successful rows cost.
    let series = state
        .request_series(SeriesRange::Last24Hours, now, 0)
        .await
        .expect("series");
    let hour = series
        .buckets
        .iter()
        .find(|b| b.start_ms == now - HOUR)
        .expect("bucket");
    assert!(close(hour.cost_usd, 1.25), "{hour:?}");
}

#[tokio::test]
async fn a_day_of_spend_follows_the_callers_midnight() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = engine::AppState::open(dir.path().join("api-switch.db")).expect("open");
    let (midnight, now) = midnight_and_now();
    // 23:00 UTC yesterday is 07:00 today in UTC+8.
    let mut rows = vec![row(midnight - HOUR, "agent", "opus", "relay", Some(3.0))];
    state.store().write_batch(&[], &mut rows).expect("write");
    let utc = state.spend(SpendSpan::Today, now, 0).await.expect("spend");
    let east = state
        .spend(SpendSpan::Today, now, 8 * 3600)
        .await
        .expect("spend");
    assert_eq!((utc.today.priced, east.today.priced), (0, 1));
}
