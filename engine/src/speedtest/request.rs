//! The minimal real request a speed test sends, per channel kind: a one-word prompt with a
//! small output limit. The URL and the auth headers come from `ChannelKind`, so a new kind
//! only adds its body shape here (one match arm).

use serde_json::{Value, json};

use crate::catalog::{Capability, Catalog};
use crate::store::Channel;
use crate::upstream::{Endpoint, Target, UpstreamAdapter as _};
use protocol::Protocol;

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
    let kind = channel.api_type;
    let target = Target {
        base_url: &channel.base_url,
        model,
        api_version: &channel.api_version,
    };
    // The kind's native protocol decides the body; the URL and headers come from the kind.
    match kind.protocol_for(Protocol::OpenAiChat, &channel.base_url) {
        Protocol::Anthropic => TestRequest {
            url: kind.url(target, Endpoint::Messages),
            body: anthropic_messages_body(model),
        },
        _ => TestRequest {
            url: kind.url(target, Endpoint::ChatCompletions),
            body: openai_chat_body(model),
        },
    }
}

fn openai_chat_body(model: &str) -> Value {
    // OpenAI's reasoning models reject `max_tokens`; everything else may not know
    // `max_completion_tokens`, so the catalog decides which one to send.
    let reasoning = Catalog::current()
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
/// is accepted.
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
    use crate::upstream::ChannelKind;

    fn channel(kind: ChannelKind) -> Channel {
        Channel {
            id: 1,
            name: "c".into(),
            api_type: kind,
            base_url: "https://h.example".into(),
            enabled: true,
            api_version: String::new(),
            keys: Vec::new(),
            proxy: None,
            pricing: Default::default(),
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
    fn anthropic_channels_get_a_messages_request_with_the_required_max_tokens() {
        let request = build(&channel(ChannelKind::Anthropic), "claude-sonnet-4-5");
        assert_eq!(request.url, "https://h.example/v1/messages");
        assert_eq!(request.body["max_tokens"], MAX_OUTPUT_TOKENS);
        assert!(request.body.get("max_completion_tokens").is_none());
    }

    #[test]
    fn gemini_and_azure_channels_get_their_chat_endpoints() {
        let gemini = build(&channel(ChannelKind::Gemini), "gemini-2.5-flash");
        assert_eq!(
            gemini.url,
            "https://h.example/v1beta/openai/chat/completions"
        );
        let azure = build(&channel(ChannelKind::Azure), "my-deployment");
        assert!(
            azure.url.starts_with(
                "https://h.example/openai/deployments/my-deployment/chat/completions?api-version="
            ),
            "{}",
            azure.url
        );
    }
}
