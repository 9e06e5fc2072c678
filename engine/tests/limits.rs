//! Limits per access key, over a real SQLite file and a local upstream: a key over its requests
//! per minute gets 429 with `Retry-After` in the shape of each client protocol (Chat, Messages,
//! Responses) while other keys go on; raising the limit lets the next request through at once,
//! and the next minute does too. A spend or tokens per day limit trips once the recorded use
//! reaches it. Use is seeded from the request log at start-up, and import/export carry limits.

mod common;

use std::time::Duration;

use common::{Proxy, Upstream};
use engine::logs::RequestRecord;
use serde_json::{Value, json};
use types::access_keys::KeyLimits;
use types::pricing::{Price, Pricing};

/// A proxy with one channel serving `gpt-4o` and the keys `agent` and `editor`.
async fn proxy_with_keys() -> (Proxy, Upstream, [(i64, String); 2]) {
    let upstream = Upstream::start("up").await;
    let proxy = Proxy::start().await;
    let channel = proxy.channel("up", &upstream.base_url());
    proxy.entry(channel, "gpt-4o", "auto");
    let agent = proxy.state.generate_access_key("agent").await.expect("key");
    let editor = proxy
        .state
        .generate_access_key("editor")
        .await
        .expect("key");
    (
        proxy,
        upstream,
        [(agent.id, agent.key), (editor.id, editor.key)],
    )
}

/// Sends `body` to `path` with access key `key`: status, `Retry-After`, `x-should-retry`, body.
async fn send(
    proxy: &Proxy,
    key: &str,
    path: &str,
    body: Value,
) -> (u16, Option<u64>, Option<String>, Value) {
    let response = proxy
        .http
        .post(format!("{}{path}", proxy.url))
        .bearer_auth(key)
        .json(&body)
        .send()
        .await
        .expect("send");
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let retry_after = header("retry-after").and_then(|v| v.parse().ok());
    let should_retry = header("x-should-retry");
    let status = response.status().as_u16();
    let body = response.json().await.unwrap_or(Value::Null);
    (status, retry_after, should_retry, body)
}

