//! Anthropic Messages request <-> hub request. Anthropic carries tool calls and results as
//! content blocks, images as `source` objects, and sampling limits with its own names.

use crate::error::ConvertError;
use crate::hub::{
    Document, DocumentSource, Image, Message, OutputFormat, Part, Reasoning, Request, Role, Tool,
    ToolChoice,
};
use crate::json::{
    arguments_object, f64_field, put, str_field, string_list, u64_field, unknown_fields,
};
use crate::{EncodeOptions, Protocol};
use serde_json::{Map, Value, json};

const PROTOCOL: &str = "Anthropic Messages";

/// Max output tokens sent when neither the client nor the engine (from the model catalog) gave
/// one. 4096 is the largest value every current and past Claude model accepts.
pub const FALLBACK_MAX_TOKENS: u64 = 4096;

/// The top-level fields the decoder reads; the rest stay in `extra` (see `fields`).
pub(crate) const KNOWN: &[&str] = &[
    "model",
    "system",
    "messages",
    "tools",
    "tool_choice",
    "stop_sequences",
    "temperature",
    "top_p",
    "max_tokens",
    "stream",
    "thinking",
    "metadata",
    "output_format",
];

pub fn decode_request(body: &Value) -> Result<Request, ConvertError> {
    let messages =
        body.get("messages")
            .and_then(Value::as_array)
            .ok_or(ConvertError::InvalidField {
                protocol: PROTOCOL,
                field: "messages",
                problem: "is missing or not an array; send the conversation as `messages: [...]`",
            })?;
    let choice = body.get("tool_choice");
    let thinking = body
        .get("thinking")
        .filter(|t| t.get("type").and_then(Value::as_str) == Some("enabled"));
    // Claude Code sends a `{"role":"system"}` turn inside `messages`: it is an instruction,
    // so it joins the system prompts rather than becoming something the user said.
    let mut system = decode_system(body.get("system"));
    let mut turns = Vec::with_capacity(messages.len());
    for message in messages {
        if message.get("role").and_then(Value::as_str) == Some("system") {
            system.extend(
                decode_blocks(message.get("content"))
                    .into_iter()
                    .filter_map(|part| match part {
                        Part::Text(text) => Some(text),
                        _ => None,
                    }),
            );
        } else {
            turns.push(decode_message(message));
        }
    }
    Ok(Request {
        model: str_field(body, "model").unwrap_or_default(),
        system,
        messages: turns,
        tools: decode_tools(body),
        tool_choice: choice.and_then(decode_tool_choice),
        parallel_tool_calls: choice
            .and_then(|c| c.get("disable_parallel_tool_use"))
            .and_then(Value::as_bool)
            .map(|disable| !disable),
        stop: string_list(body.get("stop_sequences")),
        temperature: f64_field(body, "temperature"),
        top_p: f64_field(body, "top_p"),
        max_tokens: u64_field(body, "max_tokens"),
        stream: body.get("stream").and_then(Value::as_bool).unwrap_or(false),
        include_usage: true,
        reasoning: thinking.map(|t| Reasoning {
            budget_tokens: u64_field(t, "budget_tokens"),
            effort: None,
        }),
        user: body
            .pointer("/metadata/user_id")
            .and_then(Value::as_str)
            .map(str::to_owned),
        cache_key: None,
        output_format: body
            .get("output_format")
            .filter(|f| f["type"] == "json_schema")
            .map(|f| OutputFormat::JsonSchema {
                name: "output".into(),
                schema: f.get("schema").cloned().unwrap_or(Value::Null),
                strict: Some(true),
            }),
        builtin_tools: Vec::new(),
        origin: Some(Protocol::Anthropic),
        extra: body
            .as_object()
            .map(|o| unknown_fields(o, KNOWN))
            .unwrap_or_default(),
    })
}

fn decode_system(system: Option<&Value>) -> Vec<String> {
    match system {
        Some(Value::String(text)) => vec![text.clone()],
        Some(Value::Array(blocks)) => blocks.iter().filter_map(|b| str_field(b, "text")).collect(),
        _ => Vec::new(),
    }
}

fn decode_message(message: &Value) -> Message {
    let role = match message.get("role").and_then(Value::as_str) {
        Some("assistant") => Role::Assistant,
        _ => Role::User,
    };
    Message {
        role,
        content: decode_blocks(message.get("content")),
    }
}

