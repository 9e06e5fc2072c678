//! Where to look: from whatever URL the user pasted, the base URLs and model-list URLs worth
//! trying for each API type. Users paste full endpoint URLs (`.../v1/chat/completions`),
//! version roots (`.../v1`) or relay paths (`.../api/paas/v4`); this turns each into the
//! same small set of candidates, in a fixed order, without network access.

use url::Url;

use super::ChannelKind;

/// Endpoint paths users paste after the base; removed before anything else.
const ENDPOINT_SUFFIXES: &[&str] = &[
    "/chat/completions",
    "/completions",
    "/messages",
    "/responses",
    "/embeddings",
    "/models",
];

/// Version and compatibility roots below the host; removed to find the provider root.
const ROOT_SUFFIXES: &[&str] = &["/v1beta/openai", "/v1beta", "/openai/v1", "/openai", "/v1"];

/// The pasted URL seen two ways.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct PastedUrl {
    /// Without query, fragment, trailing `/` and endpoint suffixes: where an
    /// OpenAI-compatible relay's `/chat/completions` lives (`https://host/api/paas/v4`).
    pub(super) given: String,
    /// `given` without version suffixes: the provider root (`https://api.openai.com`).
    pub(super) root: String,
}

impl PastedUrl {
    pub(super) fn parse(text: &str) -> Result<Self, url::ParseError> {
        let mut url = Url::parse(text.trim())?;
        url.set_query(None);
        url.set_fragment(None);
        let mut given = strip_all(url.as_str().trim_end_matches('/'), ENDPOINT_SUFFIXES);
        // Azure endpoint URLs carry a deployment: `.../openai/deployments/NAME/chat/...`.
        if let Some(at) = given.find("/openai/deployments") {
            given.truncate(at);
        }
        let root = strip_all(&given, ROOT_SUFFIXES);
        Ok(Self { given, root })
    }
}

fn strip_all(text: &str, suffixes: &[&str]) -> String {
    let mut text = text.to_string();
    while let Some(stripped) = suffixes.iter().find_map(|s| text.strip_suffix(s)) {
        text = stripped.trim_end_matches('/').to_string();
    }
    text
}

/// One place a model list may be: the base URL to save if it answers, and the URL to GET.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct ModelsCandidate {
    pub(super) api_type: ChannelKind,
    pub(super) base_url: String,
    pub(super) url: String,
}

/// One chat endpoint to confirm a relay that lists no models.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct ChatCandidate {
    pub(super) api_type: ChannelKind,
    pub(super) base_url: String,
    pub(super) url: String,
}

/// The order in which types are tried: the chosen one, then the one the host suggests, then
/// the rest (OpenAI-compatible first: it is by far the most common).
pub(super) fn type_order(chosen: Option<ChannelKind>, pasted: &PastedUrl) -> Vec<ChannelKind> {
    let hinted = hint_from_host(&pasted.given);
    let mut order = Vec::new();
    let defaults = [
        ChannelKind::Openai,
        ChannelKind::Custom,
        ChannelKind::Anthropic,
        ChannelKind::Gemini,
        ChannelKind::Azure,
    ];
    for api_type in chosen.into_iter().chain(hinted).chain(defaults) {
        if !order.contains(&api_type) {
            order.push(api_type);
        }
    }
    order
}

fn hint_from_host(url: &str) -> Option<ChannelKind> {
    let lower = url.to_lowercase();
    if lower.contains("generativelanguage.googleapis.com") || lower.contains("/v1beta") {
        Some(ChannelKind::Gemini)
    } else if lower.contains(".openai.azure.com") || lower.contains(".cognitiveservices.azure.com")
    {
        Some(ChannelKind::Azure)
    } else if lower.contains("anthropic") {
        Some(ChannelKind::Anthropic)
    } else {
        None
    }
}

