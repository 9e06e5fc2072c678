//! Google Gemini, natively or through its OpenAI-compatible layer. Native is the default:
//! `{base}/v1beta/models/{model}:generateContent` (and `:streamGenerateContent?alt=sse`) with
//! the key in `x-goog-api-key`, so a Gemini client's body passes untouched and every other
//! client is converted to Gemini's own format (function calls, system instruction, usage and
//! thoughts all native). A base URL that ends in `/openai` (as Google documents the
//! compatibility layer: `https://generativelanguage.googleapis.com/v1beta/openai`) keeps a
//! channel on that layer: `{base}/chat/completions` with `Authorization: Bearer KEY`. Model
//! lists and embeddings always use the compatibility layer, whose answers are OpenAI-shaped.
//! A base URL pasted with or without `/v1beta` is accepted either way.

use http::{HeaderMap, HeaderName};

use super::{Endpoint, Target, openai, secret_header};

/// Whether a channel with this base URL speaks Gemini natively (not ending in `/openai`).
pub(super) fn is_native(base_url: &str) -> bool {
    !base_url.trim().trim_end_matches('/').ends_with("/openai")
}

/// The address without `/v1beta` and `/openai`, whichever of them it was pasted with.
fn root(base_url: &str) -> &str {
    let base = base_url.trim().trim_end_matches('/');
    let base = base.strip_suffix("/openai").unwrap_or(base);
    base.strip_suffix("/v1beta").unwrap_or(base)
}

pub(super) fn endpoint_url(target: Target<'_>, endpoint: Endpoint) -> String {
    let root = root(target.base_url);
    // The entry may name the model as Google lists it, `models/gemini-2.5-pro`.
    let model = target.model.strip_prefix("models/").unwrap_or(target.model);
    let model: String = url::form_urlencoded::byte_serialize(model.as_bytes()).collect();
    match endpoint {
        Endpoint::GenerateContent => format!("{root}/v1beta/models/{model}:generateContent"),
        Endpoint::StreamGenerateContent => {
            format!("{root}/v1beta/models/{model}:streamGenerateContent?alt=sse")
        }
        other => format!("{root}/v1beta/openai/{}", openai::path(other)),
    }
}

/// Native: `x-goog-api-key`; the compatibility layer: a bearer token, as Google documents each.
pub(super) fn headers(api_key: &str, base_url: &str) -> HeaderMap {
    if !is_native(base_url) {
        return openai::auth_headers(api_key);
    }
    let mut headers = HeaderMap::new();
    if !api_key.is_empty()
        && let Some(value) = secret_header(api_key)
    {
        headers.insert(HeaderName::from_static("x-goog-api-key"), value);
    }
    headers
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(base_url: &str) -> Target<'_> {
        Target {
            base_url,
            model: "models/gemini-2.5-flash",
            api_version: "",
        }
    }

    #[test]
    fn native_urls_whatever_the_pasted_prefix() {
        for base in [
            "https://generativelanguage.googleapis.com",
            "https://generativelanguage.googleapis.com/v1beta/",
        ] {
            assert!(is_native(base));
            assert_eq!(
                endpoint_url(target(base), Endpoint::StreamGenerateContent),
                "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse"
            );
            assert_eq!(
                endpoint_url(target(base), Endpoint::GenerateContent),
                "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:generateContent"
            );
            assert_eq!(headers("AIza-k", base)["x-goog-api-key"], "AIza-k");
            assert!(headers("AIza-k", base).get("authorization").is_none());
        }
    }

    #[test]
    fn the_openai_compatible_layer_when_the_base_says_so() {
        let base = "https://generativelanguage.googleapis.com/v1beta/openai/";
        assert!(!is_native(base));
        assert_eq!(
            endpoint_url(target(base), Endpoint::ChatCompletions),
            "https://generativelanguage.googleapis.com/v1beta/openai/chat/completions"
        );
        assert_eq!(headers("k", base)["authorization"], "Bearer k");
        assert_eq!(
            endpoint_url(
                target("https://generativelanguage.googleapis.com"),
                Endpoint::Models
            ),
            "https://generativelanguage.googleapis.com/v1beta/openai/models"
        );
    }
}
