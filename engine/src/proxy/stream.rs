//! How a streaming response is judged while it is relayed. Each inbound wire format supplies a
//! `StreamProtocol`: it sorts every event into preamble (held back), content (the point of no
//! return), an in-band error, or the end, and writes the error event that closes a client's
//! stream after content has gone out. OpenAI Chat is the first; issue 4 adds Anthropic's.

use bytes::Bytes;
use serde_json::{Value, json};

use super::sse::SseEvent;

/// What one upstream event means for failover.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EventClass {
    /// Sent before any content (a role-only chunk, `message_start`, `ping`, keep-alive):
    /// held back until content arrives, dropped if the attempt fails.
    Preamble,
    /// Real content: once one is sent, failover is no longer possible.
    Content,
    /// The upstream reported an error inside the stream.
    Error { message: String },
    /// The normal end of the stream.
    End,
}

/// One inbound protocol's view of a stream.
pub trait StreamProtocol: Send + 'static {
    fn classify(&mut self, event: &SseEvent) -> EventClass;
    /// The event that ends the client's stream after content, when the upstream broke.
    fn error_event(&self, message: &str) -> Bytes;
    /// Token usage seen so far (prompt, completion), for the request log.
    fn usage(&self) -> (Option<i64>, Option<i64>);
}

/// OpenAI Chat Completions streaming: `data: {chunk}` events and a final `data: [DONE]`.
#[derive(Default)]
pub struct OpenAiChat {
    usage: (Option<i64>, Option<i64>),
}

impl StreamProtocol for OpenAiChat {
    fn classify(&mut self, event: &SseEvent) -> EventClass {
        let data = event.data.trim();
        if data.is_empty() {
            return EventClass::Preamble;
        }
        if data == "[DONE]" {
            return EventClass::End;
        }
        let chunk: Value = match serde_json::from_str(data) {
            Ok(chunk) => chunk,
            Err(error) => {
                return EventClass::Error {
                    message: format!("invalid JSON in the stream: {error}"),
                };
            }
        };
        if let Some(error) = chunk.get("error") {
            let message = error
                .get("message")
                .and_then(Value::as_str)
                .unwrap_or("unknown error");
            return EventClass::Error {
                message: message.to_owned(),
            };
        }
        if let Some(usage) = chunk.get("usage").filter(|u| u.is_object()) {
            self.usage = (
                usage.get("prompt_tokens").and_then(Value::as_i64),
                usage.get("completion_tokens").and_then(Value::as_i64),
            );
        }
        let choices = chunk.get("choices").and_then(Value::as_array);
        let has_content = choices.is_some_and(|choices| choices.iter().any(choice_has_content));
        if has_content {
            EventClass::Content
        } else {
            EventClass::Preamble
        }
    }

    fn error_event(&self, message: &str) -> Bytes {
        let body = json!({"error": {"message": message, "type": "upstream_error", "code": "stream_interrupted"}});
        Bytes::from(format!("data: {body}\n\n"))
    }

    fn usage(&self) -> (Option<i64>, Option<i64>) {
        self.usage
    }
}

fn non_empty(value: Option<&Value>) -> bool {
    match value {
        Some(Value::String(s)) => !s.is_empty(),
        Some(Value::Array(a)) => !a.is_empty(),
        Some(Value::Null) | None => false,
        Some(_) => true,
    }
}

fn choice_has_content(choice: &Value) -> bool {
    let delta = choice.get("delta");
    let field = |name| non_empty(delta.and_then(|d: &Value| d.get(name)));
    field("content")
        || field("reasoning_content")
        || field("reasoning")
        || field("tool_calls")
        || field("refusal")
        || non_empty(choice.get("finish_reason"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proxy::sse::SseFramer;

    fn class(data: &str) -> EventClass {
        let mut framer = SseFramer::default();
        framer.push(format!("data: {data}\n\n").as_bytes());
        OpenAiChat::default().classify(&framer.next_event().expect("event"))
    }

    #[test]
    fn role_only_chunks_are_preamble_and_text_is_content() {
        assert_eq!(
            class(r#"{"choices":[{"delta":{"role":"assistant","content":""}}]}"#),
            EventClass::Preamble
        );
        assert_eq!(
            class(r#"{"choices":[{"delta":{"content":"Hi"}}]}"#),
            EventClass::Content
        );
        assert_eq!(class("[DONE]"), EventClass::End);
        assert!(matches!(
            class(r#"{"error":{"message":"overloaded"}}"#),
            EventClass::Error { .. }
        ));
        assert!(matches!(class("{not json"), EventClass::Error { .. }));
    }
}
