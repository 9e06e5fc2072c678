//! Hedging: a stalled leader gets the next candidate racing beside it after the delay; the
//! first content wins, the loser's connection is closed and it is not cooled, both attempts
//! are in the log, and the per-minute cap is respected.

use std::time::{Duration, Instant};

use super::common::Proxy;
use super::upstream::Scripted;
use engine::logs::ErrorKind;
use engine::routing::{GroupRouting, HedgeDelay, Hedging, OrderMode};
use serde_json::json;

fn hedge_after(ms: u64, max_per_minute: u32) -> GroupRouting {
    GroupRouting {
        group: "h".into(),
        affinity: true,
        order: OrderMode::Custom,
        hedging: Hedging {
            delay: HedgeDelay::Fixed { ms },
            max_per_minute,
        },
    }
}

/// A streamed chat: status, the whole text and how long it took.
async fn stream(proxy: &Proxy, model: &str) -> (u16, String, Duration) {
    let started = Instant::now();
    let response = proxy
        .http
        .post(format!("{}/v1/chat/completions", proxy.url))
        .json(&json!({"model": model, "stream": true, "messages": [{"role": "user", "content": "hi"}]}))
        .send()
        .await
        .expect("send");
    let status = response.status().as_u16();
    let text = response.text().await.expect("body");
    (status, text, started.elapsed())
}

