//! Which balance endpoint a channel answers, from its base URL's host: the providers with their
//! own endpoint are known by name (`openrouter.ai`, `api.deepseek.com`, `api.moonshot.cn` and
//! `.ai`, `api.siliconflow.cn` and `.com`); any other host is taken for a relay, asked as
//! new-api when the user gave an access token and user id, else with the OpenAI-style billing
//! endpoints most relays answer.

use types::balance::{BalanceKind, BalanceSettings};

/// The kind the host of `base_url` is known to answer; `None`: not a known provider.
pub fn detect(base_url: &str) -> Option<BalanceKind> {
    let url = url::Url::parse(base_url.trim()).ok()?;
    let host = url.host_str()?.to_ascii_lowercase();
    let is = |domain: &str| host == domain || host.ends_with(&format!(".{domain}"));
    if is("openrouter.ai") {
        Some(BalanceKind::Openrouter)
    } else if is("deepseek.com") {
        Some(BalanceKind::Deepseek)
    } else if is("moonshot.cn") || is("moonshot.ai") {
        Some(BalanceKind::Moonshot)
    } else if is("siliconflow.cn") || is("siliconflow.com") {
        Some(BalanceKind::Siliconflow)
    } else {
        None
    }
}

/// The kind a look-up asks for a channel at `base_url` with `settings`; `None`: not asked
/// (`off`). `has_token`: a new-api access token is stored.
pub fn asked_as(
    settings: &BalanceSettings,
    base_url: &str,
    has_token: bool,
) -> Option<BalanceKind> {
    match settings.kind {
        BalanceKind::Off => None,
        BalanceKind::Auto => Some(detect(base_url).unwrap_or(
            if has_token && !settings.user_id.trim().is_empty() {
                BalanceKind::NewApi
            } else {
                BalanceKind::OpenaiBilling
            },
        )),
        kind => Some(kind),
    }
}

/// The scheme, host and port of `base_url` (`https://api.deepseek.com`), where every balance
/// endpoint is; `None`: not a URL.
pub fn origin(base_url: &str) -> Option<String> {
    let url = url::Url::parse(base_url.trim()).ok()?;
    let origin = url.origin();
    origin.is_tuple().then(|| origin.ascii_serialization())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_hosts_are_detected() {
        let cases = [
            (
                "https://openrouter.ai/api/v1",
                Some(BalanceKind::Openrouter),
            ),
            ("https://api.deepseek.com", Some(BalanceKind::Deepseek)),
            ("https://api.moonshot.cn/v1", Some(BalanceKind::Moonshot)),
            ("https://api.moonshot.ai/v1", Some(BalanceKind::Moonshot)),
            (
                "https://api.siliconflow.cn/v1",
                Some(BalanceKind::Siliconflow),
            ),
            ("https://relay.example.com/v1", None),
            ("https://notdeepseek.com", None),
        ];
        for (url, kind) in cases {
            assert_eq!(detect(url), kind, "{url}");
        }
    }

    #[test]
    fn auto_on_an_unknown_host_is_new_api_with_a_token_else_billing() {
        let mut settings = BalanceSettings::default();
        let relay = "https://relay.example.com/v1";
        assert_eq!(
            asked_as(&settings, relay, false),
            Some(BalanceKind::OpenaiBilling)
        );
        settings.user_id = "7".into();
        assert_eq!(asked_as(&settings, relay, true), Some(BalanceKind::NewApi));
        settings.kind = BalanceKind::Off;
        assert_eq!(asked_as(&settings, relay, true), None);
    }

    #[test]
    fn the_origin_drops_the_path() {
        assert_eq!(
            origin("http://127.0.0.1:8080/v1/").as_deref(),
            Some("http://127.0.0.1:8080")
        );
        assert_eq!(origin("not a url"), None);
    }
}
