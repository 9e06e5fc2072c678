//! Responses response object (`object: "response"`) <-> hub response. The stop reason is derived:
//! `incomplete_details.reason` when incomplete, tool use when a function call was output.

use crate::hub::{Part, Response, StopReason, Usage};
use crate::json::{count, str_field, u64_field};
use serde_json::{Value, json};

pub fn decode_response(body: &Value) -> Response {
    let mut content = Vec::new();
    for item in body
        .get("output")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        match item.get("type").and_then(Value::as_str) {
            Some("message") => {
                for part in item
                    .get("content")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    if let Some(refusal) = str_field(part, "refusal") {
                        content.push(Part::Refusal(refusal));
                    } else if let Some(text) = str_field(part, "text") {
                        content.push(Part::Text(text));
                    }
                }
            }
            Some("function_call") => content.push(Part::ToolCall {
                id: str_field(item, "call_id").unwrap_or_default(),
                name: str_field(item, "name").unwrap_or_default(),
                arguments: str_field(item, "arguments").unwrap_or_default(),
            }),
            Some("reasoning") => content.extend(super::reasoning::decode_item(item)),
            _ => {}
        }
    }
    let has_call = content.iter().any(|p| matches!(p, Part::ToolCall { .. }));
    Response {
        id: str_field(body, "id").unwrap_or_default(),
        model: str_field(body, "model").unwrap_or_default(),
        created: u64_field(body, "created_at").unwrap_or(0),
        stop_reason: Some(stop_reason(body, has_call)),
        content,
        usage: body.get("usage").map(decode_usage).unwrap_or_default(),
    }
}

pub(crate) fn stop_reason(body: &Value, has_call: bool) -> StopReason {
    match body
        .pointer("/incomplete_details/reason")
        .and_then(Value::as_str)
    {
        Some("max_output_tokens") => StopReason::MaxTokens,
        Some("content_filter") => StopReason::ContentFilter,
        Some(other) => StopReason::Other(other.to_owned()),
        None if has_call => StopReason::ToolUse,
        None => StopReason::EndTurn,
    }
}

pub(crate) fn decode_usage(usage: &Value) -> Usage {
    let cached = count(usage, &["input_tokens_details", "cached_tokens"]);
    Usage {
        input: count(usage, &["input_tokens"]).saturating_sub(cached),
        output: count(usage, &["output_tokens"]),
        cache_read: cached,
        cache_creation: 0,
        reasoning: count(usage, &["output_tokens_details", "reasoning_tokens"]),
    }
}

pub(crate) fn encode_usage(usage: &Usage) -> Value {
    let input = usage.total_input();
    json!({
        "input_tokens": input,
        "input_tokens_details": {"cached_tokens": usage.cache_read},
        "output_tokens": usage.output,
        "output_tokens_details": {"reasoning_tokens": usage.reasoning},
        "total_tokens": input + usage.output,
    })
}

/// Output items of a finished turn, with ids derived from the response id so they are stable.
pub(crate) fn encode_output(response_id: &str, content: &[Part]) -> Vec<Value> {
    let mut output = Vec::new();
    let mut text = String::new();
    let mut refusal = String::new();
    for part in content {
        match part {
            Part::Text(t) => text.push_str(t),
            Part::Refusal(r) => refusal.push_str(r),
            Part::Reasoning { .. } | Part::RedactedReasoning { .. } => {
                let id = format!("rs_{response_id}_{}", output.len());
                output.extend(super::reasoning::item_of(&id, part));
            }
            Part::ToolCall {
                id,
                name,
                arguments,
            } => output.push(function_call_item(id, name, arguments, "completed")),
            Part::CustomToolCall { id, name, input } => {
                output.push(custom_tool_call_item(id, name, input, "completed"))
            }
            _ => {}
        }
    }
    // The message item goes before calls, as OpenAI emits it.
    let position = output
        .iter()
        .position(|item| item["type"] == "function_call")
        .unwrap_or(output.len());
    if !refusal.is_empty() {
        let item = refusal_item(&format!("msg_{response_id}_refusal"), &refusal, "completed");
        output.insert(position, item);
    }
    if !text.is_empty() {
        output.insert(
            position,
            message_item(&format!("msg_{response_id}"), &text, "completed"),
        );
    }
    output
}

pub(crate) fn message_item(id: &str, text: &str, status: &str) -> Value {
    json!({"type": "message", "id": id, "status": status, "role": "assistant",
        "content": [{"type": "output_text", "text": text, "annotations": []}]})
}

/// A message item whose content is the model's refusal.
pub(crate) fn refusal_item(id: &str, refusal: &str, status: &str) -> Value {
    json!({"type": "message", "id": id, "status": status, "role": "assistant",
        "content": [{"type": "refusal", "refusal": refusal}]})
}

/// A call of a freeform tool, with its raw text input.
pub(crate) fn custom_tool_call_item(call_id: &str, name: &str, input: &str, status: &str) -> Value {
    json!({"type": "custom_tool_call", "id": format!("ctc_{call_id}"), "call_id": call_id,
        "name": name, "input": input, "status": status})
}

pub(crate) fn function_call_item(
    call_id: &str,
    name: &str,
    arguments: &str,
    status: &str,
) -> Value {
    json!({"type": "function_call", "id": format!("fc_{call_id}"), "call_id": call_id, "name": name,
        "arguments": arguments, "status": status})
}

/// The full response object; also the payload of `response.created` / `response.completed`.
pub(crate) fn response_object(response: &Response, status: &str, output: Vec<Value>) -> Value {
    let incomplete = match &response.stop_reason {
        Some(StopReason::MaxTokens) => json!({"reason": "max_output_tokens"}),
        Some(StopReason::ContentFilter) => json!({"reason": "content_filter"}),
        _ => Value::Null,
    };
    let status = if status == "completed" && !incomplete.is_null() {
        "incomplete"
    } else {
        status
    };
    let usage = if status == "in_progress" {
        Value::Null
    } else {
        encode_usage(&response.usage)
    };
    json!({
        "id": response.id, "object": "response", "created_at": response.created, "status": status,
        "error": null, "incomplete_details": incomplete, "model": response.model, "output": output,
        "parallel_tool_calls": true, "usage": usage,
    })
}

pub fn encode_response(response: &Response) -> Value {
    let output = encode_output(&response.id, &response.content);
    response_object(response, "completed", output)
}
