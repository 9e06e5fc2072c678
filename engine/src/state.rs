//! The shared state of a running API Switch: one value, cloned cheaply into every request
//! handler and every UI server function, so the proxy and the UI always see the same data.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use crate::store::Store;

/// Everything a request or a server function needs, behind one `Arc`.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    started_at: Instant,
}

impl AppState {
    /// Opens (or creates) the database at `db_path` and builds the state around it.
    pub fn open(db_path: PathBuf) -> Result<Self, crate::store::StoreError> {
        let store = Store::open(db_path)?;
        Ok(Self {
            inner: Arc::new(Inner {
                store,
                started_at: Instant::now(),
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
}
