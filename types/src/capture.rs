//! Captured exchanges: when capture is switched on (`CaptureRule`), a request is kept whole for
//! diagnosis: the client's request, what was sent to each attempted upstream after conversion,
//! each upstream's answer (a stream as its events with their arrival times) and what the client
//! received. Keys and auth headers are masked before anything is kept; each body is capped
//! (`CapturedBody::truncated` with its original size). One `Exchange` is linked to its
//! request-log row.

use serde::{Deserialize, Serialize};

/// Which requests are captured.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "name", rename_all = "snake_case")]
pub enum CaptureScope {
    /// Every request.
    #[default]
    All,
    /// Requests presenting this access key (the log row's app).
    App(String),
    /// Requests naming this group (their model field).
    Group(String),
}

impl CaptureScope {
    /// Whether a request by the access key `app` asking for `model` is in scope.
    pub fn covers(&self, app: &str, model: &str) -> bool {
        match self {
            CaptureScope::All => true,
            CaptureScope::App(name) => name == app,
            CaptureScope::Group(name) => name.eq_ignore_ascii_case(model),
        }
    }
}

/// The capture setting, kept in the database. Off unless `enabled`; it switches itself off
/// after `remaining` more requests or at `until_ms`, whichever comes first.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaptureRule {
    pub enabled: bool,
    pub scope: CaptureScope,
    /// How many more requests to capture (`None`: no count).
    pub remaining: Option<u32>,
    /// Capture stops at this Unix millisecond (`None`: no end time).
    pub until_ms: Option<i64>,
}

impl CaptureRule {
    /// Whether it captures anything at `now_ms`.
    pub fn active(&self, now_ms: i64) -> bool {
        self.enabled
            && self.remaining != Some(0)
            && self.until_ms.is_none_or(|until| now_ms < until)
    }
}

/// One header, its value masked when it carries a credential.
pub type CapturedHeader = (String, String);

/// A body as kept: its text (masked), cut at the per-body cap when longer.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CapturedBody {
    pub text: String,
    /// The body was longer than the cap: `text` is its beginning.
    pub truncated: bool,
    /// The body's size in bytes as it was, before any cap.
    pub original_bytes: u64,
}

/// One event of a stream, with when it arrived.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CapturedEvent {
    /// Milliseconds since the request began.
    pub at_ms: u64,
    /// The event as it came on the wire (`event:`/`data:` lines), masked.
    pub text: String,
}

/// A stream's events as kept, capped like a body (in total bytes).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CapturedStream {
    pub events: Vec<CapturedEvent>,
    /// Events beyond the cap were not kept.
    pub truncated: bool,
    /// The stream's size in bytes as it was.
    pub original_bytes: u64,
}

/// What was sent to one upstream and what it answered.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CapturedAttempt {
    pub channel: String,
    pub model: String,
    /// Milliseconds since the request began.
    pub started_ms: u64,
    pub url: String,
    pub request_headers: Vec<CapturedHeader>,
    pub request_body: CapturedBody,
    /// The upstream's status (`None`: no answer arrived).
    pub status: Option<u16>,
    pub response_headers: Vec<CapturedHeader>,
    /// A single answer (or an error's body).
    pub response_body: CapturedBody,
    /// A streamed answer's events.
    pub response_stream: CapturedStream,
}

/// What the client received.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CapturedAnswer {
    pub status: u16,
    pub body: CapturedBody,
    pub stream: CapturedStream,
}

/// One captured request, whole.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exchange {
    /// The request-log row it belongs to.
    pub request_log_id: i64,
    /// When the request began, Unix milliseconds.
    pub at_ms: i64,
    /// The path the client called (`/v1/messages`).
    pub client_path: String,
    pub client_headers: Vec<CapturedHeader>,
    pub client_body: CapturedBody,
    pub attempts: Vec<CapturedAttempt>,
    pub answer: CapturedAnswer,
}

/// The capture setting and what is kept, for the Logs screen's control.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CaptureStatus {
    pub rule: CaptureRule,
    /// Whether it captures right now (enabled, and neither count nor time ran out).
    pub active: bool,
    pub stored_exchanges: u64,
    pub stored_bytes: u64,
}
