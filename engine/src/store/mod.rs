//! The store keeps API Switch's configuration in one SQLite file (WAL mode) beside the
//! executable. Every write goes through here; schema changes are versioned migrations in
//! `migrations.rs`, applied when the file is opened.

mod auth;
pub mod channel_models;
mod channels;
mod entries;
mod migrations;
mod records;
mod request_log;
mod settings;
mod speed_tests;
mod stats;

pub use channels::base_url_problem;
pub use channels::{Channel, ChannelId, ChannelUpdate, NewChannel};
pub use entries::AUTO_GROUP;
pub use entries::{Entry, EntryId, GroupSummary, NewEntry};
pub use records::{ConfigToWrite, CooldownWrite, FullConfig, RequestLogRow};
pub use settings::{AccessKey, COOLDOWN_RANGE, Settings};
pub use speed_tests::SpeedTestRecord;
pub use stats::bucket_start;

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use rusqlite::Connection;

/// Why the store could not do what was asked; the message says what to check.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "cannot open the database {path}: {source}; check that its folder exists and is writable"
    )]
    Open {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    #[error("cannot upgrade the database schema: {0}")]
    Migrate(#[from] rusqlite_migration::Error),
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("no {what} with id {id}; reload the list, it may have been deleted")]
    NotFound { what: &'static str, id: i64 },
    #[error("{field}: {problem}")]
    Invalid {
        field: &'static str,
        problem: String,
    },
    #[error("stored settings are unreadable: {source}; save the settings again to repair them")]
    Settings {
        #[source]
        source: serde_json::Error,
    },
    #[error("channel {channel_id} has an unknown api_type: {source}")]
    Kind {
        channel_id: i64,
        #[source]
        source: crate::upstream::UnknownKind,
    },
}

/// A handle on the SQLite file. Cheap operations take the connection lock briefly; the proxy's
/// hot path never waits on it (it reads snapshots, see `proxy`).
pub struct Store {
    path: PathBuf,
    conn: Mutex<Connection>,
}

impl Store {
    /// Opens the database at `path`, creating it (and applying every migration) when missing.
    pub fn open(path: PathBuf) -> Result<Self, StoreError> {
        let open_err = |source| StoreError::Open {
            path: path.clone(),
            source,
        };
        let mut conn = Connection::open(&path).map_err(open_err)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(open_err)?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(open_err)?;
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(open_err)?;
        migrations::apply(&mut conn)?;
        Ok(Self {
            path,
            conn: Mutex::new(conn),
        })
    }

    /// The database file's path, as shown in the UI.
    pub fn path(&self) -> &Path {
        &self.path
    }

    pub(crate) fn conn(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock leaves SQLite itself consistent (every write is a
        // transaction), so the poisoned guard is safe to keep using.
        self.conn
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// How many channels are configured.
    pub fn channel_count(&self) -> Result<u64, StoreError> {
        let n: i64 = self
            .conn()
            .query_row("SELECT COUNT(*) FROM channels", [], |row| row.get(0))?;
        Ok(n.max(0) as u64)
    }

    /// SQLite's counter of commits made by *other* connections; it changes when another process
    /// (an `api-switch import`) writes the file.
    pub fn data_version(&self) -> Result<i64, StoreError> {
        Ok(self
            .conn()
            .query_row("PRAGMA data_version", [], |row| row.get(0))?)
    }

    /// The journal mode SQLite reports, `wal` once the file is open.
    pub fn journal_mode(&self) -> Result<String, StoreError> {
        Ok(self
            .conn()
            .query_row("PRAGMA journal_mode", [], |row| row.get(0))?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_file_is_created_in_wal_mode_with_the_schema() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("api-switch.db");
        let store = Store::open(path.clone()).expect("open");
        assert!(path.exists());
        assert_eq!(store.journal_mode().expect("mode"), "wal");
        assert_eq!(store.channel_count().expect("count"), 0);
        drop(store);
        // Opening again applies no migration twice.
        let again = Store::open(path).expect("reopen");
        assert_eq!(again.channel_count().expect("count"), 0);
    }
}
