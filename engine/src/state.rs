//! The shared state of a running API Switch: one value, cloned cheaply into every request
//! handler and every UI server function, so the proxy and the UI always see the same data.
//! It owns the store, the routing snapshot, the in-memory cooldowns, the background writer and
//! the live event channel the UI listens to (`events`).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use arc_swap::ArcSwap;
use tokio::sync::{broadcast, watch};

use crate::events::Event;
use crate::http_client::UpstreamClient;
use crate::ordering::Speeds;
use crate::probes::Probes;
use crate::proxy::cooldowns::{ChannelQuirks, Cooldowns};
use crate::proxy::hedge::HedgeBudget;
use crate::proxy::key_pool::KeyPools;
use crate::proxy::snapshot::Snapshot;
use crate::proxy::writer::Writer;
use crate::store::{CooldownWrite, EntryId, Store, StoreError};

/// Everything a request or a server function needs, behind one `Arc`.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

pub(crate) struct Inner {
    store: Arc<Store>,
    started_at: Instant,
    snapshot: ArcSwap<Snapshot>,
    cooldowns: Cooldowns,
    /// Outlives every snapshot, so a reload keeps the upstream connection pool.
    client: UpstreamClient,
    quirks: ChannelQuirks,
    /// Which key of each pool is next, and the keys cooling or switched off since the reload.
    key_pools: KeyPools,
    /// Time to first content per entry, for the `fastest` order and hedging's p90.
    speeds: Speeds,
    /// Hedges started this minute, per group: the cost bound.
    hedges: HedgeBudget,
    /// Recovery probes' rate limit and results.
    probes: Probes,
    writer: Writer,
    /// Bumped on every change the UI may want to show (configuration, cooldown, auto-disable).
    version: watch::Sender<u64>,
    /// What changed, for the live stream; sending never waits (no receiver is fine).
    events: broadcast::Sender<Event>,
    /// Set when the server stops: open event streams end so shutdown need not wait for them.
    closing: watch::Sender<bool>,
}

/// Events a slow receiver may fall behind by before it is told to refetch instead.
const EVENT_BUFFER: usize = 1024;

impl AppState {
    /// Opens (or creates) the database at `db_path` and builds the state around it.
    pub fn open(db_path: PathBuf) -> Result<Self, StoreError> {
        let store = Arc::new(Store::open(db_path)?);
        let client = UpstreamClient::default();
        let snapshot = Snapshot::load(&store, 0, &client)?;
        let cooldowns = Cooldowns::default();
        cooldowns.reset_from(&snapshot.entries);
        let speeds = Speeds::default();
        speeds.seed(&snapshot.entries);
        let (events, _) = broadcast::channel(EVENT_BUFFER);
        Ok(Self {
            inner: Arc::new(Inner {
                writer: Writer::spawn(store.clone(), events.clone()),
                events,
                closing: watch::Sender::new(false),
                store,
                started_at: Instant::now(),
                snapshot: ArcSwap::from_pointee(snapshot),
                cooldowns,
                client,
                quirks: ChannelQuirks::default(),
                key_pools: KeyPools::default(),
                speeds,
                hedges: HedgeBudget::default(),
                probes: Probes::default(),
                version: watch::Sender::new(0),
            }),
        })
    }

    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    /// Seconds since this state was created, i.e. since the server started.
    pub fn uptime_secs(&self) -> u64 {
        self.inner.started_at.elapsed().as_secs()
    }

