//! What each access key used in the current minute, day and month, read from the request log
//! once at start-up to seed the proxy's in-memory counters (`proxy::limits`); afterwards the
//! proxy counts for itself and never reads this per request.

use rusqlite::params;
use types::access_keys::KeyUse;

use super::{Store, StoreError};

/// Where the current periods start, Unix milliseconds.
#[derive(Clone, Copy, Debug)]
pub struct PeriodStarts {
    pub minute_ms: i64,
    pub day_ms: i64,
    pub month_ms: i64,
}

impl Store {
    /// Each key's use since the starts of the periods, by key name, in one query over the
    /// month's rows (the `at_ms` index bounds it).
    pub fn key_use_since(&self, starts: PeriodStarts) -> Result<Vec<(String, KeyUse)>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT client_key_name, \
                    COALESCE(SUM(at_ms >= ?1), 0), \
                    COALESCE(SUM(CASE WHEN at_ms >= ?2 \
                        THEN COALESCE(prompt_tokens, 0) + COALESCE(completion_tokens, 0) END), 0), \
                    COALESCE(SUM(CASE WHEN at_ms >= ?2 THEN cost_usd END), 0), \
                    COALESCE(SUM(cost_usd), 0) \
             FROM request_log WHERE at_ms >= ?3 AND client_key_name != '' \
             GROUP BY client_key_name",
        )?;
        let rows = stmt.query_map(
            params![starts.minute_ms, starts.day_ms, starts.month_ms],
            |row| {
                let requests: i64 = row.get(1)?;
                let tokens: i64 = row.get(2)?;
                Ok((
                    row.get::<_, String>(0)?,
                    KeyUse {
                        requests_this_minute: u32::try_from(requests).unwrap_or(u32::MAX),
                        tokens_today: u64::try_from(tokens).unwrap_or(0),
                        usd_today: row.get(3)?,
                        usd_this_month: row.get(4)?,
                    },
                ))
            },
        )?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}
