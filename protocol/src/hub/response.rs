//! The hub response: one finished assistant turn with its stop reason and token usage.

use super::Part;

#[derive(Debug, Clone, PartialEq)]
pub struct Response {
    /// Upstream id, kept so the client sees a stable id; encoders add their own prefix only when
    /// the id is empty.
    pub id: String,
    /// The model that really answered (the upstream's name, not the client's alias).
    pub model: String,
    /// Unix seconds of creation as the upstream reported it; 0 when it did not (Anthropic), in
    /// which case the engine should set the current time before encoding.
    pub created: u64,
    /// Text, reasoning and tool-call parts in the order the model produced them.
    pub content: Vec<Part>,
    pub stop_reason: Option<StopReason>,
    pub usage: Usage,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StopReason {
    EndTurn,
    MaxTokens,
    StopSequence,
    ToolUse,
    ContentFilter,
    /// A reason this crate does not map, kept verbatim.
    Other(String),
}

/// Token counts. `input` excludes cached tokens (Anthropic's convention); OpenAI's
/// `prompt_tokens` includes them, so its converters add and subtract `cache_read`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Usage {
    pub input: u64,
    pub output: u64,
    pub cache_read: u64,
    pub cache_creation: u64,
    /// Reasoning tokens inside `output`, when the upstream reports them.
    pub reasoning: u64,
}

impl Response {
    /// All generated text (text, reasoning, tool calls), for token estimates.
    pub fn text_len(&self) -> usize {
        self.content.iter().map(super::Part::text_len).sum()
    }
}

impl Usage {
    /// Input including cached tokens, as OpenAI reports `prompt_tokens`.
    pub fn total_input(&self) -> u64 {
        self.input + self.cache_read + self.cache_creation
    }

    /// Overlays the non-zero counts of `later` (streams report usage piecemeal).
    pub fn merge(&mut self, later: &Usage) {
        let pick = |a: &mut u64, b: u64| {
            if b != 0 {
                *a = b;
            }
        };
        pick(&mut self.input, later.input);
        pick(&mut self.output, later.output);
        pick(&mut self.cache_read, later.cache_read);
        pick(&mut self.cache_creation, later.cache_creation);
        pick(&mut self.reasoning, later.reasoning);
    }
}

impl Response {
    /// Turns the calls of freeform tools (by the request's `tools`) back into custom tool
    /// calls, for a client that offered them as such; a provider saw them as JSON tools.
    pub fn restore_freeform_calls(&mut self, tools: &[super::Tool]) {
        if !tools.iter().any(|tool| tool.freeform) {
            return;
        }
        for part in &mut self.content {
            if let Part::ToolCall {
                id,
                name,
                arguments,
            } = part
                && tools.iter().any(|tool| tool.freeform && tool.name == *name)
            {
                *part = Part::CustomToolCall {
                    id: std::mem::take(id),
                    name: std::mem::take(name),
                    input: Part::freeform_input(arguments),
                };
            }
        }
    }
}
