//! The request log: one `RequestRecord` per proxied request (never message contents, never
//! keys) with the attempts that led to it, as the proxy builds it, the store keeps it and the
//! Logs screen reads it; why an attempt failed (`ErrorKind`); a page query with filters, and
//! the values the filters can take.

use serde::{Deserialize, Serialize};

use crate::EntryId;

/// One proxied request, newest first on the Logs screen; also the live `request_finished`
/// event. The proxy builds it with `id` 0; the store gives it its id when it is saved. `status` is what the client got: 2xx is a success, 499 means the client left
/// mid-stream, 502 that every entry failed.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
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
    /// Every input token, cached ones included (see `pricing::Usage`).
    pub prompt_tokens: Option<i64>,
    /// Every output token, reasoning included.
    pub completion_tokens: Option<i64>,
    /// Of the prompt, read from the provider's prompt cache.
    #[serde(default)]
    pub cache_read_tokens: Option<i64>,
    /// Of the prompt, written to the provider's prompt cache.
    #[serde(default)]
    pub cache_write_tokens: Option<i64>,
    /// Of the completion, spent on reasoning.
    #[serde(default)]
    pub reasoning_tokens: Option<i64>,
    /// The provider reported no usage: the token counts are a tokenizer's estimate.
    #[serde(default)]
    pub tokens_estimated: bool,
    /// What the request cost in US dollars (channel multiplier and overrides applied);
    /// `None`: the model has no price (shown as "no price", never 0) or no tokens are known.
    #[serde(default)]
    pub cost_usd: Option<f64>,
    pub stream: bool,
    /// The access key's name the client presented (empty without one).
    pub client_key_name: String,
    /// Why the request failed, in English for logs (empty on success).
    pub error: String,
    /// How many entries were tried (also for rows older than the attempt list).
    pub attempt_count: u32,
    /// Each entry tried, in order; the last one answered unless the request failed.
    pub attempts: Vec<AttemptRecord>,
    /// A short hash of the client's session id (see session affinity); empty without one.
    #[serde(default)]
    pub session: String,
    /// Why the session left the entry or pool key of its previous turn, in English (empty
    /// when it stayed, is new, or the request has no session).
    #[serde(default)]
    pub session_moved: String,
    /// A captured exchange (`capture::Exchange`) is kept for this row.
    #[serde(default)]
    pub captured: bool,
}

impl RequestRecord {
    /// The share of the prompt read from the provider's cache, when the provider reported
    /// both counts (`None` for an estimate or an unknown prompt).
    pub fn cache_hit_rate(&self) -> Option<f64> {
        if self.tokens_estimated {
            return None;
        }
        let prompt = self.prompt_tokens.filter(|p| *p > 0)?;
        Some(self.cache_read_tokens.unwrap_or(0) as f64 / prompt as f64)
    }
}

/// One entry tried for a request.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttemptRecord {
    pub entry_id: EntryId,
    pub channel: String,
    pub model: String,
    /// When the attempt started, Unix milliseconds.
    pub at_ms: i64,
    /// How long the attempt took until it answered or failed (an answer's: until its last
    /// byte, or until the client left).
    pub elapsed_ms: i64,
    /// From the attempt's start until a new connection to the upstream was open (TCP, TLS and
    /// an outbound proxy's handshake); `None` when it reused one (`reused_connection`), its
    /// connection failed, or the row is older than connect times.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connect_ms: Option<i64>,
    /// The attempt's request went over a kept-alive connection (its headers arrived, and no
    /// new connection was opened for it).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub reused_connection: bool,
    /// From the attempt's start to the upstream's response headers (time to first byte), when
    /// they arrived. Rows written before timings were kept have none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ttfb_ms: Option<i64>,
    /// From the attempt's start to its first content: a stream's first content event, a single
    /// answer's first body byte. Only an attempt that answered has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_content_ms: Option<i64>,
    /// The upstream's HTTP status, when one arrived.
    pub status: Option<u16>,
    /// Why it failed (`None` when the attempt answered).
    pub error_kind: Option<ErrorKind>,
    /// The error rule that fired on this attempt (its label, e.g. `"insufficient_quota"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
}

