//! Anthropic streaming: `message_start`, then per content block `content_block_start`,
//! `content_block_delta`s and `content_block_stop`, then `message_delta` (stop reason, usage)
//! and `message_stop`. The encoder opens and closes blocks as the hub's flat events change kind.

use super::error_type;
use super::response::{decode_usage, encode_usage, stop_reason, stop_reason_name};
use crate::error::{ErrorKind, parse_error_body};
use crate::hub::{StopReason, StreamEvent, Usage};
use crate::json::str_field;
use crate::sse::SseEvent;
use serde_json::{Value, json};
use std::collections::HashMap;

/// Wire events -> hub events.
#[derive(Debug, Default)]
pub struct Decoder {
    /// Block index -> tool-call index, for routing `input_json_delta`s.
    tool_blocks: HashMap<u64, usize>,
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
        match kind {
            "message_start" => self.on_message_start(&value["message"]),
            "content_block_start" => self.on_block_start(&value),
            "content_block_delta" => self.on_block_delta(&value),
            "message_delta" => self.on_message_delta(&value),
            "ping" => vec![StreamEvent::Ping],
            "error" => {
                let error = parse_error_body(500, event.data.as_bytes());
                vec![StreamEvent::Error {
                    message: error.message,
                    kind: error.kind,
                }]
            }
            // content_block_stop, message_stop and unknown events carry nothing for the hub.
            _ => Vec::new(),
        }
    }

    fn on_message_start(&mut self, message: &Value) -> Vec<StreamEvent> {
        let mut out = vec![StreamEvent::Start {
            id: str_field(message, "id").unwrap_or_default(),
            model: str_field(message, "model").unwrap_or_default(),
        }];
        if let Some(usage) = message.get("usage") {
            out.push(StreamEvent::Usage(decode_usage(usage)));
        }
        out
    }

    fn on_block_start(&mut self, value: &Value) -> Vec<StreamEvent> {
        let block = &value["content_block"];
        let index = value.get("index").and_then(Value::as_u64).unwrap_or(0);
        match block.get("type").and_then(Value::as_str) {
            Some("tool_use") => {
                let tool_index = self.tool_blocks.len();
                self.tool_blocks.insert(index, tool_index);
                let mut out = vec![StreamEvent::ToolCallStart {
                    index: tool_index,
                    id: str_field(block, "id").unwrap_or_default(),
                    name: str_field(block, "name").unwrap_or_default(),
                }];
                // A non-streaming relay may put the whole input in the start block.
                if let Some(input) = block
                    .get("input")
                    .filter(|i| i.as_object().is_some_and(|o| !o.is_empty()))
                {
                    out.push(StreamEvent::ToolCallArguments {
                        index: tool_index,
                        delta: input.to_string(),
                    });
                }
                out
            }
            Some("text") => match str_field(block, "text").filter(|t| !t.is_empty()) {
                Some(text) => vec![StreamEvent::TextDelta(text)],
                None => Vec::new(),
            },
            Some("redacted_thinking") => str_field(block, "data")
                .map(StreamEvent::RedactedReasoning)
                .into_iter()
                .collect(),
            _ => Vec::new(),
        }
    }

    fn on_block_delta(&mut self, value: &Value) -> Vec<StreamEvent> {
        let delta = &value["delta"];
        let index = value.get("index").and_then(Value::as_u64).unwrap_or(0);
        let field = |key: &str| str_field(delta, key).unwrap_or_default();
        match delta.get("type").and_then(Value::as_str) {
            Some("text_delta") => vec![StreamEvent::TextDelta(field("text"))],
            Some("thinking_delta") => vec![StreamEvent::ReasoningDelta(field("thinking"))],
            Some("signature_delta") => vec![StreamEvent::ReasoningSignature(field("signature"))],
            Some("input_json_delta") => match self.tool_blocks.get(&index) {
                Some(tool_index) => vec![StreamEvent::ToolCallArguments {
                    index: *tool_index,
                    delta: field("partial_json"),
                }],
                None => Vec::new(),
            },
            _ => Vec::new(),
        }
    }

    fn on_message_delta(&mut self, value: &Value) -> Vec<StreamEvent> {
        let mut out = Vec::new();
        if let Some(usage) = value.get("usage") {
            out.push(StreamEvent::Usage(decode_usage(usage)));
        }
        if let Some(reason) = value.pointer("/delta/stop_reason").and_then(Value::as_str) {
            out.push(StreamEvent::Finish(stop_reason(reason)));
        }
        out
    }

    pub fn finish(&mut self) -> Vec<StreamEvent> {
        Vec::new()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Block {
    Text,
    Thinking,
    Tool(usize),
}

/// Hub events -> wire events.
#[derive(Debug, Default)]
pub struct Encoder {
    started: bool,
    open: Option<(Block, usize)>,
    next_block: usize,
    /// Tool-call index -> block index, for deltas that arrive after another block opened.
    tool_blocks: HashMap<usize, usize>,
    stop_reason: Option<StopReason>,
    /// The model refused: the stream ends with Anthropic's `refusal` stop reason.
    refused: bool,
    usage: Usage,
    done: bool,
}

impl Encoder {
    pub fn new() -> Encoder {
        Encoder::default()
    }

    pub fn on_event(&mut self, event: &StreamEvent) -> Vec<SseEvent> {
        match event {
            StreamEvent::Start { id, model } => self.on_start(id, model),
            StreamEvent::Ping => vec![ping()],
            StreamEvent::TextDelta(text) => self.on_text(text),
            StreamEvent::RefusalDelta(text) => {
                self.refused = true;
                self.on_text(text)
            }
            StreamEvent::ReasoningDelta(text) => self.on_reasoning(text),
            StreamEvent::ReasoningSignature(signature) => self.on_signature(signature),
            StreamEvent::RedactedReasoning(data) => self.on_redacted(data),
            StreamEvent::ToolCallStart { index, id, name } => self.on_tool_start(*index, id, name),
            StreamEvent::ToolCallArguments { index, delta } => {
                self.on_tool_arguments(*index, delta)
            }
            StreamEvent::Usage(usage) => {
                self.usage.merge(usage);
                Vec::new()
            }
            StreamEvent::Finish(reason) => {
                self.stop_reason = Some(reason.clone());
                let mut out = self.on_start("", "");
                out.extend(self.close_block());
                out
            }
            StreamEvent::Error { message, kind } => {
                // An error ends the stream: no closing events follow it.
                self.done = true;
                vec![error_event(message, *kind)]
            }
        }
    }

    fn on_start(&mut self, id: &str, model: &str) -> Vec<SseEvent> {
        if self.started {
            return Vec::new();
        }
        self.started = true;
        let message = json!({
            "id": id, "type": "message", "role": "assistant", "model": model, "content": [],
            "stop_reason": null, "stop_sequence": null, "usage": encode_usage(&self.usage),
        });
        vec![
            event(
                "message_start",
                json!({"type": "message_start", "message": message}),
            ),
            ping(),
        ]
    }

    fn on_text(&mut self, text: &str) -> Vec<SseEvent> {
        let mut out = self.ensure_block(Block::Text, json!({"type": "text", "text": ""}));
        out.push(self.delta(json!({"type": "text_delta", "text": text})));
        out
    }

    fn on_reasoning(&mut self, text: &str) -> Vec<SseEvent> {
        let mut out = self.ensure_block(
            Block::Thinking,
            json!({"type": "thinking", "thinking": "", "signature": ""}),
        );
        out.push(self.delta(json!({"type": "thinking_delta", "thinking": text})));
        out
    }

    fn on_signature(&mut self, signature: &str) -> Vec<SseEvent> {
        let mut out = self.ensure_block(
            Block::Thinking,
            json!({"type": "thinking", "thinking": "", "signature": ""}),
        );
        out.push(self.delta(json!({"type": "signature_delta", "signature": signature})));
        // A signature seals its block: reasoning after it is a new thinking block.
        out.extend(self.close_block());
        out
    }

    /// Encrypted reasoning is one whole block: opened with its data and closed at once.
    fn on_redacted(&mut self, data: &str) -> Vec<SseEvent> {
        let mut out = self.on_start("", "");
        out.extend(self.close_block());
        out.push(self.open_block(
            Block::Thinking,
            json!({"type": "redacted_thinking", "data": data}),
        ));
        out.extend(self.close_block());
        out
    }

    fn on_tool_start(&mut self, index: usize, id: &str, name: &str) -> Vec<SseEvent> {
        let mut out = self.on_start("", "");
        out.extend(self.close_block());
        let block = self.open_block(
            Block::Tool(index),
            json!({"type": "tool_use", "id": id, "name": name, "input": {}}),
        );
        out.push(block);
        out
    }

    fn on_tool_arguments(&mut self, index: usize, delta: &str) -> Vec<SseEvent> {
        let Some(block) = self.tool_blocks.get(&index).copied() else {
            // Arguments for a call never announced: the decoder guarantees a start first.
            return Vec::new();
        };
        let data = json!({"type": "content_block_delta", "index": block,
            "delta": {"type": "input_json_delta", "partial_json": delta}});
        vec![event("content_block_delta", data)]
    }

    /// Opens a block of `kind` unless one is already open.
    fn ensure_block(&mut self, kind: Block, start: Value) -> Vec<SseEvent> {
        let mut out = self.on_start("", "");
        if self.open.map(|(open, _)| open) != Some(kind) {
            out.extend(self.close_block());
            out.push(self.open_block(kind, start));
        }
        out
    }

    fn open_block(&mut self, kind: Block, start: Value) -> SseEvent {
        let index = self.next_block;
        self.next_block += 1;
        self.open = Some((kind, index));
        if let Block::Tool(tool) = kind {
            self.tool_blocks.insert(tool, index);
        }
        event(
            "content_block_start",
            json!({"type": "content_block_start", "index": index, "content_block": start}),
        )
    }

    fn close_block(&mut self) -> Option<SseEvent> {
        let (_, index) = self.open.take()?;
        Some(event(
            "content_block_stop",
            json!({"type": "content_block_stop", "index": index}),
        ))
    }

    fn delta(&self, delta: Value) -> SseEvent {
        let index = self.open.map_or(0, |(_, index)| index);
        event(
            "content_block_delta",
            json!({"type": "content_block_delta", "index": index, "delta": delta}),
        )
    }

    /// End of stream: closes the open block, then `message_delta` and `message_stop`.
    pub fn finish(&mut self) -> Vec<SseEvent> {
        if self.done {
            return Vec::new();
        }
        self.done = true;
        let mut out = self.on_start("", "");
        out.extend(self.close_block());
        let reason = match &self.stop_reason {
            _ if self.refused => stop_reason_name(&StopReason::ContentFilter),
            Some(reason) => stop_reason_name(reason),
            None => "end_turn".to_owned(),
        };
        out.push(event(
            "message_delta",
            json!({"type": "message_delta", "delta": {"stop_reason": reason, "stop_sequence": null},
                "usage": encode_usage(&self.usage)}),
        ));
        out.push(event("message_stop", json!({"type": "message_stop"})));
        out
    }
}

fn event(name: &str, data: Value) -> SseEvent {
    SseEvent::named(name, data.to_string())
}

fn ping() -> SseEvent {
    event("ping", json!({"type": "ping"}))
}

fn error_event(message: &str, kind: ErrorKind) -> SseEvent {
    event(
        "error",
        json!({"type": "error", "error": {"type": error_type(kind), "message": message}}),
    )
}
