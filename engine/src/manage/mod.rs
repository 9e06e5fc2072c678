//! The management front desk: every change the user makes to the configuration, and every
//! read a screen or the CLI makes of it, as one async method on `AppState`, one file per area:
//! `channels`, `entries`, `keys` (a channel's key pool and outbound proxy), `groups` (order
//! mode, hedging, the effective order), `settings` (settings and error rules), `access` (access
//! keys and the admin password), `balance` (a channel's balance settings), `catalog` (the model catalog's update) and `connect`.
//!
//! The store is synchronous SQLite, so each method runs its store work on Tokio's blocking
//! pool itself, once per call (`AppState::blocking`): callers only `.await`, and the proxy's
//! async workers never wait on the database. A change is one store transaction (all of it lands
//! or none of it) followed by a snapshot reload, so the running proxy routes by it at once and
//! `AppState::events` tells the UI to refresh. Nothing here ever enables what the user did not.

mod access;
mod balance;
mod capture;
mod catalog;
mod channels;
mod connect;
mod entries;
mod groups;
mod keys;
mod settings;

pub use access::KEY_PREFIX;
pub(crate) use access::NAME_TAKEN;
pub use catalog::CatalogUpdateError;
pub use types::access_keys::{AccessKeyInfo, CreatedAccessKey, KeyLimits, KeyUse};
pub use types::routing::KeyView;

use crate::AppState;
use crate::store::{Store, StoreError};

/// A change the front desk refused or could not make; settings list every problem.
#[derive(Debug, thiserror::Error)]
pub enum ManageError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("invalid settings: {}", problems.iter().map(|(f, p)| format!("{f}: {p}")).collect::<Vec<_>>().join("; "))]
    Settings {
        problems: Vec<(&'static str, String)>,
    },
}

impl AppState {
    /// Runs `work` (synchronous store or file work) on Tokio's blocking pool and returns its
    /// answer: the one way the front desk leaves the async workers. A panic in `work` goes on
    /// in the caller, as it would have had the work run there.
    pub(crate) async fn blocking<T, E>(
        &self,
        work: impl FnOnce(&AppState) -> Result<T, E> + Send + 'static,
    ) -> Result<T, E>
    where
        T: Send + 'static,
        E: Send + 'static,
    {
        let state = self.clone();
        match tokio::task::spawn_blocking(move || work(&state)).await {
            Ok(answer) => answer,
            Err(stopped) => match stopped.try_into_panic() {
                Ok(panic) => std::panic::resume_unwind(panic),
                // Cancelled: only when the runtime shuts down, which drops this future too.
                Err(_) => std::future::pending().await,
            },
        }
    }

    /// A change: `work` in the store (one transaction), then the snapshot reload.
    pub(crate) async fn change<T>(
        &self,
        work: impl FnOnce(&Store) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError>
    where
        T: Send + 'static,
    {
        self.blocking(move |state| {
            let value = work(state.store())?;
            state.reload()?;
            Ok(value)
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use crate::AppState;

    /// Issue 20: the front desk's work runs on the blocking pool, so a slow store call does
    /// not stop the async worker it was awaited on (here the only one) from serving others.
    #[tokio::test(flavor = "current_thread")]
    async fn r20_slow_store_work_leaves_the_async_worker_free() {
        let dir = tempfile::tempdir().expect("temp dir");
        let state = AppState::open(dir.path().join("api-switch.db")).expect("open");
        let ticks = Arc::new(AtomicUsize::new(0));
        let ticker = {
            let ticks = ticks.clone();
            tokio::spawn(async move {
                loop {
                    ticks.fetch_add(1, Ordering::Relaxed);
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
            })
        };
        let during = state
            .blocking({
                let ticks = ticks.clone();
                move |state| {
                    let before = ticks.load(Ordering::Relaxed);
                    std::thread::sleep(Duration::from_millis(200));
                    let channels = state.store().channel_count()?;
                    Ok::<_, crate::store::StoreError>((
                        ticks.load(Ordering::Relaxed) - before,
                        channels,
                    ))
                }
            })
            .await
            .expect("store work");
        ticker.abort();
        assert_eq!(during.1, 0);
        assert!(
            during.0 >= 5,
            "the async worker stood still while the store worked ({} ticks)",
            during.0
        );
    }
}
