//! Reasoning items (`{"type":"reasoning","summary":[...],"encrypted_content"}`), and how they
//! carry another provider's reasoning token through a Responses client and back.
//!
//! A Responses client (Codex) keeps every output item and sends it back in the next request's
//! `input`, `encrypted_content` included. So a token that must return to its provider rides
//! there, marked so it cannot be mistaken for OpenAI's own:
//!
//! - `apiswitch:v1:signature:<sig>`: the signature of Anthropic thinking whose text is the
//!   item's summary;
//! - `apiswitch:v1:redacted:<data>`: an Anthropic `redacted_thinking` block.
//!
//! OpenAI's own `encrypted_content` only means something to OpenAI; a request converted for
//! another provider keeps the summary text and leaves that token out.

use crate::hub::Part;
use crate::json::str_field;
use serde_json::{Value, json};

const SIGNATURE: &str = "apiswitch:v1:signature:";
const REDACTED: &str = "apiswitch:v1:redacted:";

/// What a reasoning item's `encrypted_content` holds.
pub(super) enum Sealed {
    /// Anthropic's signature for the item's text.
    Signature(String),
    /// Anthropic's encrypted `redacted_thinking` data.
    Redacted(String),
    /// OpenAI's own token, or none.
    Foreign,
}

pub(super) fn unseal(encrypted: Option<&str>) -> Sealed {
    match encrypted {
        Some(token) => {
            if let Some(signature) = token.strip_prefix(SIGNATURE) {
                Sealed::Signature(signature.to_owned())
            } else if let Some(data) = token.strip_prefix(REDACTED) {
                Sealed::Redacted(data.to_owned())
            } else {
                Sealed::Foreign
            }
        }
        None => Sealed::Foreign,
    }
}

/// The `encrypted_content` that carries a signature.
pub(super) fn seal_signature(signature: &str) -> String {
    format!("{SIGNATURE}{signature}")
}

/// The `encrypted_content` that carries redacted reasoning.
pub(super) fn seal_redacted(data: &str) -> String {
    format!("{REDACTED}{data}")
}

/// The hub part of a reasoning item (input history or a response's output): its summary (or,
/// from open-weight models, `content` reasoning text) with the token it carries.
pub(super) fn decode_item(item: &Value) -> Option<Part> {
    let texts = |field: &str| -> Vec<String> {
        item.get(field)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|s| str_field(s, "text"))
            .collect()
    };
    let mut text = texts("summary");
    if text.is_empty() {
        text = texts("content");
    }
    let text = text.join("\n");
    match unseal(item.get("encrypted_content").and_then(Value::as_str)) {
        Sealed::Redacted(data) => Some(Part::RedactedReasoning { data }),
        Sealed::Signature(signature) => Some(Part::Reasoning {
            text,
            signature: Some(signature),
        }),
        Sealed::Foreign if text.is_empty() => None,
        Sealed::Foreign => Some(Part::Reasoning {
            text,
            signature: None,
        }),
    }
}

/// A reasoning output item; `encrypted` is the token from [`seal_signature`] or
/// [`seal_redacted`], when the reasoning has one.
pub(crate) fn item(id: &str, summary: &str, encrypted: Option<&str>) -> Value {
    let summary = if summary.is_empty() {
        json!([])
    } else {
        json!([{"type": "summary_text", "text": summary}])
    };
    let mut item = json!({"type": "reasoning", "id": id, "summary": summary});
    if let Some(encrypted) = encrypted {
        item["encrypted_content"] = json!(encrypted);
    }
    item
}

/// The item of one hub reasoning part, or `None` for other parts.
pub(super) fn item_of(id: &str, part: &Part) -> Option<Value> {
    match part {
        Part::Reasoning { text, signature } => Some(item(
            id,
            text,
            signature.as_deref().map(seal_signature).as_deref(),
        )),
        Part::RedactedReasoning { data } => Some(item(id, "", Some(&seal_redacted(data)))),
        _ => None,
    }
}
