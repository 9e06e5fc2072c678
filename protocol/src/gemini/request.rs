//! Gemini `GenerateContentRequest` <-> hub request. Gemini names the assistant `model`, keeps
//! sampling settings in `generationConfig`, and pairs a `functionResponse` with its call by
//! `id` when the model gave one and by `name` otherwise, so decoding gives every call an id and
//! every result the id of the call it answers, and encoding finds each result's function name.

use crate::error::ConvertError;
use crate::hub::{
    DocumentSource, Image, Message, OutputFormat, Part, Reasoning, Request, Role, Tool, ToolChoice,
};
use crate::json::{f64_field, put, str_field, string_list, u64_field, unknown_fields};
use crate::{EncodeOptions, Protocol};
use serde_json::{Map, Value, json};

const PROTOCOL: &str = "Gemini";

/// The top-level fields the decoder reads; the rest stay in `extra` (see `fields`).
pub(crate) const KNOWN: &[&str] = &[
    "model",
    "contents",
    "systemInstruction",
    "system_instruction",
    "tools",
    "toolConfig",
    "generationConfig",
];

pub fn decode_request(body: &Value) -> Result<Request, ConvertError> {
    let contents =
        body.get("contents")
            .and_then(Value::as_array)
            .ok_or(ConvertError::InvalidField {
                protocol: PROTOCOL,
                field: "contents",
                problem: "is missing or not an array; send the conversation as `contents: [...]`",
            })?;
    let config = body.get("generationConfig").unwrap_or(&Value::Null);
    let mut calls = CallIds::default();
    let messages = contents
        .iter()
        .map(|content| decode_content(content, &mut calls))
        .collect();
    let system = body
        .get("systemInstruction")
        .or_else(|| body.get("system_instruction"));
    Ok(Request {
        model: String::new(),
        system: decode_system(system),
        messages,
        tools: decode_tools(body.get("tools")),
        tool_choice: decode_tool_choice(body.pointer("/toolConfig/functionCallingConfig")),
        parallel_tool_calls: None,
        stop: string_list(config.get("stopSequences")),
        temperature: f64_field(config, "temperature"),
        top_p: f64_field(config, "topP"),
        max_tokens: u64_field(config, "maxOutputTokens"),
        stream: false,
        include_usage: true,
        reasoning: decode_reasoning(config.get("thinkingConfig")),
        user: None,
        cache_key: None,
        output_format: decode_output_format(config),
        builtin_tools: Vec::new(),
        origin: Some(Protocol::Gemini),
        extra: body
            .as_object()
            .map(|o| unknown_fields(o, KNOWN))
            .unwrap_or_default(),
    })
}

/// `systemInstruction`: a `Content` (`{"parts":[{"text"}]}`) or, as some clients send, a string.
fn decode_system(system: Option<&Value>) -> Vec<String> {
    match system {
        Some(Value::String(text)) => vec![text.clone()],
        Some(content) => parts_of(content)
            .filter_map(|part| str_field(part, "text"))
            .collect(),
        None => Vec::new(),
    }
}

fn parts_of(content: &Value) -> impl Iterator<Item = &Value> {
    content
        .get("parts")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
}

/// The ids of the calls seen so far, so a result without an id (or with one the call did not
/// have) answers the oldest unanswered call of its function.
#[derive(Default)]
pub(super) struct CallIds {
    /// (id, function name, answered) in the order the calls were made.
    calls: Vec<(String, String, bool)>,
}

impl CallIds {
    pub(super) fn call(&mut self, id: Option<String>, name: &str) -> String {
        let id = id
            .filter(|id| !id.is_empty())
            .unwrap_or_else(|| super::fallback_call_id(self.calls.len(), name));
        self.calls.push((id.clone(), name.to_owned(), false));
        id
    }

    fn result(&mut self, id: Option<String>, name: &str) -> String {
        let position = id
            .as_deref()
            .and_then(|id| self.calls.iter().position(|(call, _, _)| call == id))
            .or_else(|| {
                self.calls
                    .iter()
                    .position(|(_, call, answered)| call == name && !answered)
            });
        match position {
            Some(at) => {
                self.calls[at].2 = true;
                self.calls[at].0.clone()
            }
            None => id.unwrap_or_else(|| format!("call_{name}")),
        }
    }
}

