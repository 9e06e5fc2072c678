//! A coding agent's turn, generated: a long system prompt, 40 tools with JSON-schema
//! parameters and 60 messages of history (user text, assistant tool calls, tool results), about
//! 128 KB, the size Claude Code and Codex send on every turn. Shared by the criterion benchmarks
//! and `cargo xtask bench`, so both measure the same body.

use serde_json::{Value, json};

use crate::Protocol;

const TOOLS: usize = 40;
const MESSAGES: usize = 60;

/// Deterministic filler prose of about `len` bytes.
fn prose(seed: usize, len: usize) -> String {
    const WORDS: [&str; 16] = [
        "the",
        "function",
        "returns",
        "a",
        "value",
        "when",
        "called",
        "with",
        "arguments",
        "file",
        "path",
        "reads",
        "writes",
        "tests",
        "module",
        "error",
    ];
    let mut out = String::with_capacity(len + 16);
    let mut i = seed;
    while out.len() < len {
        out.push_str(WORDS[i % WORDS.len()]);
        out.push(if i % 13 == 12 { '\n' } else { ' ' });
        i = i.wrapping_mul(31).wrapping_add(7);
    }
    out
}

fn schema(i: usize) -> Value {
    json!({
        "type": "object",
        "properties": {
            "path": {"type": "string", "description": prose(i, 120)},
            "pattern": {"type": "string", "description": prose(i + 1, 120)},
            "limit": {"type": "integer", "description": prose(i + 2, 80)},
            "recursive": {"type": "boolean", "description": prose(i + 3, 80)},
        },
        "required": ["path"],
    })
}

fn tool_name(i: usize) -> String {
    format!("tool_{i}")
}

/// The client's request body in `protocol` (streaming as coding agents do), `model` as given.
pub fn coding_agent_request(protocol: Protocol, model: &str) -> Vec<u8> {
    let system = prose(1, 12_000);
    let body = match protocol {
        Protocol::Anthropic => anthropic(model, &system),
        Protocol::OpenAiChat => chat(model, &system),
        Protocol::Responses => responses(model, &system),
        // The same conversation as Gemini CLI would send it (its model is in the URL).
        Protocol::Gemini => crate::anthropic::decode_request(&anthropic(model, &system))
            .map(|hub| {
                let mut body = crate::gemini::encode_request(&hub, &Default::default());
                body["generationConfig"]["maxOutputTokens"] = json!(32000);
                body
            })
            .unwrap_or_default(),
    };
    serde_json::to_vec(&body).unwrap_or_default()
}

fn anthropic(model: &str, system: &str) -> Value {
    let tools: Vec<Value> = (0..TOOLS)
        .map(|i| json!({"name": tool_name(i), "description": prose(i, 400), "input_schema": schema(i)}))
        .collect();
    let messages: Vec<Value> = (0..MESSAGES)
        .map(|i| match i % 3 {
            0 => json!({"role": "user", "content": [{"type": "text", "text": prose(i, 1_000)}]}),
            1 => json!({"role": "assistant", "content": [
                {"type": "text", "text": prose(i, 300)},
                {"type": "tool_use", "id": format!("toolu_{i}"), "name": tool_name(i % TOOLS),
                 "input": {"path": format!("src/file_{i}.rs"), "limit": 200}}]}),
            _ => json!({"role": "user", "content": [{"type": "tool_result",
                 "tool_use_id": format!("toolu_{}", i - 1), "content": prose(i, 900)}]}),
        })
        .collect();
    json!({"model": model, "max_tokens": 32000, "stream": true, "system": system,
           "tools": tools, "messages": messages})
}

fn chat(model: &str, system: &str) -> Value {
    let tools: Vec<Value> = (0..TOOLS)
        .map(|i| {
            json!({"type": "function", "function": {"name": tool_name(i),
               "description": prose(i, 400), "parameters": schema(i)}})
        })
        .collect();
    let mut messages = vec![json!({"role": "system", "content": system})];
    messages.extend((0..MESSAGES).map(|i| match i % 3 {
        0 => json!({"role": "user", "content": prose(i, 1_000)}),
        1 => json!({"role": "assistant", "content": prose(i, 300), "tool_calls": [
            {"id": format!("call_{i}"), "type": "function", "function": {"name": tool_name(i % TOOLS),
             "arguments": json!({"path": format!("src/file_{i}.rs"), "limit": 200}).to_string()}}]}),
        _ => json!({"role": "tool", "tool_call_id": format!("call_{}", i - 1), "content": prose(i, 900)}),
    }));
    json!({"model": model, "stream": true, "stream_options": {"include_usage": true},
           "tools": tools, "messages": messages})
}

fn responses(model: &str, system: &str) -> Value {
    let tools: Vec<Value> = (0..TOOLS)
        .map(|i| {
            json!({"type": "function", "name": tool_name(i), "description": prose(i, 400),
               "parameters": schema(i)})
        })
        .collect();
    let input: Vec<Value> = (0..MESSAGES)
        .map(|i| match i % 3 {
            0 => json!({"type": "message", "role": "user",
                        "content": [{"type": "input_text", "text": prose(i, 1_000)}]}),
            1 => json!({"type": "function_call", "call_id": format!("call_{i}"), "name": tool_name(i % TOOLS),
                        "arguments": json!({"path": format!("src/file_{i}.rs")}).to_string()}),
            _ => json!({"type": "function_call_output", "call_id": format!("call_{}", i - 1),
                        "output": prose(i, 900)}),
        })
        .collect();
    json!({"model": model, "stream": true, "instructions": system, "tools": tools, "input": input})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_body_is_about_128_kb_and_decodes() {
        for protocol in [
            Protocol::Anthropic,
            Protocol::OpenAiChat,
            Protocol::Responses,
            Protocol::Gemini,
        ] {
            let body = coding_agent_request(protocol, "m");
            assert!(
                (100_000..160_000).contains(&body.len()),
                "{protocol:?}: {}",
                body.len()
            );
            let request = crate::decode_request(protocol, &body).expect("decodes");
            assert_eq!(request.tools.len(), TOOLS);
        }
    }
}
