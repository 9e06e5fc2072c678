//! Errors of conversion itself, and the protocol-neutral error kind used to build and read
//! error bodies. A kind is what a client or the failover logic needs to know: whose fault it
//! is and whether another upstream could help.

/// Why a body could not be converted. Messages say what the client should fix.
#[derive(Debug, thiserror::Error)]
pub enum ConvertError {
    #[error("the request body is not valid JSON for {protocol}: {source}; send a JSON object")]
    InvalidJson {
        protocol: &'static str,
        #[source]
        source: crate::json::JsonError,
    },
    #[error("the {protocol} body is not a JSON object; send a JSON object")]
    NotAnObject { protocol: &'static str },
    #[error("field `{field}` of the {protocol} body {problem}")]
    InvalidField {
        protocol: &'static str,
        field: &'static str,
        problem: &'static str,
    },
    /// A field a conversion cannot honour (its rule in `fields` refuses it).
    #[error(
        "field `{field}` of the {client} body cannot be converted for a channel that speaks {target}: {why}; or route the request to a channel that speaks {client}"
    )]
    Unsupported {
        field: String,
        client: &'static str,
        target: &'static str,
        why: &'static str,
    },
}

impl ConvertError {
    /// HTTP status a client should see for this error (always a client error: the body it sent
    /// or the upstream's answer could not be understood).
    pub fn status_code(&self) -> u16 {
        400
    }
}

/// Protocol-neutral error kind; each protocol maps it to its own `type` string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    InvalidRequest,
    Authentication,
    Permission,
    NotFound,
    RequestTooLarge,
    RateLimit,
    Overloaded,
    /// Upstream or proxy failure (5xx).
    Api,
}

impl ErrorKind {
    /// The kind a status code implies, for upstream errors whose body says nothing usable.
    pub fn from_status(status: u16) -> ErrorKind {
        match status {
            401 => ErrorKind::Authentication,
            403 => ErrorKind::Permission,
            404 => ErrorKind::NotFound,
            413 => ErrorKind::RequestTooLarge,
            429 => ErrorKind::RateLimit,
            529 | 503 => ErrorKind::Overloaded,
            400..=499 => ErrorKind::InvalidRequest,
            _ => ErrorKind::Api,
        }
    }

    /// Whether another upstream could succeed where this one failed.
    pub fn retryable(self) -> bool {
        matches!(
            self,
            ErrorKind::RateLimit | ErrorKind::Overloaded | ErrorKind::Api
        )
    }

    /// Parses a `type`/`code` string of any protocol.
    pub fn from_type(name: &str) -> Option<ErrorKind> {
        Some(match name {
            "invalid_request_error" | "invalid_request" | "bad_request" => {
                ErrorKind::InvalidRequest
            }
            "authentication_error" | "invalid_api_key" | "unauthenticated" => {
                ErrorKind::Authentication
            }
            "permission_error" | "permission_denied" => ErrorKind::Permission,
            "not_found_error" | "model_not_found" | "not_found" => ErrorKind::NotFound,
            "request_too_large" => ErrorKind::RequestTooLarge,
            "rate_limit_error"
            | "rate_limit_exceeded"
            | "insufficient_quota"
            | "resource_exhausted" => ErrorKind::RateLimit,
            "overloaded_error" | "server_overloaded" | "unavailable" => ErrorKind::Overloaded,
            "api_error" | "server_error" | "internal_error" => ErrorKind::Api,
            _ => return None,
        })
    }
}

/// An error body read from an upstream, whatever its shape.
#[derive(Debug, Clone, PartialEq)]
pub struct UpstreamError {
    pub message: String,
    pub kind: ErrorKind,
}

/// Reads an upstream error body in any known shape: OpenAI `{"error":{"message","type"}}`,
/// Anthropic `{"type":"error","error":{...}}`, Gemini's list-wrapped form, a bare
/// `{"message"}` or `{"error":"text"}`, or plain text. `status` decides the kind when the body
/// does not name one.
pub fn parse_error_body(status: u16, body: &[u8]) -> UpstreamError {
    let fallback_kind = ErrorKind::from_status(status);
    let value: serde_json::Value = match serde_json::from_slice(body) {
        Ok(value) => value,
        Err(_) => {
            let text = String::from_utf8_lossy(body).trim().to_owned();
            let message = if text.is_empty() {
                format!("upstream returned status {status}")
            } else {
                text
            };
            return UpstreamError {
                message,
                kind: fallback_kind,
            };
        }
    };
    // Gemini sometimes wraps the error object in a one-element array.
    let value = match value {
        serde_json::Value::Array(mut items) if !items.is_empty() => items.swap_remove(0),
        other => other,
    };
    let inner = value.get("error").unwrap_or(&value);
    let message = inner
        .get("message")
        .and_then(|m| m.as_str())
        .or_else(|| inner.as_str())
        .map(str::to_owned)
        .unwrap_or_else(|| value.to_string());
    // `code` first: OpenAI puts the specific reason there (`invalid_api_key`) and a generic
    // class in `type`.
    let kind = ["code", "type", "status"]
        .iter()
        .filter_map(|key| inner.get(*key).and_then(|v| v.as_str()))
        .find_map(|name| ErrorKind::from_type(&name.to_ascii_lowercase()))
        .unwrap_or(fallback_kind);
    UpstreamError { message, kind }
}
