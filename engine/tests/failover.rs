//! Failover, cooldown and auto-disable: each failure kind moves on to the next entry and cools
//! the failed one; the client's own errors come back as they are; 401/403/410 switch an entry
//! off for good.

mod common;

use std::time::Duration;

use common::{Proxy, Upstream, refused_addr, resetting_addr};

/// Entry 1 on `first_base` with `first_model`, entry 2 on a healthy upstream B; `auto` must be
/// answered by B and entry 1 must then be cooling.
async fn fails_over(first_base: String, first_model: &str) {
    let proxy = Proxy::start().await;
    let b = Upstream::start("B").await;
    let bad = proxy.channel("bad", &first_base);
    let good = proxy.channel("B", &b.base_url());
    let failing = proxy.entry(bad, first_model, "auto");
    proxy.entry(good, "ok", "auto");
    assert_eq!(proxy.answered_by("auto").await, "B:ok");
    let entry = proxy.entry_state(failing);
    assert!(
        entry.cooldown_until_ms > engine::clock::now_ms(),
        "{first_model}: the failed entry is not cooling"
    );
    assert!(entry.enabled, "a failure must not disable");
}

#[tokio::test]
async fn status_500_fails_over() {
    let a = Upstream::start("A").await;
    fails_over(a.base_url(), "status-500").await;
}

#[tokio::test]
async fn status_429_fails_over() {
    let a = Upstream::start("A").await;
    fails_over(a.base_url(), "status-429").await;
}

#[tokio::test]
async fn status_408_and_503_fail_over() {
    let a = Upstream::start("A").await;
    fails_over(a.base_url(), "status-408").await;
    fails_over(a.base_url(), "status-503").await;
}

#[tokio::test]
async fn a_timeout_fails_over() {
    let a = Upstream::start("A").await;
    fails_over(a.base_url(), "slow").await;
}

#[tokio::test]
async fn connection_refused_fails_over() {
    fails_over(refused_addr().await, "any").await;
}

#[tokio::test]
async fn connection_reset_fails_over() {
    fails_over(resetting_addr().await, "any").await;
}

#[tokio::test]
async fn an_invalid_json_body_fails_over() {
    let a = Upstream::start("A").await;
    fails_over(a.base_url(), "badjson").await;
}

#[tokio::test]
async fn a_cooling_entry_is_skipped_until_its_cooldown_expires_and_success_clears_it() {
    let mut settings = common::test_settings();
    settings.cooldown_secs = 60;
    let proxy = Proxy::with_settings(settings).await;
    let (a, b) = (Upstream::start("A").await, Upstream::start("B").await);
    let ea = proxy.entry(proxy.channel("A", &a.base_url()), "m", "auto");
    proxy.entry(proxy.channel("B", &b.base_url()), "m", "auto");
    a.force_status(500);
    assert_eq!(proxy.answered_by("m").await, "B:m");
    assert_eq!(a.hits().len(), 1);
    // Cooling: A is not even tried.
    assert_eq!(proxy.answered_by("m").await, "B:m");
    assert_eq!(a.hits().len(), 1, "a cooling entry was tried");
    a.force_status(0);
    // A minute later (the clock moves; nothing sleeps) it is still cooling...
    engine::clock::advance(Duration::from_secs(59));
    assert_eq!(proxy.answered_by("m").await, "B:m");
    assert_eq!(a.hits().len(), 1, "the cooldown ended early");
    engine::clock::advance(Duration::from_millis(1100));
    // Expired: A is first again, answers, and its cooldown is cleared.
    assert_eq!(proxy.answered_by("m").await, "A:m");
    assert_eq!(proxy.entry_state(ea).cooldown_until_ms, 0);
    assert!(proxy.entry_state(ea).last_response_ms.is_some());
}

#[tokio::test]
async fn when_every_entry_is_cooling_they_are_still_tried_as_a_last_resort() {
    let proxy = Proxy::start().await;
    let a = Upstream::start("A").await;
    proxy.entry(proxy.channel("A", &a.base_url()), "m", "auto");
    a.force_status(500);
    assert_eq!(proxy.chat("m").await.0, 502);
    // Still failing: tried again (never a 503 without trying), and the 502 lists the attempt.
    let (status, body) = proxy.chat("m").await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (502, Some("all_upstreams_failed"))
    );
    assert_eq!(a.hits().len(), 2);
    // The channel is back: the cooling entry answers at once instead of a refusal.
    a.force_status(0);
    assert_eq!(proxy.answered_by("m").await, "A:m");
}

