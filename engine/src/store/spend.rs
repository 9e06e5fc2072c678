//! What the request log says was spent: totals over a span and breakdowns by app (the access
//! key's name), by the model that answered, by channel and by session, with each line's cache
//! hit rate.
//! Only successful requests count: a failed one was not billed. A successful request without
//! a cost (no price for its model, or no token counts) is counted as unpriced, not as free.

use rusqlite::params;
use types::dashboard::{SpendLine, SpendTotals};

use super::{Store, StoreError};

/// The columns a breakdown groups by (fixed names, never user input).
#[derive(Clone, Copy, Debug)]
pub enum SpendBy {
    App,
    Model,
    Channel,
    /// The session hash (session affinity); requests without a session are left out.
    Session,
}

impl SpendBy {
    fn column(self) -> &'static str {
        match self {
            Self::App => "client_key_name",
            Self::Model => "model",
            Self::Channel => "channel_name",
            Self::Session => "session",
        }
    }

    /// What else a request must be to count in the breakdown.
    fn only(self) -> &'static str {
        match self {
            Self::Session => " AND session != ''",
            Self::App | Self::Model | Self::Channel => "",
        }
    }
}

const SUCCESS: &str = "status BETWEEN 200 AND 299";

impl Store {
    /// Spend of the successful requests that finished in `[from_ms, to_ms)`.
    pub fn spend_totals(&self, from_ms: i64, to_ms: i64) -> Result<SpendTotals, StoreError> {
        let conn = self.conn();
        let (cost, priced, unpriced): (f64, i64, i64) = conn.query_row(
            &format!(
                "SELECT COALESCE(SUM(cost_usd), 0), COUNT(cost_usd), \
                        COALESCE(SUM(cost_usd IS NULL), 0) \
                 FROM request_log WHERE at_ms >= ?1 AND at_ms < ?2 AND {SUCCESS}"
            ),
            params![from_ms, to_ms],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?;
        Ok(SpendTotals {
            cost_usd: cost,
            priced: priced.max(0) as u64,
            unpriced: unpriced.max(0) as u64,
        })
    }

    /// Spend of the successful requests in `[from_ms, to_ms)` by `by`, most spent first (then
    /// most requests).
    pub fn spend_by(
        &self,
        by: SpendBy,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<Vec<SpendLine>, StoreError> {
        let (column, only) = (by.column(), by.only());
        let conn = self.conn();
        let mut stmt = conn.prepare(&format!(
            "SELECT {column}, COUNT(*), COALESCE(SUM(cost_usd), 0), COALESCE(SUM(cost_usd IS NULL), 0), \
                    COALESCE(SUM(prompt_tokens), 0), COALESCE(SUM(completion_tokens), 0), \
                    COALESCE(SUM(cache_read_tokens), 0) \
             FROM request_log WHERE at_ms >= ?1 AND at_ms < ?2 AND {SUCCESS}{only} \
             GROUP BY {column} ORDER BY 3 DESC, 2 DESC, 1"
        ))?;
        let count = |n: i64| n.max(0) as u64;
        let lines = stmt.query_map(params![from_ms, to_ms], |r| {
            Ok(SpendLine {
                name: r.get(0)?,
                requests: count(r.get(1)?),
                cost_usd: r.get(2)?,
                unpriced: count(r.get(3)?),
                prompt_tokens: count(r.get(4)?),
                completion_tokens: count(r.get(5)?),
                cache_read_tokens: count(r.get(6)?),
            })
        })?;
        Ok(lines.collect::<Result<_, _>>()?)
    }
}
