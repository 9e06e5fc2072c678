//! Responses streaming: typed events (`response.created`, `response.output_item.added`,
//! `response.output_text.delta`, ..., `response.completed`), each with a `sequence_number`.
//! The encoder keeps every output item it opened, since the `done` events and the final
//! `response.completed` repeat the full items.

use super::reasoning::{Sealed, seal_redacted, seal_signature, unseal};
use super::response::{
    custom_tool_call_item, decode_usage, function_call_item, message_item, refusal_item,
    response_object, stop_reason,
};
use crate::error::{ErrorKind, parse_error_body};
use crate::hub::{Response, StopReason, StreamEvent};
use crate::json::str_field;
use crate::sse::SseEvent;
use serde_json::{Value, json};
use std::collections::HashMap;

/// Wire events -> hub events.
#[derive(Debug, Default)]
pub struct Decoder {
    started: bool,
    /// Output index -> tool-call index.
    tools: HashMap<u64, usize>,
}

impl Decoder {
    pub fn new() -> Decoder {
        Decoder::default()
    }

    pub fn on_event(&mut self, event: &SseEvent) -> Vec<StreamEvent> {
        let Ok(value) = serde_json::from_str::<Value>(&event.data) else {
            return Vec::new();
        };
        let kind = event.kind(&value);
        let delta = || str_field(&value, "delta").unwrap_or_default();
        match kind {
            "response.created" | "response.in_progress" => self.on_created(&value["response"]),
            "response.output_item.added" => self.on_item_added(&value),
            "response.output_item.done" => on_reasoning_done(&value["item"]),
            "response.output_text.delta" => vec![StreamEvent::TextDelta(delta())],
            "response.refusal.delta" => vec![StreamEvent::RefusalDelta(delta())],
            "response.reasoning_summary_text.delta" | "response.reasoning_text.delta" => {
                vec![StreamEvent::ReasoningDelta(delta())]
            }
            "response.function_call_arguments.delta" => {
                let output_index = value
                    .get("output_index")
                    .and_then(Value::as_u64)
                    .unwrap_or(0);
                match self.tools.get(&output_index) {
                    Some(index) => vec![StreamEvent::ToolCallArguments {
                        index: *index,
                        delta: delta(),
                    }],
                    None => Vec::new(),
                }
            }
            "response.completed" | "response.incomplete" => self.on_completed(&value["response"]),
            "response.failed" => {
                let error = value
                    .pointer("/response/error")
                    .cloned()
                    .unwrap_or(Value::Null);
                let body = json!({"error": error}).to_string();
                let parsed = parse_error_body(500, body.as_bytes());
                vec![StreamEvent::Error {
                    message: parsed.message,
                    kind: parsed.kind,
                }]
            }
            "error" => {
                let parsed = parse_error_body(500, event.data.as_bytes());
                vec![StreamEvent::Error {
                    message: parsed.message,
                    kind: parsed.kind,
                }]
            }
            _ => Vec::new(),
        }
    }

    fn on_created(&mut self, response: &Value) -> Vec<StreamEvent> {
        if self.started {
            return Vec::new();
        }
        self.started = true;
        vec![StreamEvent::Start {
            id: str_field(response, "id").unwrap_or_default(),
            model: str_field(response, "model").unwrap_or_default(),
        }]
    }

    fn on_item_added(&mut self, value: &Value) -> Vec<StreamEvent> {
        let item = &value["item"];
        if item.get("type").and_then(Value::as_str) != Some("function_call") {
            return Vec::new();
        }
        let index = self.tools.len();
        self.tools.insert(
            value
                .get("output_index")
                .and_then(Value::as_u64)
                .unwrap_or(0),
            index,
        );
        let mut out = vec![StreamEvent::ToolCallStart {
            index,
            id: str_field(item, "call_id").unwrap_or_default(),
            name: str_field(item, "name").unwrap_or_default(),
        }];
        if let Some(arguments) = str_field(item, "arguments").filter(|a| !a.is_empty()) {
            out.push(StreamEvent::ToolCallArguments {
                index,
                delta: arguments,
            });
        }
        out
    }

    fn on_completed(&mut self, response: &Value) -> Vec<StreamEvent> {
        let mut out = Vec::new();
        if let Some(usage) = response.get("usage").filter(|u| !u.is_null()) {
            out.push(StreamEvent::Usage(decode_usage(usage)));
        }
        out.push(StreamEvent::Finish(stop_reason(
            response,
            !self.tools.is_empty(),
        )));
        out
    }

    pub fn finish(&mut self) -> Vec<StreamEvent> {
        Vec::new()
    }
}

