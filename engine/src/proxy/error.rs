//! The proxy's one error type, answered in the client's protocol's error shape with the status
//! that fits. `AllFailed` carries every attempt, so the 502 tells the user which channel failed
//! how. Each attempt's failure knows where it came from (`Source`: the upstream, the client's
//! request, our own conversion or the proxy itself) and whether trying another entry can help:
//! that is what failover decides on.

use std::fmt;
use std::sync::Arc;

use bytes::Bytes;

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use protocol::{ErrorKind, Protocol};
use serde_json::json;
use types::logs::ErrorKind as AttemptKind;

/// Which phase of an upstream request ran out of time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeoutPhase {
    FirstByte,
    /// A stream's first content event (keep-alives and other preamble do not count).
    FirstContent,
    StreamIdle,
    Total,
}

/// Where a failure came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// The upstream or the way to it: its status, its body, the network, its timing.
    Upstream,
    /// The client's request as sent (no entry could do better with it).
    Client,
    /// Our conversion of the request to the channel's protocol: the client is not to blame,
    /// and a channel that takes the body as it is may well succeed.
    Conversion,
    /// The proxy itself.
    Internal,
}

/// Why one attempt on one entry failed.
#[derive(Clone, Debug, thiserror::Error)]
pub enum AttemptFailure {
    /// `retry_after_ms`: how long a 429's or 503's `Retry-After` asked us to wait.
    #[error("HTTP {status}")]
    Status {
        status: u16,
        retry_after_ms: Option<i64>,
    },
    /// An error rule matched the answer (see `error_rules`); `rule` is its label.
    #[error("error rule {rule} matched ({}): {message}", action.as_str())]
    Ruled {
        status: Option<u16>,
        rule: String,
        action: types::routing::RuleAction,
        freeze_secs: u64,
        retry_after_ms: Option<i64>,
        message: String,
    },
    /// No key of the channel's pool can serve: each is cooling or switched off.
    #[error("no key of the channel can serve: {last}")]
    KeysExhausted { until_ms: Option<i64>, last: String },
    #[error("HTTP {status}; the entry was disabled (credentials or model gone)")]
    Disabled { status: u16 },
    #[error("cannot connect: {source}")]
    Connect {
        #[source]
        source: Arc<reqwest::Error>,
    },
    #[error("connection failed: {source}")]
    Transport {
        #[source]
        source: Arc<reqwest::Error>,
    },
    #[error("timed out waiting for {phase}")]
    Timeout { phase: TimeoutPhase },
    #[error("invalid response body: {problem}")]
    InvalidBody { problem: String },
    #[error("error event in the stream: {message}")]
    StreamError { message: String },
    #[error("stream ended before any content")]
    EmptyStream,
    #[error("the answer cannot be read as the channel's protocol: {source}")]
    Unreadable {
        #[source]
        source: Arc<protocol::ConvertError>,
    },
    #[error("the request cannot be converted for this channel's protocol: {source}")]
    Unconvertible {
        #[source]
        source: Arc<protocol::ConvertError>,
    },
    /// The upstream refused the request as we converted it (a 4xx other than those that
    /// disable). `body` is its error in the client's shape, answered when no entry succeeds.
    #[error("HTTP {status} to the request as converted for this channel: {message}")]
    Rejected {
        status: u16,
        message: String,
        body: Bytes,
    },
    #[error("internal error: {problem}")]
    Internal { problem: String },
}

impl fmt::Display for TimeoutPhase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::FirstByte => "the first byte",
            Self::FirstContent => "the first content of the stream",
            Self::StreamIdle => "the next stream event",
            Self::Total => "the whole response",
        })
    }
}

impl AttemptFailure {
    /// A short machine-readable kind for the 502 body and the request log.
    pub fn kind(&self) -> AttemptKind {
        match self {
            Self::Status { .. } => AttemptKind::Status,
            Self::Ruled { .. } => AttemptKind::Rule,
            Self::KeysExhausted { .. } => AttemptKind::NoUsableKey,
            Self::Disabled { .. } => AttemptKind::Disabled,
            Self::Connect { .. } => AttemptKind::Connect,
            Self::Transport { .. } => AttemptKind::Transport,
            Self::Timeout { .. } => AttemptKind::Timeout,
            Self::InvalidBody { .. } | Self::Unreadable { .. } => AttemptKind::InvalidBody,
            Self::StreamError { .. } => AttemptKind::StreamError,
            Self::EmptyStream => AttemptKind::EmptyStream,
            Self::Unconvertible { .. } => AttemptKind::Unconvertible,
            Self::Rejected { .. } => AttemptKind::RejectedAfterConversion,
            Self::Internal { .. } => AttemptKind::Internal,
        }
    }

