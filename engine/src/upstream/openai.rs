//! OpenAI's URL layout and bearer authentication, shared by the `openai` and `custom` kinds:
//! `openai` adds the `/v1` prefix when the base URL lacks it, `custom` uses the base as given.

use http::{HeaderMap, HeaderValue, header};

use super::Endpoint;

pub(super) fn endpoint_url(base_url: &str, endpoint: Endpoint, add_v1: bool) -> String {
    let base = base_url.trim().trim_end_matches('/');
    let prefix = if add_v1 && !base.ends_with("/v1") {
        format!("{base}/v1")
    } else {
        base.to_owned()
    };
    let path = match endpoint {
        Endpoint::ChatCompletions => "chat/completions",
        Endpoint::Embeddings => "embeddings",
        Endpoint::Models => "models",
    };
    format!("{prefix}/{path}")
}

pub(super) fn auth_headers(api_key: &str) -> HeaderMap {
    let mut headers = HeaderMap::new();
    if api_key.is_empty() {
        return headers;
    }
    // A key with characters a header cannot carry is sent without auth; the upstream's 401
    // then tells the user (and auto-disables the entry) instead of a panic here.
    if let Ok(mut value) = HeaderValue::from_str(&format!("Bearer {api_key}")) {
        value.set_sensitive(true);
        headers.insert(header::AUTHORIZATION, value);
    }
    headers
}

#[cfg(test)]
mod tests {
    use super::super::{ChannelKind, Endpoint};

    #[test]
    fn openai_adds_v1_once_and_custom_uses_the_base_as_given() {
        let chat = Endpoint::ChatCompletions;
        assert_eq!(
            ChannelKind::Openai.endpoint_url("https://h.example/", chat),
            "https://h.example/v1/chat/completions"
        );
        assert_eq!(
            ChannelKind::Openai.endpoint_url("https://h.example/v1", chat),
            "https://h.example/v1/chat/completions"
        );
        assert_eq!(
            ChannelKind::Custom.endpoint_url("https://h.example/api/paas/v4", chat),
            "https://h.example/api/paas/v4/chat/completions"
        );
    }
}
