//! The proxy's runtime: everything the phases of a request read and change while serving it,
//! and nothing else. The routing snapshot, the in-memory cooldowns, what was learned about
//! channels (quirks, key pools, session pins, measured speeds, the hedge budget), the upstream
//! client, the background writer, and the signals the proxy raises when an entry cools,
//! recovers or is switched off. The runtime reads the store only when told to reload, from the
//! store it is given, and to re-check the access keys when a client presents an unknown one;
//! it writes only through the writer.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::http::{HeaderMap, HeaderValue};

use arc_swap::ArcSwap;
use tokio::sync::{broadcast, watch};

use super::affinity::Affinity;
use super::capture::{Capture, CaptureSwitch};
use super::cooldowns::Cooldowns;
use super::hedge_budget::HedgeBudget;
use super::key_pool::KeyPools;
use super::key_recheck::KeyRecheck;
use super::limits::{KeyMeters, Periods};
use super::quirks::ChannelQuirks;
use super::snapshot::Snapshot;
use super::writer::Writer;
use crate::clock::now_ms;
use crate::events::Event;
use crate::http_client::UpstreamClient;
use crate::metrics::Metrics;
use crate::ordering::Speeds;
use crate::store::{CooldownWrite, EntryId, KeyId, Store, StoreError};

/// Events a slow receiver may fall behind by before it is told to refetch instead.
const EVENT_BUFFER: usize = 1024;

/// What the proxy phases take (as `&Runtime`): one per running server, shared by every request.
pub struct Runtime {
    snapshot: ArcSwap<Snapshot>,
    cooldowns: Cooldowns,
    /// Outlives every snapshot, so a reload keeps the upstream connection pool.
    client: UpstreamClient,
    quirks: ChannelQuirks,
    /// Which key of each pool is next, and the keys cooling or switched off since the reload.
    key_pools: KeyPools,
    /// Where each conversation was served last (session affinity).
    affinity: Affinity,
    /// The store, read only to re-check the access keys when a client presents an unknown one
    /// (`key_recheck`) and for a stored Responses conversation (`conversation`); everything
    /// else is read on `reload`, and writes go through `writer`.
    store: Arc<Store>,
    key_recheck: KeyRecheck,
    /// Time to first content per entry, for the `fastest` order and hedging's p90.
    speeds: Speeds,
    /// Hedges started this minute, per group: the cost bound.
    hedges: HedgeBudget,
    /// Each access key's use in the current minute, day and month, for its limits.
    key_meters: KeyMeters,
    writer: Writer,
    /// What `/metrics` says; fed by `writer` from the log rows.
    metrics: Arc<Metrics>,
    /// The capture setting (`capture`): one flag read per request.
    capture: CaptureSwitch,
    /// Traces are exported (`traces`): the client's `traceparent` is kept with the row.
    tracing: AtomicBool,
    /// Bumped on every change the UI may want to show (configuration, cooldown, auto-disable).
    version: watch::Sender<u64>,
    /// What changed, for the live stream; sending never waits (no receiver is fine).
    events: broadcast::Sender<Event>,
}

impl Runtime {
    /// Loads the first snapshot from `store` and starts the background writer on it.
    pub fn open(store: Arc<Store>) -> Result<Self, StoreError> {
        let client = UpstreamClient::default();
        let snapshot = Snapshot::load(&store, 0, &client)?;
        let cooldowns = Cooldowns::default();
        cooldowns.reset_from(&snapshot.entries);
        let speeds = Speeds::default();
        speeds.seed(&snapshot.entries);
        // The one read of past use: from here on the proxy counts in memory.
        let key_meters = KeyMeters::default();
        let periods = Periods::at(now_ms());
        key_meters.seed(store.key_use_since(periods.starts())?, &periods);
        let (events, _) = broadcast::channel(EVENT_BUFFER);
        let metrics = Arc::new(Metrics::default());
        let capture = CaptureSwitch::default();
        capture.set(store.capture_rule()?);
        Ok(Self {
            capture,
            tracing: AtomicBool::new(false),
            writer: Writer::spawn(Arc::clone(&store), events.clone(), Arc::clone(&metrics)),
            metrics,
            events,
            snapshot: ArcSwap::from_pointee(snapshot),
            cooldowns,
            client,
            quirks: ChannelQuirks::default(),
            key_pools: KeyPools::default(),
            affinity: Affinity::default(),
            store: Arc::clone(&store),
            key_recheck: KeyRecheck::default(),
            speeds,
            hedges: HedgeBudget::default(),
            key_meters,
            version: watch::Sender::new(0),
        })
    }

