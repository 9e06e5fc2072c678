//! The Dashboard's figures: today's totals, requests and latency over time, entries cooling
//! now and entries the system switched off recently. Times are Unix milliseconds; "today" and
//! day buckets follow the UTC offset the caller passes (the browser's), so a user sees their
//! own midnight.

use serde::{Deserialize, Serialize};

use crate::{ChannelId, EntryId};

/// Counts over a span of the request log. A request succeeded when the client got a 2xx.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Totals {
    pub requests: u64,
    pub ok: u64,
    pub failed: u64,
    /// `ok / requests`, from 0 to 1; `None` without requests.
    pub success_rate: Option<f64>,
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    /// Mean latency of the successful requests; `None` without any.
    pub avg_latency_ms: Option<f64>,
}

/// One bar of a chart: the requests that finished in `[start_ms, end_ms)`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Bucket {
    pub start_ms: i64,
    pub end_ms: i64,
    pub requests: u64,
    pub ok: u64,
    pub failed: u64,
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    /// Latency of the successful requests in the bucket; `None` without any.
    pub avg_latency_ms: Option<f64>,
    pub p50_latency_ms: Option<i64>,
    pub p90_latency_ms: Option<i64>,
    /// What the bucket's priced requests cost, US dollars.
    #[serde(default)]
    pub cost_usd: f64,
}

/// The spans the charts offer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SeriesRange {
    /// 24 hourly buckets, the last one holding the current hour.
    Last24Hours,
    /// 7 daily buckets, the last one today.
    Last7Days,
    /// 30 daily buckets, the last one today.
    Last30Days,
}

/// A chart's data, oldest bucket first; empty buckets are included (zero requests).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Series {
    pub buckets: Vec<Bucket>,
}

/// An entry skipped until its cooldown ends.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CoolingEntry {
    pub entry_id: EntryId,
    pub channel_id: ChannelId,
    pub channel: String,
    pub model: String,
    pub until_ms: i64,
}

/// An entry the system switched off (the user's own switch-offs are not listed).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DisabledEntry {
    pub entry_id: EntryId,
    pub channel_id: ChannelId,
    pub channel: String,
    pub model: String,
    /// Why, in English (e.g. "upstream answered HTTP 401: credentials or model gone").
    pub reason: String,
    /// The upstream status that caused it, when the reason names one (the UI translates it).
    pub status: Option<u16>,
    pub disabled_at_ms: i64,
}

/// The Dashboard at one moment.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Dashboard {
    /// The moment the figures were taken (cooldown countdowns start from it).
    pub now_ms: i64,
    /// Since the caller's local midnight.
    pub today: Totals,
    /// Every request the log still keeps (retention limits it).
    pub all_time: Totals,
    /// Soonest to recover first.
    pub cooling: Vec<CoolingEntry>,
    /// Switched off by the system in the last 7 days, newest first.
    pub recently_disabled: Vec<DisabledEntry>,
}

impl Dashboard {
    /// How far back `recently_disabled` reaches.
    pub const RECENT_DISABLED_MS: i64 = 7 * 24 * 3600 * 1000;
}

/// What a span of requests cost. Requests without a price (no price for their model, or no
/// token counts) are counted apart, never as free.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SpendTotals {
    pub cost_usd: f64,
    /// Successful requests with a cost.
    pub priced: u64,
    /// Successful requests without one.
    pub unpriced: u64,
}

/// One app (access key), model or channel in a spend breakdown.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SpendLine {
    /// The access key's, model's or channel's name (empty: requests without an access key).
    pub name: String,
    pub requests: u64,
    pub cost_usd: f64,
    /// Successful requests without a price.
    pub unpriced: u64,
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    /// Of `prompt_tokens`, read from the providers' prompt caches.
    pub cache_read_tokens: u64,
}

impl SpendLine {
    /// Cached / prompt tokens, from 0 to 1; `None` without prompt tokens.
    pub fn cache_hit_rate(&self) -> Option<f64> {
        (self.prompt_tokens > 0).then(|| self.cache_read_tokens as f64 / self.prompt_tokens as f64)
    }
}

/// The span a spend breakdown covers, ending now.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SpendSpan {
    /// Since the caller's local midnight.
    Today,
    /// Today and the 6 days before.
    Last7Days,
    /// Today and the 29 days before.
    Last30Days,
}

impl SpendSpan {
    /// How many local days the span holds, today included.
    pub fn days(self) -> i64 {
        match self {
            Self::Today => 1,
            Self::Last7Days => 7,
            Self::Last30Days => 30,
        }
    }
}

/// Spend today, over 7 and 30 days, and one span broken down by app, model, channel and
/// session (most spent first).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Spend {
    pub today: SpendTotals,
    pub last_7_days: SpendTotals,
    pub last_30_days: SpendTotals,
    pub by_app: Vec<SpendLine>,
    pub by_model: Vec<SpendLine>,
    pub by_channel: Vec<SpendLine>,
    /// By session (a hash of what the client names its conversation with), for the prompt
    /// cache hit rate a session kept.
    #[serde(default)]
    pub by_session: Vec<SpendLine>,
}
