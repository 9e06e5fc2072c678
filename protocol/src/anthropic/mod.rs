//! Anthropic Messages (`POST /v1/messages`): requests, responses, streams, error bodies and a
//! local token estimate for `count_tokens`. Anthropic requires `max_tokens`, keeps the system
//! prompt apart from the turns, and streams content as indexed blocks.

mod request;
mod response;
mod server_tools;
mod stream;
mod unsigned;

pub(crate) use response::decode_usage;

#[cfg(test)]
pub(crate) use request::KNOWN as KNOWN_FIELDS;
pub use request::{FALLBACK_MAX_TOKENS, decode_request, encode_request};
pub use response::{decode_response, encode_response, stop_reason_name};
pub use stream::{Decoder, Encoder};
pub use unsigned::{has_unsigned_thinking, remove_unsigned_thinking};

use crate::error::ErrorKind;
use crate::hub::{Phase, Request};
use crate::sse::SseEvent;
use serde_json::{Value, json};

/// Anthropic's error body: `{"type":"error","error":{"type","message"}}`.
pub fn error_body(message: &str, kind: ErrorKind) -> Value {
    json!({"type": "error", "error": {"type": error_type(kind), "message": message}})
}

pub(crate) fn error_type(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::InvalidRequest => "invalid_request_error",
        ErrorKind::Authentication => "authentication_error",
        ErrorKind::Permission => "permission_error",
        ErrorKind::NotFound => "not_found_error",
        ErrorKind::RequestTooLarge => "request_too_large",
        ErrorKind::RateLimit => "rate_limit_error",
        ErrorKind::Overloaded => "overloaded_error",
        ErrorKind::Api => "api_error",
    }
}

/// Phase of a raw event: `message_start`, `ping` and a block start with no text are preamble;
/// `error` is an in-band error; everything else is content.
pub fn classify(event: &SseEvent) -> Phase {
    let value: Value = serde_json::from_str(&event.data).unwrap_or(Value::Null);
    classify_value(event.event.as_deref(), &value)
}

/// [`classify`] for an event whose data the caller has already parsed; `name` is its
/// `event:` field.
pub fn classify_value(name: Option<&str>, value: &Value) -> Phase {
    let kind = name
        .or_else(|| value.get("type").and_then(Value::as_str))
        .unwrap_or("");
    match kind {
        "message_start" | "ping" => Phase::Preamble,
        "error" => Phase::Error,
        "content_block_start" => {
            let block = &value["content_block"];
            let empty_text = block
                .get("text")
                .and_then(Value::as_str)
                .is_none_or(str::is_empty);
            let is_tool = matches!(
                block.get("type").and_then(Value::as_str),
                Some("tool_use" | "server_tool_use")
            );
            if empty_text && !is_tool {
                Phase::Preamble
            } else {
                Phase::Content
            }
        }
        _ => Phase::Content,
    }
}

/// Local estimate for `POST /v1/messages/count_tokens` when no Anthropic upstream answers it.
/// Heuristic: one token per 4 bytes of text (system, turns, tool schemas; English averages about
/// 4 characters per token, and counting bytes makes CJK text count more, as it tokenizes denser),
/// plus 1,600 tokens per image (Anthropic's figure for a ~1.15-megapixel image) and 4 per message
/// for role framing. It is an estimate: expect ±20% on typical English prompts.
pub fn estimate_tokens(request: &Request) -> u64 {
    let images: usize = request
        .messages
        .iter()
        .flat_map(|m| m.content.iter())
        .map(|part| match part {
            crate::hub::Part::Image(_) => 1,
            crate::hub::Part::ToolResult { content, .. } => content
                .iter()
                .filter(|p| matches!(p, crate::hub::Part::Image(_)))
                .count(),
            _ => 0,
        })
        .sum();
    let text_tokens = request.text_len().div_ceil(4);
    (text_tokens + images * 1600 + request.messages.len() * 4) as u64
}

/// The `count_tokens` answer body for an estimate.
pub fn count_tokens_body(request: &Request) -> Value {
    json!({"input_tokens": estimate_tokens(request)})
}
