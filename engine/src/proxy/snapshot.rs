//! The routing snapshot: an immutable copy of everything routing reads (channels, entries,
//! settings, access keys, the HTTP client), swapped atomically on every change so a request in
//! flight always sees one consistent configuration. Cooldowns change per request, so they live
//! beside it in a small map instead of forcing a new snapshot on every failure.

use std::collections::HashMap;
use std::sync::Mutex;

use super::route::RouteIndex;
use crate::store::{AccessKey, Channel, ChannelId, Entry, EntryId, Settings, Store, StoreError};

/// One consistent view of the configuration.
pub struct Snapshot {
    pub version: u64,
    pub settings: Settings,
    pub channels: HashMap<ChannelId, Channel>,
    /// Every entry, in priority order.
    pub entries: Vec<Entry>,
    pub access_keys: Vec<AccessKey>,
    /// The state's long-lived client (see `http_client`), so reloads keep its pool.
    pub client: reqwest::Client,
    /// What candidate selection reads; built from `entries` and `channels`.
    pub route_index: RouteIndex,
}

impl Snapshot {
    pub fn load(
        store: &Store,
        version: u64,
        clients: &crate::http_client::UpstreamClient,
    ) -> Result<Self, StoreError> {
        let config = store.full_config()?;
        let mut channels = HashMap::new();
        let mut entries = Vec::new();
        for (channel, mine) in config.channels {
            entries.extend(mine);
            channels.insert(channel.id, channel);
        }
        entries.sort_by_key(|e| (e.priority, e.id));
        let client = clients.for_settings(&config.settings);
        let route_index = RouteIndex::build(&entries, &channels);
        Ok(Self {
            version,
            settings: config.settings,
            channels,
            entries,
            // A disabled key is as good as unknown to the proxy.
            access_keys: config
                .access_keys
                .into_iter()
                .filter(|k| k.enabled)
                .collect(),
            client,
            route_index,
        })
    }

    /// Entries that may serve requests at all: enabled, on an enabled channel.
    pub fn routable(&self) -> impl Iterator<Item = (&Entry, &Channel)> {
        self.entries.iter().filter(|e| e.enabled).filter_map(|e| {
            let channel = self.channels.get(&e.channel_id)?;
            channel.enabled.then_some((e, channel))
        })
    }

    /// A copy with one entry switched off, so an auto-disable takes effect at once without
    /// waiting for the database write.
    pub fn with_entry_disabled(&self, id: EntryId, reason: &str) -> Self {
        let mut entries = self.entries.clone();
        for entry in entries.iter_mut().filter(|e| e.id == id) {
            entry.enabled = false;
            entry.disabled_reason = reason.to_owned();
        }
        Self {
            version: self.version + 1,
            route_index: RouteIndex::build(&entries, &self.channels),
            settings: self.settings.clone(),
            channels: self.channels.clone(),
            entries,
            access_keys: self.access_keys.clone(),
            client: self.client.clone(),
        }
    }
}

/// Cooldowns in memory: entry id to the Unix millisecond it may be tried again. The hot path
/// reads and writes only this; the background writer persists each change.
#[derive(Default)]
pub struct Cooldowns {
    until: Mutex<HashMap<EntryId, i64>>,
}

impl Cooldowns {
    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<EntryId, i64>> {
        // Only plain inserts happen under the lock; a poisoned map is still a valid map.
        self.until.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Replaces every cooldown with what the database holds (at start and after an import).
    pub fn reset_from(&self, entries: &[Entry]) {
        let mut map = self.map();
        map.clear();
        map.extend(
            entries
                .iter()
                .filter(|e| e.cooldown_until_ms > 0)
                .map(|e| (e.id, e.cooldown_until_ms)),
        );
    }

    pub fn cooling_until(&self, id: EntryId, now_ms: i64) -> Option<i64> {
        self.map().get(&id).copied().filter(|until| *until > now_ms)
    }

    pub fn set(&self, id: EntryId, until_ms: i64) {
        self.map().insert(id, until_ms);
    }

    /// Splits `items` into those ready to try and those cooling at `now_ms` (with the time
    /// each may be tried again), keeping their order, under one lock: selection may hand it
    /// thousands of candidates.
    pub fn partition<T>(
        &self,
        items: Vec<T>,
        id: impl Fn(&T) -> EntryId,
        now_ms: i64,
    ) -> (Vec<T>, Vec<(i64, T)>) {
        let map = self.map();
        let (mut ready, mut cooling) = (Vec::with_capacity(items.len()), Vec::new());
        for item in items {
            match map.get(&id(&item)).filter(|until| **until > now_ms) {
                Some(until) => cooling.push((*until, item)),
                None => ready.push(item),
            }
        }
        (ready, cooling)
    }

    /// Clears the entry's cooldown; true when there was one.
    pub fn clear(&self, id: EntryId) -> bool {
        self.map().remove(&id).is_some()
    }
}
