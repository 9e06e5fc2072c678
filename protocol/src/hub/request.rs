//! The hub request: a conversation (system prompts plus user/assistant turns made of parts),
//! the tools offered, and the sampling settings. Unknown top-level fields of the inbound body are
//! kept in `extra` so an encoder can pass them through when its protocol has a place for them.

use serde_json::{Map, Value};

/// A chat request in protocol-neutral form.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Request {
    /// Model name exactly as the client sent it (the engine may replace it with the entry's).
    pub model: String,
    /// System prompts in order; Chat Completions `system`/`developer` messages, Anthropic
    /// `system`, Responses `instructions` all land here.
    pub system: Vec<String>,
    pub messages: Vec<Message>,
    pub tools: Vec<Tool>,
    pub tool_choice: Option<ToolChoice>,
    /// Whether parallel tool calls are allowed (`None`: the protocol's default).
    pub parallel_tool_calls: Option<bool>,
    pub stop: Vec<String>,
    pub temperature: Option<f64>,
    pub top_p: Option<f64>,
    pub max_tokens: Option<u64>,
    pub stream: bool,
    /// The client asked for a usage chunk at the end of a stream (Chat Completions
    /// `stream_options.include_usage`).
    pub include_usage: bool,
    pub reasoning: Option<Reasoning>,
    /// Caller-chosen end-user id (`user` / `metadata.user_id`).
    pub user: Option<String>,
    /// OpenAI's `prompt_cache_key`: the client wants this conversation's prefix cached.
    pub cache_key: Option<String>,
    /// The answer must be JSON (Chat `response_format`, Responses `text.format`, Anthropic
    /// `output_format`); `None` for free text.
    pub output_format: Option<OutputFormat>,
    /// The `type` of each built-in tool the client offered that the hub has no form for
    /// (Responses `web_search`, `local_shell`, ...): what `fields::check` refuses or a
    /// conversion leaves out, by its rule.
    pub builtin_tools: Vec<String>,
    /// The protocol the request was decoded from; `extra` is only re-emitted to that protocol,
    /// since another protocol would reject or misread its fields.
    pub origin: Option<crate::Protocol>,
    /// Top-level fields this crate does not model, passed through to a same-protocol target.
    pub extra: Map<String, Value>,
}

/// A structured answer the client asked for.
#[derive(Debug, Clone, PartialEq)]
pub enum OutputFormat {
    /// Any JSON object.
    JsonObject,
    /// JSON matching `schema`; `name` is OpenAI's label for it.
    JsonSchema {
        name: String,
        schema: Value,
        strict: Option<bool>,
    },
}

impl OutputFormat {
    /// Reads OpenAI's shape: `{"type":"json_object"}` or `{"type":"json_schema", name, schema,
    /// strict}` (Responses puts those beside `type`, Chat inside `json_schema`); free text is
    /// `None`.
    pub(crate) fn from_openai(format: &Value) -> Option<OutputFormat> {
        match format.get("type").and_then(Value::as_str)? {
            "json_object" => Some(OutputFormat::JsonObject),
            "json_schema" => {
                let spec = format.get("json_schema").unwrap_or(format);
                Some(OutputFormat::JsonSchema {
                    name: crate::json::str_field(spec, "name").unwrap_or_else(|| "output".into()),
                    schema: spec.get("schema").cloned().unwrap_or(Value::Null),
                    strict: spec.get("strict").and_then(Value::as_bool),
                })
            }
            _ => None,
        }
    }
}

/// Reasoning ("thinking") settings. Anthropic speaks in token budgets, OpenAI in effort levels;
/// both are kept so a same-family round trip is lossless and a cross-family one is mapped.
#[derive(Debug, Clone, PartialEq)]
pub struct Reasoning {
    pub budget_tokens: Option<u64>,
    /// `minimal`, `low`, `medium`, `high` as OpenAI names them.
    pub effort: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    User,
    Assistant,
}