/// Waits until `check` holds (at most two seconds).
async fn eventually(check: impl Fn() -> bool) -> bool {
    for _ in 0..40 {
        if check() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    check()
}

/// Keeps the test inside one minute of the engine's clock, so the per-minute cap cannot reset
/// midway: the clock moves to the start of the next minute (nothing sleeps).
async fn start_of_a_minute() {
    let into_minute = engine::clock::now_ms() % 60_000;
    engine::clock::advance(Duration::from_millis((60_000 - into_minute + 50) as u64));
}

#[tokio::test]
async fn hedging_answers_from_the_fast_second_candidate_while_the_first_stalls() {
    start_of_a_minute().await;
    // First content within 500 ms or the attempt fails (test settings).
    let proxy = Proxy::start().await;
    let lead = Scripted::start("LEAD").await;
    let second = Scripted::start("SECOND").await;
    lead.stall(true);
    let lead_channel = proxy.channel("LEAD", &lead.base_url());
    let second_channel = proxy.channel("SECOND", &second.base_url());
    let lead_entry = proxy.entry(lead_channel, "model-a", "h");
    let second_entry = proxy.entry(second_channel, "model-b", "h");
    proxy
        .state
        .set_group_routing(&hedge_after(100, 2))
        .await
        .expect("hedging");

    let (status, text, took) = stream(&proxy, "h").await;
    assert_eq!(status, 200, "{text}");
    assert!(text.contains("SECOND:model-b"), "{text}");
    assert!(!text.contains("LEAD"), "{text}");
    assert!(
        took < Duration::from_millis(450),
        "hedged answer took {took:?}"
    );
    // The loser was cancelled: its upstream saw the connection close.
    assert!(eventually(|| lead.disconnects() == 1).await);
    // ... and it is not blamed.
    assert_eq!(proxy.entry_state(lead_entry).cooldown_until_ms, 0);
    // Both attempts are in the request's log row.
    proxy.state.flush();
    let row = super::common::log_rows(proxy.state.store(), 1).remove(0);
    assert_eq!(row.entry_id, Some(second_entry));
    let tried: Vec<_> = row
        .attempts
        .iter()
        .map(|a| (a.entry_id, a.error_kind.clone()))
        .collect();
    assert_eq!(
        tried,
        [
            (lead_entry, Some(ErrorKind::HedgeCancelled)),
            (second_entry, None)
        ]
    );

    // A single answer races the same way: the leader answers only after a second.
    lead.delay(1000);
    let started = Instant::now();
    assert_eq!(proxy.answered_by("h").await, "SECOND:model-b");
    assert!(started.elapsed() < Duration::from_millis(600));
    lead.delay(0);

    // The cap (2 a minute) is spent: the third request waits the leader out (its first
    // content deadline), then fails over as without hedging; that failure is the leader's.
    let (status, text, took) = stream(&proxy, "h").await;
    assert_eq!(status, 200, "{text}");
    assert!(text.contains("SECOND:model-b"), "{text}");
    assert!(
        took >= Duration::from_millis(500),
        "unhedged answer took {took:?}"
    );
    proxy.state.flush();
    let row = super::common::log_rows(proxy.state.store(), 1).remove(0);
    assert_eq!(row.attempts[0].entry_id, lead_entry);
    assert_eq!(row.attempts[0].error_kind, Some(ErrorKind::Timeout));
    assert!(proxy.entry_state(lead_entry).cooldown_until_ms > 0);
}

#[tokio::test]
async fn a_leader_that_answers_before_the_delay_is_never_hedged() {
    let proxy = Proxy::start().await;
    let lead = Scripted::start("LEAD").await;
    let second = Scripted::start("SECOND").await;
    let lead_channel = proxy.channel("LEAD", &lead.base_url());
    let second_channel = proxy.channel("SECOND", &second.base_url());
    proxy.entry(lead_channel, "model-a", "h");
    proxy.entry(second_channel, "model-b", "h");
    proxy
        .state
        .set_group_routing(&hedge_after(300, 10))
        .await
        .expect("hedging");
    for _ in 0..3 {
        let (status, text, _) = stream(&proxy, "h").await;
        assert_eq!(status, 200);
        assert!(text.contains("LEAD:model-a"), "{text}");
    }
    assert_eq!(second.chat_count(), 0);
    // Asked by model name, no group: never hedged even when the leader is slow.
    lead.delay(400);
    assert_eq!(proxy.answered_by("model-a").await, "LEAD:model-a");
    assert_eq!(second.chat_count(), 0);
}

#[tokio::test]
async fn the_p90_delay_follows_the_leaders_measured_time_to_first_content() {
    start_of_a_minute().await;
    let proxy = Proxy::start().await;
    let lead = Scripted::start("LEAD").await;
    let second = Scripted::start("SECOND").await;
    let lead_channel = proxy.channel("LEAD", &lead.base_url());
    let second_channel = proxy.channel("SECOND", &second.base_url());
    proxy.entry(lead_channel, "model-a", "h");
    proxy.entry(second_channel, "model-b", "h");
    proxy
        .state
        .set_group_routing(&GroupRouting {
            group: "h".into(),
            affinity: true,
            order: OrderMode::Custom,
            // The fallback alone would never hedge within the 500 ms first-content deadline.
            hedging: Hedging {
                delay: HedgeDelay::P90 { fallback_ms: 5000 },
                max_per_minute: 10,
            },
        })
        .await
        .expect("hedging");
    // Five measured answers of about 60 ms make the leader's p90.
    lead.delay(60);
    for _ in 0..5 {
        assert_eq!(proxy.answered_by("model-a").await, "LEAD:model-a");
    }
    lead.delay(0);
    lead.stall(true);
    let (status, text, took) = stream(&proxy, "h").await;
    assert_eq!(status, 200, "{text}");
    assert!(text.contains("SECOND:model-b"), "{text}");
    assert!(
        took < Duration::from_millis(450),
        "hedged after the p90: {took:?}"
    );
    assert!(eventually(|| lead.disconnects() == 1).await);
}

/// Issue 20: a hedged answer carries `Served` like any other, so Test chat in a hedging group
/// names the entry that answered (the hedge) and lists the cancelled leader nowhere as failed.
#[tokio::test]
async fn r20_test_chat_in_a_hedging_group_names_the_entry_that_answered() {
    use engine::test_chat::{self, ChatAsk, ChatEvent};
    use futures::StreamExt;
    start_of_a_minute().await;
    let proxy = Proxy::start().await;
    let lead = Scripted::start("LEAD").await;
    let second = Scripted::start("SECOND").await;
    lead.stall(true);
    let lead_channel = proxy.channel("LEAD", &lead.base_url());
    let second_channel = proxy.channel("SECOND", &second.base_url());
    proxy.entry(lead_channel, "model-a", "h");
    proxy.entry(second_channel, "model-b", "h");
    proxy
        .state
        .set_group_routing(&hedge_after(100, 2))
        .await
        .expect("hedging");

    let ask = ChatAsk {
        route: "h".into(),
        prompt: "Say hello".into(),
    };
    let events: Vec<ChatEvent> = test_chat::start(&proxy.state, ask).collect().await;
    let Some(ChatEvent::Answering { answered, failed }) = events.first() else {
        panic!("the first event names the answering entry: {events:?}");
    };
    assert_eq!(
        (answered.channel.as_str(), answered.model.as_str()),
        ("SECOND", "model-b")
    );
    assert!(failed.is_empty(), "{failed:?}");
}
