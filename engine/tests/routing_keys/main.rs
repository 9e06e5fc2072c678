//! Issue 14, routing-keys: key pools rotate and a 429'd key waits out its `Retry-After`; 401
//! switches off one key; each default error rule takes its action on what the error *says*
//! (also in a 200 body and a stream's first event) and is named in the 502 and the log; a
//! freeze skips a whole channel and ends on time; one channel's requests go through an HTTP
//! or SOCKS5 proxy while another goes direct; import/export keep pools and proxies.

mod affinity;
#[path = "../common/mod.rs"]
mod common;
mod config;
mod pool_edit;
mod proxies;
mod upstream;

use std::time::Duration;

use common::Proxy;
use engine::clock::now_ms;
use engine::store::{ChannelId, ErrorRule, RuleAction};
use upstream::{KeyedUpstream, Reply};

fn keys(list: &[&str]) -> Vec<String> {
    list.iter().map(|k| (*k).to_owned()).collect()
}

/// A channel on `upstream` whose pool is `pool`.
async fn pooled(proxy: &Proxy, upstream: &KeyedUpstream, pool: &[&str]) -> ChannelId {
    let id = proxy.channel(upstream.name(), &upstream.base_url());
    proxy
        .state
        .set_channel_keys(id, &keys(pool))
        .await
        .expect("keys");
    id
}

fn key_state(proxy: &Proxy, channel: ChannelId, key: &str) -> engine::store::ChannelKey {
    proxy.state.flush();
    let channels = proxy.state.store().channels().expect("channels");
    let found = channels.iter().find(|c| c.id == channel).expect("channel");
    found
        .keys
        .iter()
        .find(|k| k.key.expose() == key)
        .expect("key")
        .clone()
}

/// How the test upstream names the key that served (`KeyedUpstream` answers with a tag, not
/// the key, which the proxy would mask).
fn tag(key: &str) -> String {
    key.replacen("sk-", "tag-", 1)
}

#[tokio::test]
async fn requests_rotate_round_robin_across_the_pool() {
    let proxy = Proxy::start().await;
    let a = KeyedUpstream::start("A").await;
    let channel = pooled(
        &proxy,
        &a,
        &[
            "sk-test-pool-one-111111",
            "sk-test-pool-two-222222",
            "sk-test-pool-three-33333",
        ],
    )
    .await;
    proxy.entry(channel, "m", "auto");
    for _ in 0..6 {
        proxy.answered_by("m").await;
    }
    assert_eq!(
        a.keys(),
        keys(&[
            "sk-test-pool-one-111111",
            "sk-test-pool-two-222222",
            "sk-test-pool-three-33333",
            "sk-test-pool-one-111111",
            "sk-test-pool-two-222222",
            "sk-test-pool-three-33333"
        ])
    );
    // The existing key of a channel is the first of its pool; the pool is never shown in Debug.
    let shown = format!("{:?}", proxy.state.snapshot().channels);
    assert!(!shown.contains("sk-test-pool-two-222222"), "{shown}");
}

