//! The last speed test result of each entry (`types::speedtest::TestResult`, the one shape the
//! engine, the UI and the CLI share). A success also becomes the entry's `last_response_ms`; a
//! result never changes whether an entry is enabled or cooling.

use std::collections::HashMap;

use rusqlite::params;
use types::speedtest::TestResult;

use super::{EntryId, Store, StoreError};

/// Milliseconds as SQLite stores them (a test never lasts 2^63 ms).
fn stored_ms(ms: Option<u64>) -> Option<i64> {
    ms.map(|ms| i64::try_from(ms).unwrap_or(i64::MAX))
}

impl Store {
    /// Replaces the entry's last speed test; a success also sets its `last_response_ms`.
    /// The channel, the model and the key are the entry's and are not stored again.
    pub fn record_speed_test(&self, result: &TestResult) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        tx.execute(
            "INSERT INTO speed_tests (entry_id, at_ms, ok, ttfb_ms, total_ms, status, error) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT(entry_id) DO UPDATE SET \
             at_ms = excluded.at_ms, ok = excluded.ok, ttfb_ms = excluded.ttfb_ms, \
             total_ms = excluded.total_ms, status = excluded.status, error = excluded.error",
            params![
                result.entry_id,
                result.at_ms,
                result.ok,
                stored_ms(result.ttfb_ms),
                stored_ms(result.total_ms),
                result.status,
                result.error.as_deref().unwrap_or_default()
            ],
        )?;
        if result.ok
            && let Some(total) = stored_ms(result.total_ms)
        {
            tx.execute(
                "UPDATE entries SET last_response_ms = ?1 WHERE id = ?2",
                params![total, result.entry_id],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Every entry's last speed test, by entry id, with the entry's channel and model.
    pub fn speed_tests(&self) -> Result<HashMap<EntryId, TestResult>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT s.entry_id, e.channel_id, c.name, e.model, s.at_ms, s.ok, s.ttfb_ms, \
             s.total_ms, s.status, s.error FROM speed_tests s \
             JOIN entries e ON e.id = s.entry_id JOIN channels c ON c.id = e.channel_id",
        )?;
        let rows = stmt.query_map([], |r| {
            let ms = |at: usize| -> rusqlite::Result<Option<u64>> {
                Ok(r.get::<_, Option<i64>>(at)?
                    .map(|ms| u64::try_from(ms).unwrap_or_default()))
            };
            let error: String = r.get(9)?;
            Ok(TestResult {
                entry_id: r.get(0)?,
                channel_id: r.get(1)?,
                channel: r.get(2)?,
                model: r.get(3)?,
                at_ms: r.get(4)?,
                ok: r.get(5)?,
                ttfb_ms: ms(6)?,
                total_ms: ms(7)?,
                status: r.get(8)?,
                error: (!error.is_empty()).then_some(error),
                auto_disabled: false,
                key: String::new(),
            })
        })?;
        rows.map(|row| row.map(|r| (r.entry_id, r)).map_err(StoreError::from))
            .collect()
    }
}
