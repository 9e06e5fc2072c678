//! Unsigned thinking in a Messages body. A Messages client keeps the thinking blocks a
//! converted answer gave it (a Chat provider's reasoning, so `signature: ""`) and sends them
//! back on the next turn. Converted, such a block is dropped by the hub's encoder; but when the
//! session moves to an Anthropic channel the body goes untouched, and Anthropic refuses
//! thinking it did not sign. So a body bound for Anthropic as-is loses those blocks, and
//! nothing else, before it leaves.

use memchr::memmem;
use serde_json::Value;

/// Whether `body` may hold a thinking block with an empty signature: a cheap byte scan, so
/// the common body (signed or no thinking) is never parsed.
pub fn has_unsigned_thinking(body: &[u8]) -> bool {
    memmem::find_iter(body, b"\"signature\"").any(|at| {
        let rest = &body[at + b"\"signature\"".len()..];
        let rest = rest.trim_ascii_start();
        rest.strip_prefix(b":")
            .is_some_and(|value| value.trim_ascii_start().starts_with(b"\"\""))
    })
}

/// Removes every thinking block with an empty or missing signature from the assistant turns
/// of a Messages body; true when one was removed.
pub fn remove_unsigned_thinking(body: &mut Value) -> bool {
    let mut removed = false;
    let messages = body
        .get_mut("messages")
        .and_then(Value::as_array_mut)
        .into_iter()
        .flatten();
    for message in messages.filter(|m| m["role"] == "assistant") {
        if let Some(blocks) = message.get_mut("content").and_then(Value::as_array_mut) {
            let before = blocks.len();
            blocks.retain(|block| {
                block["type"] != "thinking"
                    || block["signature"].as_str().is_some_and(|s| !s.is_empty())
            });
            removed |= blocks.len() != before;
        }
    }
    removed
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_unsigned_thinking_goes() {
        let mut body = json!({"model": "m", "messages": [
            {"role": "user", "content": "hi"},
            {"role": "assistant", "content": [
                {"type": "thinking", "thinking": "converted", "signature": ""},
                {"type": "thinking", "thinking": "signed", "signature": "sig"},
                {"type": "redacted_thinking", "data": "x"},
                {"type": "text", "text": "answer"}
            ]}
        ]});
        let raw = serde_json::to_vec(&body).expect("json");
        assert!(has_unsigned_thinking(&raw));
        assert!(has_unsigned_thinking(br#"{"signature" :  "" }"#));
        assert!(!has_unsigned_thinking(br#"{"signature":"abc"}"#));
        assert!(remove_unsigned_thinking(&mut body));
        let kinds: Vec<&str> = body["messages"][1]["content"]
            .as_array()
            .expect("blocks")
            .iter()
            .map(|b| b["type"].as_str().unwrap_or_default())
            .collect();
        assert_eq!(kinds, ["thinking", "redacted_thinking", "text"]);
        assert_eq!(body["messages"][1]["content"][0]["signature"], "sig");
    }
}