#[tokio::test]
async fn a_429_key_is_skipped_until_its_retry_after_while_the_entry_keeps_serving() {
    let proxy = Proxy::start().await;
    let a = KeyedUpstream::start("A").await;
    let (k1, k2, k3) = (
        "sk-test-rot-aaaaaaaa1",
        "sk-test-rot-bbbbbbbb2",
        "sk-test-rot-cccccccc3",
    );
    let channel = pooled(&proxy, &a, &[k1, k2, k3]).await;
    let entry = proxy.entry(channel, "m", "auto");
    a.on_key(
        k2,
        Reply::Status {
            code: 429,
            message: "slow down".into(),
            retry_after: Some("1".into()),
        },
    );
    let mut events = proxy.state.events();
    // k1 answers; then k2 gets 429 and the same request is answered with k3.
    assert_eq!(proxy.answered_by("m").await, format!("A:{}:m", tag(k1)));
    assert_eq!(proxy.answered_by("m").await, format!("A:{}:m", tag(k3)));
    for _ in 0..4 {
        proxy.answered_by("m").await;
    }
    let used: Vec<_> = a.keys();
    assert_eq!(
        used.iter().filter(|k| *k == k2).count(),
        1,
        "a cooling key was used: {used:?}"
    );
    assert_eq!(
        proxy.entry_state(entry).cooldown_until_ms,
        0,
        "the entry must not cool while a key serves"
    );
    let cooling = proxy.state.channel_keys(channel);
    let until = cooling[1].cooling_until_ms.expect("k2 is cooling");
    assert!(
        until <= now_ms() + 1000,
        "Retry-After 1 s, not the 600 s setting"
    );
    // Screens showing the pool heard of it: the one key-cooled event, for k2, with its end.
    let mut cooled = Vec::new();
    while let Ok(event) = events.try_recv() {
        if let engine::events::Event::KeyCooled { key, until_ms } = event {
            cooled.push((key, until_ms));
        }
    }
    assert_eq!(cooled, [(cooling[1].id, until)]);
    // Its Retry-After is over: k2 is back in the rotation.
    a.on_key(k2, Reply::Ok);
    engine::clock::advance(Duration::from_millis(1100));
    for _ in 0..3 {
        proxy.answered_by("m").await;
    }
    assert!(a.keys()[6..].contains(&k2.to_owned()), "{:?}", a.keys());
}

#[tokio::test]
async fn the_entry_fails_over_only_when_no_key_of_its_channel_can_serve() {
    let proxy = Proxy::start().await;
    let (a, b) = (
        KeyedUpstream::start("A").await,
        KeyedUpstream::start("B").await,
    );
    let channel = pooled(
        &proxy,
        &a,
        &["sk-test-empty-one-1111", "sk-test-empty-two-2222"],
    )
    .await;
    let entry = proxy.entry(channel, "m", "auto");
    proxy.entry(
        pooled(&proxy, &b, &["sk-test-b-key-0000000"]).await,
        "m",
        "auto",
    );
    a.on_key(
        "sk-test-empty-one-1111",
        Reply::status(429, "You exceeded your current quota: insufficient_quota"),
    );
    a.on_key(
        "sk-test-empty-two-2222",
        Reply::status(429, "Rate limit reached"),
    );
    assert_eq!(proxy.answered_by("m").await, "B:tag-test-b-key-0000000:m");
    assert_eq!(
        a.keys().len(),
        2,
        "both keys were tried before failing over"
    );
    assert!(
        proxy.entry_state(entry).cooldown_until_ms > now_ms(),
        "no key can serve: the entry cools"
    );
    proxy.answered_by("m").await;
    assert_eq!(
        a.keys().len(),
        2,
        "a channel without a usable key was tried again"
    );
}

#[tokio::test]
async fn a_401_switches_off_only_that_key_with_the_reason_until_the_user_switches_it_on() {
    let proxy = Proxy::start().await;
    let a = KeyedUpstream::start("A").await;
    let (good, bad) = ("sk-test-good-key-123456", "sk-test-revoked-654321");
    let channel = pooled(&proxy, &a, &[bad, good]).await;
    let entry = proxy.entry(channel, "m", "auto");
    a.on_key(bad, Reply::status(401, "unauthorized"));
    for _ in 0..3 {
        assert_eq!(proxy.answered_by("m").await, format!("A:{}:m", tag(good)));
    }
    assert_eq!(a.keys().iter().filter(|k| *k == bad).count(), 1);
    let key = key_state(&proxy, channel, bad);
    assert!(
        !key.enabled && key.disabled_reason.contains("401"),
        "{key:?}"
    );
    assert!(proxy.entry_state(entry).enabled, "the entry stays on");
    // A reload keeps it off; only the user switches it on.
    proxy.state.reload().expect("reload");
    proxy.answered_by("m").await;
    assert_eq!(a.keys().iter().filter(|k| *k == bad).count(), 1);
    a.on_key(bad, Reply::Ok);
    proxy
        .state
        .set_channel_key_enabled(key.id, true)
        .await
        .expect("enable");
    proxy.answered_by("m").await;
    proxy.answered_by("m").await;
    assert_eq!(a.keys().iter().filter(|k| *k == bad).count(), 2);
}

