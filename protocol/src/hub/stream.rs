//! Hub stream events: what every protocol's stream decoder produces and every encoder consumes.
//! Events are flat (no block bookkeeping): encoders that need blocks (Anthropic, Responses) open
//! and close them themselves, so decoders stay simple and protocols stay independent.

use super::{StopReason, Usage};
use crate::error::ErrorKind;

#[derive(Debug, Clone, PartialEq)]
pub enum StreamEvent {
    /// The message began. Always first; encoders emit their opening events here.
    Start {
        id: String,
        model: String,
    },
    /// A keep-alive with no content.
    Ping,
    TextDelta(String),
    /// Text of a refusal (Chat `delta.refusal`, Responses `response.refusal.delta`).
    RefusalDelta(String),
    ReasoningDelta(String),
    /// Anthropic's signature for the reasoning just streamed.
    ReasoningSignature(String),
    /// A whole block of encrypted reasoning (Anthropic `redacted_thinking`), its opaque data.
    RedactedReasoning(String),
    /// A tool call starts. `index` is the call's position in this turn (0, 1, ...), the key that
    /// routes later argument deltas.
    ToolCallStart {
        index: usize,
        id: String,
        name: String,
    },
    ToolCallArguments {
        index: usize,
        delta: String,
    },
    /// Token counts known so far; may arrive more than once, later values win.
    Usage(Usage),
    /// The model stopped.
    Finish(StopReason),
    /// The upstream reported an error inside the stream.
    Error {
        message: String,
        kind: ErrorKind,
    },
}

/// Where an event stands for failover: the engine may hold back `Preamble` events and retry on
/// another upstream until the first `Content` event has been sent to the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Preamble,
    Content,
    Error,
}

impl StreamEvent {
    pub fn phase(&self) -> Phase {
        match self {
            StreamEvent::Start { .. } | StreamEvent::Ping => Phase::Preamble,
            StreamEvent::TextDelta(text)
            | StreamEvent::ReasoningDelta(text)
            | StreamEvent::RefusalDelta(text)
                if text.is_empty() =>
            {
                Phase::Preamble
            }
            StreamEvent::Error { .. } => Phase::Error,
            _ => Phase::Content,
        }
    }
}
