//! Captured exchanges end to end: an Anthropic Messages client routed to an OpenAI Chat
//! upstream that streams a tool call, captured whole (the client's request, the converted
//! request, the upstream's events with their times, the client's converted stream) with no key
//! anywhere; a 5 MB body kept capped with the note; the rule's scope and count; retention; and
//! nothing stored while capture is off.

mod common;

use std::time::Duration;

use axum::body::Body;
use axum::http::HeaderMap;
use axum::response::Response;
use bytes::Bytes;
use common::{Proxy, serve_on_loopback, test_settings};
use futures::StreamExt;
use serde_json::{Value, json};
use types::capture::{CaptureRule, CaptureScope, Exchange};

const ACCESS_KEY: &str = "as-access-key-claude-0123456789";
const OTHER_KEY: &str = "as-access-key-other-9876543210";
const PROVIDER_KEY: &str = "sk-secret-chat-provider-account";

/// An OpenAI Chat upstream that streams a tool call, its events 40 ms apart, and echoes the
/// key it was sent inside one event (an upstream that leaks it: masked at the boundary).
async fn tool_call_upstream() -> String {
    async fn chat(headers: HeaderMap, body: Bytes) -> Response {
        let body: Value = serde_json::from_slice(&body).unwrap_or_default();
        let echoed = headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let chunk = |delta: Value, finish: Value| {
            format!(
                "data: {}\n\n",
                json!({"id": "c1", "object": "chat.completion.chunk", "model": body["model"],
                       "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]})
            )
        };
        let events = vec![
            chunk(json!({"role": "assistant", "content": ""}), Value::Null),
            chunk(
                json!({"tool_calls": [{"index": 0, "id": "call_1", "type": "function",
                        "function": {"name": "get_weather", "arguments": ""}}]}),
                Value::Null,
            ),
            chunk(
                json!({"tool_calls": [{"index": 0, "function": {"arguments": "{\"city\":"}}]}),
                Value::Null,
            ),
            chunk(
                json!({"tool_calls": [{"index": 0, "function": {"arguments": format!("\"Paris {echoed}\"}}")}}]}),
                Value::Null,
            ),
            chunk(json!({}), json!("tool_calls")),
            format!(
                "data: {}\n\n",
                json!({"id": "c1", "object": "chat.completion.chunk", "choices": [],
                       "usage": {"prompt_tokens": 12, "completion_tokens": 7, "total_tokens": 19}})
            ),
            "data: [DONE]\n\n".to_owned(),
        ];
        let stream = futures::stream::iter(events).then(|event| async move {
            tokio::time::sleep(Duration::from_millis(40)).await;
            Ok::<_, std::io::Error>(Bytes::from(event))
        });
        Response::builder()
            .header("content-type", "text/event-stream")
            .body(Body::from_stream(stream))
            .expect("response")
    }
    let app = axum::Router::new()
        .route("/v1/chat/completions", axum::routing::post(chat))
        .layer(axum::extract::DefaultBodyLimit::disable());
    format!("http://{}", serve_on_loopback(app).await)
}

/// A proxy requiring access keys, with an OpenAI Chat channel (key `PROVIDER_KEY`) serving
/// `gpt-tools` in the group `tools`, and room for a 5 MB body.
async fn proxy() -> Proxy {
    let mut settings = test_settings();
    settings.require_access_key = true;
    settings.max_body_bytes = 8 * 1024 * 1024;
    settings.first_byte_timeout_ms = 3000;
    settings.stream_idle_timeout_ms = 3000;
    settings.total_timeout_ms = 10_000;
    let proxy = Proxy::with_settings(settings).await;
    let store = proxy.state.store();
    store.create_access_key("claude", ACCESS_KEY).expect("key");
    store.create_access_key("other", OTHER_KEY).expect("key");
    let base = tool_call_upstream().await;
    let channel = proxy.channel("chat-provider-account", &base);
    proxy.entry(channel, "gpt-tools", "tools");
    proxy
}

/// A streamed Messages request with a tool, whose user text carries the access key (a user
/// pasting it: kept masked all the same).
fn messages_body(text: &str) -> Value {
    json!({
        "model": "tools", "max_tokens": 100, "stream": true,
        "tools": [{"name": "get_weather", "description": "Weather",
                   "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}}}],
        "messages": [{"role": "user", "content": text}]
    })
}

async fn send(proxy: &Proxy, key: &str, body: &Value) -> (u16, String) {
    let response = proxy
        .http
        .post(format!("{}/v1/messages", proxy.url))
        .header("x-api-key", key)
        .header("anthropic-version", "2023-06-01")
        .json(body)
        .send()
        .await
        .expect("send");
    let status = response.status().as_u16();
    (status, response.text().await.expect("text"))
}

fn newest_row(proxy: &Proxy) -> types::logs::RequestRecord {
    proxy.state.flush();
    common::log_rows(proxy.state.store(), 1).remove(0)
}

async fn capture(proxy: &Proxy, scope: CaptureScope, remaining: Option<u32>) {
    let rule = CaptureRule {
        enabled: true,
        scope,
        remaining,
        until_ms: None,
    };
    proxy.state.set_capture(rule).await.expect("capture");
}

async fn exchange_of(proxy: &Proxy, row_id: i64) -> Option<Exchange> {
    proxy.state.exchange(row_id).await.expect("exchange")
}

#[tokio::test]
async fn a_converted_streamed_tool_call_is_captured_whole_without_keys() {
    let proxy = proxy().await;
    capture(&proxy, CaptureScope::All, None).await;
    let body = messages_body(&format!("Weather in Paris? my key is {ACCESS_KEY}"));
    let (status, answer) = send(&proxy, ACCESS_KEY, &body).await;
    assert_eq!(status, 200, "{answer}");
    assert!(
        answer.contains("tool_use") && answer.contains("get_weather"),
        "{answer}"
    );

    let row = newest_row(&proxy);
    assert!(row.captured, "the log row says it has an exchange");
    let exchange = exchange_of(&proxy, row.id).await.expect("captured");
    assert_eq!(exchange.request_log_id, row.id);

    // 1. The client's request.
    assert_eq!(exchange.client_path, "/v1/messages");
    let client: Value = serde_json::from_str(&exchange.client_body.text).expect("client json");
    assert_eq!(client["tools"][0]["name"], "get_weather");
    assert!(
        exchange
            .client_headers
            .iter()
            .any(|(name, _)| name == "x-api-key")
    );
    // 2. What the upstream got, converted to Chat.
    assert_eq!(exchange.attempts.len(), 1);
    let attempt = &exchange.attempts[0];
    assert!(
        attempt.url.ends_with("/v1/chat/completions"),
        "{}",
        attempt.url
    );
    let sent: Value = serde_json::from_str(&attempt.request_body.text).expect("sent json");
    assert_eq!(sent["model"], "gpt-tools");
    assert_eq!(sent["tools"][0]["type"], "function");
    assert!(
        attempt
            .request_headers
            .iter()
            .any(|(name, _)| name == "authorization")
    );
    // 3. The upstream's answer as events with their arrival times.
    assert_eq!(attempt.status, Some(200));
    let events = &attempt.response_stream.events;
    assert_eq!(events.len(), 7, "{events:#?}");
    assert!(events[1].text.contains("\"tool_calls\""));
    assert_eq!(events[6].text, "data: [DONE]");
    assert!(events.windows(2).all(|w| w[0].at_ms <= w[1].at_ms));
    assert!(
        events[6].at_ms - events[0].at_ms >= 150,
        "events 40 ms apart arrive over time: {:?}",
        events.iter().map(|e| e.at_ms).collect::<Vec<_>>()
    );
    // 4. What the client received: Anthropic events.
    assert_eq!(exchange.answer.status, 200);
    let received: Vec<&str> = exchange
        .answer
        .stream
        .events
        .iter()
        .map(|e| e.text.as_str())
        .collect();
    assert!(
        received
            .iter()
            .any(|e| e.starts_with("event: message_start")),
        "{received:?}"
    );
    assert!(
        received.iter().any(|e| e.contains("\"tool_use\"")),
        "{received:?}"
    );
    assert!(
        received
            .iter()
            .any(|e| e.starts_with("event: message_stop")),
        "{received:?}"
    );

    // No key anywhere, in any form it was sent: the stored row's whole JSON.
    let stored = stored_json(&proxy, row.id);
    for key in [ACCESS_KEY, OTHER_KEY, PROVIDER_KEY] {
        assert!(!stored.contains(key), "{key} leaked into the exchange");
    }
    assert!(
        stored.contains(&types::secret::mask(PROVIDER_KEY)),
        "masked, not dropped: {stored}"
    );
}

/// The exchange's row as the database holds it.
fn stored_json(proxy: &Proxy, row_id: i64) -> String {
    let path = proxy.state.store().path().to_owned();
    let conn = rusqlite::Connection::open(path).expect("open");
    conn.query_row(
        "SELECT exchange FROM captured_exchanges WHERE request_log_id = ?1",
        [row_id],
        |row| row.get(0),
    )
    .expect("stored exchange")
}

#[tokio::test]
async fn a_5_mb_body_is_kept_capped_with_the_note() {
    let proxy = proxy().await;
    capture(&proxy, CaptureScope::All, None).await;
    let big = "x".repeat(5 * 1024 * 1024);
    let (status, answer) = send(&proxy, ACCESS_KEY, &messages_body(&big)).await;
    assert_eq!(status, 200, "{answer}");
    let row = newest_row(&proxy);
    let exchange = exchange_of(&proxy, row.id).await.expect("captured");
    let body = &exchange.client_body;
    assert!(body.truncated);
    assert!(body.original_bytes > 5 * 1024 * 1024);
    assert_eq!(body.text.len(), engine::proxy::capture::BODY_CAP);
    assert!(exchange.attempts[0].request_body.truncated);
    let stored = stored_json(&proxy, row.id);
    assert!(
        stored.len() < 1024 * 1024,
        "the row stays small: {}",
        stored.len()
    );
}

#[tokio::test]
async fn with_capture_off_nothing_is_stored() {
    let proxy = proxy().await;
    let (status, _) = send(&proxy, ACCESS_KEY, &messages_body("hi")).await;
    assert_eq!(status, 200);
    let row = newest_row(&proxy);
    assert!(!row.captured);
    assert!(exchange_of(&proxy, row.id).await.is_none());
    let status = proxy.state.capture_status().await.expect("status");
    assert_eq!((status.active, status.stored_exchanges), (false, 0));
}

#[tokio::test]
async fn the_scope_and_the_count_decide_what_is_captured() {
    let proxy = proxy().await;
    capture(&proxy, CaptureScope::App("claude".into()), Some(1)).await;
    send(&proxy, OTHER_KEY, &messages_body("hi")).await;
    assert!(!newest_row(&proxy).captured, "another app is not in scope");
    send(&proxy, ACCESS_KEY, &messages_body("hi")).await;
    assert!(newest_row(&proxy).captured, "the app in scope is");
    send(&proxy, ACCESS_KEY, &messages_body("hi")).await;
    assert!(!newest_row(&proxy).captured, "the count of one is spent");
    let status = proxy.state.capture_status().await.expect("status");
    assert!(!status.active);
    assert_eq!(status.rule.remaining, Some(0));
    assert_eq!(
        proxy.state.store().capture_rule().expect("rule").remaining,
        Some(0)
    );

    capture(&proxy, CaptureScope::Group("TOOLS".into()), None).await;
    send(&proxy, OTHER_KEY, &messages_body("hi")).await;
    assert!(newest_row(&proxy).captured, "the group in scope, any app");
}

#[tokio::test]
async fn retention_deletes_old_exchanges_and_those_whose_row_is_gone() {
    let proxy = proxy().await;
    capture(&proxy, CaptureScope::All, None).await;
    send(&proxy, ACCESS_KEY, &messages_body("one")).await;
    let first = newest_row(&proxy);
    send(&proxy, ACCESS_KEY, &messages_body("two")).await;
    let second = newest_row(&proxy);
    let store = proxy.state.store();
    let now = engine::clock::now_ms();
    assert_eq!(
        store.prune_exchanges(now).expect("prune"),
        0,
        "fresh ones stay"
    );
    // The log's own retention takes the first row: its exchange goes with it.
    store
        .enforce_log_retention(0, 1, now)
        .expect("log retention");
    assert_eq!(store.prune_exchanges(now).expect("prune"), 1);
    assert!(store.exchange(first.id).expect("read").is_none());
    assert!(store.exchange(second.id).expect("read").is_some());
    // A week later the rest is past the exchanges' retention.
    let later = now + (engine::store::exchanges::CAPTURE_RETENTION_DAYS + 1) * 24 * 3600 * 1000;
    assert_eq!(store.prune_exchanges(later).expect("prune"), 1);
    assert!(store.exchange(second.id).expect("read").is_none());
}

#[tokio::test]
async fn captured_bodies_can_be_searched_from_the_log() {
    let proxy = proxy().await;
    capture(&proxy, CaptureScope::All, None).await;
    send(&proxy, ACCESS_KEY, &messages_body("the Zanzibar question")).await;
    let wanted = newest_row(&proxy);
    send(&proxy, ACCESS_KEY, &messages_body("something else")).await;
    let query = |text: &str| types::logs::LogQuery {
        captured_text: Some(text.into()),
        ..Default::default()
    };
    let page = proxy
        .state
        .log_page(&query("zanzibar"))
        .await
        .expect("page");
    assert_eq!(
        page.rows.iter().map(|r| r.id).collect::<Vec<_>>(),
        [wanted.id]
    );
    assert_eq!(page.total, 1);
}

/// This process's CPU time so far (user + system), from `/proc/self/stat`, in microseconds.
fn process_cpu_us() -> u64 {
    let stat = std::fs::read_to_string("/proc/self/stat").expect("stat");
    // The fields after the command name (which may hold spaces) are space-separated.
    let after_name = &stat[stat.rfind(')').expect("stat") + 2..];
    let fields: Vec<&str> = after_name.split(' ').collect();
    let ticks: u64 =
        fields[11].parse::<u64>().expect("utime") + fields[12].parse::<u64>().expect("stime");
    // Linux reports in clock ticks of 1/100 s.
    ticks * 10_000
}

/// Measures the CPU a streamed converted request costs with capture off and on (client,
/// proxy and upstream share this process, so the figures are relative). Run by hand:
/// `cargo nextest run -p engine --test capture --run-ignored only --no-capture`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a measurement for BENCHMARKS.md, not a check"]
async fn capture_cost_per_request() {
    let proxy = proxy().await;
    let body = messages_body("Weather in Paris?");
    // 25 batches of 20 requests at once (each stream lasts about 300 ms).
    let (batches, at_once) = (25_u64, 20_u64);
    let rounds = batches * at_once;
    let measure = async |label: &str| {
        let started = process_cpu_us();
        for _ in 0..batches {
            let sends = (0..at_once).map(|_| send(&proxy, ACCESS_KEY, &body));
            for (status, _) in futures::future::join_all(sends).await {
                assert_eq!(status, 200);
            }
        }
        proxy.state.flush();
        let per_request = (process_cpu_us() - started) / rounds;
        eprintln!("{label}: {per_request} µs CPU per request");
        per_request
    };
    let _warm_up = measure("warm-up").await;
    let off = measure("capture off").await;
    capture(&proxy, CaptureScope::All, None).await;
    let on = measure("capture on").await;
    eprintln!("capture on / off: {:.2}x", on as f64 / off as f64);
}
