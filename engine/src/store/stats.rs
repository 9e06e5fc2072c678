//! Figures over the request log for the Dashboard: totals over a span, and charts of requests,
//! tokens, spend and latency in hourly or daily buckets. Latency figures count successful requests
//! only (a failure's time says how long the failover took, not how fast answers come).
//! Also the entries the system switched off recently.

use rusqlite::params;
use types::dashboard::{Bucket, DisabledEntry, SeriesRange, Totals};

use super::{Store, StoreError};

const HOUR_MS: i64 = 3600 * 1000;
const DAY_MS: i64 = 24 * HOUR_MS;

/// The start of the bucket of `size_ms` holding `at_ms`, where buckets begin at local
/// midnight (and every local hour) for a clock `utc_offset_secs` ahead of UTC.
pub fn bucket_start(at_ms: i64, size_ms: i64, utc_offset_secs: i32) -> i64 {
    let offset_ms = i64::from(utc_offset_secs) * 1000;
    (at_ms + offset_ms).div_euclid(size_ms) * size_ms - offset_ms
}

/// Bucket size (ms) and count of a chart range.
fn shape(range: SeriesRange) -> (i64, usize) {
    match range {
        SeriesRange::Last24Hours => (HOUR_MS, 24),
        SeriesRange::Last7Days => (DAY_MS, 7),
        SeriesRange::Last30Days => (DAY_MS, 30),
    }
}

/// What a bucket collects before its figures are computed.
#[derive(Default)]
struct Tally {
    requests: u64,
    ok: u64,
    prompt_tokens: u64,
    completion_tokens: u64,
    latencies: Vec<i64>,
    cost_usd: f64,
}

impl Tally {
    fn add(&mut self, row: BucketRow) {
        let BucketRow {
            status,
            latency_ms,
            prompt,
            completion,
            cost_usd,
        } = row;
        self.requests += 1;
        self.prompt_tokens += prompt.unwrap_or(0).max(0) as u64;
        self.completion_tokens += completion.unwrap_or(0).max(0) as u64;
        if (200..300).contains(&status) {
            self.ok += 1;
            self.latencies.push(latency_ms);
            self.cost_usd += cost_usd.unwrap_or(0.0);
        }
    }

    fn into_bucket(mut self, start_ms: i64, end_ms: i64) -> Bucket {
        self.latencies.sort_unstable();
        let n = self.latencies.len();
        // Nearest rank: the smallest value with at least p of the values at or below it.
        let rank = |p: usize| (n > 0).then(|| self.latencies[(n * p).div_ceil(100) - 1]);
        Bucket {
            start_ms,
            end_ms,
            requests: self.requests,
            ok: self.ok,
            failed: self.requests - self.ok,
            prompt_tokens: self.prompt_tokens,
            completion_tokens: self.completion_tokens,
            avg_latency_ms: (n > 0).then(|| self.latencies.iter().sum::<i64>() as f64 / n as f64),
            p50_latency_ms: rank(50),
            p90_latency_ms: rank(90),
            cost_usd: self.cost_usd,
        }
    }
}

/// What a chart reads of one log row.
struct BucketRow {
    status: u16,
    latency_ms: i64,
    prompt: Option<i64>,
    completion: Option<i64>,
    cost_usd: Option<f64>,
}

impl Store {
    /// Totals over the requests that finished in `[from_ms, to_ms)`.
    pub fn request_totals(&self, from_ms: i64, to_ms: i64) -> Result<Totals, StoreError> {
        let conn = self.conn();
        let row = conn.query_row(
            "SELECT COUNT(*), \
                    COALESCE(SUM(status BETWEEN 200 AND 299), 0), \
                    COALESCE(SUM(prompt_tokens), 0), \
                    COALESCE(SUM(completion_tokens), 0), \
                    AVG(CASE WHEN status BETWEEN 200 AND 299 THEN latency_ms END) \
             FROM request_log WHERE at_ms >= ?1 AND at_ms < ?2",
            params![from_ms, to_ms],
            |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, i64>(3)?,
                    r.get::<_, Option<f64>>(4)?,
                ))
            },
        )?;
        let (requests, ok, prompt, completion, avg) = row;
        let (requests, ok) = (requests.max(0) as u64, ok.max(0) as u64);
        Ok(Totals {
            requests,
            ok,
            failed: requests - ok,
            success_rate: (requests > 0).then(|| ok as f64 / requests as f64),
            prompt_tokens: prompt.max(0) as u64,
            completion_tokens: completion.max(0) as u64,
            avg_latency_ms: avg,
        })
    }

    /// A chart's buckets for `range` ending with the bucket that holds `now_ms`, oldest first.
    pub fn request_series(
        &self,
        range: SeriesRange,
        now_ms: i64,
        utc_offset_secs: i32,
    ) -> Result<Vec<Bucket>, StoreError> {
        let (size, count) = shape(range);
        let last = bucket_start(now_ms, size, utc_offset_secs);
        let first = last - size * (count as i64 - 1);
        let mut tallies: Vec<Tally> = (0..count).map(|_| Tally::default()).collect();
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT at_ms, status, latency_ms, prompt_tokens, completion_tokens, cost_usd \
             FROM request_log WHERE at_ms >= ?1 AND at_ms < ?2",
        )?;
        let mut rows = stmt.query(params![first, last + size])?;
        while let Some(r) = rows.next()? {
            let at: i64 = r.get(0)?;
            let index = ((at - first) / size) as usize;
            if let Some(tally) = tallies.get_mut(index) {
                tally.add(BucketRow {
                    status: r.get(1)?,
                    latency_ms: r.get(2)?,
                    prompt: r.get(3)?,
                    completion: r.get(4)?,
                    cost_usd: r.get(5)?,
                });
            }
        }
        Ok(tallies
            .into_iter()
            .enumerate()
            .map(|(i, tally)| {
                let start = first + size * i as i64;
                tally.into_bucket(start, start + size)
            })
            .collect())
    }

    /// Entries the system switched off at or after `since_ms` and still off, newest first.
    pub fn recently_disabled(&self, since_ms: i64) -> Result<Vec<DisabledEntry>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT e.id, e.channel_id, c.name, e.model, e.disabled_reason, e.disabled_at_ms \
             FROM entries e JOIN channels c ON c.id = e.channel_id \
             WHERE e.enabled = 0 AND e.disabled_reason != '' AND e.disabled_at_ms >= ?1 \
             ORDER BY e.disabled_at_ms DESC, e.id",
        )?;
        let rows = stmt.query_map([since_ms], |r| {
            let reason: String = r.get(4)?;
            Ok(DisabledEntry {
                entry_id: r.get(0)?,
                channel_id: r.get(1)?,
                channel: r.get(2)?,
                model: r.get(3)?,
                status: status_in(&reason),
                reason,
                disabled_at_ms: r.get(5)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

/// The HTTP status a disable reason names ("... HTTP 401 ..."), for the UI to translate.
fn status_in(reason: &str) -> Option<u16> {
    let (_, after) = reason.split_once("HTTP ")?;
    let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}