/// Why an attempt failed, stored and sent as its snake-case code (`as_str`); the UI translates
/// it. A code this build does not know (written by another version) reads as `Other`, so the
/// row still shows.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The upstream answered an error status another entry may not have.
    Status,
    /// A credentials status (401/403/410): the entry was switched off.
    Disabled,
    Connect,
    Transport,
    Timeout,
    InvalidBody,
    StreamError,
    EmptyStream,
    /// Kept for rows written by versions that recorded an unreadable body apart.
    Unreadable,
    Unconvertible,
    /// An error rule matched.
    Rule,
    /// Every key of the channel's pool is cooling or switched off.
    NoUsableKey,
    /// The upstream refused the body after it was converted to its protocol.
    RejectedAfterConversion,
    Internal,
    /// A hedged attempt stopped because the other one produced content first; not a failure
    /// of the entry.
    HedgeCancelled,
    /// A code this build does not know, as it was stored.
    Other(String),
}

impl ErrorKind {
    /// Every kind this build writes, for tests and documentation.
    pub const KNOWN: [ErrorKind; 15] = [
        Self::Status,
        Self::Disabled,
        Self::Connect,
        Self::Transport,
        Self::Timeout,
        Self::InvalidBody,
        Self::StreamError,
        Self::EmptyStream,
        Self::Unreadable,
        Self::Unconvertible,
        Self::Rule,
        Self::NoUsableKey,
        Self::RejectedAfterConversion,
        Self::Internal,
        Self::HedgeCancelled,
    ];

    /// The code as stored in SQLite and sent to the UI.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Status => "status",
            Self::Disabled => "disabled",
            Self::Connect => "connect",
            Self::Transport => "transport",
            Self::Timeout => "timeout",
            Self::InvalidBody => "invalid_body",
            Self::StreamError => "stream_error",
            Self::EmptyStream => "empty_stream",
            Self::Unreadable => "unreadable",
            Self::Unconvertible => "unconvertible",
            Self::Rule => "rule",
            Self::NoUsableKey => "no_usable_key",
            Self::RejectedAfterConversion => "rejected_after_conversion",
            Self::Internal => "internal",
            Self::HedgeCancelled => "hedge_cancelled",
            Self::Other(code) => code,
        }
    }

    /// The kind a stored code names; never fails (see `Other`).
    pub fn from_code(code: &str) -> Self {
        Self::KNOWN
            .into_iter()
            .find(|kind| kind.as_str() == code)
            .unwrap_or_else(|| Self::Other(code.to_owned()))
    }
}

impl std::fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for ErrorKind {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ErrorKind {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let code = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
        Ok(Self::from_code(&code))
    }
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
    /// Rows whose captured exchange contains this text (a body, a header, an event).
    #[serde(default)]
    pub captured_text: Option<String>,
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
            captured_text: None,
        }
    }
}

/// One page of rows and how to get the next.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
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

#[cfg(test)]
mod tests {
    use super::ErrorKind;

    #[test]
    fn every_error_kind_reads_back_from_its_stored_code() {
        for kind in ErrorKind::KNOWN {
            let json = serde_json::to_string(&kind).expect("serialise");
            assert_eq!(json, format!("\"{}\"", kind.as_str()));
            assert_eq!(
                serde_json::from_str::<ErrorKind>(&json).expect("read"),
                kind
            );
        }
    }

    #[test]
    fn an_unknown_stored_code_still_reads() {
        let kind: ErrorKind = serde_json::from_str("\"quota_gone\"").expect("read");
        assert_eq!(kind, ErrorKind::Other("quota_gone".into()));
        assert_eq!(
            serde_json::to_string(&kind).expect("serialise"),
            "\"quota_gone\""
        );
    }
}
