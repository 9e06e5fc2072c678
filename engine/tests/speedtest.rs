//! Issue 5: the speed test against local upstreams with fast, slow and failing entries: every
//! result arrives on the progress stream and is stored; failures never disable an entry except
//! by the `auto_disable_codes` setting, and a success never enables one.

mod common;

use std::time::Duration;

use common::{Proxy, Upstream, refused_addr, test_settings};
use engine::speedtest::{Scope, SpeedTestOptions, TestResult};
use engine::store::Settings;

fn options() -> SpeedTestOptions {
    SpeedTestOptions {
        timeout: Duration::from_millis(1000),
    }
}

fn by_model<'a>(results: &'a [TestResult], model: &str) -> &'a TestResult {
    results
        .iter()
        .find(|r| r.model == model)
        .unwrap_or_else(|| panic!("no result for {model}"))
}

#[tokio::test]
async fn everything_is_tested_with_progress_and_failures_stay_enabled() {
    let proxy = Proxy::start().await;
    let a = Upstream::start("a").await;
    let b = Upstream::start("b").await;
    let ca = proxy.channel("a", &a.base_url());
    let cb = proxy.channel("b", &b.base_url());
    let down = proxy.channel("down", &refused_addr().await);
    let fast = proxy.entry(ca, "gpt-4o", "auto");
    let slow_ok = proxy.entry(ca, "slow-stream", "auto");
    let too_slow = proxy.entry(cb, "slow", "auto");
    let broken = proxy.entry(cb, "status-500", "auto");
    let refused = proxy.entry(down, "gpt-4o-mini", "auto");

    let mut run = proxy.state.start_speed_test(Scope::All, options());
    assert_eq!(run.total, 5);
    let mut streamed = Vec::new();
    while let Some(result) = run.progress.recv().await {
        streamed.push(result);
    }
    let results = run.done.await.expect("joined");
    assert_eq!(streamed.len(), 5, "every result is streamed");
    let ids: Vec<_> = results.iter().map(|r| r.entry_id).collect();
    assert_eq!(
        ids,
        [fast, slow_ok, too_slow, broken, refused],
        "priority order"
    );

    for model in ["gpt-4o", "slow-stream"] {
        let r = by_model(&results, model);
        assert!(r.ok, "{r:?}");
        let (ttfb, total) = (r.ttfb_ms.expect("ttfb"), r.total_ms.expect("total"));
        assert!(ttfb <= total, "{r:?}");
        assert_eq!(r.error, None);
    }
    let timeout = by_model(&results, "slow");
    assert!(
        !timeout.ok
            && timeout
                .error
                .as_deref()
                .is_some_and(|e| e.contains("within"))
    );
    let status = by_model(&results, "status-500");
    assert_eq!(status.status, Some(500));
    assert!(
        status
            .error
            .as_deref()
            .is_some_and(|e| e.contains("scripted 500"))
    );
    let connect = by_model(&results, "gpt-4o-mini");
    assert!(
        !connect.ok
            && connect
                .error
                .as_deref()
                .is_some_and(|e| e.contains("connect"))
    );

    for id in [fast, slow_ok, too_slow, broken, refused] {
        let entry = proxy.entry_state(id);
        assert!(entry.enabled, "a speed test never disables: {entry:?}");
        assert_eq!(entry.cooldown_until_ms, 0, "nor cools: {entry:?}");
    }
    let stored = proxy.state.store().speed_tests().expect("stored");
    assert_eq!(stored.len(), 5);
    assert!(stored[&fast].ok && !stored[&broken].ok);
    assert_eq!(stored[&broken].status, Some(500));
    assert_eq!(
        proxy.entry_state(fast).last_response_ms,
        stored[&fast].total_ms.map(|ms| ms as i64)
    );
    // Issue 20: the stored result is the result the run gave (one type), with the entry's
    // channel and model, only the run's key mask and auto-disable flag left out.
    let given = by_model(&results, "status-500");
    assert_eq!(stored[&broken], given.clone(), "{given:?}");
    assert!(given.at_ms > 0);
    assert!(a.hits().contains(&"gpt-4o".to_owned()));
}