    /// Where the failure came from.
    pub fn source(&self) -> Source {
        match self {
            Self::Unconvertible { .. } | Self::Rejected { .. } => Source::Conversion,
            Self::Internal { .. } => Source::Internal,
            _ => Source::Upstream,
        }
    }

    /// Whether the entry is at fault, so it should cool down: not when the request or our
    /// conversion of it was refused, which says nothing about the entry's health.
    pub fn cools_entry(&self) -> bool {
        !matches!(
            self,
            Self::Unconvertible { .. } | Self::Rejected { .. } | Self::Internal { .. }
        )
    }

    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Status { status, .. }
            | Self::Disabled { status }
            | Self::Rejected { status, .. } => Some(*status),
            Self::Ruled { status, .. } => *status,
            _ => None,
        }
    }

    /// The error rule that decided this failure, by its label.
    pub fn rule(&self) -> Option<&str> {
        match self {
            Self::Ruled { rule, .. } => Some(rule),
            _ => None,
        }
    }
}

/// One tried entry.
#[derive(Clone, Debug)]
pub struct Attempt {
    pub channel: String,
    pub model: String,
    pub failure: AttemptFailure,
}

#[derive(Debug, thiserror::Error)]
pub enum ProxyError {
    #[error("the request body is not valid JSON ({source}); send a JSON object")]
    MalformedJson {
        #[source]
        source: serde_json::Error,
    },
    #[error("the request body must be a JSON object")]
    NotAnObject,
    /// Checked before any upstream is tried: a provider's error for bad bytes would cool
    /// every candidate the body reached.
    #[error(
        "the request body is not valid UTF-8 (the first bad byte is at offset {valid_up_to}); send JSON encoded as UTF-8"
    )]
    NotUtf8 { valid_up_to: usize },
    #[error("`{field}` is required; {hint}")]
    MissingField {
        field: &'static str,
        hint: &'static str,
    },
    #[error(
        "the request body is larger than {limit} bytes; send less, or raise the limit in the settings"
    )]
    TooLarge { limit: usize },
    #[error("cannot read the request body: {source}")]
    BodyRead {
        #[source]
        source: axum::Error,
    },
    #[error(
        "an access key is required; send `Authorization: Bearer <key>` with a key created in API Switch"
    )]
    MissingKey,
    #[error("this access key is not known to API Switch; use a key created in its settings")]
    InvalidKey,
    /// The key is over one of its limits (see `limits`): 429 with `Retry-After`.
    #[error("{exceeded}")]
    OverLimit {
        #[from]
        exceeded: super::limits::LimitExceeded,
    },
    #[error(
        "no route for {method} {path}; the proxy serves /v1/chat/completions, /v1/messages, /v1/messages/count_tokens, /v1/responses, /v1/embeddings and /v1/models"
    )]
    UnknownRoute { method: String, path: String },
    #[error(
        "no enabled entry can serve model `{model}`; add or enable an entry for it (or for the `auto` group) in API Switch"
    )]
    NoRoute { model: String },
    #[error("{source}")]
    Convert {
        #[source]
        source: Arc<protocol::ConvertError>,
    },
    #[error(
        "no channel serving model `{model}` takes this body as it is, and it cannot be converted for the others: {source}"
    )]
    Unconvertible {
        model: String,
        #[source]
        source: Arc<protocol::ConvertError>,
    },
    /// Every entry refused the request as converted for it; the first refusal, already in the
    /// client's shape, is answered with the upstream's status.
    #[error("every entry refused the converted request: {message}")]
    Rejected {
        status: u16,
        message: String,
        body: Bytes,
    },
    #[error("all {} entries for model `{model}` failed: {}", attempts.len(), list(attempts))]
    AllFailed {
        model: String,
        attempts: Vec<Attempt>,
    },
}

fn list(attempts: &[Attempt]) -> String {
    attempts
        .iter()
        .map(|a| format!("{} @ {}: {}", a.model, a.channel, a.failure))
        .collect::<Vec<_>>()
        .join("; ")
}

