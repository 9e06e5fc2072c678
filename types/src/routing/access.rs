//! What the UI edits about how requests reach a channel and how failures are judged: a
//! channel's key pool (shown masked), its outbound proxy, and the ordered error rules of the
//! settings. The engine reads the same values, so a screen and the proxy never disagree.

use serde::{Deserialize, Serialize};

use crate::ChannelId;

/// A key's id in a channel's pool.
pub type KeyId = i64;

/// What an error rule does when it matches an upstream's answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleAction {
    /// Try the next candidate; nothing is cooled.
    Failover,
    /// Cool the entry (for `Retry-After` when given, else the cooldown setting).
    CoolEntry,
    /// Switch the entry off, with the rule as the reason (only the user switches it on).
    DisableEntry,
    /// Skip every entry of the channel for `freeze_secs`.
    FreezeChannel,
    /// Cool the key that got the answer; a channel with a single key cools the entry.
    CoolKey,
    /// Switch off the key that got the answer; a channel with a single key disables the entry.
    DisableKey,
}

impl RuleAction {
    pub const ALL: [RuleAction; 6] = [
        Self::Failover,
        Self::CoolEntry,
        Self::DisableEntry,
        Self::FreezeChannel,
        Self::CoolKey,
        Self::DisableKey,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Failover => "failover",
            Self::CoolEntry => "cool_entry",
            Self::DisableEntry => "disable_entry",
            Self::FreezeChannel => "freeze_channel",
            Self::CoolKey => "cool_key",
            Self::DisableKey => "disable_key",
        }
    }
}

impl std::fmt::Display for RuleAction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for RuleAction {
    /// The name given, which is none of the actions.
    type Err = String;
    /// The name as stored and sent (`cool_entry`, ...), exactly.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|action| action.as_str() == s)
            .ok_or_else(|| s.to_owned())
    }
}

/// One error rule: an upstream answer matches when its status is `status` (any when `None`)
/// and its error text contains `phrase` (case-insensitive; any when empty). At least one of
/// the two is set. Rules are tried in order; the first match decides.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ErrorRule {
    #[serde(default)]
    pub status: Option<u16>,
    #[serde(default)]
    pub phrase: String,
    pub action: RuleAction,
    /// How long `FreezeChannel` freezes; ignored by the other actions.
    #[serde(default)]
    pub freeze_secs: u64,
}

impl ErrorRule {
    pub fn phrase(phrase: &str, action: RuleAction) -> Self {
        Self {
            status: None,
            phrase: phrase.into(),
            action,
            freeze_secs: 0,
        }
    }

    /// How logs and the 502 name the rule: its phrase, its status, or both.
    pub fn label(&self) -> String {
        match (self.status, self.phrase.trim()) {
            (Some(status), "") => format!("HTTP {status}"),
            (None, phrase) => format!("\"{phrase}\""),
            (Some(status), phrase) => format!("HTTP {status} \"{phrase}\""),
        }
    }

    /// Why a user-given rule is unusable, if it is.
    pub fn problem(&self) -> Option<&'static str> {
        if self.status.is_none() && self.phrase.trim().is_empty() {
            return Some("give a status code, a phrase, or both");
        }
        if self.status.is_some_and(|s| !(100..=599).contains(&s)) {
            return Some("the status must be an HTTP status (100-599)");
        }
        if self.action == RuleAction::FreezeChannel && self.freeze_secs == 0 {
            return Some("a freeze needs a duration in seconds");
        }
        None
    }
}

/// The rules a new installation starts with: quota and credit errors cool (or freeze) what
/// cannot serve, a rejected key is switched off, an overload or rate limit moves on.
pub fn default_error_rules() -> Vec<ErrorRule> {
    use RuleAction::*;
    let six_hours = 6 * 3600;
    vec![
        ErrorRule::phrase("insufficient_quota", CoolKey),
        ErrorRule {
            freeze_secs: six_hours,
            ..ErrorRule::phrase("credit balance is too low", FreezeChannel)
        },
        ErrorRule::phrase("invalid api key", DisableKey),
        ErrorRule {
            freeze_secs: six_hours,
            ..ErrorRule::phrase("account deactivated", FreezeChannel)
        },
        ErrorRule::phrase("overloaded", CoolEntry),
        ErrorRule::phrase("rate limit", CoolKey),
    ]
}

/// An outbound proxy a channel's requests go through: `url` is `http://`, `https://` or
/// `socks5://` (`socks5h://` resolves names at the proxy) with host and port; credentials
/// are optional. The password is a secret: masked in exports unless asked for.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct OutboundProxy {
    pub url: String,
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub password: crate::secret::Secret,
}

impl OutboundProxy {
    /// Why `url` cannot be used as a proxy, if it cannot.
    pub fn problem(&self) -> Option<String> {
        let url = self.url.trim();
        let Some((scheme, rest)) = url.split_once("://") else {
            return Some("write the proxy as scheme://host:port (http, https or socks5)".into());
        };
        if !matches!(scheme, "http" | "https" | "socks5" | "socks5h") {
            return Some(format!(
                "`{scheme}` is not a proxy scheme; use http, https or socks5"
            ));
        }
        let host = rest.split(['/', '?']).next().unwrap_or_default();
        if host.is_empty() || host.contains('@') {
            return Some(
                "give the proxy's host (and port); credentials go in their own fields".into(),
            );
        }
        None
    }
}

/// One key of a channel's pool as the UI shows it: masked, with its state.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyView {
    pub id: KeyId,
    pub channel_id: ChannelId,
    /// `sk-***abcd`: enough to recognise, not to use.
    pub masked: String,
    pub enabled: bool,
    /// Why the system switched it off (empty when on or switched off by the user).
    pub disabled_reason: String,
    /// Cooling until this Unix millisecond (after a 429 or a quota error), if it is.
    pub cooling_until_ms: Option<i64>,
}

/// A key the pool editor keeps, and whether the user wants it on (the pool's "Save" sends
/// these with the pasted new keys; never a stored key).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeptKey {
    pub id: KeyId,
    pub enabled: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_actions_parse_their_wire_names_only() {
        for action in RuleAction::ALL {
            assert_eq!(action.as_str().parse::<RuleAction>(), Ok(action));
            let json = serde_json::to_value(action).expect("json");
            assert_eq!(json, action.as_str());
        }
        assert_eq!("freeze".parse::<RuleAction>(), Err("freeze".to_owned()));
    }
}