fn decode_content(content: &Value, calls: &mut CallIds) -> Message {
    let role = match content.get("role").and_then(Value::as_str) {
        Some("model") => Role::Assistant,
        _ => Role::User,
    };
    Message {
        role,
        content: parts_of(content)
            .filter_map(|part| decode_part(part, calls))
            .collect(),
    }
}

pub(super) fn decode_part(part: &Value, calls: &mut CallIds) -> Option<Part> {
    if let Some(call) = part.get("functionCall") {
        let name = str_field(call, "name").unwrap_or_default();
        return Some(Part::ToolCall {
            id: calls.call(str_field(call, "id"), &name),
            arguments: call
                .get("args")
                .map_or_else(|| "{}".to_owned(), Value::to_string),
            name,
        });
    }
    if let Some(result) = part.get("functionResponse") {
        let name = str_field(result, "name").unwrap_or_default();
        let response = result.get("response").unwrap_or(&Value::Null);
        return Some(Part::ToolResult {
            call_id: calls.result(str_field(result, "id"), &name),
            content: vec![Part::Text(result_text(response))],
            is_error: response.get("error").is_some() && response.get("output").is_none(),
        });
    }
    if let Some(data) = part.get("inlineData") {
        return Some(Part::Image(Image::Base64 {
            media_type: str_field(data, "mimeType").unwrap_or_else(|| "image/png".to_owned()),
            data: str_field(data, "data")?,
        }));
    }
    if let Some(file) = part.get("fileData") {
        return Some(Part::Image(Image::Url(str_field(file, "fileUri")?)));
    }
    let text = str_field(part, "text")?;
    if part.get("thought").and_then(Value::as_bool) == Some(true) {
        // A `thoughtSignature` is Gemini's own: no other provider can check it, and a
        // Gemini upstream gets a Gemini client's body untouched, signatures included.
        return Some(Part::Reasoning {
            text,
            signature: None,
        });
    }
    Some(Part::Text(text))
}

/// A function's result as text for protocols that carry results as text: the `output` (or
/// `error`) string when that is all it holds, otherwise the whole object as JSON.
fn result_text(response: &Value) -> String {
    let only = |key: &str| {
        response
            .as_object()
            .filter(|object| object.len() == 1)
            .and_then(|object| object.get(key))
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    only("output")
        .or_else(|| only("error"))
        .unwrap_or_else(|| response.to_string())
}

/// `tools[].functionDeclarations`; Google's own tools (search, code execution) have no hub form.
fn decode_tools(tools: Option<&Value>) -> Vec<Tool> {
    let declarations = tools
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|tool| {
            tool.get("functionDeclarations")
                .or_else(|| tool.get("function_declarations"))
                .and_then(Value::as_array)
        })
        .flatten();
    declarations
        .map(|function| Tool {
            name: str_field(function, "name").unwrap_or_default(),
            description: str_field(function, "description"),
            parameters: function
                .get("parametersJsonSchema")
                .cloned()
                .or_else(|| function.get("parameters").map(json_schema_of))
                .unwrap_or_else(|| json!({"type": "object", "properties": {}})),
            freeform: false,
        })
        .collect()
}

/// `generationConfig`'s structured answer: a JSON schema (`responseJsonSchema`, or the
/// OpenAPI-style `responseSchema`), or any JSON (`responseMimeType: application/json`).
fn decode_output_format(config: &Value) -> Option<OutputFormat> {
    let schema = config
        .get("responseJsonSchema")
        .cloned()
        .or_else(|| config.get("responseSchema").map(json_schema_of));
    match schema {
        Some(schema) => Some(OutputFormat::JsonSchema {
            name: "output".into(),
            schema,
            strict: None,
        }),
        None => (str_field(config, "responseMimeType").as_deref() == Some("application/json"))
            .then_some(OutputFormat::JsonObject),
    }
}