fn decode_blocks(content: Option<&Value>) -> Vec<Part> {
    match content {
        Some(Value::String(text)) => vec![Part::Text(text.clone())],
        Some(Value::Array(blocks)) => blocks.iter().filter_map(decode_block).collect(),
        _ => Vec::new(),
    }
}

/// One content block; the response decoder reads its blocks with this too.
pub(crate) fn decode_block(block: &Value) -> Option<Part> {
    Some(match block.get("type").and_then(Value::as_str)? {
        "text" => Part::Text(super::server_tools::text_with_citations(block)?),
        // Anthropic ran these itself (web search, code execution); another provider cannot
        // replay them, so what they did and found stays in the conversation as text.
        "server_tool_use" => Part::Text(super::server_tools::call_as_text(block)),
        kind if kind.ends_with("_tool_result") && kind != "tool_result" => {
            Part::Text(super::server_tools::result_as_text(block))
        }
        "image" => Part::Image(decode_image(block.get("source")?)?),
        "document" => Part::Document(decode_document(block)?),
        "tool_use" => Part::ToolCall {
            id: str_field(block, "id").unwrap_or_default(),
            name: str_field(block, "name").unwrap_or_default(),
            arguments: block
                .get("input")
                .map(Value::to_string)
                .unwrap_or_else(|| "{}".to_owned()),
        },
        "tool_result" => Part::ToolResult {
            call_id: str_field(block, "tool_use_id").unwrap_or_default(),
            content: decode_blocks(block.get("content")),
            is_error: block
                .get("is_error")
                .and_then(Value::as_bool)
                .unwrap_or(false),
        },
        "thinking" => Part::Reasoning {
            text: str_field(block, "thinking").unwrap_or_default(),
            // An empty signature (from a converted stream) is no signature at all.
            signature: str_field(block, "signature").filter(|s| !s.is_empty()),
        },
        "redacted_thinking" => Part::RedactedReasoning {
            data: str_field(block, "data")?,
        },
        // Blocks this version does not know (newer than it) are left out.
        _ => return None,
    })
}

fn decode_document(block: &Value) -> Option<Document> {
    let source = block.get("source")?;
    let source = match source.get("type").and_then(Value::as_str)? {
        "base64" => DocumentSource::Base64 {
            media_type: str_field(source, "media_type")
                .unwrap_or_else(|| "application/pdf".to_owned()),
            data: str_field(source, "data")?,
        },
        "text" => DocumentSource::Text(str_field(source, "data")?),
        "url" => DocumentSource::Url(str_field(source, "url")?),
        _ => return None,
    };
    Some(Document {
        name: str_field(block, "title"),
        source,
    })
}

fn decode_image(source: &Value) -> Option<Image> {
    match source.get("type").and_then(Value::as_str)? {
        "base64" => Some(Image::Base64 {
            media_type: str_field(source, "media_type").unwrap_or_else(|| "image/png".to_owned()),
            data: str_field(source, "data")?,
        }),
        "url" => Some(Image::Url(str_field(source, "url")?)),
        _ => None,
    }
}

fn decode_tools(body: &Value) -> Vec<Tool> {
    let tools = body
        .get("tools")
        .and_then(Value::as_array)
        .into_iter()
        .flatten();
    // Server tools (web search, code execution) have no input schema and no hub form.
    tools
        .filter(|tool| tool.get("input_schema").is_some())
        .map(|tool| Tool {
            name: str_field(tool, "name").unwrap_or_default(),
            description: str_field(tool, "description"),
            parameters: tool.get("input_schema").cloned().unwrap_or(Value::Null),
            freeform: false,
        })
        .collect()
}

fn decode_tool_choice(choice: &Value) -> Option<ToolChoice> {
    match choice.get("type").and_then(Value::as_str)? {
        "auto" => Some(ToolChoice::Auto),
        "any" => Some(ToolChoice::Required),
        "none" => Some(ToolChoice::None),
        "tool" => str_field(choice, "name").map(ToolChoice::Tool),
        _ => None,
    }
}

/// Anthropic's smallest thinking budget.
const MIN_THINKING_BUDGET: u64 = 1024;

