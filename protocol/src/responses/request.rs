//! Responses request <-> hub request. `instructions` is the system prompt; `input` is a string
//! or a list of items; tools are flat (`{"type":"function","name",...}`), not nested as in Chat.

use crate::error::ConvertError;
use crate::hub::{
    Document, DocumentSource, Image, Message, OutputFormat, Part, Reasoning, Request, Role, Tool,
    ToolChoice,
};
use crate::json::{f64_field, put, str_field, u64_field, unknown_fields};
use crate::openai_chat::reasoning_effort_for;
use crate::{EncodeOptions, Protocol};
use serde_json::{Map, Value, json};

const PROTOCOL: &str = "OpenAI Responses";

/// The top-level fields the decoder reads; the rest stay in `extra` (see `fields`).
pub(crate) const KNOWN: &[&str] = &[
    "model",
    "instructions",
    "input",
    "tools",
    "tool_choice",
    "parallel_tool_calls",
    "temperature",
    "top_p",
    "max_output_tokens",
    "stream",
    "reasoning",
    "user",
    // Read for its effect: reasoning items always carry their token in encrypted_content.
    "include",
    "prompt_cache_key",
    "text",
];

pub fn decode_request(body: &Value) -> Result<Request, ConvertError> {
    let mut request = Request {
        model: str_field(body, "model").unwrap_or_default(),
        system: str_field(body, "instructions").into_iter().collect(),
        tools: decode_tools(body),
        builtin_tools: builtin_tools(body),
        tool_choice: body.get("tool_choice").and_then(decode_tool_choice),
        parallel_tool_calls: body.get("parallel_tool_calls").and_then(Value::as_bool),
        temperature: f64_field(body, "temperature"),
        top_p: f64_field(body, "top_p"),
        max_tokens: u64_field(body, "max_output_tokens"),
        stream: body.get("stream").and_then(Value::as_bool).unwrap_or(false),
        include_usage: true,
        reasoning: body
            .pointer("/reasoning/effort")
            .and_then(Value::as_str)
            .map(|effort| Reasoning {
                budget_tokens: None,
                effort: Some(effort.to_owned()),
            }),
        user: str_field(body, "user"),
        cache_key: str_field(body, "prompt_cache_key"),
        output_format: body
            .pointer("/text/format")
            .and_then(OutputFormat::from_openai),
        origin: Some(Protocol::Responses),
        extra: body
            .as_object()
            .map(|o| unknown_fields(o, KNOWN))
            .unwrap_or_default(),
        ..Request::default()
    };
    match body.get("input") {
        Some(Value::String(text)) => request.messages.push(Message {
            role: Role::User,
            content: vec![Part::Text(text.clone())],
        }),
        Some(Value::Array(items)) => items
            .iter()
            .for_each(|item| decode_item(item, &mut request)),
        None => {}
        Some(_) => {
            return Err(ConvertError::InvalidField {
                protocol: PROTOCOL,
                field: "input",
                problem: "must be a string or an array of input items",
            });
        }
    }
    Ok(request)
}

fn decode_item(item: &Value, request: &mut Request) {
    let kind = item
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("message");
    match kind {
        "message" => {
            let content = decode_content(item.get("content"));
            match item.get("role").and_then(Value::as_str).unwrap_or("user") {
                "system" | "developer" => {
                    request.system.push(crate::openai_chat::text_of(&content))
                }
                "assistant" => push_turn(&mut request.messages, Role::Assistant, content),
                _ => push_turn(&mut request.messages, Role::User, content),
            }
        }
        "function_call" => {
            let call = Part::ToolCall {
                id: str_field(item, "call_id").unwrap_or_default(),
                name: str_field(item, "name").unwrap_or_default(),
                arguments: str_field(item, "arguments").unwrap_or_default(),
            };
            push_turn(&mut request.messages, Role::Assistant, vec![call]);
        }
        "custom_tool_call" => {
            let call = Part::CustomToolCall {
                id: str_field(item, "call_id").unwrap_or_default(),
                name: str_field(item, "name").unwrap_or_default(),
                input: str_field(item, "input").unwrap_or_default(),
            };
            push_turn(&mut request.messages, Role::Assistant, vec![call]);
        }
        "function_call_output" | "custom_tool_call_output" => {
            let content = match item.get("output") {
                Some(Value::String(text)) => vec![Part::Text(text.clone())],
                other => decode_content(other),
            };
            let call_id = str_field(item, "call_id").unwrap_or_default();
            let result = Part::tool_result(call_id, content);
            push_turn(&mut request.messages, Role::User, vec![result]);
        }
        "reasoning" => {
            let part = super::reasoning::decode_item(item);
            push_turn(
                &mut request.messages,
                Role::Assistant,
                part.into_iter().collect(),
            );
        }
        // Built-in tool calls (web search, file search, computer) have no hub form.
        _ => {}
    }
}