    /// The configuration routing uses right now.
    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.snapshot.load_full()
    }

    /// Exports each request from now on as trace spans (`traces`); they are built on the
    /// background writer's thread from the log rows.
    pub fn export_traces(&self, traces: crate::traces::TraceExport) {
        self.writer.export_traces(traces);
        self.tracing.store(true, Ordering::Relaxed);
    }

    /// Sends the trace spans still queued and stops exporting (a stop; nothing when traces
    /// are off).
    pub fn stop_traces(&self) {
        self.tracing.store(false, Ordering::Relaxed);
        self.writer.stop_traces();
    }

    /// The client's `traceparent` header while traces are exported (one flag read when not).
    pub(crate) fn trace_parent(&self, headers: &HeaderMap) -> Option<HeaderValue> {
        if !self.tracing.load(Ordering::Relaxed) {
            return None;
        }
        headers.get(crate::traces::TRACE_PARENT).cloned()
    }

    pub(crate) fn cooldowns(&self) -> &Cooldowns {
        &self.cooldowns
    }

    /// What `/metrics` says.
    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    /// Measured time to first content per entry (in memory, per run).
    pub fn speeds(&self) -> &Speeds {
        &self.speeds
    }

    /// Each access key's use against its limits (in memory, seeded at start-up).
    pub fn key_meters(&self) -> &KeyMeters {
        &self.key_meters
    }

    pub(crate) fn hedges(&self) -> &HedgeBudget {
        &self.hedges
    }

    /// What the proxy learned about channels while serving (in memory, per run).
    pub(crate) fn quirks(&self) -> &ChannelQuirks {
        &self.quirks
    }

    pub(crate) fn key_pools(&self) -> &KeyPools {
        &self.key_pools
    }

    /// Re-reads the access keys for a request that arrived at `arrived` with a key the
    /// snapshot does not know (at most once per `key_recheck::MIN_INTERVAL`); the snapshot
    /// then holds them.
    pub async fn recheck_access_keys(&self, arrived: std::time::Instant) {
        if let Some(keys) = self.key_recheck.reread(&self.store, arrived).await {
            self.snapshot
                .rcu(|current| current.with_access_keys(keys.clone()));
        }
    }

    /// Where each conversation was served last.
    pub fn affinity(&self) -> &Affinity {
        &self.affinity
    }

    /// A capture for a request by the access key `app` asking for `model`, when the capture
    /// setting covers it; a counted setting's new count is saved in the background.
    pub fn begin_capture(&self, app: &str, model: &str) -> Option<Capture> {
        let capture = self.capture.begin(&self.snapshot(), app, model, now_ms())?;
        let rule = self.capture.current();
        if rule.remaining.is_some() {
            self.writer.capture_rule(rule);
        }
        Some(capture)
    }

    /// The capture setting from now on (saved by the caller).
    pub fn set_capture(&self, rule: types::capture::CaptureRule) {
        self.capture.set(rule);
    }

    /// The capture setting as it stands (its count lowered by what was captured).
    pub fn capture_rule(&self) -> types::capture::CaptureRule {
        self.capture.current()
    }

    pub(crate) fn writer(&self) -> &Writer {
        &self.writer
    }

    pub(crate) fn store(&self) -> &Arc<Store> {
        &self.store
    }

    /// A receiver that changes whenever the configuration or an entry's state changes.
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.version.subscribe()
    }

    /// Every change from now on, as it happens (see `events::Event`).
    pub fn events(&self) -> broadcast::Receiver<Event> {
        self.events.subscribe()
    }

    /// Tells every event receiver; nobody listening is fine.
    pub(crate) fn emit(&self, event: Event) {
        let _ = self.events.send(event);
    }

    /// The current configuration version (what `ConfigChanged` carries).
    pub fn version(&self) -> u64 {
        *self.version.borrow()
    }

    pub(crate) fn bump(&self) -> u64 {
        let mut next = 0;
        self.version.send_modify(|v| {
            *v += 1;
            next = *v;
        });
        next
    }

    /// Re-reads the configuration from `store` and swaps the snapshot.
    pub fn reload(&self, store: &Store) -> Result<(), StoreError> {
        // Queued auto-disables reach the file first, so re-reading it cannot undo one.
        self.writer.flush();
        let version = self.bump();
        let snapshot = Snapshot::load(store, version, &self.client)?;
        self.snapshot.store(Arc::new(snapshot));
        self.emit(Event::ConfigChanged { version });
        Ok(())
    }

    /// Reload after the database was replaced from outside (an import): entry ids may have been
    /// reused, so in-memory cooldowns are re-read from the file too.
    pub fn reload_replaced(&self, store: &Store) -> Result<(), StoreError> {
        self.writer.flush();
        let version = self.bump();
        let snapshot = Snapshot::load(store, version, &self.client)?;
        self.cooldowns.reset_from(&snapshot.entries);
        // `api-switch capture` may have changed the setting.
        self.capture.set(store.capture_rule()?);
        self.key_pools.reset();
        self.affinity.reset();
        self.snapshot.store(Arc::new(snapshot));
        self.emit(Event::ConfigChanged { version });
        Ok(())
    }

    /// Waits until every queued cooldown and request-log row is on disk.
    pub fn flush(&self) {
        self.writer.flush();
    }

    /// Puts an entry in cooldown for the configured time (memory now, disk soon).
    pub(crate) fn cool(&self, id: EntryId, cooldown_secs: u64) {
        self.cool_until(id, now_ms() + (cooldown_secs as i64) * 1000);
    }

    /// Puts an entry in cooldown until `until_ms` (a `Retry-After`, a channel freeze).
    pub(crate) fn cool_until(&self, id: EntryId, until_ms: i64) {
        self.cooldowns.set(id, until_ms);
        self.writer.change(CooldownWrite::Cooldown {
            entry: id,
            until_ms,
        });
        self.bump();
        self.emit(Event::EntryCooled {
            entry: id,
            until_ms,
        });
    }

    /// Records a success: clears the cooldown and remembers the response time.
    pub(crate) fn record_success(&self, id: EntryId, response_ms: i64) {
        if self.cooldowns.clear(id) {
            self.bump();
            self.emit(Event::EntryRecovered { entry: id });
        }
        self.writer.change(CooldownWrite::Success {
            entry: id,
            response_ms,
        });
    }

    /// Ends an entry's cooldown before its time (a recovery probe succeeded); false when it
    /// was not cooling.
    pub(crate) fn end_cooldown_early(&self, id: EntryId) -> bool {
        if !self.cooldowns.clear(id) {
            return false;
        }
        self.writer.change(CooldownWrite::Cooldown {
            entry: id,
            until_ms: 0,
        });
        self.emit(Event::EntryRecovered { entry: id });
        true
    }

    /// The system's switch-off: effective in the snapshot at once, saved in the background.
    pub(crate) fn auto_disable(&self, id: EntryId, reason: String) {
        self.snapshot
            .rcu(|current| current.with_entry_disabled(id, &reason));
        self.writer.change(CooldownWrite::Disable {
            entry: id,
            reason: reason.clone(),
            at_ms: now_ms(),
        });
        self.bump();
        self.emit(Event::EntryDisabled { entry: id, reason });
    }

    /// A key's cooldown: skipped by the rotation until `until_ms`. Unlike an entry's cooldown
    /// it is kept in memory only, so a restart forgets it. Screens showing the pool hear of it
    /// at once.
    pub(crate) fn cool_key(&self, key: KeyId, until_ms: i64) {
        self.key_pools.cool(key, until_ms);
        self.emit(Event::KeyCooled { key, until_ms });
    }

    /// The system's switch-off of one key: effective at once, saved in the background.
    pub(crate) fn disable_key(&self, key: KeyId, reason: String) {
        self.key_pools.disable(key, &reason);
        self.writer.change(CooldownWrite::DisableKey {
            key,
            reason,
            at_ms: now_ms(),
        });
        let version = self.bump();
        self.emit(Event::ConfigChanged { version });
    }
}
