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

impl Store {
    /// Applies a batch of runtime changes in one transaction; each log row gets the id it was
    /// saved as. Access keys named in the rows get their last-used time.
    pub fn write_batch(
        &self,
        changes: &[CooldownWrite],
        log: &mut [RequestRecord],
    ) -> Result<(), StoreError> {
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
        for row in log.iter_mut() {
            insert_log_row(&tx, row)?;
            row.id = tx.last_insert_rowid();
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
        Ok(())
    }
}

fn insert_log_row(conn: &rusqlite::Connection, row: &RequestRecord) -> Result<(), StoreError> {
    // The list is our own type: serialising it cannot fail, and an empty list is still valid.
    let attempt_log = serde_json::to_string(&row.attempts).unwrap_or_else(|_| "[]".into());
    // Prepared once per connection (cached), not per row: under load a batch holds hundreds.
    let mut insert = conn.prepare_cached(
        "INSERT INTO request_log (at_ms, requested_model, entry_id, channel_name, model, attempts, \
         status, latency_ms, first_token_ms, prompt_tokens, completion_tokens, stream, \
         client_key_name, error, attempt_log, cache_read_tokens, cache_write_tokens, \
         reasoning_tokens, tokens_estimated, cost_usd, session, session_moved) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, \
         ?19, ?20, ?21, ?22)",
    )?;
    insert.execute(params![
        row.at_ms,
        row.requested_model,
        row.entry_id,
        row.channel,
        row.model,
        row.attempt_count,
        row.status,
        row.latency_ms,
        row.first_token_ms,
        row.prompt_tokens,
        row.completion_tokens,
        row.stream,
        row.client_key_name,
        row.error,
        attempt_log,
        row.cache_read_tokens,
        row.cache_write_tokens,
        row.reasoning_tokens,
        row.tokens_estimated,
        row.cost_usd,
        row.session,
        row.session_moved
    ])?;
    Ok(())
}

/// The stored attempt list; a row that cannot be read shows no attempts rather than failing
/// the whole page.
pub(super) fn parse_attempt_log(json: &str) -> Vec<AttemptRecord> {
    serde_json::from_str(json).unwrap_or_default()
}