/// One default phrase: channel A (one key, entries `m` and `other`) answers `reply`; B serves.
async fn default_rule_case(
    phrase: &str,
    reply: Reply,
) -> (Proxy, engine::store::Entry, engine::store::Entry) {
    let proxy = Proxy::start().await;
    let (a, b) = (
        KeyedUpstream::start("A").await,
        KeyedUpstream::start("B").await,
    );
    let ca = proxy.channel("A", &a.base_url());
    let failing = proxy.entry(ca, "m", "g");
    let sibling = proxy.entry(ca, "other", "h");
    proxy.entry(proxy.channel("B", &b.base_url()), "m", "g");
    a.on_model("m", reply);
    let answer = proxy.answered_by("g").await;
    assert_eq!(answer, "B:tag-secret-B:m", "{phrase} did not fail over");
    let (failing, sibling) = (proxy.entry_state(failing), proxy.entry_state(sibling));
    (proxy, failing, sibling)
}

#[tokio::test]
async fn each_default_phrase_takes_its_action() {
    let six_hours = 6 * 3600 * 1000;
    // Issue 19: a rule switches off or freezes only on 401, 402, 403 or 429 (or a status it
    // names), so each phrase is answered with the status a provider uses for it.
    for (status, phrase, expected) in [
        (429, "Error: INSUFFICIENT_QUOTA for this account", "cool"),
        (
            402,
            "Your credit balance is too low to access the API",
            "freeze",
        ),
        (401, "Invalid API key provided", "disable"),
        (403, "This account deactivated by the provider", "freeze"),
        (503, "The model is Overloaded right now", "cool"),
        (429, "Rate limit exceeded, slow down", "cool"),
    ] {
        let (_proxy, failing, sibling) =
            default_rule_case(phrase, Reply::status(status, phrase)).await;
        let now = now_ms();
        match expected {
            "cool" => {
                assert!(
                    failing.enabled && failing.cooldown_until_ms > now,
                    "{phrase}: {failing:?}"
                );
                assert!(failing.cooldown_until_ms <= now + 600_000, "{phrase}");
                assert_eq!(
                    sibling.cooldown_until_ms, 0,
                    "{phrase}: only the entry cools"
                );
            }
            "freeze" => {
                for entry in [&failing, &sibling] {
                    assert!(
                        entry.cooldown_until_ms > now + six_hours - 60_000,
                        "{phrase}: {entry:?}"
                    );
                }
            }
            _ => {
                assert!(!failing.enabled, "{phrase}");
                assert!(
                    failing.disabled_reason.contains("invalid api key"),
                    "{}",
                    failing.disabled_reason
                );
                assert!(sibling.enabled);
            }
        }
    }
}

/// Issue 19, finding 4: providers echo the client's input in a 400 (OpenAI, for a bad
/// `role`: "Invalid value: '...'. Supported values are ..."). A client that puts a rule's
/// phrase there must not switch off, freeze or cool anything; a phrase in a 5xx may cool the
/// entry, never switch it off or freeze its channel.
#[tokio::test]
async fn issue_19_finding_4_a_clients_echoed_text_switches_nothing_off() {
    for phrase in [
        "invalid api key",
        "account deactivated",
        "credit balance is too low",
        "overloaded",
        "insufficient_quota",
        "rate limit",
    ] {
        let echoed = format!(
            "Invalid value: '{phrase}'. Supported values are: 'system', 'assistant', 'user', 'function', 'tool', and 'developer'."
        );
        let (_proxy, failing, sibling) =
            default_rule_case(phrase, Reply::status(400, &echoed)).await;
        assert!(
            failing.enabled && failing.disabled_reason.is_empty(),
            "a 400 echoing `{phrase}` switched the entry off: {failing:?}"
        );
        assert_eq!(
            (failing.cooldown_until_ms, sibling.cooldown_until_ms),
            (0, 0),
            "a 400 echoing `{phrase}` cooled or froze: {failing:?} {sibling:?}"
        );
    }
    for phrase in ["invalid api key", "account deactivated"] {
        let said = format!("upstream failed on '{phrase}'");
        let (_proxy, failing, sibling) = default_rule_case(phrase, Reply::status(500, &said)).await;
        let now = now_ms();
        assert!(failing.enabled, "a 500 saying `{phrase}` switched it off");
        assert!(
            failing.cooldown_until_ms > now && failing.cooldown_until_ms <= now + 600_000,
            "a 500 saying `{phrase}` only cools: {failing:?}"
        );
        assert_eq!(
            sibling.cooldown_until_ms, 0,
            "a 500 saying `{phrase}` froze the channel"
        );
    }
}

