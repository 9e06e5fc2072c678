//! Accepting an access key the moment another process created it. `api-switch connect` writes a
//! new key to the database and the client it configured (Claude Code, Codex) starts at once,
//! while the running server notices outside changes only on its next poll (up to a second
//! later). So when a client presents a key the snapshot does not know, the proxy re-reads the
//! access keys from the store and looks again before answering 401.
//!
//! At most one re-read per [`MIN_INTERVAL`] (250 ms): a client sending a wrong key over and
//! over costs at most four small SQLite reads a second. A request that arrives while a re-read
//! is not due waits for the next one (at most 250 ms) rather than being refused, and a
//! re-read that started after a request arrived serves it too.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::Mutex;

use crate::store::{AccessKey, Store};

/// The shortest time between two re-reads of the access keys.
pub const MIN_INTERVAL: Duration = Duration::from_millis(250);

/// When the access keys were last re-read.
#[derive(Default)]
pub struct KeyRecheck {
    last: Mutex<Option<Instant>>,
}

impl KeyRecheck {
    /// The access keys as `store` has them, re-read for a request that arrived at `arrived`;
    /// `None` when a re-read that started after it arrived already brought the snapshot up to
    /// date (look again without reading), or when the store cannot be read (logged).
    pub async fn reread(&self, store: &Arc<Store>, arrived: Instant) -> Option<Vec<AccessKey>> {
        let mut last = self.last.lock().await;
        if last.is_some_and(|at| at >= arrived) {
            return None;
        }
        if let Some(due) = last.map(|at| at + MIN_INTERVAL) {
            tokio::time::sleep_until(due.into()).await;
        }
        *last = Some(Instant::now());
        let store = Arc::clone(store);
        match tokio::task::spawn_blocking(move || store.access_keys()).await {
            Ok(Ok(keys)) => Some(keys),
            Ok(Err(error)) => {
                tracing::warn!(%error, "cannot re-read the access keys");
                None
            }
            Err(error) => {
                tracing::warn!(%error, "the re-read of the access keys stopped");
                None
            }
        }
    }
}
