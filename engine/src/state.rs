//! The shared state of a running API Switch: one value, cloned cheaply into every request
//! handler and every UI server function, so the proxy and the UI always see the same data.
//! It owns the store, the proxy's `Runtime` (snapshot, cooldowns, writer, the signals the UI
//! listens to), the recovery probes' memory and the closing signal. The methods here that
//! only hand on to the runtime are for callers outside the proxy.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::FromRef;
use tokio::sync::{broadcast, watch};

use crate::events::Event;
use crate::ordering::Speeds;
use crate::probes::{self, ProbeReport, Probes};
use crate::proxy::Runtime;
use crate::proxy::cooldowns::Cooldowns;
use crate::proxy::key_pool::KeyPools;
use crate::proxy::snapshot::Snapshot;
use crate::store::{EntryId, KeyId, Store, StoreError};

/// Everything a request or a server function needs, behind one `Arc`.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    store: Arc<Store>,
    started_at: Instant,
    runtime: Arc<Runtime>,
    /// Recovery probes' rate limit and results.
    probes: Probes,
    /// Set when the server stops: open event streams end so shutdown need not wait for them.
    closing: watch::Sender<bool>,
}

/// The state, not kept alive by its holder (see `AppState::downgrade`).
pub(crate) struct WeakState(std::sync::Weak<Inner>);

/// The proxy's routes take the runtime out of the state they are given.
impl FromRef<AppState> for Arc<Runtime> {
    fn from_ref(state: &AppState) -> Self {
        Arc::clone(&state.inner.runtime)
    }
}

impl AppState {
    /// Opens (or creates) the database at `db_path` and builds the state around it.
    pub fn open(db_path: PathBuf) -> Result<Self, StoreError> {
        let store = Arc::new(Store::open(db_path)?);
        let runtime = Arc::new(Runtime::open(Arc::clone(&store))?);
        Ok(Self {
            inner: Arc::new(Inner {
                store,
                started_at: Instant::now(),
                runtime,
                probes: Probes::default(),
                closing: watch::Sender::new(false),
            }),
        })
    }

    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    /// What the proxy phases take: the snapshot, cooldowns, key pools, writer and signals.
    pub fn runtime(&self) -> &Arc<Runtime> {
        &self.inner.runtime
    }

    /// Seconds since this state was created, i.e. since the server started.
    pub fn uptime_secs(&self) -> u64 {
        self.inner.started_at.elapsed().as_secs()
    }

    /// The configuration routing uses right now.
    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.inner.runtime.snapshot()
    }

    pub(crate) fn cooldowns(&self) -> &Cooldowns {
        self.inner.runtime.cooldowns()
    }

    /// Measured time to first content per entry (in memory, per run).
    pub fn speeds(&self) -> &Speeds {
        self.inner.runtime.speeds()
    }

    /// The recovery probes' memory (rate limit, last successes).
    pub fn probes(&self) -> &Probes {
        &self.inner.probes
    }

    pub(crate) fn key_pools(&self) -> &KeyPools {
        self.inner.runtime.key_pools()
    }

    /// A receiver that changes whenever the configuration or an entry's state changes; the UI
    /// watches it to refresh.
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.inner.runtime.subscribe()
    }

    /// Every change from now on, as it happens (see `events::Event`). A receiver that lags
    /// more than the buffer gets `RecvError::Lagged`; it should refetch everything.
    pub fn events(&self) -> broadcast::Receiver<Event> {
        self.inner.runtime.events()
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
        self.inner.runtime.emit(event);
    }

    /// The current configuration version (what `ConfigChanged` carries).
    pub fn version(&self) -> u64 {
        self.inner.runtime.version()
    }

    pub(crate) fn bump(&self) -> u64 {
        self.inner.runtime.bump()
    }

    /// Re-reads the configuration from the database and swaps the snapshot. Every mutation in
    /// `manage` ends with this, so the running proxy sees it at once.
    pub fn reload(&self) -> Result<(), StoreError> {
        self.inner.runtime.reload(&self.inner.store)
    }

    /// Reload after the database was replaced from outside (an import): entry ids may have been
    /// reused, so in-memory cooldowns are re-read from the file too.
    pub fn reload_replaced(&self) -> Result<(), StoreError> {
        self.inner.runtime.reload_replaced(&self.inner.store)
    }

    /// Waits until every queued cooldown and request-log row is on disk.
    pub fn flush(&self) {
        self.inner.runtime.flush();
    }

    /// The system's switch-off of an entry (a speed test found its model gone).
    pub(crate) fn auto_disable(&self, id: EntryId, reason: String) {
        self.inner.runtime.auto_disable(id, reason);
    }

    /// The system's switch-off of one key (a speed test found it rejected).
    pub(crate) fn disable_key(&self, key: KeyId, reason: String) {
        self.inner.runtime.disable_key(key, reason);
    }

    /// A handle for a background task that must not keep the state alive.
    pub(crate) fn downgrade(&self) -> WeakState {
        WeakState(Arc::downgrade(&self.inner))
    }

    /// The state behind `weak`, while it is alive.
    pub(crate) fn upgrade(weak: &WeakState) -> Option<AppState> {
        weak.0.upgrade().map(|inner| AppState { inner })
    }

    /// When recovery probes are on, probes what is due now (see `probes`).
    pub async fn run_recovery_probes(&self) -> ProbeReport {
        probes::run(self.runtime(), self.store(), self.probes()).await
    }

    /// Runs `run_recovery_probes` every `every` until the state is dropped.
    pub fn spawn_recovery_probes(&self, every: Duration) -> tokio::task::JoinHandle<()> {
        let weak = Arc::downgrade(&self.inner);
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(every).await;
                let Some(inner) = weak.upgrade() else { return };
                let report = AppState { inner }.run_recovery_probes().await;
                if !report.probed_channels.is_empty() {
                    tracing::debug!(?report, "recovery probes");
                }
            }
        })
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
