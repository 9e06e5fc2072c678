//! The last speed test result of each entry. A success also becomes the entry's
//! `last_response_ms`; a result never changes whether an entry is enabled or cooling.

use std::collections::HashMap;

use rusqlite::params;
use serde::{Deserialize, Serialize};

use super::{EntryId, Store, StoreError};

/// One entry's last speed test, as stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpeedTestRecord {
    pub entry_id: EntryId,
    /// When the test finished, Unix milliseconds.
    pub at_ms: i64,
    pub ok: bool,
    pub ttfb_ms: Option<i64>,
    pub total_ms: Option<i64>,
    /// The upstream's HTTP status when one arrived.
    pub status: Option<u16>,
    /// Empty on success; never contains a key.
    pub error: String,
}

impl Store {
    /// Replaces the entry's last speed test; a success also sets its `last_response_ms`.
    pub fn record_speed_test(&self, record: &SpeedTestRecord) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        tx.execute(
            "INSERT INTO speed_tests (entry_id, at_ms, ok, ttfb_ms, total_ms, status, error) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT(entry_id) DO UPDATE SET \
             at_ms = excluded.at_ms, ok = excluded.ok, ttfb_ms = excluded.ttfb_ms, \
             total_ms = excluded.total_ms, status = excluded.status, error = excluded.error",
            params![
                record.entry_id,
                record.at_ms,
                record.ok,
                record.ttfb_ms,
                record.total_ms,
                record.status,
                record.error
            ],
        )?;
        if record.ok
            && let Some(total) = record.total_ms
        {
            tx.execute(
                "UPDATE entries SET last_response_ms = ?1 WHERE id = ?2",
                params![total, record.entry_id],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Every entry's last speed test, by entry id.
    pub fn speed_tests(&self) -> Result<HashMap<EntryId, SpeedTestRecord>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT entry_id, at_ms, ok, ttfb_ms, total_ms, status, error FROM speed_tests",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(SpeedTestRecord {
                entry_id: r.get(0)?,
                at_ms: r.get(1)?,
                ok: r.get(2)?,
                ttfb_ms: r.get(3)?,
                total_ms: r.get(4)?,
                status: r.get(5)?,
                error: r.get(6)?,
            })
        })?;
        rows.map(|row| row.map(|r| (r.entry_id, r)).map_err(StoreError::from))
            .collect()
    }
}