#[tokio::test]
async fn a_channel_is_tested_sequentially_and_a_disabled_entry_stays_disabled() {
    let proxy = Proxy::start().await;
    let up = Upstream::start("a").await;
    let other = Upstream::start("other").await;
    let channel = proxy.channel("a", &up.base_url());
    let elsewhere = proxy.channel("other", &other.base_url());
    let first = proxy.entry(channel, "m1", "auto");
    let off = proxy.entry(channel, "m2", "auto");
    proxy.entry(elsewhere, "m3", "auto");
    proxy
        .state
        .set_entry_enabled(off, false)
        .await
        .expect("disable");

    let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
    let results = proxy
        .state
        .speed_test(Scope::Channel(channel), &options(), &tx)
        .await;
    assert_eq!(
        results.iter().map(|r| r.entry_id).collect::<Vec<_>>(),
        [first, off]
    );
    assert!(results.iter().all(|r| r.ok));
    assert_eq!(
        up.hits(),
        ["m1", "m2"],
        "one after another, in priority order"
    );
    assert!(other.hits().is_empty(), "other channels are not tested");
    assert!(!proxy.entry_state(off).enabled, "a success never enables");
}

async fn rejected_entry(settings: Settings) -> (Proxy, engine::store::EntryId, TestResult) {
    let proxy = Proxy::with_settings(settings).await;
    let up = Upstream::start("a").await;
    let channel = proxy.channel("a", &up.base_url());
    let id = proxy.entry(channel, "status-401", "auto");
    let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
    let mut results = proxy
        .state
        .speed_test(Scope::Entry(id), &options(), &tx)
        .await;
    let result = results.pop().expect("one result");
    (proxy, id, result)
}

#[tokio::test]
async fn a_401_disables_only_when_the_setting_lists_it() {
    let (proxy, id, result) = rejected_entry(test_settings()).await;
    assert_eq!(result.status, Some(401));
    assert!(result.auto_disabled);
    let entry = proxy.entry_state(id);
    assert!(!entry.enabled);
    assert!(entry.disabled_reason.contains("401"), "{entry:?}");
    assert!(
        !result.error.expect("error").contains("sk-secret"),
        "keys never appear in results"
    );

    let off = Settings {
        auto_disable_codes: vec![],
        ..test_settings()
    };
    let (proxy, id, result) = rejected_entry(off).await;
    assert_eq!(result.status, Some(401));
    assert!(!result.auto_disabled);
    assert!(proxy.entry_state(id).enabled);
}

/// Issue 11: "Test all" from the UI runs detached, reports on the live stream and can be
/// cancelled: the entry still in flight is never tested to the end, stored or changed.
#[tokio::test]
async fn a_detached_run_reports_live_and_cancelling_stops_what_is_in_flight() {
    let proxy = Proxy::start().await;
    let quick = Upstream::start("quick").await;
    let stuck = Upstream::start("stuck").await;
    let cq = proxy.channel("quick", &quick.base_url());
    let cs = proxy.channel("stuck", &stuck.base_url());
    let fast = proxy.entry(cq, "gpt-4o", "auto");
    let hanging = proxy.entry(cs, "slow", "auto");
    let after = proxy.entry(cs, "gpt-4o-mini", "auto");
    let off = proxy.entry(cq, "m-off", "auto");
    proxy
        .state
        .set_entry_enabled(off, false)
        .await
        .expect("disable");
    let mut events = proxy.state.events();

    let run = proxy.state.start_detached_speed_test(
        Scope::All,
        SpeedTestOptions {
            timeout: Duration::from_secs(20),
        },
    );
    let mut planned = run.entries.clone();
    planned.sort_unstable();
    assert_eq!(
        planned,
        [fast, hanging, after],
        "every enabled entry, no disabled one"
    );

    // The quick channel's result arrives on the live stream while the other channel hangs.
    let first = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            if let Ok(engine::events::Event::SpeedTest { result }) = events.recv().await {
                return result;
            }
        }
    })
    .await
    .expect("a live result within 5 s");
    assert_eq!(first.entry_id, fast);
    assert!(first.ok, "{first:?}");

    assert!(proxy.state.cancel_speed_test(run.run), "the run was going");
    assert!(
        !proxy.state.cancel_speed_test(run.run),
        "and is gone once cancelled"
    );
    // Cancelling announces a refetch, and nothing else is tested afterwards.
    tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            match events.recv().await {
                Ok(engine::events::Event::ConfigChanged { .. }) => break,
                Ok(engine::events::Event::SpeedTest { result }) => {
                    panic!("a result after cancelling: {result:?}")
                }
                _ => {}
            }
        }
    })
    .await
    .expect("the cancelled run announces the change");
    let stored = proxy.state.store().speed_tests().expect("stored");
    assert!(stored.contains_key(&fast));
    assert!(!stored.contains_key(&hanging) && !stored.contains_key(&after));
    assert_eq!(
        stuck.hits(),
        ["slow"],
        "the entry after the cancelled one was never sent"
    );
    for id in [fast, hanging, after] {
        assert!(proxy.entry_state(id).enabled, "cancelling changes no entry");
    }
    assert!(
        !proxy.entry_state(off).enabled,
        "Test all never enables an entry"
    );
}
