//! Anthropic Messages response (`type: message`) <-> hub response.

use crate::hub::{Part, Response, StopReason, Usage};
use crate::json::{arguments_object, count, str_field};
use serde_json::{Value, json};

pub fn decode_response(body: &Value) -> Response {
    let blocks = body
        .get("content")
        .and_then(Value::as_array)
        .into_iter()
        .flatten();
    // Server-tool blocks and documents have no hub form; `decode_block` skips them.
    let content = blocks.filter_map(super::request::decode_block).collect();
    Response {
        id: str_field(body, "id").unwrap_or_default(),
        model: str_field(body, "model").unwrap_or_default(),
        created: 0,
        content,
        stop_reason: body
            .get("stop_reason")
            .and_then(Value::as_str)
            .map(stop_reason),
        usage: body.get("usage").map(decode_usage).unwrap_or_default(),
    }
}

pub(crate) fn decode_usage(usage: &Value) -> Usage {
    Usage {
        input: count(usage, &["input_tokens"]),
        output: count(usage, &["output_tokens"]),
        cache_read: count(usage, &["cache_read_input_tokens"]),
        cache_creation: count(usage, &["cache_creation_input_tokens"]),
        reasoning: 0,
    }
}

pub(crate) fn encode_usage(usage: &Usage) -> Value {
    json!({
        "input_tokens": usage.input,
        "output_tokens": usage.output,
        "cache_creation_input_tokens": usage.cache_creation,
        "cache_read_input_tokens": usage.cache_read,
    })
}

pub(crate) fn stop_reason(name: &str) -> StopReason {
    match name {
        "end_turn" => StopReason::EndTurn,
        "max_tokens" => StopReason::MaxTokens,
        "stop_sequence" => StopReason::StopSequence,
        "tool_use" => StopReason::ToolUse,
        "refusal" => StopReason::ContentFilter,
        other => StopReason::Other(other.to_owned()),
    }
}

/// Anthropic `stop_reason` of a hub stop reason.
pub fn stop_reason_name(reason: &StopReason) -> String {
    match reason {
        StopReason::EndTurn => "end_turn",
        StopReason::MaxTokens => "max_tokens",
        StopReason::StopSequence => "stop_sequence",
        StopReason::ToolUse => "tool_use",
        StopReason::ContentFilter => "refusal",
        // Unmapped reasons (e.g. a relay's own) become a normal end rather than an unknown name
        // that strict clients reject.
        StopReason::Other(_) => "end_turn",
    }
    .to_owned()
}

pub fn encode_response(response: &Response) -> Value {
    let content: Vec<Value> = response
        .content
        .iter()
        .filter_map(|part| match part {
            // Anthropic says a refusal with its stop reason (below); the words are text.
            Part::Text(text) | Part::Refusal(text) => Some(json!({"type": "text", "text": text})),
            Part::ToolCall { .. } | Part::CustomToolCall { .. } => {
                let (id, name, arguments) = part.as_tool_call()?;
                Some(json!({"type": "tool_use", "id": id, "name": name, "input": arguments_object(&arguments)}))
            }
            Part::Reasoning { text, signature } => Some(json!({
                "type": "thinking", "thinking": text, "signature": signature.clone().unwrap_or_default()
            })),
            Part::RedactedReasoning { data } => {
                Some(json!({"type": "redacted_thinking", "data": data}))
            }
            _ => None,
        })
        .collect();
    json!({
        "id": response.id,
        "type": "message",
        "role": "assistant",
        "model": response.model,
        "content": content,
        "stop_reason": response_stop_reason(response).as_ref().map(stop_reason_name),
        "stop_sequence": null,
        "usage": encode_usage(&response.usage),
    })
}

/// The stop reason to report: a refusal part is Anthropic's `refusal`, whatever the upstream
/// said (OpenAI ends a refusal with a plain `stop`).
pub(crate) fn response_stop_reason(response: &Response) -> Option<StopReason> {
    if response
        .content
        .iter()
        .any(|p| matches!(p, Part::Refusal(_)))
    {
        return Some(StopReason::ContentFilter);
    }
    response.stop_reason.clone()
}
