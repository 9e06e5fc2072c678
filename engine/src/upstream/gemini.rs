//! Google Gemini through its OpenAI-compatible endpoint: `{base}/v1beta/openai/chat/completions`
//! with `Authorization: Bearer KEY`, as Google documents for that endpoint. A base URL pasted
//! with `/v1beta` or `/v1beta/openai` already on it is accepted as well.

use super::{Endpoint, openai};

pub(super) fn endpoint_url(base_url: &str, endpoint: Endpoint) -> String {
    let base = base_url.trim().trim_end_matches('/');
    let base = base.strip_suffix("/openai").unwrap_or(base);
    let base = base.strip_suffix("/v1beta").unwrap_or(base);
    format!("{base}/v1beta/openai/{}", openai::path(endpoint))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_openai_compatible_prefix_is_added_once() {
        let expected = "https://generativelanguage.googleapis.com/v1beta/openai/chat/completions";
        for base in [
            "https://generativelanguage.googleapis.com",
            "https://generativelanguage.googleapis.com/v1beta",
            "https://generativelanguage.googleapis.com/v1beta/openai/",
        ] {
            assert_eq!(endpoint_url(base, Endpoint::ChatCompletions), expected);
        }
    }
}