/// Model-list URLs of one type, most likely first.
pub(super) fn models_candidates(
    api_type: ChannelKind,
    pasted: &PastedUrl,
    azure_api_version: &str,
) -> Vec<ModelsCandidate> {
    let PastedUrl { given, root } = pasted;
    let at = |base: &str, path: &str| ModelsCandidate {
        api_type,
        base_url: base.to_string(),
        url: format!("{base}{path}"),
    };
    match api_type {
        ChannelKind::Openai => vec![at(root, "/v1/models")],
        // Relays: the pasted path as given, then the usual homes of an OpenAI-style API.
        ChannelKind::Custom => [
            given.clone(),
            format!("{root}/v1"),
            root.clone(),
            format!("{root}/api/v1"),
            format!("{root}/api"),
        ]
        .iter()
        .map(|base| at(base, "/models"))
        .collect(),
        ChannelKind::Anthropic => vec![at(root, "/v1/models")],
        ChannelKind::Gemini => vec![at(root, "/v1beta/openai/models")],
        ChannelKind::Azure => vec![
            // Deployments are what requests name; the listing exists up to this API version.
            at(root, "/openai/deployments?api-version=2022-12-01"),
            at(
                root,
                &format!("/openai/models?api-version={azure_api_version}"),
            ),
        ],
    }
}

/// Chat endpoints to confirm a base URL when no model list answered.
/// The chat endpoint `api_type` would use on a channel whose base URL is `base_url` (where the
/// proxy would send its requests), to confirm a type a model list suggested; `None` for Azure,
/// whose chat endpoint names a deployment.
pub(super) fn confirm_url(api_type: ChannelKind, base_url: &str) -> Option<String> {
    let path = match api_type {
        ChannelKind::Openai => "/v1/chat/completions",
        ChannelKind::Custom => "/chat/completions",
        ChannelKind::Anthropic => "/v1/messages",
        ChannelKind::Gemini => "/v1beta/openai/chat/completions",
        ChannelKind::Azure => return None,
    };
    Some(format!("{base_url}{path}"))
}

pub(super) fn chat_candidates(api_type: ChannelKind, pasted: &PastedUrl) -> Vec<ChatCandidate> {
    let PastedUrl { given, root } = pasted;
    let at = |base: &str, path: &str| ChatCandidate {
        api_type,
        base_url: base.to_string(),
        url: format!("{base}{path}"),
    };
    match api_type {
        ChannelKind::Openai => vec![at(root, "/v1/chat/completions")],
        ChannelKind::Custom => vec![at(given, "/chat/completions")],
        ChannelKind::Anthropic => vec![at(root, "/v1/messages")],
        ChannelKind::Gemini => vec![at(root, "/v1beta/openai/chat/completions")],
        // Azure needs a deployment name to chat; without a listing there is nothing to probe.
        ChannelKind::Azure => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pasted(text: &str) -> (String, String) {
        let p = PastedUrl::parse(text).expect("valid URL");
        (p.given, p.root)
    }

    #[test]
    fn pasted_suffixes_are_stripped() {
        let cases = [
            (
                "https://api.openai.com/v1/chat/completions",
                "https://api.openai.com/v1",
                "https://api.openai.com",
            ),
            (
                "https://api.openai.com/v1/",
                "https://api.openai.com/v1",
                "https://api.openai.com",
            ),
            (
                "https://api.openai.com/v1/models?x=1",
                "https://api.openai.com/v1",
                "https://api.openai.com",
            ),
            (
                "https://api.anthropic.com/v1/messages",
                "https://api.anthropic.com/v1",
                "https://api.anthropic.com",
            ),
            (
                "https://generativelanguage.googleapis.com/v1beta/openai/chat/completions",
                "https://generativelanguage.googleapis.com/v1beta/openai",
                "https://generativelanguage.googleapis.com",
            ),
            (
                "https://open.bigmodel.cn/api/paas/v4/chat/completions",
                "https://open.bigmodel.cn/api/paas/v4",
                "https://open.bigmodel.cn/api/paas/v4",
            ),
            (
                "https://r.example/coding/v3",
                "https://r.example/coding/v3",
                "https://r.example/coding/v3",
            ),
            (
                "https://x.openai.azure.com/openai/v1/",
                "https://x.openai.azure.com/openai/v1",
                "https://x.openai.azure.com",
            ),
        ];
        for (input, given, root) in cases {
            assert_eq!(
                pasted(input),
                (given.to_string(), root.to_string()),
                "{input}"
            );
        }
    }

    #[test]
    fn chosen_type_comes_first_then_the_host_hint() {
        let google = PastedUrl::parse("https://generativelanguage.googleapis.com/v1beta/openai")
            .expect("url");
        assert_eq!(type_order(None, &google)[0], ChannelKind::Gemini);
        assert_eq!(
            type_order(Some(ChannelKind::Custom), &google)[..2],
            [ChannelKind::Custom, ChannelKind::Gemini]
        );
        assert_eq!(type_order(None, &google).len(), 5);
    }
}