/// A finished reasoning item that carries another provider's token (an api-switch upstream
/// relaying Anthropic thinking): the token, so it reaches the client in its own protocol.
fn on_reasoning_done(item: &Value) -> Vec<StreamEvent> {
    if item.get("type").and_then(Value::as_str) != Some("reasoning") {
        return Vec::new();
    }
    match unseal(item.get("encrypted_content").and_then(Value::as_str)) {
        Sealed::Signature(signature) => vec![StreamEvent::ReasoningSignature(signature)],
        Sealed::Redacted(data) => vec![StreamEvent::RedactedReasoning(data)],
        Sealed::Foreign => Vec::new(),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Message,
    /// A message item whose one content part is a refusal.
    Refusal,
    Reasoning,
    Tool(usize),
    /// A call of a freeform tool: its JSON arguments are held and given as raw input at the end.
    CustomTool(usize),
}

/// One output item the encoder opened: its text (message text, reasoning summary or arguments).
#[derive(Debug)]
struct Item {
    kind: Kind,
    id: String,
    name: String,
    text: String,
    /// A reasoning item's `encrypted_content` (another provider's token, sealed).
    sealed: Option<String>,
}

impl Item {
    fn reasoning(&self) -> Value {
        super::reasoning::item(&self.id, &self.text, self.sealed.as_deref())
    }
}

/// Hub events -> wire events.
#[derive(Debug)]
pub struct Encoder {
    response: Response,
    started: bool,
    sequence: u64,
    items: Vec<Item>,
    open: Option<usize>,
    done: bool,
    /// Names of the client's freeform tools, whose calls go back as custom tool calls.
    freeform_tools: Vec<String>,
}

impl Encoder {
    /// The client offered these freeform tools (Codex's `apply_patch`): their calls, which a
    /// provider of another protocol made as JSON tool calls, reach it as custom tool calls.
    pub fn set_freeform_tools(&mut self, names: Vec<String>) {
        self.freeform_tools = names;
    }

    pub fn new(created: u64) -> Encoder {
        Encoder {
            response: Response {
                id: String::new(),
                model: String::new(),
                created,
                content: Vec::new(),
                stop_reason: None,
                usage: Default::default(),
            },
            started: false,
            sequence: 0,
            items: Vec::new(),
            open: None,
            done: false,
            freeform_tools: Vec::new(),
        }
    }

    pub fn on_event(&mut self, event: &StreamEvent) -> Vec<SseEvent> {
        match event {
            StreamEvent::Start { id, model } => self.on_start(id, model),
            StreamEvent::Ping => Vec::new(),
            StreamEvent::TextDelta(text) => self.on_text(Kind::Message, text),
            StreamEvent::RefusalDelta(text) => self.on_text(Kind::Refusal, text),
            StreamEvent::ReasoningDelta(text) => self.on_text(Kind::Reasoning, text),
            StreamEvent::ReasoningSignature(signature) => {
                self.on_sealed_reasoning(seal_signature(signature), false)
            }
            StreamEvent::RedactedReasoning(data) => {
                self.on_sealed_reasoning(seal_redacted(data), true)
            }
            StreamEvent::ToolCallStart { index, id, name } => self.on_tool_start(*index, id, name),
            StreamEvent::ToolCallArguments { index, delta } => {
                self.on_tool_arguments(*index, delta)
            }
            StreamEvent::Usage(usage) => {
                self.response.usage.merge(usage);
                Vec::new()
            }
            StreamEvent::Finish(reason) => {
                self.response.stop_reason = Some(reason.clone());
                Vec::new()
            }
            StreamEvent::Error { message, kind } => self.on_error(message, *kind),
        }
    }

    fn on_start(&mut self, id: &str, model: &str) -> Vec<SseEvent> {
        if self.started {
            return Vec::new();
        }
        self.started = true;
        self.response.id = if id.is_empty() {
            "resp_0".to_owned()
        } else {
            id.to_owned()
        };
        self.response.model = model.to_owned();
        let created = response_object(&self.response, "in_progress", Vec::new());
        vec![
            self.event("response.created", json!({"response": created})),
            self.event("response.in_progress", json!({"response": created})),
        ]
    }

    fn on_text(&mut self, kind: Kind, text: &str) -> Vec<SseEvent> {
        let mut out = self.on_start("", "");
        let open_kind = self.open.map(|i| self.items[i].kind);
        if open_kind != Some(kind) {
            out.extend(self.close_item());
            out.extend(self.open_item(kind, String::new()));
        }
        let Some(index) = self.open else { return out };
        self.items[index].text.push_str(text);
        let item_id = self.items[index].id.clone();
        out.push(match kind {
            Kind::Refusal => self.event(
                "response.refusal.delta",
                json!({"item_id": item_id, "output_index": index, "content_index": 0, "delta": text}),
            ),
            Kind::Reasoning => self.event(
                "response.reasoning_summary_text.delta",
                json!({"item_id": item_id, "output_index": index, "summary_index": 0, "delta": text}),
            ),
            _ => self.event(
                "response.output_text.delta",
                json!({"item_id": item_id, "output_index": index, "content_index": 0, "delta": text, "logprobs": []}),
            ),
        });
        out
    }

    /// A token that seals reasoning: a signature closes the reasoning item it belongs to (one
    /// is opened when none is), encrypted reasoning is an item of its own.
    fn on_sealed_reasoning(&mut self, token: String, own_item: bool) -> Vec<SseEvent> {
        let mut out = self.on_start("", "");
        let open_kind = self.open.map(|i| self.items[i].kind);
        if own_item || open_kind != Some(Kind::Reasoning) {
            out.extend(self.close_item());
            out.extend(self.open_item(Kind::Reasoning, String::new()));
        }
        if let Some(index) = self.open {
            self.items[index].sealed = Some(token);
        }
        out.extend(self.close_item());
        out
    }

    fn on_tool_start(&mut self, index: usize, call_id: &str, name: &str) -> Vec<SseEvent> {
        let mut out = self.on_start("", "");
        out.extend(self.close_item());
        let call_id = if call_id.is_empty() {
            format!("call_{index}")
        } else {
            call_id.to_owned()
        };
        let custom = self.freeform_tools.iter().any(|tool| tool == name);
        let kind = if custom {
            Kind::CustomTool(index)
        } else {
            Kind::Tool(index)
        };
        out.extend(self.open_item(kind, name.to_owned()));
        if let Some(open) = self.open {
            self.items[open].id = call_id.clone();
            let item = if custom {
                custom_tool_call_item(&call_id, name, "", "in_progress")
            } else {
                function_call_item(&call_id, name, "", "in_progress")
            };
            out.push(self.event(
                "response.output_item.added",
                json!({"output_index": open, "item": item}),
            ));
        }
        out
    }

    fn on_tool_arguments(&mut self, index: usize, delta: &str) -> Vec<SseEvent> {
        let Some(position) = self.items.iter().position(
            |item| matches!(item.kind, Kind::Tool(i) | Kind::CustomTool(i) if i == index),
        ) else {
            return Vec::new();
        };
        self.items[position].text.push_str(delta);
        if matches!(self.items[position].kind, Kind::CustomTool(_)) {
            // JSON text of the one argument; the raw input is given whole when the call ends.
            return Vec::new();
        }
        let item_id = format!("fc_{}", self.items[position].id);
        vec![self.event(
            "response.function_call_arguments.delta",
            json!({"item_id": item_id, "output_index": position, "delta": delta}),
        )]
    }

    fn open_item(&mut self, kind: Kind, name: String) -> Vec<SseEvent> {
        let output_index = self.items.len();
        let id = match kind {
            Kind::Message | Kind::Refusal => format!("msg_{}_{output_index}", self.response.id),
            Kind::Reasoning => format!("rs_{}_{output_index}", self.response.id),
            Kind::Tool(_) | Kind::CustomTool(_) => String::new(),
        };
        self.items.push(Item {
            kind,
            id: id.clone(),
            name,
            text: String::new(),
            sealed: None,
        });
        self.open = Some(output_index);
        match kind {
            Kind::Message => vec![
                self.event("response.output_item.added", json!({"output_index": output_index,
                    "item": {"type": "message", "id": id, "status": "in_progress", "role": "assistant", "content": []}})),
                self.event("response.content_part.added", json!({"item_id": id, "output_index": output_index,
                    "content_index": 0, "part": {"type": "output_text", "text": "", "annotations": []}})),
            ],
            Kind::Refusal => vec![
                self.event("response.output_item.added", json!({"output_index": output_index,
                    "item": {"type": "message", "id": id, "status": "in_progress", "role": "assistant", "content": []}})),
                self.event("response.content_part.added", json!({"item_id": id, "output_index": output_index,
                    "content_index": 0, "part": {"type": "refusal", "refusal": ""}})),
            ],
            Kind::Reasoning => vec![
                self.event("response.output_item.added", json!({"output_index": output_index,
                    "item": {"type": "reasoning", "id": id, "summary": []}})),
                self.event("response.reasoning_summary_part.added", json!({"item_id": id, "output_index": output_index,
                    "summary_index": 0, "part": {"type": "summary_text", "text": ""}})),
            ],
            // Tool items are announced by `on_tool_start` once the call id is set.
            Kind::Tool(_) | Kind::CustomTool(_) => Vec::new(),
        }
    }

    fn close_item(&mut self) -> Vec<SseEvent> {
        let Some(index) = self.open.take() else {
            return Vec::new();
        };
        let item = &self.items[index];
        let (id, text) = (item.id.clone(), item.text.clone());
        let reasoning = item.reasoning();
        match item.kind {
            Kind::Message => vec![
                self.event(
                    "response.output_text.done",
                    json!({"item_id": id, "output_index": index, "content_index": 0, "text": text}),
                ),
                self.event(
                    "response.content_part.done",
                    json!({"item_id": id, "output_index": index, "content_index": 0,
                    "part": {"type": "output_text", "text": text, "annotations": []}}),
                ),
                self.event(
                    "response.output_item.done",
                    json!({"output_index": index, "item": message_item(&id, &text, "completed")}),
                ),
            ],
            Kind::Refusal => vec![
                self.event(
                    "response.refusal.done",
                    json!({"item_id": id, "output_index": index, "content_index": 0, "refusal": text}),
                ),
                self.event(
                    "response.content_part.done",
                    json!({"item_id": id, "output_index": index, "content_index": 0,
                    "part": {"type": "refusal", "refusal": text}}),
                ),
                self.event(
                    "response.output_item.done",
                    json!({"output_index": index, "item": refusal_item(&id, &text, "completed")}),
                ),
            ],
            Kind::Reasoning => vec![
                self.event(
                    "response.reasoning_summary_text.done",
                    json!({"item_id": id, "output_index": index, "summary_index": 0, "text": text}),
                ),
                self.event(
                    "response.reasoning_summary_part.done",
                    json!({"item_id": id, "output_index": index, "summary_index": 0,
                    "part": {"type": "summary_text", "text": text}}),
                ),
                self.event(
                    "response.output_item.done",
                    json!({"output_index": index, "item": reasoning}),
                ),
            ],
            Kind::CustomTool(_) => {
                let input = crate::hub::Part::freeform_input(&text);
                let item = custom_tool_call_item(&id, &self.items[index].name, &input, "completed");
                vec![
                    self.event(
                        "response.custom_tool_call_input.done",
                        json!({"item_id": item["id"], "output_index": index, "input": input}),
                    ),
                    self.event(
                        "response.output_item.done",
                        json!({"output_index": index, "item": item}),
                    ),
                ]
            }
            Kind::Tool(_) => {
                let item = function_call_item(&id, &self.items[index].name, &text, "completed");
                vec![
                    self.event(
                        "response.function_call_arguments.done",
                        json!({"item_id": item["id"], "output_index": index, "arguments": text}),
                    ),
                    self.event(
                        "response.output_item.done",
                        json!({"output_index": index, "item": item}),
                    ),
                ]
            }
        }
    }

    fn on_error(&mut self, message: &str, kind: ErrorKind) -> Vec<SseEvent> {
        // An error ends the stream: no `response.completed` follows it.
        self.done = true;
        let code = crate::openai_chat::error_body(500, message, kind)["error"]["code"].clone();
        vec![self.event(
            "error",
            json!({"code": code, "message": message, "param": null}),
        )]
    }

    /// End of stream: closes the open item and sends `response.completed` (or
    /// `response.incomplete` when the model hit its token limit).
    pub fn finish(&mut self) -> Vec<SseEvent> {
        if self.done {
            return Vec::new();
        }
        self.done = true;
        let mut out = self.on_start("", "");
        out.extend(self.close_item());
        let output: Vec<Value> = self
            .items
            .iter()
            .map(|item| match item.kind {
                Kind::Message => message_item(&item.id, &item.text, "completed"),
                Kind::Refusal => refusal_item(&item.id, &item.text, "completed"),
                Kind::Reasoning => item.reasoning(),
                Kind::Tool(_) => function_call_item(&item.id, &item.name, &item.text, "completed"),
                Kind::CustomTool(_) => custom_tool_call_item(
                    &item.id,
                    &item.name,
                    &crate::hub::Part::freeform_input(&item.text),
                    "completed",
                ),
            })
            .collect();
        if self.response.stop_reason.is_none() {
            self.response.stop_reason = Some(StopReason::EndTurn);
        }
        let object = response_object(&self.response, "completed", output);
        let name = if object["status"] == "incomplete" {
            "response.incomplete"
        } else {
            "response.completed"
        };
        out.push(self.event(name, json!({"response": object})));
        out
    }

    fn event(&mut self, name: &str, mut data: Value) -> SseEvent {
        data["type"] = json!(name);
        data["sequence_number"] = json!(self.sequence);
        self.sequence += 1;
        SseEvent::named(name, data.to_string())
    }
}
