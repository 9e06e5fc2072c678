//! The store keeps API Switch's configuration in one SQLite file (WAL mode) beside the
//! executable. Every write goes through here, and every change the user makes is one
//! transaction (`Store::write`), so a failure never leaves half a change. Schema changes are
//! versioned migrations in `migrations.rs`, applied when the file is opened; a file that fails
//! SQLite's integrity check is moved aside (never deleted) and a new one is started.

mod auth;
mod balance;
mod channel_keys;
pub mod channel_models;
mod channels;
mod connect_created;
mod entries;
pub mod exchanges;
pub mod files;
mod group_routing;
mod key_use;
mod migrations;
mod records;
mod request_log;
mod settings;
mod speed_tests;
mod spend;
mod stats;
mod stored_responses;
mod whole_config;

pub use balance::{StoredBalance, TokenChange};
pub use channel_keys::{ChannelKey, KeyId, OutboundProxy};
pub use channels::base_url_problem;
pub use channels::{Channel, ChannelId, ChannelUpdate, NewChannel};
pub use entries::AUTO_GROUP;
pub use entries::{Entry, EntryId, GroupRow, NewEntry, TopOf};
pub use group_routing::hedging_problem;
pub use key_use::PeriodStarts;
pub use records::CooldownWrite;
pub use settings::{AccessKey, ErrorRule, RuleAction, Settings, UiLanguage};
pub use spend::SpendBy;
pub use stats::bucket_start;
pub use stored_responses::StoredResponse;
pub use whole_config::{ChannelExtras, ConfigToWrite, FullConfig, ImportMode, Sections};

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use rusqlite::{Connection, ErrorCode, Transaction, TransactionBehavior};

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
    #[error("cannot prepare the database file {path}: {source}; check that its folder is writable")]
    Files {
        path: PathBuf,
        #[source]
        source: std::io::Error,
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
    #[error("a captured exchange or the capture setting is unreadable: {source}")]
    Exchange {
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
    moved_aside: Option<MovedAside>,
}

/// A damaged database found at open and moved out of the way.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MovedAside {
    /// Where the damaged file is now (its `-wal` and `-shm`, if any, beside it).
    pub to: PathBuf,
    /// What SQLite said was wrong.
    pub problem: String,
}

/// Why a file could not be opened as a healthy database.
enum OpenFailure {
    /// Not a database, or one that fails `PRAGMA integrity_check`: moved aside.
    Damaged(String),
    /// Anything else (no permission, locked, a full disk): reported, the file left alone.
    Failed(rusqlite::Error),
}

impl From<rusqlite::Error> for OpenFailure {
    fn from(error: rusqlite::Error) -> Self {
        match &error {
            rusqlite::Error::SqliteFailure(e, _)
                if matches!(e.code, ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase) =>
            {
                Self::Damaged(error.to_string())
            }
            _ => Self::Failed(error),
        }
    }
}

/// Opens `path` in WAL mode and checks its integrity.
fn open_checked(path: &Path) -> Result<Connection, OpenFailure> {
    let conn = Connection::open(path)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    let problems: Vec<String> = conn
        .prepare("PRAGMA integrity_check")?
        .query_map([], |row| row.get::<_, String>(0))?
        .collect::<Result<_, _>>()?;
    if problems.iter().all(|p| p == "ok") {
        Ok(conn)
    } else {
        Err(OpenFailure::Damaged(
            problems.into_iter().take(3).collect::<Vec<_>>().join("; "),
        ))
    }
}

impl Store {
    /// Opens the database at `path`, creating it (and applying every migration) when missing.
    /// The file and its `-wal`/`-shm` are private to the user (unix: 0600). A file that is not
    /// a database or fails the integrity check is moved aside (see `moved_aside`) and a new,
    /// empty database takes its place.
    pub fn open(path: PathBuf) -> Result<Self, StoreError> {
        let files_err = |source| StoreError::Files {
            path: path.clone(),
            source,
        };
        let open_err = |source| StoreError::Open {
            path: path.clone(),
            source,
        };
        files::prepare_database(&path).map_err(files_err)?;
        let (mut conn, moved_aside) = match open_checked(&path) {
            Ok(conn) => (conn, None),
            Err(OpenFailure::Failed(source)) => return Err(open_err(source)),
            Err(OpenFailure::Damaged(problem)) => {
                let to = files::move_aside(&path).map_err(files_err)?;
                tracing::error!(
                    "the database {} is damaged ({problem}); it was moved to {} (nothing was \
                     deleted) and a new, empty database was created in its place: import a \
                     configuration export, or recover data from the moved file with the sqlite3 \
                     `.recover` command",
                    path.display(),
                    to.display()
                );
                files::prepare_database(&path).map_err(files_err)?;
                let conn = open_checked(&path).map_err(|failure| match failure {
                    OpenFailure::Failed(source) => open_err(source),
                    // A file created a moment ago cannot be damaged unless the disk is.
                    OpenFailure::Damaged(problem) => StoreError::Invalid {
                        field: "database",
                        problem,
                    },
                })?;
                (conn, Some(MovedAside { to, problem }))
            }
        };
        migrations::apply(&mut conn)?;
        // SQLite has created the `-wal` and `-shm` by now, with the database's mode.
        files::make_private(&path).map_err(files_err)?;
        Ok(Self {
            path,
            conn: Mutex::new(conn),
            moved_aside,
        })
    }

    /// The damaged database this open moved aside, if it found one; the UI and the server's
    /// log say where it went.
    pub fn moved_aside(&self) -> Option<&MovedAside> {
        self.moved_aside.as_ref()
    }

    /// Runs `change` in one immediate transaction: every write it makes lands, or none does.
    /// Immediate, so a read followed by a write (the next priority, say) cannot interleave with
    /// another process's write.
    pub(crate) fn write<T>(
        &self,
        change: impl FnOnce(&Transaction<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let value = change(&tx)?;
        tx.commit()?;
        Ok(value)
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
