//! Google Gemini's native API (`POST /v1beta/models/{model}:generateContent`, its streaming
//! twin `:streamGenerateContent?alt=sse`, `:countTokens`, `GET /v1beta/models`): requests,
//! responses, streams, error bodies and the model list. Unlike the other protocols the model
//! and the wish to stream travel in the URL, not the body: the decoder leaves `model` empty and
//! `stream` false for the engine to fill in, and the encoder writes neither. Gemini carries
//! turns as `contents` of `parts`, the system prompt as `systemInstruction`, tools as
//! `functionDeclarations`, and calls and results as `functionCall` / `functionResponse` parts
//! whose arguments and results are JSON objects. A stream is a series of whole
//! `GenerateContentResponse` chunks with no end marker: the chunk with a `finishReason` ends it.

mod request;
mod response;
mod stream;

pub(crate) use response::decode_usage;

#[cfg(test)]
pub(crate) use request::KNOWN as KNOWN_FIELDS;
pub use request::{decode_request, encode_request};
pub use response::{decode_response, encode_response};
pub use stream::{Decoder, Encoder};

use crate::error::ErrorKind;
use crate::hub::{Phase, Request};
use crate::sse::SseEvent;
use serde_json::{Value, json};

/// The id given to a function call that came without one: Gemini pairs calls and results by
/// name, the other protocols by id. Letters, digits and `_` only, as Anthropic requires.
pub(crate) fn fallback_call_id(index: usize, name: &str) -> String {
    let name: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    format!("call_{index}_{name}")
}

/// Gemini's error body: `{"error":{"code","message","status"}}`, `status` a gRPC code name.
pub fn error_body(status: u16, message: &str, kind: ErrorKind) -> Value {
    json!({"error": {"code": status, "message": message, "status": status_name(status, kind)}})
}

/// The gRPC status name Google's APIs put beside an HTTP status.
fn status_name(status: u16, kind: ErrorKind) -> &'static str {
    match (status, kind) {
        (_, ErrorKind::Authentication) | (401, _) => "UNAUTHENTICATED",
        (_, ErrorKind::Permission) | (403, _) => "PERMISSION_DENIED",
        (_, ErrorKind::NotFound) | (404, _) => "NOT_FOUND",
        (_, ErrorKind::RateLimit) | (429, _) => "RESOURCE_EXHAUSTED",
        (_, ErrorKind::Overloaded) | (503, _) => "UNAVAILABLE",
        (504, _) => "DEADLINE_EXCEEDED",
        (_, ErrorKind::InvalidRequest | ErrorKind::RequestTooLarge) => "INVALID_ARGUMENT",
        (400..=499, _) => "FAILED_PRECONDITION",
        _ => "INTERNAL",
    }
}

/// Phase of a raw chunk: one with a part to show (text, thought, call) or a finish reason is
/// content, an `error` object an in-band error, anything else (usage only) preamble.
pub fn classify(event: &SseEvent) -> Phase {
    let value: Value = serde_json::from_str(&event.data).unwrap_or(Value::Null);
    classify_value(&value)
}

/// [`classify`] for a chunk whose data the caller has already parsed.
pub fn classify_value(value: &Value) -> Phase {
    if value.get("error").is_some() {
        return Phase::Error;
    }
    let candidates = value.get("candidates").and_then(Value::as_array);
    let content = candidates.into_iter().flatten().any(|candidate| {
        candidate.get("finishReason").is_some()
            || candidate
                .pointer("/content/parts")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .any(|part| {
                    part.get("functionCall").is_some()
                        || part
                            .get("text")
                            .and_then(Value::as_str)
                            .is_some_and(|text| !text.is_empty())
                })
    });
    if content {
        Phase::Content
    } else {
        Phase::Preamble
    }
}

/// Whether a chunk says the model stopped (a candidate with a `finishReason`): Gemini's stream
/// has no other end marker.
pub fn is_last_chunk(value: &Value) -> bool {
    value
        .get("candidates")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .any(|candidate| candidate.get("finishReason").is_some())
}

/// The `:countTokens` answer for a local estimate (see [`crate::anthropic::estimate_tokens`]).
pub fn count_tokens_body(request: &Request) -> Value {
    json!({"totalTokens": crate::anthropic::estimate_tokens(request)})
}

/// A `:countTokens` body's request: either the bare `contents` form or the full request
/// wrapped in `generateContentRequest`.
pub fn decode_count_tokens(body: &Value) -> Result<Request, crate::ConvertError> {
    match body.get("generateContentRequest") {
        Some(inner) if inner.is_object() => decode_request(inner),
        _ => decode_request(body),
    }
}

/// One entry of `GET /v1beta/models`: `name` is `models/{id}` as Gemini clients expect.
pub fn model_entry(id: &str, display_name: &str) -> Value {
    json!({
        "name": format!("models/{id}"),
        "baseModelId": id,
        "version": "api-switch",
        "displayName": display_name,
        "supportedGenerationMethods": ["generateContent", "streamGenerateContent", "countTokens"],
    })
}
