//! Anthropic's Messages API: `{base}/v1/messages`, the key in `x-api-key`, and the
//! `anthropic-version` header (the client's when it sent one, else the stable `2023-06-01`).
//! The client's `anthropic-beta` header is forwarded so beta features keep working.

use http::{HeaderMap, HeaderName, HeaderValue};

use super::{Endpoint, openai, secret_header};

/// Sent when the client did not choose a version: the one every current model accepts.
pub const DEFAULT_VERSION: &str = "2023-06-01";

pub(super) fn endpoint_url(base_url: &str, endpoint: Endpoint) -> String {
    let base = base_url.trim().trim_end_matches('/');
    let base = base.strip_suffix("/v1").unwrap_or(base);
    let path = match endpoint {
        Endpoint::Messages
        | Endpoint::ChatCompletions
        | Endpoint::Responses
        | Endpoint::GenerateContent
        | Endpoint::StreamGenerateContent => "messages",
        other => openai::path(other),
    };
    format!("{base}/v1/{path}")
}

pub(super) fn headers(api_key: &str, client: &HeaderMap) -> HeaderMap {
    let mut headers = HeaderMap::new();
    if !api_key.is_empty()
        && let Some(value) = secret_header(api_key)
    {
        headers.insert(HeaderName::from_static("x-api-key"), value);
    }
    let version = client
        .get("anthropic-version")
        .cloned()
        .unwrap_or(HeaderValue::from_static(DEFAULT_VERSION));
    headers.insert(HeaderName::from_static("anthropic-version"), version);
    if let Some(beta) = client.get("anthropic-beta") {
        headers.insert(HeaderName::from_static("anthropic-beta"), beta.clone());
    }
    headers
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_url_has_one_v1_and_version_defaults() {
        assert_eq!(
            endpoint_url("https://api.anthropic.com/v1/", Endpoint::Messages),
            "https://api.anthropic.com/v1/messages"
        );
        assert_eq!(
            endpoint_url("https://api.anthropic.com", Endpoint::CountTokens),
            "https://api.anthropic.com/v1/messages/count_tokens"
        );
        let sent = headers("sk-ant", &HeaderMap::new());
        assert_eq!(sent["anthropic-version"], DEFAULT_VERSION);
        assert_eq!(sent["x-api-key"], "sk-ant");
        assert!(sent.get("anthropic-beta").is_none());
    }
}
