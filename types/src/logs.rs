//! The request log as the Logs screen reads it: one `RequestRecord` per proxied request (never
//! message contents, never keys) with the attempts that led to it, a page query with filters,
//! and the values the filters can take.

use serde::{Deserialize, Serialize};

use crate::EntryId;

/// One proxied request, newest first on the Logs screen; also the live `request_finished`
/// event. `status` is what the client got: 2xx is a success, 499 means the client left
/// mid-stream, 502 that every entry failed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestRecord {
    /// The log row's id; pages continue below it (`LogQuery::before_id`).
    pub id: i64,
    /// When the request finished, Unix milliseconds.
    pub at_ms: i64,
    /// The model field as the client sent it (`auto`, a group, a model name).
    pub requested_model: String,
    /// The entry that answered, when one did.
    pub entry_id: Option<EntryId>,
    /// The answering channel's name (empty when none answered).
    pub channel: String,
    /// The answering entry's model (empty when none answered).
    pub model: String,
    pub status: u16,
    /// From the request's arrival to its last byte.
    pub latency_ms: i64,
    pub first_token_ms: Option<i64>,
    pub prompt_tokens: Option<i64>,
    pub completion_tokens: Option<i64>,
    pub stream: bool,
    /// The access key's name the client presented (empty without one).
    pub client_key_name: String,
    /// Why the request failed, in English for logs (empty on success).
    pub error: String,
    /// How many entries were tried (also for rows older than the attempt list).
    pub attempt_count: u32,
    /// Each entry tried, in order; the last one answered unless the request failed.
    pub attempts: Vec<AttemptRecord>,
}

/// One entry tried for a request.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttemptRecord {
    pub entry_id: EntryId,
    pub channel: String,
    pub model: String,
    /// When the attempt started, Unix milliseconds.
    pub at_ms: i64,
    /// How long the attempt took until it answered or failed.
    pub elapsed_ms: i64,
    /// The upstream's HTTP status, when one arrived.
    pub status: Option<u16>,
    /// Why it failed, as a short code the UI translates: `status`, `disabled`, `connect`,
    /// `transport`, `timeout`, `invalid_body`, `stream_error`, `empty_stream`, `unreadable`,
    /// `unconvertible`, `rule`, `no_usable_key`, or `hedge_cancelled` (a hedged attempt stopped
    /// because the other one produced content first; not a failure of the entry). `None` when
    /// the attempt answered.
    pub error_kind: Option<String>,
    /// The error rule that fired on this attempt (its label, e.g. `"insufficient_quota"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
}

/// Which outcomes a log page shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "class", content = "code", rename_all = "snake_case")]
pub enum StatusFilter {
    /// 2xx.
    Ok,
    /// Everything that is not 2xx (including 499, the client leaving).
    Failed,
    /// Exactly this status.
    Code(u16),
}

/// A page of the request log, newest first. Every filter is optional; text filters match
/// exactly (the UI offers the values from `LogFilterOptions`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct LogQuery {
    /// Matches the requested or the answering model.
    pub model: Option<String>,
    pub channel: Option<String>,
    pub client_key_name: Option<String>,
    pub status: Option<StatusFilter>,
    /// Rows at or after this Unix millisecond.
    pub from_ms: Option<i64>,
    /// Rows before this Unix millisecond.
    pub to_ms: Option<i64>,
    /// The cursor: rows with a smaller id (the previous page's `next_before_id`).
    pub before_id: Option<i64>,
    /// Rows per page; at most `LogQuery::MAX_LIMIT`.
    pub limit: u32,
}

impl LogQuery {
    pub const DEFAULT_LIMIT: u32 = 50;
    pub const MAX_LIMIT: u32 = 500;
}

impl Default for LogQuery {
    fn default() -> Self {
        Self {
            model: None,
            channel: None,
            client_key_name: None,
            status: None,
            from_ms: None,
            to_ms: None,
            before_id: None,
            limit: Self::DEFAULT_LIMIT,
        }
    }
}

/// One page of rows and how to get the next.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogPage {
    pub rows: Vec<RequestRecord>,
    /// Pass as `before_id` for the next (older) page; `None` when this is the last.
    pub next_before_id: Option<i64>,
    /// How many rows match the filters in all (every page together).
    pub total: u64,
    /// How many of those succeeded (2xx).
    pub total_ok: u64,
}

/// The values the Logs screen's filters can take, from the rows kept.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogFilterOptions {
    /// Requested and answering models, sorted, each once.
    pub models: Vec<String>,
    pub channels: Vec<String>,
    pub client_key_names: Vec<String>,
    /// Statuses seen, ascending.
    pub statuses: Vec<u16>,
}
