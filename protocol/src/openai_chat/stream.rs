//! Chat Completions streaming: `chat.completion.chunk` events, ended by `data: [DONE]`.
//! Tool calls arrive as deltas keyed by `index`; a call's arguments may arrive before its id and
//! name, so the decoder holds them per index until the call can be announced.

use super::response::{decode_usage, encode_usage, finish_reason, stop_reason};
use crate::error::{ErrorKind, parse_error_body};
use crate::hub::{StopReason, StreamEvent, Usage};
use crate::json::str_field;
use crate::sse::SseEvent;
use serde_json::{Value, json};

/// How far past the known calls a tool-call index may jump before it is treated as garbage.
const MAX_INDEX_GAP: usize = 64;

/// One tool call being received: announced once its name is known.
#[derive(Debug, Default)]
struct ToolSlot {
    id: Option<String>,
    name: Option<String>,
    pending_arguments: String,
    announced: bool,
}

/// Wire chunks -> hub events.
#[derive(Debug, Default)]
pub struct Decoder {
    started: bool,
    tools: Vec<ToolSlot>,
}

impl Decoder {
    pub fn new() -> Decoder {
        Decoder::default()
    }

    pub fn on_event(&mut self, event: &SseEvent) -> Vec<StreamEvent> {
        let data = event.data.trim();
        if data.is_empty() || data == "[DONE]" {
            return Vec::new();
        }
        let Ok(chunk) = serde_json::from_str::<Value>(data) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        if chunk.get("error").is_some() {
            let error = parse_error_body(500, data.as_bytes());
            out.push(StreamEvent::Error {
                message: error.message,
                kind: error.kind,
            });
            return out;
        }
        if !self.started {
            self.started = true;
            out.push(StreamEvent::Start {
                id: str_field(&chunk, "id").unwrap_or_default(),
                model: str_field(&chunk, "model").unwrap_or_default(),
            });
        }
        for choice in chunk
            .get("choices")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            self.on_choice(choice, &mut out);
        }
        if let Some(usage) = chunk.get("usage").filter(|u| !u.is_null()) {
            out.push(StreamEvent::Usage(decode_usage(usage)));
        }
        out
    }

    fn on_choice(&mut self, choice: &Value, out: &mut Vec<StreamEvent>) {
        let delta = &choice["delta"];
        let text = |key: &str| {
            delta
                .get(key)
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        let reasoning = text("reasoning_content").or_else(|| text("reasoning"));
        let had_reasoning_text = reasoning.is_some();
        if let Some(reasoning) = reasoning {
            out.push(StreamEvent::ReasoningDelta(reasoning));
        }
        super::reasoning::decode_stream_details(delta, had_reasoning_text, out);
        if let Some(content) = text("content") {
            out.push(StreamEvent::TextDelta(content));
        }
        if let Some(refusal) = text("refusal") {
            out.push(StreamEvent::RefusalDelta(refusal));
        }
        for call in delta
            .get("tool_calls")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            self.on_tool_delta(call, out);
        }
        if let Some(reason) = choice.get("finish_reason").and_then(Value::as_str) {
            self.announce_all(out);
            // Some relays say `stop` after tool calls; the calls are what the client acts on.
            let reason = match stop_reason(reason) {
                StopReason::EndTurn if !self.tools.is_empty() => StopReason::ToolUse,
                other => other,
            };
            out.push(StreamEvent::Finish(reason));
        }
    }

    fn on_tool_delta(&mut self, call: &Value, out: &mut Vec<StreamEvent>) {
        let id = str_field(call, "id").filter(|s| !s.is_empty());
        // Some compatible upstreams omit `index`: a new id then means a new call.
        let index = match call.get("index").and_then(Value::as_u64) {
            Some(index) => index as usize,
            None => match (&id, self.tools.last()) {
                (Some(id), Some(last)) if last.id.as_ref() != Some(id) => self.tools.len(),
                (_, Some(_)) => self.tools.len() - 1,
                (_, None) => 0,
            },
        };
        // Indices are dense from 0; a wildly large one is garbage and must not allocate.
        if index > self.tools.len() + MAX_INDEX_GAP {
            return;
        }
        if self.tools.len() <= index {
            self.tools.resize_with(index + 1, ToolSlot::default);
        }
        let slot = &mut self.tools[index];
        if id.is_some() {
            slot.id = id;
        }
        if let Some(name) = call
            .pointer("/function/name")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
        {
            slot.name = Some(name.to_owned());
        }
        if let Some(arguments) = call.pointer("/function/arguments").and_then(Value::as_str) {
            slot.pending_arguments.push_str(arguments);
        }
        if slot.name.is_some() {
            announce(index, slot, out);
        }
    }

    /// Announces calls still waiting for a name, so their arguments are not lost.
    fn announce_all(&mut self, out: &mut Vec<StreamEvent>) {
        for (index, slot) in self.tools.iter_mut().enumerate() {
            if !slot.announced && (slot.name.is_some() || !slot.pending_arguments.is_empty()) {
                announce(index, slot, out);
            }
        }
    }

    /// End of stream.
    pub fn finish(&mut self) -> Vec<StreamEvent> {
        let mut out = Vec::new();
        self.announce_all(&mut out);
        out
    }
}