    /// The configuration routing uses right now.
    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.inner.snapshot.load_full()
    }

    pub(crate) fn cooldowns(&self) -> &Cooldowns {
        &self.inner.cooldowns
    }

    /// Measured time to first content per entry (in memory, per run).
    pub fn speeds(&self) -> &Speeds {
        &self.inner.speeds
    }

    pub(crate) fn hedges(&self) -> &HedgeBudget {
        &self.inner.hedges
    }

    /// The recovery probes' memory (rate limit, last successes).
    pub fn probes(&self) -> &Probes {
        &self.inner.probes
    }

    /// A handle that does not keep the state alive (for background loops).
    pub(crate) fn downgrade(&self) -> std::sync::Weak<Inner> {
        Arc::downgrade(&self.inner)
    }

    pub(crate) fn upgrade(weak: &std::sync::Weak<Inner>) -> Option<Self> {
        weak.upgrade().map(|inner| Self { inner })
    }

    /// What the proxy learned about channels while serving (in memory, per run).
    pub(crate) fn quirks(&self) -> &ChannelQuirks {
        &self.inner.quirks
    }

    pub(crate) fn key_pools(&self) -> &KeyPools {
        &self.inner.key_pools
    }

    /// A receiver that changes whenever the configuration or an entry's state changes; the UI
    /// watches it to refresh.
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.inner.version.subscribe()
    }

    /// Every change from now on, as it happens (see `events::Event`). A receiver that lags
    /// more than the buffer gets `RecvError::Lagged`; it should refetch everything.
    pub fn events(&self) -> broadcast::Receiver<Event> {
        self.inner.events.subscribe()
    }

    /// Ends every live event stream (`closing()` turns true): call it when the server starts
    /// shutting down, since a stream never ends by itself and would hold the shutdown until
    /// its grace period runs out.
    pub fn close_event_streams(&self) {
        self.inner.closing.send_replace(true);
    }

    /// Turns true when event streams should end (see `close_event_streams`).
    pub fn closing(&self) -> watch::Receiver<bool> {
        self.inner.closing.subscribe()
    }

    /// Tells every event receiver; nobody listening is fine.
    pub(crate) fn emit(&self, event: Event) {
        let _ = self.inner.events.send(event);
    }

    /// The current configuration version (what `ConfigChanged` carries).
    pub fn version(&self) -> u64 {
        *self.inner.version.borrow()
    }

    pub(crate) fn bump(&self) -> u64 {
        let mut next = 0;
        self.inner.version.send_modify(|v| {
            *v += 1;
            next = *v;
        });
        next
    }

    /// Re-reads the configuration from the database and swaps the snapshot. Every mutation in
    /// `manage` ends with this, so the running proxy sees it at once.
    pub fn reload(&self) -> Result<(), StoreError> {
        // Queued auto-disables reach the file first, so re-reading it cannot undo one.
        self.inner.writer.flush();
        let version = self.bump();
        let snapshot = Snapshot::load(&self.inner.store, version, &self.inner.client)?;
        self.inner.snapshot.store(Arc::new(snapshot));
        self.emit(Event::ConfigChanged { version });
        Ok(())
    }

    /// Reload after the database was replaced from outside (an import): entry ids may have been
    /// reused, so in-memory cooldowns are re-read from the file too.
    pub fn reload_replaced(&self) -> Result<(), StoreError> {
        self.inner.writer.flush();
        let version = self.bump();
        let snapshot = Snapshot::load(&self.inner.store, version, &self.inner.client)?;
        self.inner.cooldowns.reset_from(&snapshot.entries);
        self.inner.key_pools.reset();
        self.inner.snapshot.store(Arc::new(snapshot));
        self.emit(Event::ConfigChanged { version });
        Ok(())
    }

    /// Waits until every queued cooldown and request-log row is on disk.
    pub fn flush(&self) {
        self.inner.writer.flush();
    }

    pub(crate) fn writer(&self) -> &Writer {
        &self.inner.writer
    }

    /// Puts an entry in cooldown for the configured time (memory now, disk soon).
    pub(crate) fn cool(&self, id: EntryId, cooldown_secs: u64) {
        self.cool_until(id, crate::clock::now_ms() + (cooldown_secs as i64) * 1000);
    }

    /// Puts an entry in cooldown until `until_ms` (a `Retry-After`, a channel freeze).
    pub(crate) fn cool_until(&self, id: EntryId, until_ms: i64) {
        self.inner.cooldowns.set(id, until_ms);
        self.inner.writer.change(CooldownWrite::Cooldown {
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
        if self.inner.cooldowns.clear(id) {
            self.bump();
            self.emit(Event::EntryRecovered { entry: id });
        }
        self.inner.writer.change(CooldownWrite::Success {
            entry: id,
            response_ms,
        });
    }

    /// The system's switch-off: effective in the snapshot at once, saved in the background.
    pub(crate) fn auto_disable(&self, id: EntryId, reason: String) {
        self.inner
            .snapshot
            .rcu(|current| current.with_entry_disabled(id, &reason));
        self.inner.writer.change(CooldownWrite::Disable {
            entry: id,
            reason: reason.clone(),
            at_ms: crate::clock::now_ms(),
        });
        self.bump();
        self.emit(Event::EntryDisabled { entry: id, reason });
    }

    /// Watches the database file for commits by other processes (`api-switch import` while the
    /// server runs) and reloads when one happens. Runs until the state is dropped.
    pub fn spawn_external_change_watcher(&self, every: Duration) -> tokio::task::JoinHandle<()> {
        let weak = Arc::downgrade(&self.inner);
        // The baseline is taken now, so a change made before the first tick is still seen.
        let mut last = self.store().data_version().ok();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(every).await;
                let Some(inner) = weak.upgrade() else { return };
                let state = AppState { inner };
                match state.store().data_version() {
                    Ok(version) if last.is_some_and(|l| l != version) => {
                        last = Some(version);
                        if let Err(error) = state.reload_replaced() {
                            tracing::error!(%error, "cannot reload the configuration after an outside change");
                        } else {
                            tracing::info!("configuration changed on disk; reloaded");
                        }
                    }
                    Ok(version) => last = Some(version),
                    Err(error) => {
                        tracing::warn!(%error, "cannot check the database for outside changes")
                    }
                }
            }
        })
    }
}
