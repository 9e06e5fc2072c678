//! Streaming failover: until the first content the preamble is held back and any failure moves
//! on with nothing sent; after it, a failure ends the client's stream with an error event; a
//! client that leaves closes the upstream and cools nothing.

mod common;

use std::time::Duration;

use common::{Proxy, Upstream};
use futures::StreamExt;
use serde_json::json;

async fn stream_text(proxy: &Proxy, model: &str) -> (u16, String) {
    let body =
        json!({"model": model, "stream": true, "messages": [{"role": "user", "content": "hi"}]});
    let response = proxy
        .http
        .post(format!("{}/v1/chat/completions", proxy.url))
        .json(&body)
        .send()
        .await
        .expect("send");
    let status = response.status().as_u16();
    (status, response.text().await.expect("text"))
}

#[tokio::test]
async fn a_healthy_stream_is_relayed_whole() {
    let proxy = Proxy::start().await;
    let a = Upstream::start("A").await;
    let ea = proxy.entry(proxy.channel("A", &a.base_url()), "m", "auto");
    let (status, text) = stream_text(&proxy, "m").await;
    assert_eq!(status, 200);
    assert!(text.contains("\"role\":\"assistant\""), "{text}");
    assert!(text.contains("A:m") && text.contains(" more"), "{text}");
    assert!(text.ends_with("data: [DONE]\n\n"), "{text}");
    assert!(proxy.entry_state(ea).last_response_ms.is_some());
}

#[tokio::test]
async fn an_error_status_before_the_stream_fails_over() {
    let proxy = Proxy::start().await;
    let (a, b) = (Upstream::start("A").await, Upstream::start("B").await);
    let ea = proxy.entry(proxy.channel("A", &a.base_url()), "status-500", "auto");
    proxy.entry(proxy.channel("B", &b.base_url()), "ok", "auto");
    let (status, text) = stream_text(&proxy, "auto").await;
    assert_eq!(status, 200);
    assert!(
        text.contains("B:ok") && text.ends_with("data: [DONE]\n\n"),
        "{text}"
    );
    assert!(proxy.entry_state(ea).cooldown_until_ms > 0);
}

#[tokio::test]
async fn an_error_event_after_the_preamble_fails_over_with_nothing_sent() {
    let proxy = Proxy::start().await;
    let (a, b) = (Upstream::start("A").await, Upstream::start("B").await);
    let ea = proxy.entry(
        proxy.channel("A", &a.base_url()),
        "preamble-then-error",
        "auto",
    );
    proxy.entry(proxy.channel("B", &b.base_url()), "ok", "auto");
    let (status, text) = stream_text(&proxy, "auto").await;
    assert_eq!(status, 200);
    // Exactly one preamble (B's): A's was held back and dropped.
    assert_eq!(text.matches("\"role\":\"assistant\"").count(), 1, "{text}");
    assert!(
        !text.contains("overloaded") && text.contains("B:ok"),
        "{text}"
    );
    assert!(proxy.entry_state(ea).cooldown_until_ms > 0);
}

#[tokio::test]
async fn a_stream_that_breaks_after_content_ends_with_an_error_event_and_cools_the_entry() {
    let proxy = Proxy::start().await;
    let (a, b) = (Upstream::start("A").await, Upstream::start("B").await);
    let ea = proxy.entry(
        proxy.channel("A", &a.base_url()),
        "break-after-content",
        "auto",
    );
    proxy.entry(proxy.channel("B", &b.base_url()), "ok", "auto");
    let (status, text) = stream_text(&proxy, "auto").await;
    assert_eq!(status, 200);
    assert!(text.contains("A:break-after-content"), "{text}");
    let last = text.trim_end().rsplit("\n\n").next().expect("last event");
    let error: serde_json::Value =
        serde_json::from_str(last.trim_start_matches("data: ")).expect("json error event");
    assert_eq!(error["error"]["code"], "stream_interrupted");
    assert!(
        !text.contains("[DONE]"),
        "a broken stream must not look complete: {text}"
    );
    assert!(b.hits().is_empty(), "no failover after content");
    assert!(proxy.entry_state(ea).cooldown_until_ms > 0);
}

#[tokio::test]
async fn a_stream_that_stalls_after_content_ends_with_an_error_event() {
    let proxy = Proxy::start().await;
    let a = Upstream::start("A").await;
    let ea = proxy.entry(
        proxy.channel("A", &a.base_url()),
        "hang-after-content",
        "auto",
    );
    let (_, text) = stream_text(&proxy, "auto").await;
    assert!(
        text.contains("stream_interrupted") && text.contains("timed out"),
        "{text}"
    );
    assert!(proxy.entry_state(ea).cooldown_until_ms > 0);
}

#[tokio::test]
async fn a_client_that_disconnects_cancels_the_upstream_and_cools_nothing() {
    let mut settings = common::test_settings();
    settings.stream_idle_timeout_ms = 60_000;
    let proxy = Proxy::with_settings(settings).await;
    let a = Upstream::start("A").await;
    let ea = proxy.entry(
        proxy.channel("A", &a.base_url()),
        "hang-after-content",
        "auto",
    );
    let body =
        json!({"model": "auto", "stream": true, "messages": [{"role": "user", "content": "hi"}]});
    let response = proxy
        .http
        .post(format!("{}/v1/chat/completions", proxy.url))
        .json(&body)
        .send()
        .await
        .expect("send");
    let mut bytes = response.bytes_stream();
    let first = bytes.next().await.expect("a chunk").expect("bytes");
    assert!(!first.is_empty());
    drop(bytes);
    // The upstream notices the closed connection; poll without asserting on timing.
    for _ in 0..200 {
        if a.saw_disconnect() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(a.saw_disconnect(), "the upstream request was not cancelled");
    let entry = proxy.entry_state(ea);
    assert_eq!((entry.cooldown_until_ms, entry.enabled), (0, true));
    let log = common::log_rows(proxy.state.store(), 1);
    assert_eq!(log[0].status, 499);
}

#[tokio::test]
async fn a_timeout_before_the_stream_fails_over() {
    let proxy = Proxy::start().await;
    let (a, b) = (Upstream::start("A").await, Upstream::start("B").await);
    let ea = proxy.entry(proxy.channel("A", &a.base_url()), "slow", "auto");
    proxy.entry(proxy.channel("B", &b.base_url()), "ok", "auto");
    let (status, text) = stream_text(&proxy, "auto").await;
    assert_eq!(status, 200);
    assert!(text.contains("B:ok"), "{text}");
    assert!(proxy.entry_state(ea).cooldown_until_ms > 0);
}

#[tokio::test]
async fn a_slow_but_live_stream_is_not_cut_by_the_total_timeout() {
    let mut settings = common::test_settings();
    // Shorter than the whole stream (4 events 150 ms apart), longer than each gap.
    settings.total_timeout_ms = 300;
    // The first-byte timeout runs until the first content (issue 13), which this stream sends
    // at 300 ms, after its role chunk: it must not be what ends the attempt.
    settings.first_byte_timeout_ms = 500;
    let proxy = Proxy::with_settings(settings).await;
    let a = Upstream::start("A").await;
    proxy.entry(proxy.channel("A", &a.base_url()), "slow-stream", "auto");
    let (status, text) = stream_text(&proxy, "auto").await;
    assert_eq!(status, 200);
    assert!(
        text.ends_with("data: [DONE]\n\n") && !text.contains("stream_interrupted"),
        "{text}"
    );
}

mod protocols;
mod proxy_path;
