//! Gemini streaming (`:streamGenerateContent?alt=sse`): every `data:` event is a whole
//! `GenerateContentResponse` holding the next parts; a function call arrives whole (its `args`
//! an object), and the chunk with a `finishReason` (usually also carrying `usageMetadata`) is
//! the last. The encoder holds tool calls until the model stops, since Gemini clients expect
//! each call's arguments complete, and writes the finish reason and usage in a closing chunk.

use super::error_body;
use super::response::{encode_usage, finish_reason_name, stop_reason};
use crate::error::parse_error_body;
use crate::hub::{StopReason, StreamEvent, Usage};
use crate::json::{arguments_object, str_field};
use crate::sse::SseEvent;
use serde_json::{Value, json};

/// Wire chunks -> hub events.
#[derive(Debug, Default)]
pub struct Decoder {
    started: bool,
    calls: usize,
}

impl Decoder {
    pub fn new() -> Decoder {
        Decoder::default()
    }

    pub fn on_event(&mut self, event: &SseEvent) -> Vec<StreamEvent> {
        let Ok(value) = serde_json::from_str::<Value>(&event.data) else {
            return Vec::new();
        };
        if value.get("error").is_some() {
            let error = parse_error_body(500, event.data.as_bytes());
            return vec![StreamEvent::Error {
                message: error.message,
                kind: error.kind,
            }];
        }
        let mut out = Vec::new();
        if !self.started {
            self.started = true;
            out.push(StreamEvent::Start {
                id: str_field(&value, "responseId").unwrap_or_default(),
                model: str_field(&value, "modelVersion").unwrap_or_default(),
            });
        }
        let candidate = value.pointer("/candidates/0").unwrap_or(&Value::Null);
        let parts = candidate
            .pointer("/content/parts")
            .and_then(Value::as_array);
        for part in parts.into_iter().flatten() {
            self.on_part(part, &mut out);
        }
        if let Some(usage) = value.get("usageMetadata") {
            out.push(StreamEvent::Usage(super::decode_usage(usage)));
        }
        if let Some(reason) = candidate.get("finishReason").and_then(Value::as_str) {
            out.push(StreamEvent::Finish(stop_reason(reason, self.calls > 0)));
        }
        out
    }

    fn on_part(&mut self, part: &Value, out: &mut Vec<StreamEvent>) {
        if let Some(call) = part.get("functionCall") {
            let index = self.calls;
            self.calls += 1;
            let name = str_field(call, "name").unwrap_or_default();
            let id = str_field(call, "id")
                .filter(|id| !id.is_empty())
                .unwrap_or_else(|| super::fallback_call_id(index, &name));
            out.push(StreamEvent::ToolCallStart { index, id, name });
            let arguments = call
                .get("args")
                .map_or_else(|| "{}".into(), Value::to_string);
            out.push(StreamEvent::ToolCallArguments {
                index,
                delta: arguments,
            });
            return;
        }
        let text = str_field(part, "text").unwrap_or_default();
        // A `thoughtSignature` is Gemini's own and means nothing to another protocol.
        if part.get("thought").and_then(Value::as_bool) == Some(true) {
            if !text.is_empty() {
                out.push(StreamEvent::ReasoningDelta(text));
            }
        } else if !text.is_empty() {
            out.push(StreamEvent::TextDelta(text));
        }
    }

    pub fn finish(&mut self) -> Vec<StreamEvent> {
        Vec::new()
    }
}

/// One tool call being assembled from its argument deltas.
#[derive(Debug)]
struct PendingCall {
    id: String,
    name: String,
    arguments: String,
}

/// Hub events -> wire chunks.
#[derive(Debug, Default)]
pub struct Encoder {
    id: String,
    model: String,
    calls: Vec<PendingCall>,
    stop_reason: Option<StopReason>,
    usage: Usage,
    done: bool,
}

impl Encoder {
    pub fn new() -> Encoder {
        Encoder::default()
    }

    pub fn on_event(&mut self, event: &StreamEvent) -> Vec<SseEvent> {
        match event {
            StreamEvent::Start { id, model } => {
                self.id.clone_from(id);
                self.model.clone_from(model);
                Vec::new()
            }
            // Anthropic's signatures and encrypted reasoning mean nothing to a Gemini client.
            StreamEvent::Ping
            | StreamEvent::ReasoningSignature(_)
            | StreamEvent::RedactedReasoning(_) => Vec::new(),
            StreamEvent::TextDelta(text) if text.is_empty() => Vec::new(),
            StreamEvent::ReasoningDelta(text) if text.is_empty() => Vec::new(),
            StreamEvent::TextDelta(text) | StreamEvent::RefusalDelta(text) => {
                vec![self.chunk(vec![json!({"text": text})], None)]
            }
            StreamEvent::ReasoningDelta(text) => {
                vec![self.chunk(vec![json!({"text": text, "thought": true})], None)]
            }
            StreamEvent::ToolCallStart { index, id, name } => {
                while self.calls.len() <= *index {
                    self.calls.push(PendingCall {
                        id: String::new(),
                        name: String::new(),
                        arguments: String::new(),
                    });
                }
                self.calls[*index].id.clone_from(id);
                self.calls[*index].name.clone_from(name);
                Vec::new()
            }
            StreamEvent::ToolCallArguments { index, delta } => {
                if let Some(call) = self.calls.get_mut(*index) {
                    call.arguments.push_str(delta);
                }
                Vec::new()
            }
            StreamEvent::Usage(usage) => {
                self.usage.merge(usage);
                Vec::new()
            }
            StreamEvent::Finish(reason) => {
                self.stop_reason = Some(reason.clone());
                self.flush_calls().into_iter().collect()
            }
            StreamEvent::Error { message, kind } => {
                self.done = true;
                let body = error_body(500, message, *kind);
                vec![SseEvent::data(body.to_string())]
            }
        }
    }

    /// The held tool calls as one chunk of `functionCall` parts.
    fn flush_calls(&mut self) -> Option<SseEvent> {
        let calls = std::mem::take(&mut self.calls);
        let parts: Vec<Value> = calls
            .into_iter()
            .filter(|call| !call.name.is_empty())
            .map(|call| {
                json!({"functionCall": {"id": call.id, "name": call.name,
                    "args": arguments_object(&call.arguments)}})
            })
            .collect();
        (!parts.is_empty()).then(|| self.chunk(parts, None))
    }

    fn chunk(&self, parts: Vec<Value>, reason: Option<&str>) -> SseEvent {
        let mut candidate = json!({"content": {"role": "model", "parts": parts}, "index": 0});
        let mut body = json!({"modelVersion": self.model, "responseId": self.id});
        if let Some(reason) = reason {
            candidate["finishReason"] = json!(reason);
            body["usageMetadata"] = encode_usage(&self.usage);
        }
        body["candidates"] = json!([candidate]);
        SseEvent::data(body.to_string())
    }

    /// End of stream: calls still held (a stream cut before its finish), then the closing
    /// chunk with the finish reason and usage.
    pub fn finish(&mut self) -> Vec<SseEvent> {
        if self.done {
            return Vec::new();
        }
        self.done = true;
        let mut out: Vec<SseEvent> = self.flush_calls().into_iter().collect();
        let reason = self.stop_reason.as_ref().map_or("STOP", finish_reason_name);
        out.push(self.chunk(vec![json!({"text": ""})], Some(reason)));
        out
    }
}
