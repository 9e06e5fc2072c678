//! Relay balances: what is left on a channel's account, as its provider reports it. A channel's
//! `BalanceSettings` say which endpoint shape to ask (`BalanceKind`, `auto` by default: chosen
//! from the base URL's host), the figure below which the user wants a warning, and for new-api's
//! `/api/user/self` the user id (the access token that goes with it is a secret the browser
//! never receives). A look-up gives a `Balance`; one that failed carries its error and no
//! amount, so it shows as unknown, never as 0.

use serde::{Deserialize, Serialize};

use crate::ChannelId;

/// Which balance endpoint a channel's provider answers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BalanceKind {
    /// Chosen from the base URL's host; an unknown host is asked as new-api (when an access
    /// token is set) or with the OpenAI-style billing endpoints.
    #[default]
    Auto,
    /// Never asked.
    Off,
    /// new-api / one-api `/api/user/self` with the user's access token and user id.
    NewApi,
    /// `/v1/dashboard/billing/subscription` and `/usage`, answered with the API key.
    OpenaiBilling,
    /// OpenRouter's `/api/v1/credits`.
    Openrouter,
    /// DeepSeek's `/user/balance`.
    Deepseek,
    /// Moonshot's `/v1/users/me/balance`.
    Moonshot,
    /// SiliconFlow's `/v1/user/info`.
    Siliconflow,
}

impl BalanceKind {
    /// Every kind, in the order a form offers them.
    pub const ALL: [BalanceKind; 8] = [
        Self::Auto,
        Self::Off,
        Self::NewApi,
        Self::OpenaiBilling,
        Self::Openrouter,
        Self::Deepseek,
        Self::Moonshot,
        Self::Siliconflow,
    ];

    /// The name used in the configuration file, the CLI and form values.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Auto => "auto",
            Self::Off => "off",
            Self::NewApi => "new_api",
            Self::OpenaiBilling => "openai_billing",
            Self::Openrouter => "openrouter",
            Self::Deepseek => "deepseek",
            Self::Moonshot => "moonshot",
            Self::Siliconflow => "siliconflow",
        }
    }

    /// The kind named `name` (as `as_str` writes it).
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == name.trim())
    }
}

/// How a channel's balance is looked up and when it warns.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct BalanceSettings {
    #[serde(default)]
    pub kind: BalanceKind,
    /// Below this amount (in the balance's currency) the balance is low; `None`: never warns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold: Option<f64>,
    /// new-api's user id (the `New-Api-User` header) for `/api/user/self`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub user_id: String,
}

impl BalanceSettings {
    pub fn is_default(&self) -> bool {
        *self == Self::default()
    }

    /// What is wrong with these settings, if anything.
    pub fn problem(&self) -> Option<String> {
        match self.threshold {
            Some(t) if !t.is_finite() || t < 0.0 => {
                Some(format!("threshold {t} must be a number of 0 or more"))
            }
            _ => None,
        }
    }
}

/// One look-up's result. `amount: None` is unknown (see `error`), never 0.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Balance {
    pub amount: Option<f64>,
    /// `USD` or `CNY`, as the provider bills.
    pub currency: String,
    /// When it was looked up (Unix ms).
    pub checked_ms: i64,
    /// Why the look-up failed, in English (the UI shows "unknown" and this as detail).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl Balance {
    /// Whether `threshold` is set and a known amount is below it.
    pub fn is_below(&self, threshold: Option<f64>) -> bool {
        matches!((self.amount, threshold), (Some(a), Some(t)) if a < t)
    }
}

/// One channel's balance settings and last look-up, as Channels, the Dashboard card, the tray
/// and `api-switch balance` show them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChannelBalance {
    pub channel: ChannelId,
    pub name: String,
    pub settings: BalanceSettings,
    /// The kind a look-up asks: `settings.kind`, or what `auto` chose; `None`: not asked.
    pub asked_as: Option<BalanceKind>,
    /// Whether a new-api access token is stored (the token itself never leaves the server).
    pub has_access_token: bool,
    /// The last look-up; `None`: never looked up.
    pub last: Option<Balance>,
}

impl ChannelBalance {
    /// Whether the last known figure is below the user's threshold.
    pub fn is_low(&self) -> bool {
        self.last
            .as_ref()
            .is_some_and(|b| b.is_below(self.settings.threshold))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_by_name() {
        for kind in BalanceKind::ALL {
            assert_eq!(BalanceKind::parse(kind.as_str()), Some(kind));
            let json = serde_json::to_value(kind).expect("json");
            assert_eq!(json, kind.as_str());
        }
    }

    #[test]
    fn an_unknown_amount_is_never_below_a_threshold() {
        let unknown = Balance {
            error: Some("HTTP 500".into()),
            ..Balance::default()
        };
        assert!(!unknown.is_below(Some(5.0)));
        let low = Balance {
            amount: Some(1.0),
            ..Balance::default()
        };
        assert!(low.is_below(Some(5.0)));
        assert!(!low.is_below(None));
    }
}
