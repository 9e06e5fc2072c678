//! The routing snapshot: an immutable copy of everything routing reads (channels, entries,
//! settings, access keys, the HTTP client), swapped atomically on every change so a request in
//! flight always sees one consistent configuration. Cooldowns change per request, so they live
//! beside it (`cooldowns`) instead of forcing a new snapshot on every failure.

use std::collections::HashMap;
use std::sync::Arc;

pub use super::cooldowns::Cooldowns;
use super::route::RouteIndex;
use crate::catalog::{Catalog, MatchKind};
use crate::secrets::SecretMask;
use crate::store::{AccessKey, Channel, ChannelId, Entry, EntryId, Settings, Store, StoreError};
use types::pricing::Price;

/// One consistent view of the configuration.
pub struct Snapshot {
    pub version: u64,
    pub settings: Settings,
    pub channels: HashMap<ChannelId, Channel>,
    /// Every entry, in priority order.
    pub entries: Vec<Entry>,
    pub access_keys: Vec<AccessKey>,
    /// Groups with routing options (order mode, hedging).
    pub groups: Vec<types::routing::GroupRouting>,
    /// The state's long-lived client (see `http_client`), so reloads keep its pool.
    pub client: reqwest::Client,
    /// The client of each channel with an outbound proxy (long-lived as well).
    pub proxied: HashMap<ChannelId, reqwest::Client>,
    /// What candidate selection reads; built from `entries` and `channels`.
    pub route_index: RouteIndex,
    /// Each channel's secrets, ready to be found in whatever its upstream sends (`masked`).
    pub masks: HashMap<ChannelId, Arc<SecretMask>>,
    /// Each entry's price on its channel (multiplier and overrides applied), looked up in the
    /// catalog once here so recording a request costs a map lookup; no entry: no price.
    pub prices: Arc<HashMap<EntryId, Price>>,
}

impl Snapshot {
    pub fn load(
        store: &Store,
        version: u64,
        clients: &crate::http_client::UpstreamClient,
    ) -> Result<Self, StoreError> {
        // The catalog first: what is derived from it below (prices) reads the one stored now.
        crate::catalog::sync_from_store(store);
        let config = store.full_config()?;
        let mut channels = HashMap::new();
        let mut entries = Vec::new();
        for (channel, mine) in config.channels {
            entries.extend(mine);
            channels.insert(channel.id, channel);
        }
        entries.sort_by_key(|e| (e.priority, e.id));
        let client = clients.for_settings(&config.settings);
        let proxies: Vec<_> = channels.values().filter_map(|c| c.proxy.as_ref()).collect();
        let proxied = channels
            .values()
            .filter_map(|c| {
                let proxy = c.proxy.as_ref()?;
                Some((c.id, clients.for_proxy(&config.settings, proxy, &proxies)))
            })
            .collect();
        let route_index = RouteIndex::build(&entries, &channels, &config.groups);
        let masks = channels
            .values()
            .map(|c| (c.id, Arc::new(SecretMask::for_channel(c))))
            .collect();
        let prices = Arc::new(entry_prices(&entries, &channels));
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
            groups: config.groups,
            client,
            proxied,
            route_index,
            masks,
            prices,
        })
    }

    /// What `entry` charges, when it has a price.
    pub fn price_of(&self, entry: EntryId) -> Option<&Price> {
        self.prices.get(&entry)
    }

    /// The client requests to `channel` go through: its proxy's, or the direct one.
    pub fn client_for(&self, channel: ChannelId) -> &reqwest::Client {
        self.proxied.get(&channel).unwrap_or(&self.client)
    }

    /// The secrets of `channel`, to be masked in whatever its upstream sends.
    pub fn mask_for(&self, channel: ChannelId) -> Arc<SecretMask> {
        self.masks.get(&channel).cloned().unwrap_or_default()
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
        let mut next = self.next_version();
        for entry in next.entries.iter_mut().filter(|e| e.id == id) {
            entry.enabled = false;
            entry.disabled_reason = reason.to_owned();
        }
        next.route_index = RouteIndex::build(&next.entries, &next.channels, &next.groups);
        next
    }

    /// A copy with the access keys as the store has them now (`keys`, enabled or not), so a
    /// key created by another process is accepted without a full reload.
    pub fn with_access_keys(&self, keys: Vec<AccessKey>) -> Self {
        let mut next = self.next_version();
        next.access_keys = keys.into_iter().filter(|k| k.enabled).collect();
        next
    }

    /// A copy of everything, one version on.
    fn next_version(&self) -> Self {
        Self {
            version: self.version + 1,
            route_index: self.route_index.clone(),
            groups: self.groups.clone(),
            settings: self.settings.clone(),
            channels: self.channels.clone(),
            entries: self.entries.clone(),
            access_keys: self.access_keys.clone(),
            client: self.client.clone(),
            proxied: self.proxied.clone(),
            masks: self.masks.clone(),
            prices: Arc::clone(&self.prices),
        }
    }
}

/// Each entry's price: its channel's override, else the catalog's price of its model (matched
/// by name or by a normalised name, never by a fuzzy guess: a wrong price is worse than none)
/// times the channel's multiplier.
fn entry_prices(
    entries: &[Entry],
    channels: &HashMap<ChannelId, Channel>,
) -> HashMap<EntryId, Price> {
    let catalog = Catalog::current();
    entries
        .iter()
        .filter_map(|entry| {
            let channel = channels.get(&entry.channel_id)?;
            let listed = catalog
                .lookup(&entry.model)
                .filter(|found| found.kind != MatchKind::Fuzzy)
                .and_then(|found| found.model.price.as_ref());
            let price = channel.pricing.price_of(&entry.model, listed)?;
            Some((entry.id, price))
        })
        .collect()
}