fn chat_body() -> Value {
    json!({"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]})
}

fn messages_body() -> Value {
    json!({"model": "gpt-4o", "max_tokens": 16, "messages": [{"role": "user", "content": "hi"}]})
}

fn responses_body() -> Value {
    json!({"model": "gpt-4o", "input": "hi"})
}

async fn set_limits(proxy: &Proxy, id: i64, limits: KeyLimits) {
    proxy
        .state
        .set_access_key_limits(id, limits)
        .await
        .expect("limits");
}

fn per_minute(n: u32) -> KeyLimits {
    KeyLimits {
        requests_per_minute: Some(n),
        ..KeyLimits::default()
    }
}

/// Waits until the recorder counted `requests` finished requests' tokens for `key` (a row is
/// recorded as its answer ends, which may be just after the client has read it).
async fn wait_for_tokens(proxy: &Proxy, key: &str, tokens: u64) {
    for _ in 0..200 {
        if proxy.state.runtime().key_meters().use_of(key).tokens_today >= tokens {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("{key} never reached {tokens} tokens");
}

#[tokio::test]
async fn a_key_over_its_minute_gets_429_in_every_protocol_and_a_raise_applies_at_once() {
    let (proxy, _upstream, [(agent_id, agent), (_, editor)]) = proxy_with_keys().await;
    set_limits(&proxy, agent_id, per_minute(2)).await;

    for _ in 0..2 {
        let (status, ..) = send(&proxy, &agent, "/v1/chat/completions", chat_body()).await;
        assert_eq!(status, 200);
    }
    let (status, retry_after, should_retry, body) =
        send(&proxy, &agent, "/v1/chat/completions", chat_body()).await;
    assert_eq!(status, 429, "{body}");
    let retry_after = retry_after.expect("Retry-After");
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    // The SDKs may retry a minute's limit after `Retry-After`.
    assert_eq!(should_retry, None);
    assert_eq!(body["error"]["type"], "rate_limit_error");
    let message = body["error"]["message"].as_str().expect("message");
    assert!(
        message.starts_with("access key 'agent' is over its limit of 2 requests per minute"),
        "{message}"
    );

    let (status, retry, _, body) = send(&proxy, &agent, "/v1/messages", messages_body()).await;
    assert_eq!((status, retry.is_some()), (429, true), "{body}");
    assert_eq!(body["type"], "error");
    assert_eq!(body["error"]["type"], "rate_limit_error");
    assert!(
        body["error"]["message"]
            .as_str()
            .expect("msg")
            .contains("2 requests per minute")
    );

    let (status, retry, _, body) = send(&proxy, &agent, "/v1/responses", responses_body()).await;
    assert_eq!((status, retry.is_some()), (429, true), "{body}");
    assert_eq!(body["error"]["code"], "access_key_limit_exceeded");

    // Another key is unaffected.
    let (status, _, _, body) = send(&proxy, &editor, "/v1/messages", messages_body()).await;
    assert_eq!(status, 200, "{body}");
    // Refused requests did not count.
    let used = proxy.state.runtime().key_meters().use_of("agent");
    assert_eq!(used.requests_this_minute, 2);

    // Raising the limit lets the very next request through.
    set_limits(&proxy, agent_id, per_minute(3)).await;
    let (status, ..) = send(&proxy, &agent, "/v1/messages", messages_body()).await;
    assert_eq!(status, 200);
    let (status, ..) = send(&proxy, &agent, "/v1/chat/completions", chat_body()).await;
    assert_eq!(status, 429);

    // So does the next minute.
    engine::clock::advance(Duration::from_secs(retry_after + 60));
    let (status, ..) = send(&proxy, &agent, "/v1/chat/completions", chat_body()).await;
    assert_eq!(status, 200);
    // Clearing every limit leaves the key unlimited.
    set_limits(&proxy, agent_id, KeyLimits::default()).await;
    for _ in 0..5 {
        let (status, ..) = send(&proxy, &agent, "/v1/chat/completions", chat_body()).await;
        assert_eq!(status, 200);
    }
}

#[tokio::test]
async fn a_spend_per_day_limit_trips_after_the_recorded_cost_reaches_it() {
    let (proxy, _upstream, [(agent_id, agent), (_, editor)]) = proxy_with_keys().await;
    // Every request costs $1 on this channel, whatever its tokens.
    let channel = proxy.state.store().channels().expect("channels")[0].id;
    let price = Price {
        input: Some(0.0),
        output: Some(0.0),
        per_request: Some(1.0),
        ..Price::default()
    };
    let pricing = Pricing {
        overrides: [("gpt-4o".to_owned(), price)].into(),
        ..Pricing::default()
    };
    proxy
        .state
        .set_channel_pricing(channel, &pricing)
        .await
        .expect("pricing");
    let limits = KeyLimits {
        usd_per_day: Some(1.5),
        ..KeyLimits::default()
    };
    set_limits(&proxy, agent_id, limits).await;

    // $1, then $2: the request that crosses the limit is served (its cost is known at its end).
    for n in 1..=2 {
        let (status, ..) = send(&proxy, &agent, "/v1/chat/completions", chat_body()).await;
        assert_eq!(status, 200);
        wait_for_tokens(&proxy, "agent", 5 * n).await;
    }
    let (status, retry_after, should_retry, body) =
        send(&proxy, &agent, "/v1/messages", messages_body()).await;
    assert_eq!(status, 429, "{body}");
    let message = body["error"]["message"].as_str().expect("message");
    assert!(
        message.contains("over its limit of $1.50 per day"),
        "{message}"
    );
    // Until 00:00 UTC, and no point in the SDK retrying now.
    let now_ms = engine::clock::now_ms();
    let to_midnight = (86_400_000 - now_ms.rem_euclid(86_400_000)) / 1000;
    assert!(
        retry_after
            .expect("Retry-After")
            .abs_diff(to_midnight as u64)
            <= 1
    );
    assert_eq!(should_retry.as_deref(), Some("false"));
    let used = proxy.state.runtime().key_meters().use_of("agent");
    assert!((used.usd_today - 2.0).abs() < 1e-9, "{used:?}");
    assert!((used.usd_this_month - 2.0).abs() < 1e-9, "{used:?}");

    let (status, ..) = send(&proxy, &editor, "/v1/chat/completions", chat_body()).await;
    assert_eq!(status, 200);

    // The next UTC day starts afresh.
    engine::clock::advance(Duration::from_secs(to_midnight as u64 + 1));
    let (status, ..) = send(&proxy, &agent, "/v1/chat/completions", chat_body()).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn a_tokens_per_day_limit_trips_and_the_list_shows_use_against_it() {
    let (proxy, _upstream, [(agent_id, agent), _]) = proxy_with_keys().await;
    let limits = KeyLimits {
        tokens_per_day: Some(5),
        ..KeyLimits::default()
    };
    set_limits(&proxy, agent_id, limits).await;
    // The upstream reports 3 prompt and 2 completion tokens.
    let (status, ..) = send(&proxy, &agent, "/v1/chat/completions", chat_body()).await;
    assert_eq!(status, 200);
    wait_for_tokens(&proxy, "agent", 5).await;
    let (status, _, _, body) = send(&proxy, &agent, "/v1/responses", responses_body()).await;
    assert_eq!(status, 429);
    assert!(
        body["error"]["message"]
            .as_str()
            .expect("msg")
            .contains("5 tokens per day")
    );

    let keys = proxy.state.access_key_list().await.expect("keys");
    let listed = keys.iter().find(|k| k.name == "agent").expect("agent");
    assert_eq!(listed.limits, limits);
    assert_eq!(listed.used.tokens_today, 5);
    assert_eq!(listed.used.requests_this_minute, 1);
}

fn logged(at_ms: i64, key: &str, cost: f64) -> RequestRecord {
    RequestRecord {
        at_ms,
        requested_model: "gpt-4o".into(),
        model: "gpt-4o".into(),
        client_key_name: key.into(),
        status: 200,
        prompt_tokens: Some(100),
        completion_tokens: Some(20),
        cost_usd: Some(cost),
        ..RequestRecord::default()
    }
}

#[tokio::test]
async fn use_is_seeded_from_the_request_log_at_start_up() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("api-switch.db");
    let now = engine::clock::now_ms();
    let today = now - now.rem_euclid(86_400_000);
    {
        let state = engine::AppState::open(path.clone()).expect("open");
        let created = state.generate_access_key("agent").await.expect("key");
        let limits = KeyLimits {
            usd_per_day: Some(3.0),
            ..KeyLimits::default()
        };
        state
            .set_access_key_limits(created.id, limits)
            .await
            .expect("limits");
        let mut rows = vec![
            logged(today + 1, "agent", 2.0),
            logged(now - 1, "agent", 1.5),
            logged(today - 1, "agent", 7.0),
            logged(now - 1, "editor", 0.25),
        ];
        state.store().write_batch(&[], &mut rows).expect("rows");
    }
    let state = engine::AppState::open(path).expect("reopen");
    let meters = state.runtime().key_meters();
    let agent = meters.use_of("agent");
    assert!((agent.usd_today - 3.5).abs() < 1e-9, "{agent:?}");
    assert_eq!(agent.tokens_today, 240);
    assert_eq!(agent.requests_this_minute, 1);
    // Yesterday's row counts for the month when yesterday was in this month.
    let month_extra = if today > month_start(today) { 7.0 } else { 0.0 };
    assert!(
        (agent.usd_this_month - 3.5 - month_extra).abs() < 1e-9,
        "{agent:?}"
    );
    assert!((meters.use_of("editor").usd_today - 0.25).abs() < 1e-9);

    // Already over its $3 today: refused on the first request after the restart.
    let key = state.store().access_keys().expect("keys")[0].clone();
    let refused = meters.admit(&key.name, &key.limits).expect_err("over");
    assert!(refused.to_string().contains("$3.00 per day"));
}

/// 00:00 UTC on the first of the month `day_ms` is in.
fn month_start(day_ms: i64) -> i64 {
    let mut start = day_ms;
    // Walk back a day at a time while the month stays the same (at most 30 steps).
    while month_of(start - 86_400_000) == month_of(day_ms) {
        start -= 86_400_000;
    }
    start
}

fn month_of(ms: i64) -> (i64, u32) {
    let days = ms.div_euclid(86_400_000) + 719_468;
    let era = days.div_euclid(146_097);
    let doe = days - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    (
        yoe + era * 400,
        if mp < 10 { mp + 3 } else { mp - 9 } as u32,
    )
}

#[test]
fn import_and_export_carry_limits_and_old_files_still_import() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = engine::AppState::open(dir.path().join("api-switch.db")).expect("open");
    let file = json!({
        "version": 1,
        "access_keys": [
            {"name": "agent", "key": "sk-as-agent-0123456789",
             "limits": {"requests_per_minute": 60, "tokens_per_day": 1000000,
                        "usd_per_day": 5.0, "usd_per_month": 50.0}},
            {"name": "old", "key": "sk-as-old-0123456789"}
        ],
        "channels": []
    });
    state.import_config(&file.to_string()).expect("import");
    let exported = engine::config::export(state.store(), true).expect("export");
    let agent = &exported.access_keys[0];
    assert_eq!(agent.limits.requests_per_minute, Some(60));
    assert_eq!(agent.limits.tokens_per_day, Some(1_000_000));
    assert_eq!(agent.limits.usd_per_day, Some(5.0));
    assert_eq!(agent.limits.usd_per_month, Some(50.0));
    assert!(exported.access_keys[1].limits.is_none());
    let text = serde_json::to_value(&exported).expect("json");
    assert!(text["access_keys"][1].get("limits").is_none());

    // A bad limit is named with its path, and nothing changes.
    let bad = json!({"access_keys": [{"name": "x", "key": "sk-x-0123456789",
        "limits": {"requests_per_minute": 0, "usd_per_day": -1}}]});
    let error = state.import_config(&bad.to_string()).expect_err("bad");
    let text = error.to_string();
    assert!(
        text.contains("access_keys[0].limits.requests_per_minute"),
        "{text}"
    );
    assert!(text.contains("access_keys[0].limits.usd_per_day"), "{text}");
    assert_eq!(state.store().access_keys().expect("keys").len(), 2);
}
