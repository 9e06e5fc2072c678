//! What the UI sees of a running proxy, through real sockets: live events for finished
//! requests (with the attempts that led to them), cooldowns, recoveries, auto-disables and
//! configuration changes; the Dashboard's cooling and recently disabled entries; access keys
//! that can be switched off (and are then refused) and show when they were last used.

mod common;

use std::time::Duration;

use common::{Proxy, Upstream};
use engine::events::Event;
use engine::logs::{ErrorKind, LogQuery};
use serde_json::json;
use tokio::sync::broadcast;

/// The next event `wanted` accepts, skipping others; fails after 5 s.
async fn next_event(
    events: &mut broadcast::Receiver<Event>,
    wanted: impl Fn(&Event) -> bool,
) -> Event {
    tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            let event = events.recv().await.expect("events keep coming");
            if wanted(&event) {
                return event;
            }
        }
    })
    .await
    .expect("the event within 5 s")
}

#[tokio::test]
async fn a_failover_is_announced_with_its_attempts_and_saved_with_them() {
    let proxy = Proxy::start().await;
    let (a, b) = (Upstream::start("A").await, Upstream::start("B").await);
    let entry_a = proxy.entry(proxy.channel("A", &a.base_url()), "m", "auto");
    let entry_b = proxy.entry(proxy.channel("B", &b.base_url()), "m", "auto");
    a.force_status(500);
    let mut events = proxy.state.events();
    assert_eq!(proxy.answered_by("m").await, "B:m");

    let cooled = next_event(&mut events, |e| matches!(e, Event::EntryCooled { .. })).await;
    let Event::EntryCooled { entry, until_ms } = cooled else {
        unreachable!()
    };
    assert_eq!(entry, entry_a);
    let expected = engine::clock::now_ms() + 600_000;
    assert!(
        (expected - 5_000..=expected).contains(&until_ms),
        "{until_ms}"
    );

    let finished = next_event(&mut events, |e| matches!(e, Event::RequestFinished(_))).await;
    let Event::RequestFinished(row) = finished else {
        unreachable!()
    };
    assert_eq!((row.status, row.channel.as_str()), (200, "B"));
    assert_eq!(row.attempt_count, 2);
    let tried: Vec<_> = row
        .attempts
        .iter()
        .map(|a| (a.entry_id, a.status, a.error_kind.clone()))
        .collect();
    assert_eq!(
        tried,
        [
            (entry_a, Some(500), Some(ErrorKind::Status)),
            (entry_b, Some(200), None)
        ]
    );
    assert!(row.attempts[0].at_ms <= row.attempts[1].at_ms);
    // The event comes after the row is saved: the Logs page finds it under the same id.
    let page = proxy
        .state
        .log_page(&LogQuery::default())
        .await
        .expect("page");
    assert_eq!(page.rows, [row]);
}

#[tokio::test]
async fn recovery_disable_and_configuration_changes_are_announced() {
    let proxy = Proxy::start().await;
    let a = Upstream::start("A").await;
    let channel = proxy.channel("A", &a.base_url());
    let flaky = proxy.entry(channel, "m", "auto");
    let mut events = proxy.state.events();

    let gone = proxy.entry(channel, "status-401", "gone");
    let changed = next_event(&mut events, |e| matches!(e, Event::ConfigChanged { .. })).await;
    assert_eq!(
        changed,
        Event::ConfigChanged {
            version: proxy.state.version()
        }
    );

    let (status, _) = proxy.chat("status-401").await;
    assert_eq!(status, 502);
    let disabled = next_event(&mut events, |e| matches!(e, Event::EntryDisabled { .. })).await;
    let Event::EntryDisabled { entry, reason } = disabled else {
        unreachable!()
    };
    assert_eq!(entry, gone);
    assert!(reason.contains("401"), "{reason}");

    a.force_status(503);
    assert_eq!(proxy.chat("m").await.0, 502);
    next_event(
        &mut events,
        |e| matches!(e, Event::EntryCooled { entry, .. } if *entry == flaky),
    )
    .await;
    // Only cooling entries are left, so they are tried anyway; this one answers again.
    a.force_status(0);
    assert_eq!(proxy.answered_by("m").await, "A:m");
    let recovered = next_event(&mut events, |e| matches!(e, Event::EntryRecovered { .. })).await;
    assert_eq!(recovered, Event::EntryRecovered { entry: flaky });
}

#[tokio::test]
async fn the_dashboard_shows_cooling_and_recently_disabled_entries() {
    let proxy = Proxy::start().await;
    let (a, b) = (Upstream::start("A").await, Upstream::start("B").await);
    let started = engine::clock::now_ms();
    let flaky = proxy.entry(proxy.channel("A", &a.base_url()), "m", "auto");
    let gone = proxy.entry(proxy.channel("B", &b.base_url()), "status-403", "gone");
    a.force_status(500);
    assert_eq!(proxy.chat("m").await.0, 502);
    assert_eq!(proxy.chat("status-403").await.0, 502);
    proxy.state.flush();

    let now = engine::clock::now_ms();
    let dashboard = proxy.state.dashboard(now, 0).await.expect("dashboard");
    assert_eq!(dashboard.cooling.len(), 1);
    let cooling = &dashboard.cooling[0];
    assert_eq!((cooling.entry_id, cooling.channel.as_str()), (flaky, "A"));
    assert!(
        (started + 600_000..=now + 600_000).contains(&cooling.until_ms),
        "cooling for the configured 600 s"
    );
    assert_eq!(dashboard.recently_disabled.len(), 1);
    let disabled = &dashboard.recently_disabled[0];
    assert_eq!(disabled.entry_id, gone);
    assert_eq!(disabled.channel, "B");
    assert_eq!(disabled.model, "status-403");
    assert_eq!(disabled.status, Some(403));
    assert!((started..=now).contains(&disabled.disabled_at_ms));
    assert_eq!((dashboard.today.requests, dashboard.today.failed), (2, 2));

    // A week later the switch-off is no longer recent and the cooldown is over.
    let later = proxy
        .state
        .dashboard(
            now + engine::dashboard::Dashboard::RECENT_DISABLED_MS + 1,
            0,
        )
        .await
        .expect("dashboard");
    assert!(later.recently_disabled.is_empty(), "{later:?}");
    assert!(later.cooling.is_empty(), "{later:?}");

    // The user switching the entry back on takes it off the list; switching it off again
    // by hand does not put it back (only the system's switch-offs are listed).
    proxy
        .state
        .set_entry_enabled(gone, true)
        .await
        .expect("enable");
    proxy
        .state
        .set_entry_enabled(gone, false)
        .await
        .expect("disable");
    let after = proxy.state.dashboard(now, 0).await.expect("dashboard");
    assert!(after.recently_disabled.is_empty(), "{after:?}");
}

