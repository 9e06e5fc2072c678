//! OpenAI Chat Completions (`POST /v1/chat/completions`), also spoken by Gemini's and Azure's
//! OpenAI-compatible endpoints and most relay stations. Converts requests, responses, streams
//! and error bodies to and from the hub.

mod reasoning;
mod request;
mod response;
mod stream;

pub(crate) use response::decode_usage;

#[cfg(test)]
pub(crate) use request::KNOWN as KNOWN_FIELDS;
pub use request::{decode_request, encode_request};
pub(crate) use request::{reasoning_effort_for, text_of};
pub use response::{decode_response, encode_response, finish_reason, stop_reason};
pub use stream::{Decoder, Encoder};

use crate::error::ErrorKind;
use crate::hub::Phase;
use crate::sse::SseEvent;
use serde_json::{Value, json};

/// The `tool_calls` of an assistant message (in a request's history or a response), in order;
/// a legacy `function_call` is a call whose id is its name (its result names it so too).
fn decode_tool_calls(message: &Value) -> impl Iterator<Item = crate::hub::Part> + '_ {
    let text_at = |call: &Value, pointer: &str| {
        call.pointer(pointer)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    message
        .get("tool_calls")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(move |call| crate::hub::Part::ToolCall {
            id: crate::json::str_field(call, "id").unwrap_or_default(),
            name: text_at(call, "/function/name"),
            arguments: text_at(call, "/function/arguments"),
        })
        .chain(message.get("function_call").map(move |call| {
            let name = text_at(call, "/name");
            crate::hub::Part::ToolCall {
                id: name.clone(),
                name,
                arguments: text_at(call, "/arguments"),
            }
        }))
}

/// The refusal text of some parts (`None` when the model did not refuse).
fn refusal_of(parts: &[crate::hub::Part]) -> Option<String> {
    let refusals: Vec<&str> = parts
        .iter()
        .filter_map(|part| match part {
            crate::hub::Part::Refusal(text) => Some(text.as_str()),
            _ => None,
        })
        .collect();
    (!refusals.is_empty()).then(|| refusals.concat())
}

/// OpenAI's error body: `{"error":{"message","type","param","code"}}`.
pub fn error_body(status: u16, message: &str, kind: ErrorKind) -> Value {
    let (kind_name, code) = match kind {
        ErrorKind::InvalidRequest => ("invalid_request_error", Value::Null),
        ErrorKind::Authentication => ("invalid_request_error", json!("invalid_api_key")),
        ErrorKind::Permission => ("invalid_request_error", json!("permission_denied")),
        ErrorKind::NotFound => ("invalid_request_error", json!("model_not_found")),
        ErrorKind::RequestTooLarge => ("invalid_request_error", json!("request_too_large")),
        ErrorKind::RateLimit => ("rate_limit_error", json!("rate_limit_exceeded")),
        ErrorKind::Overloaded => ("server_error", json!("server_overloaded")),
        ErrorKind::Api => ("server_error", json!(status.to_string())),
    };
    json!({ "error": { "message": message, "type": kind_name, "param": null, "code": code } })
}

/// Phase of a raw chunk: role-only or empty chunks are preamble, anything with content, a
/// tool call or a finish reason is content, an `error` object is an in-band error.
pub fn classify(event: &SseEvent) -> Phase {
    if event.data.trim() == "[DONE]" {
        return Phase::Content;
    }
    let Ok(chunk) = serde_json::from_str::<Value>(&event.data) else {
        return Phase::Preamble;
    };
    classify_value(&chunk)
}

/// [`classify`] for a chunk whose data the caller has already parsed.
pub fn classify_value(chunk: &Value) -> Phase {
    if chunk.get("error").is_some() {
        return Phase::Error;
    }
    let choices = chunk.get("choices").and_then(Value::as_array);
    let has_content = choices.is_some_and(|choices| {
        choices.iter().any(|choice| {
            let delta = &choice["delta"];
            let text = |key: &str| {
                delta
                    .get(key)
                    .and_then(Value::as_str)
                    .is_some_and(|s| !s.is_empty())
            };
            text("content")
                || text("refusal")
                || text("reasoning_content")
                || text("reasoning")
                || delta.get("reasoning_details").is_some()
                || delta.get("tool_calls").is_some()
                || choice.get("finish_reason").is_some_and(|r| !r.is_null())
        })
    });
    if has_content {
        Phase::Content
    } else {
        Phase::Preamble
    }
}