#[tokio::test]
async fn a_200_body_or_a_first_stream_event_carrying_a_phrase_takes_its_action() {
    let body = serde_json::json!({"error": {"message": "You exceeded your current quota", "type": "insufficient_quota"}});
    let (_p, failing, _) = default_rule_case("200 body", Reply::OkBody(body)).await;
    assert!(failing.cooldown_until_ms > now_ms(), "{failing:?}");

    let proxy = Proxy::start().await;
    let (a, b) = (
        KeyedUpstream::start("A").await,
        KeyedUpstream::start("B").await,
    );
    let ea = proxy.entry(proxy.channel("A", &a.base_url()), "m", "g");
    proxy.entry(proxy.channel("B", &b.base_url()), "m", "g");
    a.on_model(
        "m",
        Reply::StreamFirst(r#"{"error":{"message":"Server overloaded, try again"}}"#.into()),
    );
    let response = proxy
        .http
        .post(format!("{}/v1/chat/completions", proxy.url))
        .json(&serde_json::json!({"model": "g", "stream": true, "messages": [{"role": "user", "content": "hi"}]}))
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), 200);
    let text = response.text().await.expect("body");
    assert!(text.contains("B:tag-secret-B:m"), "{text}");
    let entry = proxy.entry_state(ea);
    assert!(
        entry.enabled && entry.cooldown_until_ms > now_ms(),
        "{entry:?}"
    );
}

#[tokio::test]
async fn the_502_and_the_log_name_the_rule_that_fired() {
    let proxy = Proxy::start().await;
    let a = KeyedUpstream::start("A").await;
    proxy.entry(proxy.channel("A", &a.base_url()), "m", "auto");
    a.on_model("m", Reply::status(500, "upstream overloaded (sk-secret-A)"));
    let (status, body) = proxy.chat("m").await;
    assert_eq!(status, 502, "{body}");
    let attempt = &body["error"]["attempts"][0];
    assert_eq!(
        (attempt["kind"].as_str(), attempt["rule"].as_str()),
        (Some("rule"), Some("\"overloaded\""))
    );
    assert!(
        !body.to_string().contains("sk-secret-A"),
        "a key leaked: {body}"
    );
    proxy.state.flush();
    let rows = common::log_rows(proxy.state.store(), 1);
    assert_eq!(rows[0].attempts[0].rule.as_deref(), Some("\"overloaded\""));
}

#[tokio::test]
async fn retry_after_sets_the_entry_cooldown_on_503_bounded_by_the_setting() {
    let proxy = Proxy::start().await;
    let a = KeyedUpstream::start("A").await;
    let entry = proxy.entry(proxy.channel("A", &a.base_url()), "m", "auto");
    let when = httpdate::fmt_http_date(std::time::SystemTime::now() + Duration::from_secs(120));
    a.on_model(
        "m",
        Reply::Status {
            code: 503,
            message: "maintenance".into(),
            retry_after: Some(when),
        },
    );
    assert_eq!(proxy.chat("m").await.0, 502);
    let until = proxy.entry_state(entry).cooldown_until_ms - now_ms();
    assert!(
        (100_000..=121_000).contains(&until),
        "HTTP-date Retry-After: {until} ms"
    );
    a.on_model(
        "m",
        Reply::Status {
            code: 429,
            message: "later".into(),
            retry_after: Some("86400".into()),
        },
    );
    assert_eq!(proxy.chat("m").await.0, 502);
    let until = proxy.entry_state(entry).cooldown_until_ms - now_ms();
    assert!(
        (590_000..=600_000).contains(&until),
        "bounded by the 600 s setting: {until} ms"
    );
}

