//! Speed tests the UI starts and may cancel ("Test all"): each runs detached under a run id,
//! its results reach every open page on the live event stream, and cancelling aborts the
//! requests still in flight. Results already stored stay; an aborted entry is left as it was
//! (a cancelled test never changes an entry's state).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{LazyLock, Mutex, PoisonError};

use tokio::task::AbortHandle;

use super::{Scope, SpeedTestOptions};
use crate::AppState;
use crate::events::Event;
use crate::store::EntryId;

/// The runs still going, by id. Process-wide: ids never repeat, so two `AppState`s in one
/// process (tests) cannot cancel each other's runs by accident.
static RUNNING: LazyLock<Mutex<HashMap<u64, AbortHandle>>> = LazyLock::new(Default::default);
static NEXT_RUN: AtomicU64 = AtomicU64::new(1);

/// A detached run: its id (to cancel it) and the entries it will test.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DetachedRun {
    pub run: u64,
    pub entries: Vec<EntryId>,
}

fn running() -> std::sync::MutexGuard<'static, HashMap<u64, AbortHandle>> {
    // A panic while holding the lock leaves the map itself intact.
    RUNNING.lock().unwrap_or_else(PoisonError::into_inner)
}

impl AppState {
    /// Starts a speed test of `scope` that reports only through the live event stream (one
    /// `speed_test` event per entry) and can be stopped with [`AppState::cancel_speed_test`].
    pub fn start_detached_speed_test(
        &self,
        scope: Scope,
        options: SpeedTestOptions,
    ) -> DetachedRun {
        let started = self.start_speed_test(scope, options);
        let run = NEXT_RUN.fetch_add(1, Ordering::Relaxed);
        running().insert(run, started.done.abort_handle());
        let state = self.clone();
        let done = started.done;
        tokio::spawn(async move {
            let finished = done.await;
            running().remove(&run);
            if finished.is_err() {
                // A finished run announces the change itself; a cancelled one cannot.
                let version = state.bump();
                state.emit(Event::ConfigChanged { version });
            }
        });
        DetachedRun {
            run,
            entries: started.entries,
        }
    }

    /// Stops run `run`: requests in flight are dropped, no further entry is tested. `false`
    /// when it had already finished (or never existed).
    pub fn cancel_speed_test(&self, run: u64) -> bool {
        match running().remove(&run) {
            Some(handle) => {
                handle.abort();
                true
            }
            None => false,
        }
    }
}
