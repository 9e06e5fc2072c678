//! Chat Completions response (`chat.completion`) <-> hub response. OpenAI counts cached tokens
//! inside `prompt_tokens`; the hub keeps them apart, so they are subtracted and added back here.

use crate::hub::{Part, Response, StopReason, Usage};
use crate::json::{count, str_field, u64_field};
use serde_json::{Value, json};

pub fn decode_response(body: &Value) -> Response {
    let choice = &body["choices"][0];
    let message = &choice["message"];
    let mut content = super::reasoning::decode_parts(message);
    if let Some(text) = str_field(message, "content").filter(|s| !s.is_empty()) {
        content.push(Part::Text(text));
    }
    if let Some(refusal) = str_field(message, "refusal").filter(|s| !s.is_empty()) {
        content.push(Part::Refusal(refusal));
    }
    content.extend(super::decode_tool_calls(message));
    let has_call = content.iter().any(|p| matches!(p, Part::ToolCall { .. }));
    Response {
        id: str_field(body, "id").unwrap_or_default(),
        model: str_field(body, "model").unwrap_or_default(),
        created: u64_field(body, "created").unwrap_or(0),
        content,
        // Some relays say `stop` after tool calls; the calls are what the client must act on.
        stop_reason: choice
            .get("finish_reason")
            .and_then(Value::as_str)
            .map(stop_reason)
            .map(|reason| match reason {
                StopReason::EndTurn if has_call => StopReason::ToolUse,
                other => other,
            }),
        usage: body.get("usage").map(decode_usage).unwrap_or_default(),
    }
}

pub(crate) fn decode_usage(usage: &Value) -> Usage {
    // DeepSeek reports its cache hits as `prompt_cache_hit_tokens`.
    let cached = match count(usage, &["prompt_tokens_details", "cached_tokens"]) {
        0 => count(usage, &["prompt_cache_hit_tokens"]),
        cached => cached,
    };
    Usage {
        input: count(usage, &["prompt_tokens"]).saturating_sub(cached),
        output: count(usage, &["completion_tokens"]),
        cache_read: cached,
        cache_creation: 0,
        reasoning: count(usage, &["completion_tokens_details", "reasoning_tokens"]),
    }
}

pub(crate) fn encode_usage(usage: &Usage) -> Value {
    let prompt = usage.total_input();
    json!({
        "prompt_tokens": prompt,
        "completion_tokens": usage.output,
        "total_tokens": prompt + usage.output,
        "prompt_tokens_details": {"cached_tokens": usage.cache_read},
        "completion_tokens_details": {"reasoning_tokens": usage.reasoning},
    })
}

/// Hub stop reason of a Chat `finish_reason`.
pub fn stop_reason(finish_reason: &str) -> StopReason {
    match finish_reason {
        "stop" => StopReason::EndTurn,
        "length" => StopReason::MaxTokens,
        "tool_calls" | "function_call" => StopReason::ToolUse,
        "content_filter" => StopReason::ContentFilter,
        other => StopReason::Other(other.to_owned()),
    }
}

/// Chat `finish_reason` of a hub stop reason (a stop sequence is plain `stop` in Chat).
pub fn finish_reason(reason: &StopReason) -> String {
    match reason {
        StopReason::EndTurn | StopReason::StopSequence => "stop",
        StopReason::MaxTokens => "length",
        StopReason::ToolUse => "tool_calls",
        StopReason::ContentFilter => "content_filter",
        // A reason Chat has no word for (Anthropic's `pause_turn`, a relay's own) is a normal
        // stop: strict clients reject finish reasons outside OpenAI's list.
        StopReason::Other(_) => "stop",
    }
    .to_owned()
}

pub fn encode_response(response: &Response) -> Value {
    let text: String = response
        .content
        .iter()
        .filter_map(|p| {
            if let Part::Text(t) = p {
                Some(t.as_str())
            } else {
                None
            }
        })
        .collect();
    let calls: Vec<Value> = response
        .content
        .iter()
        .filter_map(|part| match part {
            Part::ToolCall { .. } | Part::CustomToolCall { .. } => {
                let (id, name, arguments) = part.as_tool_call()?;
                Some(json!({"id": id, "type": "function", "function": {"name": name, "arguments": arguments}}))
            }
            _ => None,
        })
        .collect();
    let refusal = super::refusal_of(&response.content);
    let mut message = json!({
        "role": "assistant",
        "content": if text.is_empty() && (!calls.is_empty() || refusal.is_some()) { Value::Null } else { json!(text) },
        "refusal": refusal,
    });
    if let Some(message) = message.as_object_mut() {
        super::reasoning::encode_into(&response.content, message);
    }
    if !calls.is_empty() {
        message["tool_calls"] = Value::Array(calls);
    }
    json!({
        "id": response.id,
        "object": "chat.completion",
        "created": response.created,
        "model": response.model,
        "choices": [{
            "index": 0,
            "message": message,
            "logprobs": null,
            "finish_reason": response.stop_reason.as_ref().map(finish_reason),
        }],
        "usage": encode_usage(&response.usage),
    })
}