#[tokio::test]
async fn a_freeze_skips_every_entry_of_the_channel_and_ends_on_time() {
    let mut settings = common::test_settings();
    settings.error_rules.insert(
        0,
        ErrorRule {
            status: Some(400),
            phrase: "account on hold".into(),
            action: RuleAction::FreezeChannel,
            freeze_secs: 300,
        },
    );
    let proxy = Proxy::with_settings(settings).await;
    let (a, b) = (
        KeyedUpstream::start("A").await,
        KeyedUpstream::start("B").await,
    );
    let ca = proxy.channel("A", &a.base_url());
    proxy.entry(ca, "m1", "g");
    proxy.entry(ca, "m2", "g");
    proxy.entry(proxy.channel("B", &b.base_url()), "x", "g");
    a.on_model("m1", Reply::status(400, "Your Account On Hold"));
    let frozen_at = now_ms();
    assert_eq!(proxy.answered_by("g").await, "B:tag-secret-B:x");
    assert_eq!(a.models(), vec!["m1"], "m2 of the frozen channel was tried");
    assert_eq!(proxy.answered_by("g").await, "B:tag-secret-B:x");
    assert_eq!(a.models().len(), 1, "a frozen channel was tried");
    a.on_model("m1", Reply::Ok);
    // Still frozen a moment before the five minutes are over (the clock moves; nothing sleeps).
    let ends = frozen_at + 300_000;
    engine::clock::advance(Duration::from_millis((ends - now_ms() - 1000).max(0) as u64));
    assert_eq!(proxy.answered_by("g").await, "B:tag-secret-B:x");
    assert_eq!(a.models().len(), 1, "the freeze ended early");
    engine::clock::advance(Duration::from_millis(1100));
    assert_eq!(
        proxy.answered_by("g").await,
        "A:tag-secret-A:m1",
        "the freeze did not end on time"
    );
}

/// Sends `channel`'s requests through the outbound proxy at `url`, with these credentials
/// (empty: none).
async fn send_through(
    proxy: &Proxy,
    channel: ChannelId,
    url: &str,
    (username, password): (&str, &str),
) {
    let outbound = engine::store::OutboundProxy {
        url: url.to_owned(),
        username: username.to_owned(),
        password: password.into(),
    };
    proxy
        .state
        .set_channel_proxy(channel, Some(&outbound))
        .await
        .expect("proxy");
}

#[tokio::test]
async fn an_http_proxy_carries_one_channels_requests_and_tests_while_another_goes_direct() {
    let proxy = Proxy::start().await;
    let http = proxies::http_proxy().await;
    let (a, b) = (
        KeyedUpstream::start("A").await,
        KeyedUpstream::start("B").await,
    );
    let via = proxy.channel("A", &a.base_url());
    proxy.entry(via, "through", "auto");
    proxy.entry(proxy.channel("B", &b.base_url()), "direct", "auto");
    send_through(&proxy, via, &http.url, ("proxy-user", "proxy-pass")).await;
    assert_eq!(proxy.answered_by("through").await, "A:tag-secret-A:through");
    assert_eq!(http.connections(), vec!["proxy-user:proxy-pass"]);
    assert_eq!(proxy.answered_by("direct").await, "B:tag-secret-B:direct");
    assert_eq!(
        http.connections().len(),
        1,
        "the direct channel went through the proxy"
    );
    // The speed test of that channel goes through it too.
    let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
    let options = engine::speedtest::SpeedTestOptions {
        timeout: Duration::from_secs(5),
    };
    let results = proxy
        .state
        .speed_test(engine::speedtest::Scope::Channel(via), &options, &tx)
        .await;
    assert!(results[0].ok, "{results:?}");
    assert_eq!(a.keys().len(), 2);
    assert!(!http.connections().is_empty());
}