fn announce(index: usize, slot: &mut ToolSlot, out: &mut Vec<StreamEvent>) {
    if !slot.announced {
        slot.announced = true;
        out.push(StreamEvent::ToolCallStart {
            index,
            id: slot.id.clone().unwrap_or_else(|| format!("call_{index}")),
            name: slot.name.clone().unwrap_or_default(),
        });
    }
    if !slot.pending_arguments.is_empty() {
        out.push(StreamEvent::ToolCallArguments {
            index,
            delta: std::mem::take(&mut slot.pending_arguments),
        });
    }
}

/// Hub events -> wire chunks.
#[derive(Debug)]
pub struct Encoder {
    id: String,
    model: String,
    created: u64,
    include_usage: bool,
    started: bool,
    usage: Usage,
    done: bool,
}

impl Encoder {
    /// `include_usage`: the client asked for `stream_options.include_usage`.
    pub fn new(created: u64, include_usage: bool) -> Encoder {
        Encoder {
            id: String::new(),
            model: String::new(),
            created,
            include_usage,
            started: false,
            usage: Usage::default(),
            done: false,
        }
    }

    pub fn on_event(&mut self, event: &StreamEvent) -> Vec<SseEvent> {
        match event {
            StreamEvent::Start { id, model } => self.on_start(id, model),
            StreamEvent::Ping => Vec::new(),
            StreamEvent::TextDelta(text) => self.on_delta(json!({"content": text})),
            StreamEvent::RefusalDelta(text) => self.on_delta(json!({"refusal": text})),
            StreamEvent::ReasoningDelta(text) => self.on_delta(json!({"reasoning_content": text})),
            StreamEvent::ReasoningSignature(_) | StreamEvent::RedactedReasoning(_) => {
                super::reasoning::stream_detail(event).map_or_else(Vec::new, |d| self.on_delta(d))
            }
            StreamEvent::ToolCallStart { index, id, name } => self.on_delta(json!({"tool_calls": [{
                "index": index, "id": id, "type": "function", "function": {"name": name, "arguments": ""}
            }]})),
            StreamEvent::ToolCallArguments { index, delta } => {
                self.on_delta(json!({"tool_calls": [{"index": index, "function": {"arguments": delta}}]}))
            }
            StreamEvent::Usage(usage) => {
                self.usage.merge(usage);
                Vec::new()
            }
            StreamEvent::Finish(reason) => self.on_finish(reason),
            StreamEvent::Error { message, kind } => self.on_error(message, *kind),
        }
    }

    fn on_start(&mut self, id: &str, model: &str) -> Vec<SseEvent> {
        if self.started {
            return Vec::new();
        }
        self.started = true;
        self.id = id.to_owned();
        self.model = model.to_owned();
        vec![self.chunk(json!({"role": "assistant", "content": ""}), Value::Null)]
    }

    fn on_delta(&mut self, delta: Value) -> Vec<SseEvent> {
        let mut out = self.on_start("", "");
        out.push(self.chunk(delta, Value::Null));
        out
    }

    fn on_finish(&mut self, reason: &StopReason) -> Vec<SseEvent> {
        let mut out = self.on_start("", "");
        out.push(self.chunk(json!({}), json!(finish_reason(reason))));
        out
    }

    fn on_error(&mut self, message: &str, kind: ErrorKind) -> Vec<SseEvent> {
        // An error ends the stream, as OpenAI does: no usage chunk or `[DONE]` follows.
        self.done = true;
        vec![SseEvent::data(
            super::error_body(500, message, kind).to_string(),
        )]
    }

    /// End of stream: the usage chunk when asked for, then `[DONE]`.
    pub fn finish(&mut self) -> Vec<SseEvent> {
        if self.done {
            return Vec::new();
        }
        self.done = true;
        let mut out = Vec::new();
        if self.include_usage {
            out.push(SseEvent::data(
                json!({
                    "id": self.id, "object": "chat.completion.chunk", "created": self.created,
                    "model": self.model, "choices": [], "usage": encode_usage(&self.usage),
                })
                .to_string(),
            ));
        }
        out.push(SseEvent::data("[DONE]"));
        out
    }

    fn chunk(&self, delta: Value, finish_reason: Value) -> SseEvent {
        let mut chunk = json!({
            "id": self.id, "object": "chat.completion.chunk", "created": self.created, "model": self.model,
            "choices": [{"index": 0, "delta": delta, "logprobs": null, "finish_reason": finish_reason}],
        });
        if self.include_usage {
            chunk["usage"] = Value::Null;
        }
        SseEvent::data(chunk.to_string())
    }
}
