//! Reasoning in Chat Completions, which has no field for it in OpenAI's own API. Two
//! conventions fill the gap and both are spoken here:
//!
//! - `reasoning_content` (DeepSeek, Qwen, most relays; OpenRouter says `reasoning`): the
//!   reasoning text. DeepSeek answers 400 when an assistant turn that called a tool comes back
//!   without it, so it is always sent back with the turn it belongs to.
//! - `reasoning_details` (OpenRouter): a list that also carries what Anthropic needs back on
//!   the next turn: `{"type":"reasoning.text","text","signature"}` for signed thinking and
//!   `{"type":"reasoning.encrypted","data"}` for `redacted_thinking`. It is written only when
//!   there is such a token, so plain reasoning looks as DeepSeek's does.
//!
//! A channel that refuses reasoning in its input is sent none (`EncodeOptions`).

use crate::hub::{Part, StreamEvent};
use crate::json::str_field;
use serde_json::{Map, Value, json};

/// The `format` OpenRouter gives Anthropic's reasoning tokens.
const ANTHROPIC_FORMAT: &str = "anthropic-claude-v1";

/// The reasoning parts of an assistant message (a request's history or a response's message):
/// `reasoning_details` when present, since it holds the signatures, else the plain text.
pub(super) fn decode_parts(message: &Value) -> Vec<Part> {
    if let Some(details) = message.get("reasoning_details").and_then(Value::as_array) {
        let parts: Vec<Part> = details.iter().filter_map(decode_detail).collect();
        if !parts.is_empty() {
            return parts;
        }
    }
    str_field(message, "reasoning_content")
        .or_else(|| str_field(message, "reasoning"))
        .filter(|text| !text.is_empty())
        .map(|text| Part::Reasoning {
            text,
            signature: None,
        })
        .into_iter()
        .collect()
}

fn decode_detail(detail: &Value) -> Option<Part> {
    match detail.get("type").and_then(Value::as_str)? {
        "reasoning.text" => Some(Part::Reasoning {
            text: str_field(detail, "text").unwrap_or_default(),
            signature: str_field(detail, "signature").filter(|s| !s.is_empty()),
        }),
        "reasoning.summary" => Some(Part::Reasoning {
            text: str_field(detail, "summary")?,
            signature: None,
        }),
        "reasoning.encrypted" => Some(Part::RedactedReasoning {
            data: str_field(detail, "data")?,
        }),
        _ => None,
    }
}

/// Writes the reasoning of `parts` into an assistant `message`: `reasoning_content` with all
/// its text, and `reasoning_details` when a part carries a signature or encrypted data.
pub(super) fn encode_into(parts: &[Part], message: &mut Map<String, Value>) {
    let mut text = String::new();
    let mut details = Vec::new();
    let mut sealed = false;
    for part in parts {
        match part {
            Part::Reasoning {
                text: reasoning,
                signature,
            } => {
                text.push_str(reasoning);
                let mut detail = json!({"type": "reasoning.text", "text": reasoning,
                    "format": ANTHROPIC_FORMAT, "index": details.len()});
                if let Some(signature) = signature {
                    detail["signature"] = json!(signature);
                    sealed = true;
                }
                details.push(detail);
            }
            Part::RedactedReasoning { data } => {
                sealed = true;
                details.push(json!({"type": "reasoning.encrypted", "data": data,
                    "format": ANTHROPIC_FORMAT, "index": details.len()}));
            }
            _ => {}
        }
    }
    if !text.is_empty() {
        message.insert("reasoning_content".into(), json!(text));
    }
    if sealed {
        message.insert("reasoning_details".into(), Value::Array(details));
    }
}

/// Hub events of a stream chunk's `reasoning_details`: the text only when the chunk had no
/// `reasoning_content`/`reasoning` of its own (OpenRouter sends both, with the same text).
pub(super) fn decode_stream_details(delta: &Value, had_text: bool, out: &mut Vec<StreamEvent>) {
    let details = delta
        .get("reasoning_details")
        .and_then(Value::as_array)
        .into_iter()
        .flatten();
    for detail in details {
        match detail.get("type").and_then(Value::as_str) {
            Some("reasoning.text") => {
                if let Some(text) = str_field(detail, "text").filter(|t| !t.is_empty() && !had_text)
                {
                    out.push(StreamEvent::ReasoningDelta(text));
                }
                if let Some(signature) = str_field(detail, "signature").filter(|s| !s.is_empty()) {
                    out.push(StreamEvent::ReasoningSignature(signature));
                }
            }
            Some("reasoning.encrypted") => {
                if let Some(data) = str_field(detail, "data") {
                    out.push(StreamEvent::RedactedReasoning(data));
                }
            }
            _ => {}
        }
    }
}

/// The stream delta that carries a signature or encrypted reasoning to a Chat client.
pub(super) fn stream_detail(event: &StreamEvent) -> Option<Value> {
    let detail = match event {
        StreamEvent::ReasoningSignature(signature) => {
            json!({"type": "reasoning.text", "text": "", "signature": signature, "format": ANTHROPIC_FORMAT, "index": 0})
        }
        StreamEvent::RedactedReasoning(data) => {
            json!({"type": "reasoning.encrypted", "data": data, "format": ANTHROPIC_FORMAT, "index": 0})
        }
        _ => return None,
    };
    Some(json!({ "reasoning_details": [detail] }))
}