fn push_turn(messages: &mut Vec<Message>, role: Role, parts: Vec<Part>) {
    match messages.last_mut() {
        Some(last) if last.role == role => last.content.extend(parts),
        _ => messages.push(Message {
            role,
            content: parts,
        }),
    }
}

fn decode_content(content: Option<&Value>) -> Vec<Part> {
    match content {
        Some(Value::String(text)) => vec![Part::Text(text.clone())],
        Some(Value::Array(parts)) => parts
            .iter()
            .filter_map(|part| match part.get("type").and_then(Value::as_str)? {
                "input_text" | "output_text" | "text" => str_field(part, "text").map(Part::Text),
                "refusal" => str_field(part, "refusal").map(Part::Refusal),
                "input_image" => {
                    str_field(part, "image_url").map(|url| Part::Image(Image::from_url(&url)))
                }
                "input_file" => str_field(part, "file_data")
                    .or_else(|| str_field(part, "file_url"))
                    .map(|url| {
                        Part::Document(Document::from_url(str_field(part, "filename"), &url))
                    }),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// Function tools, with the functions of each `namespace` tool (Codex groups an MCP server's
/// tools so) flattened into `{namespace}__{name}`, the form other protocols' tool names take.
/// Built-in tools (web search, ...) have no equivalent elsewhere and are left out.
fn decode_tools(body: &Value) -> Vec<Tool> {
    let mut out = Vec::new();
    for tool in body
        .get("tools")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        match tool.get("type").and_then(Value::as_str) {
            Some("function") => out.push(Tool::from_openai_function(tool)),
            // Codex's freeform tools (`apply_patch`): raw text in, offered as one string.
            Some("custom") => out.push(Tool::freeform(
                str_field(tool, "name").unwrap_or_default(),
                str_field(tool, "description"),
            )),
            Some("namespace") => {
                let namespace = tool.get("name").and_then(Value::as_str).unwrap_or_default();
                let functions = tool
                    .get("tools")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten();
                for function in functions.filter(|f| {
                    f.get("type")
                        .and_then(Value::as_str)
                        .is_none_or(|t| t == "function")
                }) {
                    let mut flat = Tool::from_openai_function(function);
                    if !namespace.is_empty() {
                        flat.name = format!("{namespace}__{}", flat.name);
                    }
                    out.push(flat);
                }
            }
            _ => {}
        }
    }
    out
}

/// The types of the built-in tools offered (`web_search`, `local_shell`, ...), which
/// `decode_tools` leaves out.
fn builtin_tools(body: &Value) -> Vec<String> {
    let tools = body.get("tools").and_then(Value::as_array);
    tools
        .into_iter()
        .flatten()
        .filter_map(|tool| tool.get("type").and_then(Value::as_str))
        .filter(|kind| !matches!(*kind, "function" | "custom" | "namespace"))
        .map(str::to_owned)
        .collect()
}

fn decode_tool_choice(choice: &Value) -> Option<ToolChoice> {
    match choice {
        Value::String(keyword) => ToolChoice::from_openai_keyword(keyword),
        Value::Object(_) => str_field(choice, "name").map(ToolChoice::Tool),
        _ => None,
    }
}

pub fn encode_request(request: &Request, options: &EncodeOptions) -> Value {
    let mut body = Map::new();
    if request.origin == Some(Protocol::Responses) {
        body.extend(request.extra.clone());
    }
    body.insert(
        "model".into(),
        json!(options.model.as_deref().unwrap_or(&request.model)),
    );
    if !request.system.is_empty() {
        body.insert("instructions".into(), json!(request.system.join("\n\n")));
    }
    let mut input = Vec::new();
    for message in &request.messages {
        encode_message(message, &mut input);
    }
    body.insert("input".into(), Value::Array(input));
    if !request.tools.is_empty() {
        let tools = request.tools.iter().map(|tool| {
            let mut out =
                json!({"type": "function", "name": tool.name, "parameters": tool.parameters});
            if let Some(description) = &tool.description {
                out["description"] = json!(description);
            }
            out
        });
        body.insert("tools".into(), Value::Array(tools.collect()));
        put(
            &mut body,
            "parallel_tool_calls",
            request.parallel_tool_calls,
        );
    }
    put(
        &mut body,
        "tool_choice",
        request.tool_choice.as_ref().map(|choice| match choice {
            ToolChoice::Auto => json!("auto"),
            ToolChoice::None => json!("none"),
            ToolChoice::Required => json!("required"),
            ToolChoice::Tool(name) => json!({"type": "function", "name": name}),
        }),
    );
    put(&mut body, "temperature", request.temperature);
    put(&mut body, "top_p", request.top_p);
    put(
        &mut body,
        "max_output_tokens",
        options.max_tokens_for(request.max_tokens),
    );
    put(&mut body, "user", request.user.clone());
    put(&mut body, "prompt_cache_key", request.cache_key.clone());
    if let Some(effort) = reasoning_effort_for(request, options) {
        body.insert("reasoning".into(), json!({"effort": effort}));
    }
    if request.stream {
        body.insert("stream".into(), json!(true));
    }
    Value::Object(body)
}

fn encode_message(message: &Message, input: &mut Vec<Value>) {
    let role = if message.role == Role::Assistant {
        "assistant"
    } else {
        "user"
    };
    let mut pending: Vec<Value> = Vec::new();
    let flush = |pending: &mut Vec<Value>, input: &mut Vec<Value>| {
        if !pending.is_empty() {
            input
                .push(json!({"type": "message", "role": role, "content": std::mem::take(pending)}));
        }
    };
    for part in &message.content {
        match part {
            Part::Text(text) if message.role == Role::Assistant => {
                pending.push(json!({"type": "output_text", "text": text}))
            }
            Part::Text(text) => pending.push(json!({"type": "input_text", "text": text})),
            Part::Refusal(text) => pending.push(json!({"type": "refusal", "refusal": text})),
            Part::Image(image) => {
                pending.push(json!({"type": "input_image", "image_url": image.to_url()}))
            }
            Part::Document(document) => pending.push(match &document.source {
                DocumentSource::Text(text) => json!({"type": "input_text", "text": text}),
                DocumentSource::Url(url) => json!({"type": "input_file", "file_url": url}),
                DocumentSource::Base64 { .. } => json!({"type": "input_file",
                    "filename": document.file_name(), "file_data": document.data_url()}),
            }),
            Part::ToolCall {
                id,
                name,
                arguments,
            } => {
                flush(&mut pending, input);
                input.push(json!({"type": "function_call", "call_id": id, "name": name, "arguments": arguments}));
            }
            Part::CustomToolCall {
                id,
                name,
                input: text,
            } => {
                flush(&mut pending, input);
                input.push(
                    json!({"type": "custom_tool_call", "call_id": id, "name": name, "input": text}),
                );
            }
            Part::ToolResult {
                call_id,
                content,
                is_error,
            } => {
                flush(&mut pending, input);
                let output = Part::tool_output_text(content, *is_error);
                input.push(
                    json!({"type": "function_call_output", "call_id": call_id, "output": output}),
                );
            }
            // Reasoning items need the upstream's own id and token to be sent back; summaries
            // alone are rejected, and another provider's reasoning means nothing to OpenAI, so
            // reasoning is not replayed to a Responses upstream.
            Part::Reasoning { .. } | Part::RedactedReasoning { .. } => {}
        }
    }
    flush(&mut pending, input);
}
