//! The minimal real request a speed test sends, per channel kind: a one-word prompt with a
//! small output limit. The URL and the auth headers come from `ChannelKind`, so a new kind
//! only adds its body shape here (one match arm).

use serde_json::{Value, json};

use crate::catalog::{Capability, Catalog};
use crate::store::Channel;
use crate::upstream::{ChannelKind, Endpoint};

/// Small enough to be cheap, large enough that reasoning models (whose limit includes their
/// thinking) still answer 200 instead of rejecting the request.
pub const MAX_OUTPUT_TOKENS: u32 = 64;

const PROMPT: &str = "Reply with OK.";

/// What to send for one entry.
pub struct TestRequest {
    pub url: String,
    pub body: Value,
}

/// The request testing `model` on `channel`. Streaming, so the first byte is the first token
/// rather than the whole answer.
pub fn build(channel: &Channel, model: &str) -> TestRequest {
    match channel.api_type {
        ChannelKind::Openai | ChannelKind::Custom => TestRequest {
            url: channel
                .api_type
                .endpoint_url(&channel.base_url, Endpoint::ChatCompletions),
            body: openai_chat_body(model),
        },
        // Issue 4 adds `ChannelKind::Anthropic`; its arm is
        // `TestRequest { url: kind.endpoint_url(base, Endpoint::Messages), body: anthropic_messages_body(model) }`.
    }
}

fn openai_chat_body(model: &str) -> Value {
    // OpenAI's reasoning models reject `max_tokens`; everything else may not know
    // `max_completion_tokens`, so the catalog decides which one to send.
    let reasoning = Catalog::embedded()
        .lookup(model)
        .is_some_and(|found| found.model.has(Capability::Reasoning));
    let limit_field = if reasoning {
        "max_completion_tokens"
    } else {
        "max_tokens"
    };
    json!({
        "model": model,
        "messages": [{"role": "user", "content": PROMPT}],
        limit_field: MAX_OUTPUT_TOKENS,
        "stream": true,
    })
}

/// Anthropic Messages: `max_tokens` is required and thinking stays off, so any small limit
/// is accepted. Used by the `Anthropic` arm once that kind exists.
#[cfg_attr(
    not(test),
    expect(dead_code, reason = "the anthropic channel kind arrives with issue 4")
)]
pub fn anthropic_messages_body(model: &str) -> Value {
    json!({
        "model": model,
        "max_tokens": MAX_OUTPUT_TOKENS,
        "messages": [{"role": "user", "content": PROMPT}],
        "stream": true,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn channel(kind: ChannelKind) -> Channel {
        Channel {
            id: 1,
            name: "c".into(),
            api_type: kind,
            base_url: "https://h.example".into(),
            api_key: "sk-x".into(),
            enabled: true,
        }
    }

    #[test]
    fn reasoning_models_get_max_completion_tokens_and_others_max_tokens() {
        let reasoning = build(&channel(ChannelKind::Openai), "o3");
        assert_eq!(reasoning.url, "https://h.example/v1/chat/completions");
        assert_eq!(reasoning.body["max_completion_tokens"], MAX_OUTPUT_TOKENS);
        assert!(reasoning.body.get("max_tokens").is_none());
        let plain = build(&channel(ChannelKind::Custom), "some-unknown-model");
        assert_eq!(plain.body["max_tokens"], MAX_OUTPUT_TOKENS);
        assert_eq!(plain.body["stream"], true);
    }

    #[test]
    fn anthropic_body_sets_the_required_max_tokens() {
        let body = anthropic_messages_body("claude-sonnet-4-5");
        assert_eq!(body["max_tokens"], MAX_OUTPUT_TOKENS);
    }
}
