//! Chat Completions request <-> hub request. Chat keeps system prompts and tool results as
//! messages of their own; the hub keeps them as the system list and user-side parts.

use crate::error::ConvertError;
use crate::hub::{
    Document, DocumentSource, Image, Message, OutputFormat, Part, Reasoning, Request, Role, Tool,
    ToolChoice,
};
use crate::json::{f64_field, put, str_field, string_list, u64_field, unknown_fields};
use crate::{EncodeOptions, Protocol};
use serde_json::{Map, Value, json};

const PROTOCOL: &str = "OpenAI Chat Completions";

/// The top-level fields the decoder reads; the rest stay in `extra` (see `fields`).
pub(crate) const KNOWN: &[&str] = &[
    "model",
    "messages",
    "tools",
    "tool_choice",
    "parallel_tool_calls",
    "stop",
    "temperature",
    "top_p",
    "max_tokens",
    "max_completion_tokens",
    "stream",
    "stream_options",
    "reasoning_effort",
    "user",
    "functions",
    "function_call",
    "prompt_cache_key",
    "response_format",
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
    let mut request = Request {
        model: str_field(body, "model").unwrap_or_default(),
        tools: decode_tools(body),
        tool_choice: body
            .get("tool_choice")
            .or_else(|| body.get("function_call"))
            .and_then(decode_tool_choice),
        parallel_tool_calls: body.get("parallel_tool_calls").and_then(Value::as_bool),
        stop: string_list(body.get("stop")),
        temperature: f64_field(body, "temperature"),
        top_p: f64_field(body, "top_p"),
        max_tokens: u64_field(body, "max_completion_tokens")
            .or_else(|| u64_field(body, "max_tokens")),
        stream: body.get("stream").and_then(Value::as_bool).unwrap_or(false),
        include_usage: body
            .pointer("/stream_options/include_usage")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        reasoning: str_field(body, "reasoning_effort").map(|effort| Reasoning {
            budget_tokens: None,
            effort: Some(effort),
        }),
        user: str_field(body, "user"),
        cache_key: str_field(body, "prompt_cache_key"),
        output_format: body
            .get("response_format")
            .and_then(crate::hub::OutputFormat::from_openai),
        origin: Some(Protocol::OpenAiChat),
        extra: body
            .as_object()
            .map(|o| unknown_fields(o, KNOWN))
            .unwrap_or_default(),
        ..Request::default()
    };
    for message in messages {
        decode_message(message, &mut request);
    }
    Ok(request)
}

fn decode_message(message: &Value, request: &mut Request) {
    let content = message.get("content");
    match message
        .get("role")
        .and_then(Value::as_str)
        .unwrap_or("user")
    {
        "system" | "developer" => request.system.push(content_text(content)),
        "assistant" => {
            let mut parts = super::reasoning::decode_parts(message);
            parts.extend(decode_content(content));
            parts.extend(
                str_field(message, "refusal")
                    .filter(|r| !r.is_empty())
                    .map(Part::Refusal),
            );
            parts.extend(super::decode_tool_calls(message));
            push_turn(&mut request.messages, Role::Assistant, parts);
        }
        "tool" | "function" => {
            let call_id = str_field(message, "tool_call_id")
                .or_else(|| str_field(message, "name"))
                .unwrap_or_default();
            let result = Part::tool_result(call_id, decode_content(content));
            push_turn(&mut request.messages, Role::User, vec![result]);
        }
        _ => push_turn(&mut request.messages, Role::User, decode_content(content)),
    }
}

/// Appends parts to the last turn when it has the same role (tool messages followed by a user
/// message form one hub user turn), else starts a new turn.
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
        Some(Value::String(text)) if !text.is_empty() => vec![Part::Text(text.clone())],
        Some(Value::Array(items)) => items.iter().filter_map(decode_content_part).collect(),
        _ => Vec::new(),
    }
}

fn decode_content_part(part: &Value) -> Option<Part> {
    match part.get("type").and_then(Value::as_str)? {
        "text" | "input_text" => str_field(part, "text").map(Part::Text),
        "image_url" => {
            let url = part
                .pointer("/image_url/url")
                .or_else(|| part.get("image_url"))?
                .as_str()?;
            Some(Part::Image(Image::from_url(url)))
        }
        "file" => {
            let file = part.get("file")?;
            let data = str_field(file, "file_data")?;
            Some(Part::Document(Document::from_url(
                str_field(file, "filename"),
                &data,
            )))
        }
        // Audio parts, and files only OpenAI holds (`file_id`), have no hub form.
        _ => None,
    }
}

