//! What Anthropic's server tools leave in a conversation, for a provider of another protocol.
//! Anthropic runs web search, web fetch and code execution itself; their calls
//! (`server_tool_use`), results (`web_search_tool_result`, ...) and the citations of the text
//! that used them come back in Claude Code's history. No other provider can replay those
//! blocks, so a conversion keeps them as text: the call, the sources found, and each cited
//! text's sources, so the next turn still knows what was searched and where the answer came
//! from.

use serde_json::Value;

use crate::json::str_field;

/// A text block's text, with the sources its citations name after it.
pub(super) fn text_with_citations(block: &Value) -> Option<String> {
    let text = str_field(block, "text")?;
    let sources: Vec<String> = block
        .get("citations")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|citation| {
            let url = str_field(citation, "url")?;
            Some(match str_field(citation, "title") {
                Some(title) => format!("{title} <{url}>"),
                None => format!("<{url}>"),
            })
        })
        .collect();
    if sources.is_empty() {
        return Some(text);
    }
    Some(format!("{text} [sources: {}]", sources.join("; ")))
}

/// A server tool call as text: `[web_search: {"query":"..."}]`.
pub(super) fn call_as_text(block: &Value) -> String {
    let name = str_field(block, "name").unwrap_or_else(|| "server_tool".to_owned());
    let input = block.get("input").map(Value::to_string).unwrap_or_default();
    // Each on its own lines: the text parts of a turn are joined as they come.
    format!("[{name}: {input}]\n")
}

/// A server tool's result as text: one line per source found (title and URL), or the
/// result's error code.
pub(super) fn result_as_text(block: &Value) -> String {
    let kind = str_field(block, "type").unwrap_or_default();
    let content = block.get("content");
    if let Some(code) = content.and_then(|c| str_field(c, "error_code")) {
        return format!("[{kind}: error {code}]\n");
    }
    let lines: Vec<String> = content
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|item| {
            let url = str_field(item, "url")?;
            Some(match str_field(item, "title") {
                Some(title) => format!("- {title} <{url}>"),
                None => format!("- <{url}>"),
            })
        })
        .collect();
    if lines.is_empty() {
        format!("[{kind}]\n")
    } else {
        format!("[{kind}]\n{}\n", lines.join("\n"))
    }
}