pub fn encode_request(request: &Request, options: &EncodeOptions) -> Value {
    let mut body = Map::new();
    if request.origin == Some(Protocol::Anthropic) {
        body.extend(request.extra.clone());
    }
    body.insert(
        "model".into(),
        json!(options.model.as_deref().unwrap_or(&request.model)),
    );
    let mut thinking = thinking(request, options);
    let asked = options.max_tokens_for(request.max_tokens);
    let mut max_tokens = asked
        .or(options.default_max_tokens)
        .unwrap_or(FALLBACK_MAX_TOKENS);
    if let Some(budget) = thinking.as_ref().and_then(|t| t["budget_tokens"].as_u64()) {
        // Anthropic rejects a thinking budget that is not below max_tokens, and one under
        // 1024. The client's own limit is kept (it is what it pays for): the budget shrinks
        // to half of it, leaving the other half for the answer, and thinking is left out when
        // that is under 1024. A limit the client did not set grows to make room instead.
        if asked.is_none() {
            max_tokens = options
                .max_tokens_for(Some(max_tokens.max(budget + 1024)))
                .unwrap_or(max_tokens);
        }
        if budget >= max_tokens {
            thinking = (max_tokens / 2 >= MIN_THINKING_BUDGET)
                .then(|| json!({"type": "enabled", "budget_tokens": max_tokens / 2}));
        }
    }
    body.insert("max_tokens".into(), json!(max_tokens));
    let cache = request.cache_key.is_some() && request.origin != Some(Protocol::Anthropic);
    match request.system.as_slice() {
        [] => {}
        [one] if !cache => {
            body.insert("system".into(), json!(one));
        }
        many => {
            let mut blocks: Vec<Value> = many
                .iter()
                .map(|text| json!({"type": "text", "text": text}))
                .collect();
            if cache {
                mark_cached(blocks.last_mut());
            }
            body.insert("system".into(), Value::Array(blocks));
        }
    }
    let mut messages = encode_messages(&request.messages);
    if cache {
        // OpenAI caches a prompt's prefix by itself; Anthropic only where told. The latest
        // user turn's last block marks the whole conversation so far, which the next turn
        // repeats (Anthropic allows four marks; this uses two).
        let last_user = messages.iter_mut().rev().find(|m| m["role"] == "user");
        mark_cached(last_user.and_then(|m| m["content"].as_array_mut()?.last_mut()));
    }
    body.insert("messages".into(), Value::Array(messages));
    if !request.tools.is_empty() {
        let tools = request.tools.iter().map(|tool| {
            let mut schema = tool.parameters.clone();
            if !schema.is_object() {
                schema = json!({"type": "object", "properties": {}});
            }
            let mut out = json!({"name": tool.name, "input_schema": schema});
            if let Some(description) = &tool.description {
                out["description"] = json!(description);
            }
            out
        });
        body.insert("tools".into(), Value::Array(tools.collect()));
        if let Some(choice) = encode_tool_choice(request) {
            body.insert("tool_choice".into(), choice);
        }
    }
    if !request.stop.is_empty() {
        body.insert("stop_sequences".into(), json!(request.stop));
    }
    if thinking.is_none() {
        // OpenAI allows temperature up to 2, Anthropic up to 1; thinking forbids changing it.
        put(
            &mut body,
            "temperature",
            request.temperature.map(|t| t.min(1.0)),
        );
        // Current Claude models reject temperature and top_p together: temperature wins.
        if request.temperature.is_none() {
            put(&mut body, "top_p", request.top_p);
        }
    }
    put(&mut body, "thinking", thinking);
    if let Some(user) = &request.user {
        body.insert("metadata".into(), json!({"user_id": user}));
    }
    if request.stream {
        body.insert("stream".into(), json!(true));
    }
    Value::Object(body)
}

/// `thinking` setting: the client's own budget, or one mapped from an OpenAI effort when the
/// upstream model reasons (low 2k, medium 8k, high 24k tokens).
fn thinking(request: &Request, options: &EncodeOptions) -> Option<Value> {
    let reasoning = request.reasoning.as_ref()?;
    if options.upstream_lacks_reasoning {
        return None;
    }
    if request.origin != Some(Protocol::Anthropic) && !options.upstream_supports_reasoning {
        return None;
    }
    // Anthropic refuses thinking when the tool choice forces a call; the client's tool
    // requirement is kept and thinking dropped.
    let forced = matches!(
        request.tool_choice,
        Some(ToolChoice::Required | ToolChoice::Tool(_))
    );
    if forced && !request.tools.is_empty() {
        return None;
    }
    let budget = reasoning
        .budget_tokens
        .or_else(|| match reasoning.effort.as_deref()? {
            "minimal" | "none" => None,
            "low" => Some(2048),
            "medium" => Some(8192),
            _ => Some(24576),
        })?;
    Some(json!({"type": "enabled", "budget_tokens": budget}))
}

