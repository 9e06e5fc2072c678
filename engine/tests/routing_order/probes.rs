//! Recovery probes: a cooling entry's channel is probed with its free model list; a success
//! ends the cooldown early, a failure changes nothing, probes are rate-limited per channel,
//! a system-disabled entry gets "last probe succeeded" but stays disabled, and the spending
//! mode sends a one-token request instead.

use std::time::Duration;

use super::common::{Proxy, test_settings};
use super::upstream::Scripted;
use engine::store::Settings;

fn probe_settings() -> Settings {
    Settings {
        probe_interval_secs: 1,
        ..test_settings()
    }
}

fn cooling(proxy: &Proxy, group: &str, entry: i64) -> bool {
    proxy
        .state
        .effective_order(group)
        .entries
        .iter()
        .any(|e| e.entry_id == entry && e.cooling_until_ms.is_some())
}

#[tokio::test]
async fn a_probe_ends_a_cooldown_early_and_never_enables_a_disabled_entry() {
    let proxy = Proxy::with_settings(probe_settings()).await;
    let up = Scripted::start("U").await;
    let channel = proxy.channel("U", &up.base_url());
    let cooled = proxy.entry(channel, "model-a", "auto");
    let disabled = proxy.entry(channel, "model-b", "auto");
    up.force_status(500);
    assert_eq!(proxy.chat("model-a").await.0, 502);
    up.force_status(401);
    proxy.chat("model-b").await;
    assert!(cooling(&proxy, "auto", cooled));
    assert!(!proxy.entry_state(disabled).enabled);

    // The channel still fails: the probe changes nothing.
    up.force_status(503);
    let report = proxy.state.run_recovery_probes().await;
    assert_eq!(report.probed_channels, [channel]);
    assert!(report.succeeded.is_empty());
    assert!(cooling(&proxy, "auto", cooled));
    // The channel is healthy again, but its next probe is not due yet (rate limit).
    up.force_status(0);
    let report = proxy.state.run_recovery_probes().await;
    assert!(report.probed_channels.is_empty());
    assert_eq!(up.model_lists(), 1);

    engine::clock::advance(Duration::from_millis(1100));
    let chats_before = up.chat_count();
    let report = proxy.state.run_recovery_probes().await;
    assert_eq!(report.probed_channels, [channel]);
    assert_eq!(report.recovered, [cooled]);
    assert_eq!(report.succeeded, [cooled, disabled]);
    // The free probe: one model list for the channel, no chat request (no tokens spent).
    assert_eq!(up.model_lists(), 2);
    assert_eq!(up.chat_count(), chats_before);
    assert!(!cooling(&proxy, "auto", cooled));
    let cooled_now = proxy.entry_state(cooled);
    assert_eq!(cooled_now.cooldown_until_ms, 0);
    assert!(cooled_now.last_probe_ok_ms.is_some());
    // User controls are sacred: the disabled entry is not enabled, only marked.
    let disabled_now = proxy.entry_state(disabled);
    assert!(!disabled_now.enabled);
    assert!(disabled_now.last_probe_ok_ms.is_some());
    assert!(!disabled_now.disabled_reason.is_empty());
    assert!(
        proxy
            .state
            .effective_order("auto")
            .entries
            .iter()
            .all(|e| e.entry_id != disabled)
    );
    assert_eq!(proxy.answered_by("model-a").await, "U:model-a");
}

#[tokio::test]
async fn the_spending_probe_sends_one_token_and_probes_can_be_switched_off() {
    let proxy = Proxy::with_settings(Settings {
        probe_spend_tokens: true,
        ..probe_settings()
    })
    .await;
    let up = Scripted::start("U").await;
    let channel = proxy.channel("U", &up.base_url());
    let cooled = proxy.entry(channel, "model-a", "auto");
    up.force_status(500);
    proxy.chat("model-a").await;
    up.force_status(0);
    let report = proxy.state.run_recovery_probes().await;
    assert_eq!(report.recovered, [cooled]);
    assert_eq!(up.model_lists(), 0);
    let probe = up.chat_bodies().pop().expect("a probe request");
    assert_eq!(probe["model"], "model-a");
    assert_eq!(probe["max_tokens"], 1);

    let off = Proxy::with_settings(Settings {
        recovery_probes: false,
        ..probe_settings()
    })
    .await;
    let channel = off.channel("U", &up.base_url());
    let entry = off.entry(channel, "model-a", "auto");
    up.force_status(500);
    off.chat("model-a").await;
    up.force_status(0);
    let report = off.state.run_recovery_probes().await;
    assert!(report.probed_channels.is_empty());
    assert!(cooling(&off, "auto", entry));
}

#[tokio::test]
async fn a_new_switch_off_or_cooldown_forgets_an_earlier_probe_success() {
    use engine::store::CooldownWrite;
    let proxy = Proxy::with_settings(probe_settings()).await;
    let up = Scripted::start("U").await;
    let channel = proxy.channel("U", &up.base_url());
    let off = proxy.entry(channel, "model-a", "auto");
    let cooled = proxy.entry(channel, "model-b", "auto");
    let store = proxy.state.store();
    store
        .mark_probe_succeeded(&[off, cooled], 1_000)
        .expect("mark");
    // "The last probe succeeded" speaks of the current switch-off or cooldown only.
    store
        .disable_entry_with_reason(off, "HTTP 401")
        .expect("disable");
    assert_eq!(proxy.entry_state(off).last_probe_ok_ms, None);
    store
        .write_batch(
            &[CooldownWrite::Cooldown {
                entry: cooled,
                until_ms: 0,
            }],
            &mut [],
        )
        .expect("a cooldown ends");
    assert_eq!(proxy.entry_state(cooled).last_probe_ok_ms, Some(1_000));
    store
        .write_batch(
            &[CooldownWrite::Cooldown {
                entry: cooled,
                until_ms: i64::MAX,
            }],
            &mut [],
        )
        .expect("a new cooldown");
    assert_eq!(proxy.entry_state(cooled).last_probe_ok_ms, None);
}