/// Gemini's OpenAPI-style `parameters` schema as JSON Schema: its type names may be upper case
/// (`OBJECT`, `STRING`), which JSON Schema validators reject.
fn json_schema_of(schema: &Value) -> Value {
    match schema {
        Value::Object(object) => Value::Object(
            object
                .iter()
                .map(|(key, value)| {
                    let value = match (key.as_str(), value) {
                        ("type", Value::String(name)) => json!(name.to_ascii_lowercase()),
                        _ => json_schema_of(value),
                    };
                    (key.clone(), value)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(json_schema_of).collect()),
        other => other.clone(),
    }
}

fn decode_tool_choice(config: Option<&Value>) -> Option<ToolChoice> {
    let config = config?;
    let allowed = string_list(config.get("allowedFunctionNames"));
    match config.get("mode").and_then(Value::as_str)? {
        "NONE" => Some(ToolChoice::None),
        "ANY" if allowed.len() == 1 => Some(ToolChoice::Tool(allowed[0].clone())),
        "ANY" => Some(ToolChoice::Required),
        "AUTO" | "VALIDATED" => Some(ToolChoice::Auto),
        _ => None,
    }
}

/// `thinkingConfig`: a budget (`-1` means "the model decides", `0` "no thinking") or a level.
fn decode_reasoning(config: Option<&Value>) -> Option<Reasoning> {
    let config = config?;
    let budget = config.get("thinkingBudget").and_then(Value::as_i64);
    let level = str_field(config, "thinkingLevel").map(|level| level.to_ascii_lowercase());
    match (budget, level) {
        (Some(0), None) => None,
        (Some(budget), level) if budget > 0 => Some(Reasoning {
            budget_tokens: Some(budget as u64),
            effort: level,
        }),
        (_, Some(level)) => Some(Reasoning {
            budget_tokens: None,
            effort: Some(level),
        }),
        (Some(_), None) => Some(Reasoning {
            budget_tokens: None,
            effort: Some("medium".to_owned()),
        }),
        (None, None) => None,
    }
}

pub fn encode_request(request: &Request, options: &EncodeOptions) -> Value {
    let mut body = Map::new();
    let same_protocol = request.origin == Some(Protocol::Gemini);
    if same_protocol {
        body.extend(request.extra.clone());
    }
    let names = call_names(&request.messages);
    let contents: Vec<Value> = request
        .messages
        .iter()
        .filter_map(|message| encode_message(message, &names, same_protocol))
        .collect();
    body.insert("contents".into(), Value::Array(contents));
    if !request.system.is_empty() {
        let parts: Vec<Value> = request.system.iter().map(|t| json!({"text": t})).collect();
        body.insert("systemInstruction".into(), json!({"parts": parts}));
    }
    if !request.tools.is_empty() {
        let declarations: Vec<Value> = request.tools.iter().map(encode_tool).collect();
        body.insert(
            "tools".into(),
            json!([{"functionDeclarations": declarations}]),
        );
        if let Some(config) = request.tool_choice.as_ref().map(encode_tool_choice) {
            body.insert(
                "toolConfig".into(),
                json!({"functionCallingConfig": config}),
            );
        }
    }
    let config = generation_config(request, options, same_protocol);
    if !config.is_empty() {
        body.insert("generationConfig".into(), Value::Object(config));
    }
    Value::Object(body)
}

/// Call id -> function name, for results (Gemini's `functionResponse` needs the name).
fn call_names(messages: &[Message]) -> Vec<(&str, &str)> {
    messages
        .iter()
        .flat_map(|m| m.content.iter())
        .filter_map(|part| match part {
            Part::ToolCall { id, name, .. } => Some((id.as_str(), name.as_str())),
            _ => None,
        })
        .collect()
}

fn encode_message(message: &Message, names: &[(&str, &str)], same: bool) -> Option<Value> {
    let role = match message.role {
        Role::User => "user",
        Role::Assistant => "model",
    };
    let parts: Vec<Value> = message
        .content
        .iter()
        .filter_map(|part| encode_part(part, names, same))
        .collect();
    // Gemini refuses a turn with no parts.
    (!parts.is_empty()).then(|| json!({"role": role, "parts": parts}))
}

pub(super) fn encode_part(part: &Part, names: &[(&str, &str)], same: bool) -> Option<Value> {
    Some(match part {
        Part::Text(text) | Part::Refusal(text) => json!({"text": text}),
        Part::Image(Image::Base64 { media_type, data }) => {
            json!({"inlineData": {"mimeType": media_type, "data": data}})
        }
        Part::Image(Image::Url(url)) => json!({"fileData": {"fileUri": url}}),
        Part::Document(document) => match &document.source {
            DocumentSource::Base64 { media_type, data } => {
                json!({"inlineData": {"mimeType": media_type, "data": data}})
            }
            DocumentSource::Text(text) => json!({"text": text}),
            DocumentSource::Url(url) => json!({"fileData": {"fileUri": url}}),
        },
        Part::ToolCall { .. } | Part::CustomToolCall { .. } => {
            let (id, name, arguments) = part.as_tool_call()?;
            json!({"functionCall": {"id": id, "name": name, "args": crate::json::arguments_object(&arguments)}})
        }
        Part::ToolResult {
            call_id,
            content,
            is_error,
        } => {
            let name = names
                .iter()
                .find(|(id, _)| id == call_id)
                .map_or("", |(_, name)| name);
            let text = Part::tool_output_text(content, false);
            let key = if *is_error { "error" } else { "output" };
            json!({"functionResponse": {"id": call_id, "name": name, "response": {key: text}}})
        }
        // Thoughts go back to Gemini only when they came from a Gemini client; another
        // provider's signature means nothing to Gemini, so none is sent.
        Part::Reasoning { text, .. } if same => json!({"text": text, "thought": true}),
        Part::Reasoning { .. } => return None,
        // Anthropic's encrypted reasoning means nothing to Gemini.
        Part::RedactedReasoning { .. } => return None,
    })
}

fn encode_tool(tool: &Tool) -> Value {
    let mut schema = tool.parameters.clone();
    if !schema.is_object() {
        schema = json!({"type": "object", "properties": {}});
    }
    let mut out = json!({"name": tool.name, "parametersJsonSchema": schema});
    if let Some(description) = &tool.description {
        out["description"] = json!(description);
    }
    out
}

fn encode_tool_choice(choice: &ToolChoice) -> Value {
    match choice {
        ToolChoice::Auto => json!({"mode": "AUTO"}),
        ToolChoice::None => json!({"mode": "NONE"}),
        ToolChoice::Required => json!({"mode": "ANY"}),
        ToolChoice::Tool(name) => json!({"mode": "ANY", "allowedFunctionNames": [name]}),
    }
}

fn generation_config(
    request: &Request,
    options: &EncodeOptions,
    same_protocol: bool,
) -> Map<String, Value> {
    let mut config = Map::new();
    put(&mut config, "temperature", request.temperature);
    put(&mut config, "topP", request.top_p);
    put(
        &mut config,
        "maxOutputTokens",
        options.max_tokens_for(request.max_tokens),
    );
    match &request.output_format {
        Some(OutputFormat::JsonObject) => {
            config.insert("responseMimeType".into(), json!("application/json"));
        }
        Some(OutputFormat::JsonSchema { schema, .. }) => {
            config.insert("responseMimeType".into(), json!("application/json"));
            config.insert("responseJsonSchema".into(), schema.clone());
        }
        None => {}
    }
    if !request.stop.is_empty() {
        config.insert("stopSequences".into(), json!(request.stop));
    }
    let reasoning = request
        .reasoning
        .as_ref()
        .filter(|_| !options.upstream_lacks_reasoning)
        .filter(|_| same_protocol || options.upstream_supports_reasoning);
    if let Some(reasoning) = reasoning {
        let budget = reasoning.budget_tokens.or_else(|| {
            reasoning.effort.as_deref().map(|effort| match effort {
                "minimal" | "low" => 1024,
                "high" => 24576,
                _ => 8192,
            })
        });
        put(
            &mut config,
            "thinkingConfig",
            budget.map(|budget| json!({"thinkingBudget": budget, "includeThoughts": true})),
        );
    }
    config
}
