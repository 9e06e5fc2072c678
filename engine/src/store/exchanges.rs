//! Captured exchanges and the capture setting (`types::capture`). An exchange is stored as one
//! JSON row keyed by its request-log row, written only by the background writer once the row
//! has its id. Retention is their own: exchanges older than `CAPTURE_RETENTION_DAYS`, those
//! beyond `CAPTURE_MAX_TOTAL_BYTES` in total (oldest first), and those whose log row is gone.

use rusqlite::{OptionalExtension, params};
use types::capture::{CaptureRule, CaptureStatus, Exchange};

use super::{Store, StoreError};

/// How long a captured exchange is kept.
pub const CAPTURE_RETENTION_DAYS: i64 = 7;
/// How many bytes of captured exchanges are kept at most (the oldest go first).
pub const CAPTURE_MAX_TOTAL_BYTES: i64 = 50 * 1024 * 1024;
const DAY_MS: i64 = 24 * 3600 * 1000;

fn json_error(error: serde_json::Error) -> StoreError {
    StoreError::Exchange { source: error }
}

impl Store {
    /// Saves exchanges whose `request_log_id` is set (a later one for the same row replaces it).
    pub fn save_exchanges(&self, exchanges: &[Exchange]) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        {
            let mut insert = tx.prepare_cached(
                "INSERT OR REPLACE INTO captured_exchanges \
                 (request_log_id, at_ms, size_bytes, exchange) VALUES (?1, ?2, ?3, ?4)",
            )?;
            for exchange in exchanges {
                let json = serde_json::to_string(exchange).map_err(json_error)?;
                insert.execute(params![
                    exchange.request_log_id,
                    exchange.at_ms,
                    json.len() as i64,
                    json
                ])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// The exchange captured for the request-log row `request_log_id`, when one is kept.
    pub fn exchange(&self, request_log_id: i64) -> Result<Option<Exchange>, StoreError> {
        let conn = self.conn();
        let json: Option<String> = conn
            .query_row(
                "SELECT exchange FROM captured_exchanges WHERE request_log_id = ?1",
                [request_log_id],
                |row| row.get(0),
            )
            .optional()?;
        json.map(|json| serde_json::from_str(&json).map_err(json_error))
            .transpose()
    }

    /// Deletes exchanges past their retention; returns how many went.
    pub fn prune_exchanges(&self, now_ms: i64) -> Result<usize, StoreError> {
        let conn = self.conn();
        let mut deleted = conn.execute(
            "DELETE FROM captured_exchanges WHERE at_ms < ?1 \
             OR request_log_id NOT IN (SELECT id FROM request_log)",
            [now_ms - CAPTURE_RETENTION_DAYS * DAY_MS],
        )?;
        // The newest ones whose sizes add up to the cap stay.
        deleted += conn.execute(
            "DELETE FROM captured_exchanges WHERE request_log_id IN ( \
               SELECT request_log_id FROM ( \
                 SELECT request_log_id, SUM(size_bytes) OVER \
                   (ORDER BY request_log_id DESC ROWS UNBOUNDED PRECEDING) AS running \
                 FROM captured_exchanges) WHERE running > ?1)",
            [CAPTURE_MAX_TOTAL_BYTES],
        )?;
        Ok(deleted)
    }

    /// The capture setting (off when never set).
    pub fn capture_rule(&self) -> Result<CaptureRule, StoreError> {
        let conn = self.conn();
        let json: Option<String> = conn
            .query_row("SELECT rule FROM capture_rule WHERE id = 1", [], |row| {
                row.get(0)
            })
            .optional()?;
        Ok(json
            .and_then(|json| serde_json::from_str(&json).ok())
            .unwrap_or_default())
    }

    pub fn save_capture_rule(&self, rule: &CaptureRule) -> Result<(), StoreError> {
        let json = serde_json::to_string(rule).map_err(json_error)?;
        self.conn().execute(
            "INSERT INTO capture_rule (id, rule) VALUES (1, ?1) \
             ON CONFLICT(id) DO UPDATE SET rule = excluded.rule",
            [json],
        )?;
        Ok(())
    }

    /// The capture setting with what is kept, for the Logs screen.
    pub fn capture_status(&self, now_ms: i64) -> Result<CaptureStatus, StoreError> {
        let rule = self.capture_rule()?;
        let (count, bytes): (i64, Option<i64>) = self.conn().query_row(
            "SELECT COUNT(*), SUM(size_bytes) FROM captured_exchanges",
            [],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )?;
        Ok(CaptureStatus {
            active: rule.active(now_ms),
            rule,
            stored_exchanges: count.max(0) as u64,
            stored_bytes: bytes.unwrap_or(0).max(0) as u64,
        })
    }
}
