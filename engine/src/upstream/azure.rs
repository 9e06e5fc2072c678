//! Azure OpenAI: one deployment per model, so the entry's model name is the deployment:
//! `{base}/openai/deployments/{deployment}/chat/completions?api-version=V`, key in `api-key`.
//! The `api-version` is a channel setting; empty means [`DEFAULT_API_VERSION`].

use http::{HeaderMap, HeaderName};

use super::{Endpoint, Target, openai, secret_header};

/// The current generally-available data-plane version.
pub const DEFAULT_API_VERSION: &str = "2024-10-21";

pub(super) fn endpoint_url(target: Target<'_>, endpoint: Endpoint) -> String {
    let base = target.base_url.trim().trim_end_matches('/');
    let base = base.strip_suffix("/openai").unwrap_or(base);
    let version = match target.api_version.trim() {
        "" => DEFAULT_API_VERSION,
        given => given,
    };
    let query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("api-version", version)
        .finish();
    match endpoint {
        Endpoint::Models => format!("{base}/openai/models?{query}"),
        other => {
            let deployment: String =
                url::form_urlencoded::byte_serialize(target.model.as_bytes()).collect();
            let path = openai::path(other);
            format!("{base}/openai/deployments/{deployment}/{path}?{query}")
        }
    }
}

pub(super) fn auth_headers(api_key: &str) -> HeaderMap {
    let mut headers = HeaderMap::new();
    if !api_key.is_empty()
        && let Some(value) = secret_header(api_key)
    {
        headers.insert(HeaderName::from_static("api-key"), value);
    }
    headers
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deployment_and_default_version_are_in_the_url() {
        let target = Target {
            base_url: "https://r.openai.azure.com/",
            model: "my-gpt-4o",
            api_version: "",
        };
        assert_eq!(
            endpoint_url(target, Endpoint::ChatCompletions),
            "https://r.openai.azure.com/openai/deployments/my-gpt-4o/chat/completions?api-version=2024-10-21"
        );
    }
}
