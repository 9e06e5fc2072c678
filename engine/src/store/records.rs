//! What the proxy writes while it runs: cooldowns, response times and the request log. These
//! come from the background writer in batches (one transaction each), never from a request.
//! The whole configuration (import and export) is `whole_config`'s.

use rusqlite::params;
use types::logs::{AttemptRecord, RequestRecord};

use super::{EntryId, Store, StoreError};

/// A change to one entry's runtime state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CooldownWrite {
    /// Cooling until this Unix millisecond (0 clears it), with the last response time if known.
    Cooldown {
        entry: EntryId,
        until_ms: i64,
    },
    Success {
        entry: EntryId,
        response_ms: i64,
    },
    /// The system's switch-off at `at_ms`, with why.
    Disable {
        entry: EntryId,
        reason: String,
        at_ms: i64,
    },
    /// The system's switch-off of one key of a pool at `at_ms`, with why.
    DisableKey {
        key: super::KeyId,
        reason: String,
        at_ms: i64,
    },
}

/// One proxied request. Never message contents, never keys.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RequestLogRow {
    pub at_ms: i64,
    pub requested_model: String,
    pub entry_id: Option<EntryId>,
    pub channel_name: String,
    pub model: String,
    pub attempts: u32,
    pub status: u16,
    pub latency_ms: i64,
    pub first_token_ms: Option<i64>,
    pub prompt_tokens: Option<i64>,
    pub completion_tokens: Option<i64>,
    pub stream: bool,
    pub client_key_name: String,
    pub error: String,
    /// Each entry tried, in order (the count above also covers rows written before this list).
    pub attempt_log: Vec<AttemptRecord>,
}

impl RequestLogRow {
    /// The row as the UI shows it, once saved as row `id`.
    pub fn into_record(self, id: i64) -> RequestRecord {
        RequestRecord {
            id,
            at_ms: self.at_ms,
            requested_model: self.requested_model,
            entry_id: self.entry_id,
            channel: self.channel_name,
            model: self.model,
            status: self.status,
            latency_ms: self.latency_ms,
            first_token_ms: self.first_token_ms,
            prompt_tokens: self.prompt_tokens,
            completion_tokens: self.completion_tokens,
            stream: self.stream,
            client_key_name: self.client_key_name,
            error: self.error,
            attempt_count: self.attempts,
            attempts: self.attempt_log,
        }
    }
}

impl Store {
    /// Applies a batch of runtime changes in one transaction; returns the id each log row got,
    /// in order. Access keys named in the rows get their last-used time.
    pub fn write_batch(
        &self,
        changes: &[CooldownWrite],
        log: &[RequestLogRow],
    ) -> Result<Vec<i64>, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        for change in changes {
            match change {
                CooldownWrite::Cooldown { entry, until_ms } => {
                    // A new cooldown starts a new wait: a probe success before it no longer
                    // says the entry works ("the last probe succeeded" means since then).
                    tx.execute(
                        "UPDATE entries SET cooldown_until = ?1, last_probe_ok_ms = \
                         CASE WHEN ?1 > 0 THEN 0 ELSE last_probe_ok_ms END WHERE id = ?2",
                        params![until_ms, entry],
                    )?;
                }
                CooldownWrite::Success { entry, response_ms } => {
                    tx.execute(
                        "UPDATE entries SET cooldown_until = 0, last_response_ms = ?1 WHERE id = ?2",
                        params![response_ms, entry],
                    )?;
                }
                CooldownWrite::Disable {
                    entry,
                    reason,
                    at_ms,
                } => {
                    tx.execute(
                        "UPDATE entries SET enabled = 0, disabled_reason = ?1, disabled_at_ms = ?2, \
                         last_probe_ok_ms = 0 WHERE id = ?3",
                        params![reason, at_ms, entry],
                    )?;
                }
                CooldownWrite::DisableKey { key, reason, at_ms } => {
                    super::channel_keys::disable_key(&tx, *key, reason, *at_ms)?;
                }
            }
        }
        let mut ids = Vec::with_capacity(log.len());
        for row in log {
            insert_log_row(&tx, row)?;
            ids.push(tx.last_insert_rowid());
            if !row.client_key_name.is_empty() {
                // By name: the row names the key, never stores it.
                tx.prepare_cached(
                    "UPDATE access_keys SET last_used_ms = MAX(COALESCE(last_used_ms, 0), ?1) \
                     WHERE name = ?2",
                )?
                .execute(params![row.at_ms, row.client_key_name])?;
            }
        }
        tx.commit()?;
        Ok(ids)
    }

    /// The most recent `limit` request log rows, newest first.
    pub fn recent_requests(&self, limit: usize) -> Result<Vec<RequestLogRow>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT at_ms, requested_model, entry_id, channel_name, model, attempts, status, latency_ms, \
             first_token_ms, prompt_tokens, completion_tokens, stream, client_key_name, error, \
             attempt_log FROM request_log ORDER BY id DESC LIMIT ?1",
        )?;
        let rows = stmt.query_map([limit as i64], |r| {
            Ok(RequestLogRow {
                at_ms: r.get(0)?,
                requested_model: r.get(1)?,
                entry_id: r.get(2)?,
                channel_name: r.get(3)?,
                model: r.get(4)?,
                attempts: r.get(5)?,
                status: r.get(6)?,
                latency_ms: r.get(7)?,
                first_token_ms: r.get(8)?,
                prompt_tokens: r.get(9)?,
                completion_tokens: r.get(10)?,
                stream: r.get(11)?,
                client_key_name: r.get(12)?,
                error: r.get(13)?,
                attempt_log: parse_attempt_log(&r.get::<_, String>(14)?),
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

fn insert_log_row(conn: &rusqlite::Connection, row: &RequestLogRow) -> Result<(), StoreError> {
    // The list is our own type: serialising it cannot fail, and an empty list is still valid.
    let attempt_log = serde_json::to_string(&row.attempt_log).unwrap_or_else(|_| "[]".into());
    // Prepared once per connection (cached), not per row: under load a batch holds hundreds.
    let mut insert = conn.prepare_cached(
        "INSERT INTO request_log (at_ms, requested_model, entry_id, channel_name, model, attempts, \
         status, latency_ms, first_token_ms, prompt_tokens, completion_tokens, stream, \
         client_key_name, error, attempt_log) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
    )?;
    insert.execute(params![
        row.at_ms,
        row.requested_model,
        row.entry_id,
        row.channel_name,
        row.model,
        row.attempts,
        row.status,
        row.latency_ms,
        row.first_token_ms,
        row.prompt_tokens,
        row.completion_tokens,
        row.stream,
        row.client_key_name,
        row.error,
        attempt_log
    ])?;
    Ok(())
}

/// The stored attempt list; a row that cannot be read shows no attempts rather than failing
/// the whole page.
pub(super) fn parse_attempt_log(json: &str) -> Vec<AttemptRecord> {
    serde_json::from_str(json).unwrap_or_default()
}
