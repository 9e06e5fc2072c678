//! OpenAI's URL layout and bearer authentication, shared by the `openai` and `custom` kinds:
//! `openai` adds the `/v1` prefix when the base URL lacks it, `custom` uses the base as given.

use http::{HeaderMap, header};

use super::{Endpoint, secret_header};

pub(super) fn endpoint_url(base_url: &str, endpoint: Endpoint, add_v1: bool) -> String {
    let base = base_url.trim().trim_end_matches('/');
    let prefix = if add_v1 && !base.ends_with("/v1") {
        format!("{base}/v1")
    } else {
        base.to_owned()
    };
    format!("{prefix}/{}", path(endpoint))
}

/// The path of `endpoint` below an OpenAI-style prefix.
pub(super) fn path(endpoint: Endpoint) -> &'static str {
    match endpoint {
        Endpoint::ChatCompletions => "chat/completions",
        Endpoint::Embeddings => "embeddings",
        Endpoint::Models => "models",
        Endpoint::Responses => "responses",
        // Never asked of an OpenAI-style kind (`ChannelKind::serves`); the native names keep a
        // mistaken call visible in the upstream's 404.
        Endpoint::Messages => "messages",
        Endpoint::CountTokens => "messages/count_tokens",
        Endpoint::GenerateContent | Endpoint::StreamGenerateContent => "generateContent",
    }
}

pub(super) fn auth_headers(api_key: &str) -> HeaderMap {
    let mut headers = HeaderMap::new();
    if api_key.is_empty() {
        return headers;
    }
    if let Some(value) = secret_header(&format!("Bearer {api_key}")) {
        headers.insert(header::AUTHORIZATION, value);
    }
    headers
}

#[cfg(test)]
mod tests {
    use super::super::{ChannelKind, Endpoint, Target, UpstreamAdapter as _};

    fn url(kind: ChannelKind, base_url: &str) -> String {
        let target = Target {
            base_url,
            model: "m",
            api_version: "",
        };
        kind.url(target, Endpoint::ChatCompletions)
    }

    #[test]
    fn openai_adds_v1_once_and_custom_uses_the_base_as_given() {
        assert_eq!(
            url(ChannelKind::Openai, "https://h.example/"),
            "https://h.example/v1/chat/completions"
        );
        assert_eq!(
            url(ChannelKind::Openai, "https://h.example/v1"),
            "https://h.example/v1/chat/completions"
        );
        assert_eq!(
            url(ChannelKind::Custom, "https://h.example/api/paas/v4"),
            "https://h.example/api/paas/v4/chat/completions"
        );
    }
}