#[tokio::test]
async fn a_disabled_access_key_is_refused_and_last_use_is_recorded() {
    let mut settings = common::test_settings();
    settings.require_access_key = true;
    let proxy = Proxy::with_settings(settings).await;
    let a = Upstream::start("A").await;
    proxy.entry(proxy.channel("A", &a.base_url()), "m", "auto");
    let laptop = proxy
        .state
        .generate_access_key("laptop")
        .await
        .expect("key");
    let phone = proxy
        .state
        .generate_access_key(" phone ")
        .await
        .expect("key");
    assert!(laptop.key.starts_with(engine::manage::KEY_PREFIX));
    assert_eq!(laptop.key.len(), engine::manage::KEY_PREFIX.len() + 64);
    assert_ne!(laptop.key, phone.key);
    assert_eq!(phone.name, "phone");
    let chat = |key: String| {
        let proxy = &proxy;
        async move {
            proxy
                .http
                .post(format!("{}/v1/chat/completions", proxy.url))
                .bearer_auth(key)
                .json(&json!({"model": "m", "messages": [{"role": "user", "content": "hi"}]}))
                .send()
                .await
                .expect("send")
                .status()
                .as_u16()
        }
    };
    let before = engine::clock::now_ms();
    assert_eq!(chat(laptop.key.clone()).await, 200);
    proxy.state.flush();
    let keys = proxy.state.access_key_list().await.expect("keys");
    assert_eq!(keys.len(), 2);
    let listed = &keys[0];
    assert_eq!((listed.name.as_str(), listed.enabled), ("laptop", true));
    let used = listed.last_used_ms.expect("last used");
    assert!((before..=engine::clock::now_ms()).contains(&used));
    assert_eq!(keys[1].last_used_ms, None, "the phone's key was not used");
    let listing = serde_json::to_string(&keys).expect("json");
    assert!(!listing.contains(&laptop.key[8..]), "no secret in the list");

    proxy
        .state
        .set_access_key_enabled(laptop.id, false)
        .await
        .expect("disable");
    assert!(!proxy.state.access_key_list().await.expect("keys")[0].enabled);
    assert_eq!(
        chat(laptop.key.clone()).await,
        401,
        "a disabled key is refused"
    );
    assert_eq!(chat(phone.key.clone()).await, 200, "other keys still work");
    proxy
        .state
        .set_access_key_enabled(laptop.id, true)
        .await
        .expect("enable");
    assert_eq!(chat(laptop.key.clone()).await, 200);
    proxy
        .state
        .delete_access_key(laptop.id)
        .await
        .expect("delete");
    assert_eq!(chat(laptop.key.clone()).await, 401);

    let twin = proxy.state.generate_access_key("phone").await;
    assert_eq!(
        engine::ui_error::UiError::from(twin.expect_err("names are unique")),
        engine::ui_error::UiError::AlreadyExists {
            what: "access key".into(),
            field: "name".into()
        }
    );
    let unnamed = proxy.state.generate_access_key("  ").await;
    let error = engine::ui_error::UiError::from(unnamed.expect_err("a name is required"));
    assert_eq!(
        error,
        engine::ui_error::UiError::Required {
            field: "name".into()
        }
    );
    let missing = proxy.state.set_access_key_enabled(999, false).await;
    assert_eq!(
        engine::ui_error::UiError::from(missing.expect_err("no such key")),
        engine::ui_error::UiError::NotFound {
            what: "access key".into(),
            id: 999
        }
    );
}

#[tokio::test]
async fn speed_test_results_are_announced_as_they_arrive() {
    let proxy = Proxy::start().await;
    let a = Upstream::start("A").await;
    let channel = proxy.channel("A", &a.base_url());
    let fast = proxy.entry(channel, "m", "auto");
    let gone = proxy.entry(channel, "status-500", "auto");
    let mut events = proxy.state.events();
    let run = proxy.state.start_speed_test(
        engine::speedtest::Scope::Channel(channel),
        engine::speedtest::SpeedTestOptions::default(),
    );
    let results = run.done.await.expect("the run");
    assert_eq!(results.len(), 2);
    for expected in &results {
        let event = next_event(&mut events, |e| matches!(e, Event::SpeedTest { .. })).await;
        assert_eq!(
            event,
            Event::SpeedTest {
                result: expected.clone()
            }
        );
    }
    let ok: Vec<_> = results.iter().map(|r| (r.entry_id, r.ok)).collect();
    assert_eq!(ok, [(fast, true), (gone, false)]);
    // The end of the run asks screens listing stored results to refetch.
    next_event(&mut events, |e| matches!(e, Event::ConfigChanged { .. })).await;
}
