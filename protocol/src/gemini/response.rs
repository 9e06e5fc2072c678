//! Gemini `GenerateContentResponse` <-> hub response. Only the first candidate is read (the
//! hub has one answer). Gemini has no "tool use" finish reason: a turn that calls functions
//! ends with `STOP`, so the hub's reason is derived from the parts.

use super::request::{CallIds, decode_part, encode_part};
use crate::hub::{Part, Response, StopReason, Usage};
use crate::json::{count, str_field};
use serde_json::{Value, json};

pub fn decode_response(body: &Value) -> Response {
    let candidate = body.pointer("/candidates/0").unwrap_or(&Value::Null);
    let mut calls = CallIds::default();
    let content: Vec<Part> = candidate
        .pointer("/content/parts")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|part| decode_part(part, &mut calls))
        .collect();
    let calls_made = content.iter().any(|p| matches!(p, Part::ToolCall { .. }));
    Response {
        id: str_field(body, "responseId").unwrap_or_default(),
        model: str_field(body, "modelVersion").unwrap_or_default(),
        created: 0,
        content,
        stop_reason: candidate
            .get("finishReason")
            .and_then(Value::as_str)
            .map(|reason| stop_reason(reason, calls_made)),
        usage: body
            .get("usageMetadata")
            .map(decode_usage)
            .unwrap_or_default(),
    }
}

/// `usageMetadata`: `promptTokenCount` includes the cached tokens, `candidatesTokenCount`
/// excludes the thoughts; the hub counts input without the cache and output with reasoning.
pub(crate) fn decode_usage(usage: &Value) -> Usage {
    let cached = count(usage, &["cachedContentTokenCount"]);
    let prompt = count(usage, &["promptTokenCount"]) + count(usage, &["toolUsePromptTokenCount"]);
    let thoughts = count(usage, &["thoughtsTokenCount"]);
    Usage {
        input: prompt.saturating_sub(cached),
        output: count(usage, &["candidatesTokenCount"]) + thoughts,
        cache_read: cached,
        cache_creation: 0,
        reasoning: thoughts,
    }
}

pub(crate) fn encode_usage(usage: &Usage) -> Value {
    let mut out = json!({
        "promptTokenCount": usage.total_input(),
        "candidatesTokenCount": usage.output.saturating_sub(usage.reasoning),
        "totalTokenCount": usage.total_input() + usage.output,
    });
    if usage.cache_read > 0 {
        out["cachedContentTokenCount"] = json!(usage.cache_read);
    }
    if usage.reasoning > 0 {
        out["thoughtsTokenCount"] = json!(usage.reasoning);
    }
    out
}

pub(crate) fn stop_reason(name: &str, calls_made: bool) -> StopReason {
    match name {
        "STOP" if calls_made => StopReason::ToolUse,
        "STOP" => StopReason::EndTurn,
        "MAX_TOKENS" => StopReason::MaxTokens,
        "SAFETY" | "RECITATION" | "BLOCKLIST" | "PROHIBITED_CONTENT" | "SPII" | "IMAGE_SAFETY" => {
            StopReason::ContentFilter
        }
        other => StopReason::Other(other.to_owned()),
    }
}

/// Gemini's `finishReason` for a hub stop reason (calls and stop sequences end with `STOP`).
pub(crate) fn finish_reason_name(reason: &StopReason) -> &'static str {
    match reason {
        StopReason::MaxTokens => "MAX_TOKENS",
        StopReason::ContentFilter => "SAFETY",
        _ => "STOP",
    }
}

pub fn encode_response(response: &Response) -> Value {
    let mut parts: Vec<Value> = response
        .content
        .iter()
        .filter_map(|part| encode_part(part, &[], true))
        .collect();
    if parts.is_empty() {
        parts.push(json!({"text": ""}));
    }
    let reason = response
        .stop_reason
        .as_ref()
        .map_or("STOP", finish_reason_name);
    json!({
        "candidates": [{
            "content": {"role": "model", "parts": parts},
            "finishReason": reason,
            "index": 0,
        }],
        "usageMetadata": encode_usage(&response.usage),
        "modelVersion": response.model,
        "responseId": response.id,
    })
}