#[tokio::test]
async fn the_last_resort_starts_with_the_cooldown_that_ends_first() {
    let proxy = Proxy::start().await;
    let (a, b) = (Upstream::start("A").await, Upstream::start("B").await);
    proxy.entry(proxy.channel("A", &a.base_url()), "x1", "g");
    proxy.entry(proxy.channel("B", &b.base_url()), "x2", "g");
    // B fails first, then A: B's cooldown ends first although A comes first by priority.
    b.force_status(500);
    assert_eq!(proxy.chat("x2").await.0, 502);
    tokio::time::sleep(Duration::from_millis(5)).await;
    a.force_status(500);
    assert_eq!(proxy.chat("x1").await.0, 502);
    a.force_status(0);
    b.force_status(0);
    assert_eq!(proxy.answered_by("g").await, "B:x2");
    assert_eq!(a.hits().len(), 1, "A was tried before the sooner-ending B");
}

#[tokio::test]
async fn status_401_403_410_disable_the_entry_and_nothing_enables_it_again() {
    for code in [401u16, 403, 410] {
        let mut settings = common::test_settings();
        settings.cooldown_secs = 60;
        let proxy = Proxy::with_settings(settings).await;
        let (a, b) = (Upstream::start("A").await, Upstream::start("B").await);
        let ea = proxy.entry(proxy.channel("A", &a.base_url()), "m", "auto");
        proxy.entry(proxy.channel("B", &b.base_url()), "m", "auto");
        a.force_status(code);
        assert_eq!(proxy.answered_by("m").await, "B:m");
        let entry = proxy.entry_state(ea);
        assert!(!entry.enabled, "{code} did not disable");
        assert!(
            entry.disabled_reason.contains(&code.to_string()),
            "reason: {}",
            entry.disabled_reason
        );
        // Healthy again and past any cooldown, a success elsewhere, a reload: still off.
        a.force_status(0);
        engine::clock::advance(Duration::from_secs(61));
        proxy.state.reload().expect("reload");
        assert_eq!(proxy.answered_by("m").await, "B:m");
        assert!(!proxy.entry_state(ea).enabled);
        assert_eq!(a.hits().len(), 1, "a disabled entry was tried again");
    }
}

#[tokio::test]
async fn client_errors_come_back_as_is_without_failover_or_cooldown() {
    for code in [400u16, 404, 413, 422] {
        let proxy = Proxy::start().await;
        let (a, b) = (Upstream::start("A").await, Upstream::start("B").await);
        let ea = proxy.entry(proxy.channel("A", &a.base_url()), "m", "auto");
        proxy.entry(proxy.channel("B", &b.base_url()), "m", "auto");
        a.force_status(code);
        let (status, body) = proxy.chat("m").await;
        assert_eq!(status, code);
        assert_eq!(body["error"]["message"], format!("scripted {code}"));
        assert!(b.hits().is_empty(), "{code} was failed over");
        let entry = proxy.entry_state(ea);
        assert_eq!((entry.cooldown_until_ms, entry.enabled), (0, true));
    }
}

#[tokio::test]
async fn when_every_entry_fails_the_502_lists_each_attempt() {
    let proxy = Proxy::start().await;
    let a = Upstream::start("A").await;
    let ca = proxy.channel("A", &a.base_url());
    proxy.entry(ca, "status-500", "auto");
    proxy.entry(proxy.channel("gone", &refused_addr().await), "x", "auto");
    proxy.entry(ca, "badjson", "auto");
    let (status, body) = proxy.chat("auto").await;
    assert_eq!(status, 502);
    assert_eq!(body["error"]["type"], "upstream_error");
    let attempts = body["error"]["attempts"].as_array().expect("attempts");
    let summary: Vec<_> = attempts
        .iter()
        .map(|a| {
            (
                a["channel"].as_str().expect("channel"),
                a["model"].as_str().expect("model"),
                a["kind"].as_str().expect("kind"),
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            ("A", "status-500", "status"),
            ("gone", "x", "connect"),
            ("A", "badjson", "invalid_body")
        ]
    );
    assert_eq!(attempts[0]["status"], 500);
    let message = body["error"]["message"].as_str().expect("message");
    assert!(!message.contains("sk-secret"), "a key leaked: {message}");
}

#[tokio::test]
async fn the_request_log_records_requests_without_contents_or_keys() {
    let proxy = Proxy::start().await;
    let a = Upstream::start("A").await;
    proxy.entry(proxy.channel("A", &a.base_url()), "status-500", "auto");
    proxy.entry(proxy.channel("B", &a.base_url()), "ok", "auto");
    proxy.answered_by("auto").await;
    proxy.state.flush();
    let rows = common::log_rows(proxy.state.store(), 10);
    assert_eq!(rows.len(), 1);
    let row = &rows[0];
    assert_eq!(
        (
            row.status,
            row.attempt_count,
            row.model.as_str(),
            row.channel.as_str()
        ),
        (200, 2, "ok", "B")
    );
    assert_eq!(
        (row.prompt_tokens, row.completion_tokens),
        (Some(3), Some(2))
    );
    assert!(!format!("{row:?}").contains("sk-secret") && !format!("{row:?}").contains("hi"));
}