/// Text of a string-or-parts content, parts joined with newlines.
fn content_text(content: Option<&Value>) -> String {
    decode_content(content)
        .iter()
        .filter_map(|part| match part {
            Part::Text(text) => Some(text.as_str()),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn decode_tools(body: &Value) -> Vec<Tool> {
    let tools = body
        .get("tools")
        .and_then(Value::as_array)
        .into_iter()
        .flatten();
    // The legacy `functions` are the same definitions without the `function` wrapper.
    let legacy = body
        .get("functions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten();
    tools
        .filter_map(|tool| tool.get("function"))
        .chain(legacy)
        .map(Tool::from_openai_function)
        .collect()
}

fn decode_tool_choice(choice: &Value) -> Option<ToolChoice> {
    match choice {
        Value::String(keyword) => ToolChoice::from_openai_keyword(keyword),
        // `{"type":"function","function":{"name"}}`, or the legacy `function_call: {"name"}`.
        Value::Object(_) => choice
            .pointer("/function/name")
            .or_else(|| choice.get("name"))
            .and_then(Value::as_str)
            .map(|n| ToolChoice::Tool(n.to_owned())),
        _ => None,
    }
}

pub fn encode_request(request: &Request, options: &EncodeOptions) -> Value {
    let mut body = Map::new();
    if request.origin == Some(Protocol::OpenAiChat) {
        body.extend(request.extra.clone());
    }
    body.insert(
        "model".into(),
        json!(options.model.as_deref().unwrap_or(&request.model)),
    );
    let mut messages: Vec<Value> = request
        .system
        .iter()
        .map(|s| json!({"role": "system", "content": s}))
        .collect();
    for message in &request.messages {
        encode_message(message, options, &mut messages);
    }
    body.insert("messages".into(), Value::Array(messages));
    if !request.tools.is_empty() {
        let tools = request.tools.iter().map(|tool| {
            let mut function = json!({"name": tool.name, "parameters": tool.parameters});
            if let Some(description) = &tool.description {
                function["description"] = json!(description);
            }
            json!({"type": "function", "function": function})
        });
        body.insert("tools".into(), Value::Array(tools.collect()));
    }
    put(
        &mut body,
        "tool_choice",
        request.tool_choice.as_ref().map(encode_tool_choice),
    );
    if !request.tools.is_empty() {
        put(
            &mut body,
            "parallel_tool_calls",
            request.parallel_tool_calls,
        );
    }
    if !request.stop.is_empty() {
        body.insert("stop".into(), json!(request.stop));
    }
    put(&mut body, "temperature", request.temperature);
    put(&mut body, "top_p", request.top_p);
    // OpenAI's reasoning models reject `max_tokens` and want `max_completion_tokens`; other
    // compatible upstreams (relays, older deployments) only know `max_tokens`.
    let max_tokens_field = if options.upstream_supports_reasoning {
        "max_completion_tokens"
    } else {
        "max_tokens"
    };
    body.remove("max_tokens");
    body.remove("max_completion_tokens");
    put(
        &mut body,
        max_tokens_field,
        options.max_tokens_for(request.max_tokens),
    );
    put(&mut body, "user", request.user.clone());
    put(&mut body, "prompt_cache_key", request.cache_key.clone());
    put(
        &mut body,
        "response_format",
        request.output_format.as_ref().map(|format| match format {
            OutputFormat::JsonObject => json!({"type": "json_object"}),
            OutputFormat::JsonSchema {
                name,
                schema,
                strict,
            } => {
                let mut spec = json!({"name": name, "schema": schema});
                if let Some(strict) = strict {
                    spec["strict"] = json!(strict);
                }
                json!({"type": "json_schema", "json_schema": spec})
            }
        }),
    );
    if let Some(effort) = reasoning_effort_for(request, options) {
        body.insert("reasoning_effort".into(), json!(effort));
    }
    if request.stream {
        body.insert("stream".into(), json!(true));
        if options.upstream_accepts_include_usage {
            body.insert("stream_options".into(), json!({"include_usage": true}));
        } else {
            body.remove("stream_options");
        }
    }
    Value::Object(body)
}

/// The effort to send: the client's own when it spoke OpenAI, else mapped from a thinking budget
/// when the upstream model reasons (<= 2k tokens low, <= 8k medium, more high).
pub(crate) fn reasoning_effort_for(request: &Request, options: &EncodeOptions) -> Option<String> {
    let reasoning = request.reasoning.as_ref()?;
    if options.upstream_lacks_reasoning {
        return None;
    }
    let same_family = matches!(
        request.origin,
        Some(Protocol::OpenAiChat | Protocol::Responses)
    );
    if !same_family && !options.upstream_supports_reasoning {
        return None;
    }
    reasoning.effort.clone().or_else(|| {
        reasoning.budget_tokens.map(|budget| match budget {
            0..=2048 => "low".to_owned(),
            2049..=8192 => "medium".to_owned(),
            _ => "high".to_owned(),
        })
    })
}

fn encode_tool_choice(choice: &ToolChoice) -> Value {
    match choice {
        ToolChoice::Auto => json!("auto"),
        ToolChoice::None => json!("none"),
        ToolChoice::Required => json!("required"),
        ToolChoice::Tool(name) => json!({"type": "function", "function": {"name": name}}),
    }
}

fn encode_message(message: &Message, options: &EncodeOptions, out: &mut Vec<Value>) {
    match message.role {
        Role::Assistant => out.push(encode_assistant(&message.content, options)),
        Role::User => {
            // Tool results become `tool` messages, which must directly follow the assistant turn.
            let mut rest = Vec::new();
            for part in &message.content {
                match part {
                    Part::ToolResult {
                        call_id,
                        content,
                        is_error,
                    } => {
                        // A tool message holds text only: text documents join its text, and
                        // images and files follow in the user turn, labelled with their call.
                        let (inline, attached): (Vec<Part>, Vec<Part>) = content
                            .iter()
                            .map(document_as_text)
                            .partition(|p| !matches!(p, Part::Image(_) | Part::Document(_)));
                        let output = Part::tool_output_text(&inline, *is_error);
                        out.push(
                            json!({"role": "tool", "tool_call_id": call_id, "content": output}),
                        );
                        if !attached.is_empty() {
                            rest.push(Part::Text(format!(
                                "Attachments returned by tool call {call_id}:"
                            )));
                            rest.extend(attached);
                        }
                    }
                    other => rest.push(other.clone()),
                }
            }
            if !rest.is_empty() {
                out.push(json!({"role": "user", "content": encode_user_content(&rest)}));
            }
        }
    }
}

fn encode_assistant(parts: &[Part], options: &EncodeOptions) -> Value {
    let text = text_of(parts);
    let mut message = Map::new();
    message.insert("role".into(), json!("assistant"));
    message.insert(
        "content".into(),
        if text.is_empty() {
            Value::Null
        } else {
            json!(text)
        },
    );
    // The reasoning goes back with its turn: DeepSeek refuses a tool-calling turn without it.
    if !options.upstream_rejects_reasoning_input {
        super::reasoning::encode_into(parts, &mut message);
    }
    if let Some(refusal) = super::refusal_of(parts) {
        message.insert("refusal".into(), json!(refusal));
    }
    let mut message = Value::Object(message);
    let calls: Vec<Value> = parts
        .iter()
        .filter_map(|part| match part {
            Part::ToolCall { .. } | Part::CustomToolCall { .. } => {
                let (id, name, arguments) = part.as_tool_call()?;
                Some(json!({"id": id, "type": "function", "function": {"name": name, "arguments": arguments}}))
            }
            _ => None,
        })
        .collect();
    if !calls.is_empty() {
        message["tool_calls"] = Value::Array(calls);
    }
    message
}

fn encode_user_content(parts: &[Part]) -> Value {
    if let [Part::Text(text)] = parts {
        return json!(text);
    }
    let items = parts.iter().filter_map(|part| match part {
        Part::Text(text) => Some(json!({"type": "text", "text": text})),
        Part::Image(image) => {
            Some(json!({"type": "image_url", "image_url": {"url": image.to_url()}}))
        }
        Part::Document(document) => Some(match document.data_url() {
            Some(url) => json!({"type": "file", "file": {"filename": document.file_name(), "file_data": url}}),
            None => json!({"type": "text", "text": document_text(document)}),
        }),
        _ => None,
    });
    Value::Array(items.collect())
}

/// A document Chat cannot attach (text, or a URL it cannot fetch) as the text that says it.
fn document_text(document: &Document) -> String {
    let name = document.file_name();
    match &document.source {
        DocumentSource::Text(text) => format!("Document {name}:\n{text}"),
        DocumentSource::Url(url) => format!("Document {name}: {url}"),
        DocumentSource::Base64 { media_type, .. } => format!("Document {name} ({media_type})"),
    }
}

/// A text document as a text part (so it can stay in a tool message); other parts as they are.
fn document_as_text(part: &Part) -> Part {
    match part {
        Part::Document(
            document @ Document {
                source: DocumentSource::Text(_),
                ..
            },
        ) => Part::Text(document_text(document)),
        other => other.clone(),
    }
}

/// Concatenated text parts.
pub(crate) fn text_of(parts: &[Part]) -> String {
    parts
        .iter()
        .filter_map(|part| match part {
            Part::Text(text) => Some(text.as_str()),
            _ => None,
        })
        .collect()
}
