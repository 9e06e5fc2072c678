//! Stored Responses conversations: what `previous_response_id` continues when the answer was
//! converted (OpenAI never saw it). One row per answer: its id and the whole conversation up to
//! it as Responses input items. Bounded: a day, and the newest 2000 rows.

use rusqlite::{OptionalExtension, params};

use super::{Store, StoreError};

/// How long a stored conversation can be continued.
pub const STORED_RESPONSE_TTL_MS: i64 = 24 * 3600 * 1000;
/// How many stored conversations are kept at most.
pub const STORED_RESPONSE_MAX_ROWS: i64 = 2000;

/// One answer's conversation, to store.
#[derive(Debug, Clone)]
pub struct StoredResponse {
    pub id: String,
    pub created_ms: i64,
    /// JSON array of Responses input items.
    pub items: String,
}

impl Store {
    /// Saves conversations (a later answer with the same id replaces the earlier).
    pub fn save_stored_responses(&self, rows: &[StoredResponse]) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        {
            let mut insert = tx.prepare_cached(
                "INSERT OR REPLACE INTO stored_responses (id, created_ms, items) VALUES (?1, ?2, ?3)",
            )?;
            for row in rows {
                insert.execute(params![row.id, row.created_ms, row.items])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// The conversation up to the answer `id`, while it is kept (`now_ms` decides).
    pub fn stored_response(&self, id: &str, now_ms: i64) -> Result<Option<String>, StoreError> {
        let conn = self.conn();
        Ok(conn
            .query_row(
                "SELECT items FROM stored_responses WHERE id = ?1 AND created_ms >= ?2",
                params![id, now_ms - STORED_RESPONSE_TTL_MS],
                |row| row.get(0),
            )
            .optional()?)
    }

    /// Deletes conversations past their time or beyond the newest rows kept; how many went.
    pub fn prune_stored_responses(&self, now_ms: i64) -> Result<usize, StoreError> {
        let conn = self.conn();
        let expired = conn.execute(
            "DELETE FROM stored_responses WHERE created_ms < ?1",
            params![now_ms - STORED_RESPONSE_TTL_MS],
        )?;
        let beyond = conn.execute(
            "DELETE FROM stored_responses WHERE id NOT IN \
             (SELECT id FROM stored_responses ORDER BY created_ms DESC LIMIT ?1)",
            params![STORED_RESPONSE_MAX_ROWS],
        )?;
        Ok(expired + beyond)
    }
}