/// Issue 24, connect time: the attempt that opened a new connection (here through a SOCKS5
/// proxy that answers its CONNECT after 150 ms) records how long that took, inside its time to
/// headers; the next request over the kept-alive connection records that it reused one.
#[tokio::test]
async fn an_attempt_records_its_new_connections_time_and_a_reused_one_says_so() {
    const HANDSHAKE_MS: i64 = 150;
    let proxy = Proxy::start().await;
    let socks =
        proxies::socks5_proxy_answering_after(None, Duration::from_millis(HANDSHAKE_MS as u64))
            .await;
    let upstream = KeyedUpstream::start("A").await;
    let via = proxy.channel("A", &upstream.base_url());
    proxy.entry(via, "through", "auto");
    send_through(&proxy, via, &socks.url, ("", "")).await;
    for _ in 0..2 {
        assert_eq!(proxy.answered_by("through").await, "A:tag-secret-A:through");
    }
    assert_eq!(
        socks.connections().len(),
        1,
        "the second request reused the connection"
    );
    proxy.state.flush();
    let rows = common::log_rows(proxy.state.store(), 2);
    let attempt = |row: usize| {
        let attempts = &rows[row].attempts;
        assert_eq!(attempts.len(), 1, "{attempts:?}");
        attempts[0].clone()
    };
    // Newest first: the first request is the second row.
    let (opened, reused) = (attempt(1), attempt(0));
    let connect = opened
        .connect_ms
        .expect("the first attempt opened a connection");
    assert!(
        (HANDSHAKE_MS..HANDSHAKE_MS + 1_000).contains(&connect),
        "connect {connect} ms"
    );
    assert!(!opened.reused_connection, "{opened:?}");
    let ttfb = opened.ttfb_ms.expect("headers");
    assert!(
        connect <= ttfb,
        "connect {connect} ms inside headers {ttfb} ms"
    );
    assert_eq!(reused.connect_ms, None, "{reused:?}");
    assert!(reused.reused_connection, "{reused:?}");
}

#[tokio::test]
async fn a_socks5_proxy_with_credentials_carries_one_channels_requests() {
    let proxy = Proxy::start().await;
    let socks = proxies::socks5_proxy(Some(("sock-user", "sock-pass"))).await;
    let (a, b) = (
        KeyedUpstream::start("A").await,
        KeyedUpstream::start("B").await,
    );
    let via = proxy.channel("A", &a.base_url());
    proxy.entry(via, "through", "auto");
    proxy.entry(proxy.channel("B", &b.base_url()), "direct", "auto");
    send_through(&proxy, via, &socks.url, ("sock-user", "sock-pass")).await;
    assert_eq!(proxy.answered_by("through").await, "A:tag-secret-A:through");
    assert_eq!(proxy.answered_by("direct").await, "B:tag-secret-B:direct");
    assert_eq!(socks.connections(), vec!["sock-user:sock-pass"]);
    // Without a proxy again, the channel goes direct.
    proxy
        .state
        .set_channel_proxy(via, None)
        .await
        .expect("direct");
    assert_eq!(proxy.answered_by("through").await, "A:tag-secret-A:through");
    assert_eq!(socks.connections().len(), 1);
}

#[tokio::test]
async fn the_speed_test_reports_each_key_of_a_pool_and_switches_off_only_a_rejected_key() {
    let proxy = Proxy::start().await;
    let a = KeyedUpstream::start("A").await;
    let (good, bad) = ("sk-test-speed-good-1111", "sk-test-speed-bad-22222");
    let channel = pooled(&proxy, &a, &[good, bad]).await;
    let entry = proxy.entry(channel, "m", "auto");
    a.on_key(
        bad,
        Reply::status(401, "Incorrect API key provided: sk-test-speed-bad-22222"),
    );
    let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
    let options = engine::speedtest::SpeedTestOptions {
        timeout: Duration::from_secs(5),
    };
    let results = proxy
        .state
        .speed_test(engine::speedtest::Scope::Channel(channel), &options, &tx)
        .await;
    let summary: Vec<_> = results
        .iter()
        .map(|r| (r.key.as_str(), r.ok, r.status))
        .collect();
    assert_eq!(
        summary,
        vec![("sk-***1111", true, None), ("sk-***2222", false, Some(401))]
    );
    assert!(!format!("{results:?}").contains(bad), "{results:?}");
    assert!(
        !key_state(&proxy, channel, bad).enabled,
        "the rejected key stays on"
    );
    assert!(
        proxy.entry_state(entry).enabled,
        "the entry was switched off"
    );
}
