//! Recovery probes: a cooling entry is probed in the background instead of waiting out its
//! cooldown. By default a probe is the channel's free `GET /models` (one per channel covers
//! all its entries); with `probe_spend_tokens` it is a one-token request per entry. Half-open:
//! one success ends the cooldown early (and is logged). Probes are rate-limited per channel.
//! An entry the system disabled is probed too, but a probe never enables it (user controls are
//! sacred): it only records "the last probe succeeded" for the UI.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::clock::now_ms;
use crate::events::Event;
use crate::proxy::Runtime;
use crate::proxy::key_pool::KeyPick;
use crate::store::{Channel, ChannelId, Entry, EntryId, Store};
use crate::upstream::{Endpoint, Target, UpstreamAdapter as _};

/// How long one probe may take.
const PROBE_TIMEOUT: Duration = Duration::from_secs(10);

/// What the probes remember: when each channel was last probed (the rate limit) and when each
/// entry's probe last succeeded.
#[derive(Default)]
pub struct Probes {
    channel_probed_ms: Mutex<HashMap<ChannelId, i64>>,
    entry_ok_ms: Mutex<HashMap<EntryId, i64>>,
}

impl Probes {
    /// When a probe of `entry` last succeeded in this process.
    pub fn last_success(&self, entry: EntryId) -> Option<i64> {
        let map = self.entry_ok_ms.lock().unwrap_or_else(|p| p.into_inner());
        map.get(&entry).copied()
    }

    /// Takes the channel's probe slot when its interval has passed.
    fn may_probe(&self, channel: ChannelId, interval_ms: i64, now: i64) -> bool {
        let mut map = self
            .channel_probed_ms
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        match map.get(&channel) {
            Some(last) if now - last < interval_ms => false,
            _ => {
                map.insert(channel, now);
                true
            }
        }
    }
}

/// What one probing pass did, for logs and tests.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProbeReport {
    /// Channels probed (the others were skipped by the rate limit or had nothing to probe).
    pub probed_channels: Vec<ChannelId>,
    /// Entries whose cooldown a successful probe ended.
    pub recovered: Vec<EntryId>,
    /// Entries whose probe succeeded (recovered ones and system-disabled ones).
    pub succeeded: Vec<EntryId>,
}

/// The entries worth probing, by channel: cooling ones and ones the system switched off.
fn targets(runtime: &Runtime, now: i64) -> Vec<(Arc<Channel>, Vec<Entry>)> {
    let snapshot = runtime.snapshot();
    let mut by_channel: Vec<(Arc<Channel>, Vec<Entry>)> = Vec::new();
    for entry in &snapshot.entries {
        let cooling = entry.enabled && runtime.cooldowns().cooling_until(entry.id, now).is_some();
        let system_disabled = !entry.enabled && !entry.disabled_reason.is_empty();
        let Some(channel) = snapshot.channels.get(&entry.channel_id) else {
            continue;
        };
        if !(cooling || system_disabled) || !channel.enabled {
            continue;
        }
        match by_channel.iter_mut().find(|(c, _)| c.id == channel.id) {
            Some((_, entries)) => entries.push(entry.clone()),
            None => by_channel.push((Arc::new(channel.clone()), vec![entry.clone()])),
        }
    }
    by_channel
}

/// The free probe: the channel's model list answers 2xx.
async fn list_models(client: &reqwest::Client, channel: &Channel, key: &str) -> bool {
    let target = Target {
        base_url: &channel.base_url,
        model: "",
        api_version: &channel.api_version,
    };
    let url = channel.api_type.url(target, Endpoint::Models);
    let headers = channel
        .api_type
        .headers(key, &http::HeaderMap::new(), &channel.base_url);
    let sent = client
        .get(url)
        .headers(headers)
        .timeout(PROBE_TIMEOUT)
        .send();
    matches!(sent.await, Ok(response) if response.status().is_success())
}

/// The paid probe: a one-token request to the entry's model answers 2xx with content.
async fn one_token(client: &reqwest::Client, channel: &Channel, key: &str, model: &str) -> bool {
    let mut request = crate::speedtest::request::build(channel, model);
    for field in ["max_tokens", "max_completion_tokens"] {
        if let Some(limit) = request.body.get_mut(field) {
            *limit = 1.into();
        }
    }
    let headers = channel
        .api_type
        .headers(key, &http::HeaderMap::new(), &channel.base_url);
    let sent = client
        .post(&request.url)
        .headers(headers)
        .json(&request.body)
        .timeout(PROBE_TIMEOUT)
        .send()
        .await;
    let Ok(response) = sent else { return false };
    response.status().is_success() && response.bytes().await.is_ok_and(|b| !b.is_empty())
}

/// When recovery probes are on, probes what is due now: each channel with a cooling or
/// system-disabled entry, at most once per `probe_interval_secs`. Successes are stored in
/// `store` and remembered in `probes`.
pub async fn run(runtime: &Runtime, store: &Store, probes: &Probes) -> ProbeReport {
    let snapshot = runtime.snapshot();
    let settings = &snapshot.settings;
    let mut report = ProbeReport::default();
    if !settings.recovery_probes {
        return report;
    }
    let now = now_ms();
    let interval_ms = (settings.probe_interval_secs as i64).saturating_mul(1000);
    for (channel, entries) in targets(runtime, now) {
        if !probes.may_probe(channel.id, interval_ms, now) {
            continue;
        }
        // A key of the pool that may be used now (the rotation's next one), so a probe
        // never spends a cooling or switched-off key; none usable means nothing to probe.
        let key = match runtime.key_pools().pick(&channel, &[], now) {
            KeyPick::Key { key, .. } => key.to_owned(),
            KeyPick::NoneUsable { .. } => continue,
        };
        report.probed_channels.push(channel.id);
        // The channel's own client: its outbound proxy applies to probes too.
        let client = snapshot.client_for(channel.id);
        let channel_ok = !settings.probe_spend_tokens && list_models(client, &channel, &key).await;
        for entry in &entries {
            let ok = channel_ok
                || (settings.probe_spend_tokens
                    && one_token(client, &channel, &key, &entry.model).await);
            if ok {
                probe_succeeded(runtime, probes, &channel, entry, &mut report);
            }
        }
    }
    if !report.succeeded.is_empty() {
        if let Err(error) = store.mark_probe_succeeded(&report.succeeded, now_ms()) {
            tracing::warn!(%error, "cannot store the recovery probes' results");
        }
        let version = runtime.bump();
        runtime.emit(Event::ConfigChanged { version });
    }
    report
}

fn probe_succeeded(
    runtime: &Runtime,
    probes: &Probes,
    channel: &Channel,
    entry: &Entry,
    report: &mut ProbeReport,
) {
    {
        let mut map = probes.entry_ok_ms.lock().unwrap_or_else(|p| p.into_inner());
        map.insert(entry.id, now_ms());
    }
    report.succeeded.push(entry.id);
    // A disabled entry stays disabled: only the user switches things on.
    if entry.enabled && runtime.end_cooldown_early(entry.id) {
        tracing::info!(channel = %channel.name, model = %entry.model, entry = entry.id, "recovery probe succeeded; the cooldown ends early");
        report.recovered.push(entry.id);
    }
}