impl ProxyError {
    pub fn status_code(&self) -> StatusCode {
        match self {
            Self::MalformedJson { .. }
            | Self::NotAnObject
            | Self::NotUtf8 { .. }
            | Self::MissingField { .. }
            | Self::BodyRead { .. }
            | Self::Convert { .. }
            | Self::Unconvertible { .. } => StatusCode::BAD_REQUEST,
            Self::Rejected { status, .. } => {
                StatusCode::from_u16(*status).unwrap_or(StatusCode::BAD_REQUEST)
            }
            Self::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::MissingKey | Self::InvalidKey => StatusCode::UNAUTHORIZED,
            Self::OverLimit { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::UnknownRoute { .. } | Self::NoRoute { .. } => StatusCode::NOT_FOUND,
            Self::AllFailed { .. } => StatusCode::BAD_GATEWAY,
        }
    }

    /// OpenAI's `type` and `code` for this error.
    fn type_and_code(&self) -> (&'static str, &'static str) {
        match self {
            Self::MalformedJson { .. } => ("invalid_request_error", "invalid_json"),
            Self::NotAnObject | Self::BodyRead { .. } => ("invalid_request_error", "invalid_body"),
            Self::NotUtf8 { .. } => ("invalid_request_error", "invalid_encoding"),
            Self::MissingField { .. } => ("invalid_request_error", "missing_field"),
            Self::TooLarge { .. } => ("invalid_request_error", "request_too_large"),
            Self::MissingKey | Self::InvalidKey => ("authentication_error", "invalid_api_key"),
            Self::OverLimit { .. } => ("rate_limit_error", "access_key_limit_exceeded"),
            Self::UnknownRoute { .. } => ("invalid_request_error", "unknown_url"),
            Self::NoRoute { .. } => ("invalid_request_error", "model_not_found"),
            Self::Convert { .. } | Self::Unconvertible { .. } | Self::Rejected { .. } => {
                ("invalid_request_error", "invalid_body")
            }
            Self::AllFailed { .. } => ("upstream_error", "all_upstreams_failed"),
        }
    }
}

impl ProxyError {
    /// The error in `protocol`'s shape: OpenAI's `{"error":{"message","type","code"}}` for
    /// Chat Completions and Responses clients, Anthropic's `{"type":"error","error":{...}}` for
    /// Messages clients. The 502's `attempts` list is in both.
    pub fn into_response_for(self, protocol: Protocol) -> Response {
        let status = self.status_code();
        if let Self::Rejected { body, .. } = self {
            let mut response = Response::new(axum::body::Body::from(body));
            *response.status_mut() = status;
            response.headers_mut().insert(
                axum::http::header::CONTENT_TYPE,
                axum::http::HeaderValue::from_static("application/json"),
            );
            return response;
        }
        let (kind, code) = self.type_and_code();
        let mut body = match protocol {
            Protocol::Anthropic | Protocol::Gemini => protocol::error_body(
                protocol,
                status.as_u16(),
                &self.to_string(),
                ErrorKind::from_status(status.as_u16()),
            ),
            Protocol::OpenAiChat | Protocol::Responses => {
                json!({"error": {"message": self.to_string(), "type": kind, "code": code}})
            }
        };
        if let Self::AllFailed { attempts, .. } = &self {
            body["error"]["attempts"] = attempts
                .iter()
                .map(|a| {
                    json!({"channel": a.channel, "model": a.model, "kind": a.failure.kind().as_str(),
                           "status": a.failure.status(), "rule": a.failure.rule(),
                           "error": a.failure.to_string()})
                })
                .collect();
        }
        let mut response = (status, Json(body)).into_response();
        if let Self::OverLimit { exceeded } = &self {
            limit_headers(response.headers_mut(), exceeded);
        }
        response
    }
}

/// An upstream's error body as the client's protocol shapes errors: one already in that shape
/// (a JSON object whose `error` holds a `message`) goes as it came; anything else (`404: Not
/// Found` in plain text, an HTML page, another shape) is wrapped, its text as the message and
/// the upstream's status kept, so the client's SDK can read it.
pub fn in_client_shape(client: Protocol, status: u16, body: Bytes) -> Bytes {
    let shaped = serde_json::from_slice::<serde_json::Value>(&body).is_ok_and(|value| {
        value
            .get("error")
            .and_then(|error| error.get("message"))
            .is_some_and(serde_json::Value::is_string)
    });
    if shaped {
        return body;
    }
    let error = protocol::parse_error_body(status, &body);
    Bytes::from(protocol::error_body(client, status, &error.message, error.kind).to_string())
}

/// `Retry-After` in seconds until the limit resets; for a day's or month's limit also
/// `x-should-retry: false`, which the OpenAI and Anthropic SDKs read as "do not retry now"
/// (their automatic retries would only hit the same limit).
fn limit_headers(headers: &mut axum::http::HeaderMap, exceeded: &super::limits::LimitExceeded) {
    use axum::http::HeaderValue;
    headers.insert(
        axum::http::header::RETRY_AFTER,
        HeaderValue::from(exceeded.retry_after_secs),
    );
    if !exceeded.limit.retry_helps() {
        headers.insert("x-should-retry", HeaderValue::from_static("false"));
    }
}

impl IntoResponse for ProxyError {
    fn into_response(self) -> Response {
        self.into_response_for(Protocol::OpenAiChat)
    }
}