/// One turn. Tool results are user-side parts (as Anthropic models them); Chat Completions'
/// separate `tool` messages are folded into the following user turn and split out again.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub role: Role,
    pub content: Vec<Part>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Part {
    Text(String),
    Image(Image),
    /// A file the model reads (a PDF, a text file): Anthropic `document` blocks, Chat `file`
    /// parts, Responses `input_file` items.
    Document(Document),
    /// A call the assistant made. `arguments` is the raw JSON text, kept verbatim because
    /// streamed arguments may be partial or invalid and must not be reformatted.
    ToolCall {
        id: String,
        name: String,
        arguments: String,
    },
    /// A call of a freeform tool (Codex's `custom_tool_call`): its raw text input.
    CustomToolCall {
        id: String,
        name: String,
        input: String,
    },
    ToolResult {
        call_id: String,
        content: Vec<Part>,
        is_error: bool,
    },
    /// Reasoning text; `signature` is Anthropic's opaque integrity token, required when the
    /// thinking block is sent back.
    Reasoning {
        text: String,
        signature: Option<String>,
    },
    /// The model declined to answer (Chat `refusal`, a Responses `refusal` content part): an
    /// answer, never a failure, said in each protocol's own way.
    Refusal(String),
    /// Reasoning the provider encrypted (Anthropic `redacted_thinking`): no text, only the
    /// opaque `data` that must go back to the provider unchanged on the next turn.
    RedactedReasoning {
        data: String,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub enum Image {
    Base64 { media_type: String, data: String },
    Url(String),
}

impl Image {
    /// The image as a URL: remote URLs unchanged, inline data as a `data:` URL.
    pub fn to_url(&self) -> String {
        match self {
            Image::Url(url) => url.clone(),
            Image::Base64 { media_type, data } => format!("data:{media_type};base64,{data}"),
        }
    }

    /// Parses an OpenAI-style image URL, recognising inline `data:<type>;base64,` URLs.
    pub fn from_url(url: &str) -> Image {
        if let Some(rest) = url.strip_prefix("data:")
            && let Some((media_type, data)) = rest.split_once(";base64,")
        {
            return Image::Base64 {
                media_type: media_type.to_owned(),
                data: data.to_owned(),
            };
        }
        Image::Url(url.to_owned())
    }
}

/// A document and where its bytes are.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    /// A title or file name, when the client gave one.
    pub name: Option<String>,
    pub source: DocumentSource,
}

#[derive(Debug, Clone, PartialEq)]
pub enum DocumentSource {
    /// Inline bytes (a PDF): base64 with their media type.
    Base64 {
        media_type: String,
        data: String,
    },
    /// Plain text (Anthropic's `text` document source).
    Text(String),
    Url(String),
}

impl Document {
    /// A `data:` URL of inline bytes (how OpenAI's file parts carry them); `None` otherwise.
    pub fn data_url(&self) -> Option<String> {
        match &self.source {
            DocumentSource::Base64 { media_type, data } => {
                Some(format!("data:{media_type};base64,{data}"))
            }
            _ => None,
        }
    }

    /// A document from an OpenAI file part: a `data:` URL or a remote URL.
    pub fn from_url(name: Option<String>, url: &str) -> Document {
        let source = match Image::from_url(url) {
            Image::Base64 { media_type, data } => DocumentSource::Base64 { media_type, data },
            Image::Url(url) => DocumentSource::Url(url),
        };
        Document { name, source }
    }

    /// The file name to give a provider that requires one.
    pub fn file_name(&self) -> String {
        self.name.clone().unwrap_or_else(|| match &self.source {
            DocumentSource::Base64 { media_type, .. } if media_type == "application/pdf" => {
                "document.pdf".to_owned()
            }
            _ => "document".to_owned(),
        })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Tool {
    pub name: String,
    pub description: Option<String>,
    /// JSON Schema of the arguments.
    pub parameters: Value,
    /// The tool takes raw text, not JSON (Codex's custom tools such as `apply_patch`): other
    /// protocols are offered it as a function with one string argument, `input`, and its calls
    /// go back to the client as custom tool calls.
    pub freeform: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ToolChoice {
    Auto,
    None,
    /// The model must call some tool (`required` / Anthropic `any`).
    Required,
    Tool(String),
}

impl Tool {
    /// Reads an OpenAI-style function definition (`name`, `description`, `parameters`), the
    /// shape Chat Completions nests under `function` and Responses puts at the top level.
    pub(crate) fn from_openai_function(function: &Value) -> Self {
        Self {
            name: crate::json::str_field(function, "name").unwrap_or_default(),
            description: crate::json::str_field(function, "description"),
            parameters: function
                .get("parameters")
                .cloned()
                .unwrap_or_else(|| serde_json::json!({"type": "object", "properties": {}})),
            freeform: false,
        }
    }

    /// A freeform tool, offered as a function whose one argument is the raw text.
    pub fn freeform(name: String, description: Option<String>) -> Self {
        Self {
            name,
            description,
            parameters: serde_json::json!({"type": "object", "properties": {"input": {"type": "string",
                "description": "The tool's whole input as raw text, exactly as the tool's description asks; not JSON"}},
                "required": ["input"], "additionalProperties": false}),
            freeform: true,
        }
    }
}

impl ToolChoice {
    /// OpenAI's keyword choices, shared by Chat Completions and Responses.
    pub(crate) fn from_openai_keyword(keyword: &str) -> Option<Self> {
        match keyword {
            "none" => Some(Self::None),
            "required" => Some(Self::Required),
            "auto" => Some(Self::Auto),
            _ => None,
        }
    }
}

impl Request {
    /// All text of the request, for token estimates.
    pub fn text_len(&self) -> usize {
        let parts = self.messages.iter().flat_map(|m| m.content.iter());
        let system: usize = self.system.iter().map(String::len).sum();
        let tools: usize = self
            .tools
            .iter()
            .map(|t| {
                t.name.len()
                    + t.description.as_ref().map_or(0, String::len)
                    + t.parameters.to_string().len()
            })
            .sum();
        system + tools + parts.map(Part::text_len).sum::<usize>()
    }
}

/// How a tool result's error flag travels through protocols whose tool output is one string
/// (Chat Completions, Responses): this marker at the start of the text, read back into the
/// flag when such a result comes in.
pub const TOOL_ERROR_MARKER: &str = "[tool error] ";

impl Part {
    /// A tool result as one string: its text parts one per line (never glued together), the
    /// error marker first when it failed.
    pub fn tool_output_text(content: &[Part], is_error: bool) -> String {
        let texts = content.iter().filter_map(|part| match part {
            Part::Text(text) => Some(text.as_str()),
            _ => None,
        });
        let text = texts.collect::<Vec<_>>().join("\n");
        if is_error {
            format!("{TOOL_ERROR_MARKER}{text}")
        } else {
            text
        }
    }

    /// A tool result read from a one-string protocol: the error marker becomes the flag.
    pub fn tool_result(call_id: String, mut content: Vec<Part>) -> Part {
        let mut is_error = false;
        if let Some(Part::Text(first)) = content.first_mut()
            && let Some(rest) = first.strip_prefix(TOOL_ERROR_MARKER)
        {
            *first = rest.to_owned();
            is_error = true;
        }
        Part::ToolResult {
            call_id,
            content,
            is_error,
        }
    }

    /// A tool call of either kind as JSON-tool protocols see it: id, name and the arguments
    /// text (a freeform call's input as the one argument `input`).
    pub fn as_tool_call(&self) -> Option<(&str, &str, std::borrow::Cow<'_, str>)> {
        match self {
            Part::ToolCall {
                id,
                name,
                arguments,
            } => Some((id, name, std::borrow::Cow::Borrowed(arguments))),
            Part::CustomToolCall { id, name, input } => Some((
                id,
                name,
                std::borrow::Cow::Owned(serde_json::json!({ "input": input }).to_string()),
            )),
            _ => None,
        }
    }

    /// The raw input a freeform tool's JSON-style call carried: its `input` argument, or the
    /// whole arguments text when a provider did not wrap it.
    pub fn freeform_input(arguments: &str) -> String {
        serde_json::from_str::<Value>(arguments)
            .ok()
            .and_then(|value| value.get("input")?.as_str().map(str::to_owned))
            .unwrap_or_else(|| arguments.to_owned())
    }

    /// Bytes of text, reasoning and tool-call name and arguments in this part.
    pub fn text_len(&self) -> usize {
        match self {
            Part::Text(text) | Part::Refusal(text) => text.len(),
            Part::Image(_) | Part::RedactedReasoning { .. } => 0,
            Part::Document(Document {
                source: DocumentSource::Text(text),
                ..
            }) => text.len(),
            Part::Document(_) => 0,
            Part::ToolCall {
                name, arguments, ..
            } => name.len() + arguments.len(),
            Part::CustomToolCall { name, input, .. } => name.len() + input.len(),
            Part::ToolResult { content, .. } => content.iter().map(Part::text_len).sum(),
            Part::Reasoning { text, .. } => text.len(),
        }
    }
}