fn encode_tool_choice(request: &Request) -> Option<Value> {
    let mut choice = match request.tool_choice.as_ref() {
        Some(ToolChoice::Auto) => json!({"type": "auto"}),
        Some(ToolChoice::None) => json!({"type": "none"}),
        Some(ToolChoice::Required) => json!({"type": "any"}),
        Some(ToolChoice::Tool(name)) => json!({"type": "tool", "name": name}),
        None if request.parallel_tool_calls == Some(false) => json!({"type": "auto"}),
        None => return None,
    };
    if request.parallel_tool_calls == Some(false) && choice["type"] != "none" {
        choice["disable_parallel_tool_use"] = json!(true);
    }
    Some(choice)
}

/// Turns in Anthropic form; consecutive turns of one role are merged, since Chat's separate
/// `tool` and `user` messages become one Anthropic user turn.
/// Marks a block as the end of a prefix Anthropic should cache.
fn mark_cached(block: Option<&mut Value>) {
    if let Some(block) = block.and_then(Value::as_object_mut) {
        block.insert("cache_control".into(), json!({"type": "ephemeral"}));
    }
}

fn encode_messages(messages: &[Message]) -> Vec<Value> {
    let mut out: Vec<(Role, Vec<Value>)> = Vec::new();
    for message in messages {
        let mut blocks: Vec<Value> = message.content.iter().filter_map(encode_block).collect();
        // Tool results must open a user turn.
        blocks.sort_by_key(|b| b["type"] != "tool_result");
        if blocks.is_empty() {
            continue;
        }
        match out.last_mut() {
            Some((role, existing)) if *role == message.role => existing.extend(blocks),
            _ => out.push((message.role, blocks)),
        }
    }
    out.into_iter()
        .map(|(role, blocks)| {
            let role = if role == Role::Assistant {
                "assistant"
            } else {
                "user"
            };
            json!({"role": role, "content": blocks})
        })
        .collect()
}

fn encode_block(part: &Part) -> Option<Value> {
    Some(match part {
        // Anthropic rejects empty text blocks.
        Part::Text(text) if text.is_empty() => return None,
        Part::Text(text) | Part::Refusal(text) => json!({"type": "text", "text": text}),
        Part::Image(Image::Base64 { media_type, data }) => {
            json!({"type": "image", "source": {"type": "base64", "media_type": media_type, "data": data}})
        }
        Part::Image(Image::Url(url)) => {
            json!({"type": "image", "source": {"type": "url", "url": url}})
        }
        Part::Document(document) => encode_document(document),
        Part::ToolCall { .. } | Part::CustomToolCall { .. } => {
            let (id, name, arguments) = part.as_tool_call()?;
            json!({"type": "tool_use", "id": id, "name": name, "input": arguments_object(&arguments)})
        }
        Part::ToolResult {
            call_id,
            content,
            is_error,
        } => {
            let blocks: Vec<Value> = content.iter().filter_map(encode_block).collect();
            let mut result =
                json!({"type": "tool_result", "tool_use_id": call_id, "content": blocks});
            if *is_error {
                result["is_error"] = json!(true);
            }
            result
        }
        // Anthropic only accepts thinking it signed itself; unsigned reasoning is dropped.
        Part::Reasoning {
            text,
            signature: Some(signature),
        } => {
            json!({"type": "thinking", "thinking": text, "signature": signature})
        }
        Part::Reasoning {
            signature: None, ..
        } => return None,
        Part::RedactedReasoning { data } => json!({"type": "redacted_thinking", "data": data}),
    })
}

fn encode_document(document: &Document) -> Value {
    let source = match &document.source {
        DocumentSource::Base64 { media_type, data } => {
            json!({"type": "base64", "media_type": media_type, "data": data})
        }
        DocumentSource::Text(text) => {
            json!({"type": "text", "media_type": "text/plain", "data": text})
        }
        DocumentSource::Url(url) => json!({"type": "url", "url": url}),
    };
    let mut block = json!({"type": "document", "source": source});
    if let Some(name) = &document.name {
        block["title"] = json!(name);
    }
    block
}
