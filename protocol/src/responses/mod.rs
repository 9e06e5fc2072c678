//! OpenAI Responses API (`POST /v1/responses`), spoken by Codex. Conversation state lives in
//! typed `input`/`output` items (messages, function calls, function call outputs, reasoning);
//! streams are typed events with a `sequence_number`. Errors use OpenAI's shape.

mod reasoning;
mod request;
mod response;
mod stream;

pub(crate) use response::decode_usage;

#[cfg(test)]
pub(crate) use request::KNOWN as KNOWN_FIELDS;
pub use request::{decode_request, encode_request};
pub use response::{decode_response, encode_response};
pub use stream::{Decoder, Encoder};

use crate::hub::Phase;
use crate::sse::SseEvent;
use serde_json::Value;

/// Phase of a raw event: lifecycle events (`response.created`, `response.in_progress`, an
/// empty message item or part added) are preamble; `error` and `response.failed` are in-band
/// errors; deltas, function-call items and completion are content.
pub fn classify(event: &SseEvent) -> Phase {
    let value: Value = serde_json::from_str(&event.data).unwrap_or(Value::Null);
    classify_value(event.event.as_deref(), &value)
}

/// [`classify`] for an event whose data the caller has already parsed; `name` is its
/// `event:` field (the data's `type` wins, as [`SseEvent`]'s kind rule says).
pub fn classify_value(name: Option<&str>, value: &Value) -> Phase {
    let kind = value
        .get("type")
        .and_then(Value::as_str)
        .or(name)
        .unwrap_or("");
    match kind {
        "response.created" | "response.in_progress" | "response.content_part.added" => {
            Phase::Preamble
        }
        "response.output_item.added" => match value.pointer("/item/type").and_then(Value::as_str) {
            Some("function_call") => Phase::Content,
            _ => Phase::Preamble,
        },
        "error" | "response.failed" => Phase::Error,
        _ => Phase::Content,
    }
}
