//! The API a channel speaks (`api_type`): a closed enum shared by the engine, the UI, the CLI
//! and the configuration file, stored and sent as the same lowercase names it always had
//! (`openai`, `anthropic`, `gemini`, `azure`, `custom`). What each kind does upstream (its URL
//! layout, its headers, its protocol) is the engine's `upstream::UpstreamAdapter`.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The API a channel speaks, chosen per channel. A closed enum: adding a kind makes the compiler
/// point at every place that must learn about it. Calibration uses the same type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChannelKind {
    /// OpenAI itself or a service with OpenAI's layout: the base URL may or may not end in `/v1`.
    Openai,
    /// Anthropic Messages: `{base}/v1/messages`, `x-api-key`.
    Anthropic,
    /// Google Gemini: its native API (`{base}/v1beta/models/...`, `x-goog-api-key`), or its
    /// OpenAI-compatible layer when the base URL ends in `/openai`.
    Gemini,
    /// Azure OpenAI: `{base}/openai/deployments/{deployment}/...?api-version=V`, `api-key`.
    Azure,
    /// Any OpenAI-compatible service whose base URL is used exactly as given
    /// (e.g. `https://host/api/paas/v4`).
    Custom,
}

/// `api_type` names the user may write; used in messages that list the choices.
pub const KNOWN_KINDS: &str = "openai, anthropic, gemini, azure, custom";

impl ChannelKind {
    /// Every kind, in the order the UI offers them.
    pub const ALL: [ChannelKind; 5] = [
        ChannelKind::Openai,
        ChannelKind::Anthropic,
        ChannelKind::Gemini,
        ChannelKind::Azure,
        ChannelKind::Custom,
    ];

    /// The name as stored, exported and sent (`openai`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Openai => "openai",
            Self::Anthropic => "anthropic",
            Self::Gemini => "gemini",
            Self::Azure => "azure",
            Self::Custom => "custom",
        }
    }
}

impl fmt::Display for ChannelKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A name that is no `ChannelKind`; its message lists the choices.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownKind {
    pub given: String,
}

impl fmt::Display for UnknownKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown api_type `{}`; use one of: {KNOWN_KINDS}",
            self.given
        )
    }
}

impl std::error::Error for UnknownKind {}

impl FromStr for ChannelKind {
    type Err = UnknownKind;
    /// Case-insensitive, surrounding spaces ignored (what a user types or an import holds).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ChannelKind::ALL
            .into_iter()
            .find(|kind| kind.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| UnknownKind {
                given: s.to_owned(),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_as_stored_and_sent() {
        for kind in ChannelKind::ALL {
            assert_eq!(kind.as_str().parse::<ChannelKind>(), Ok(kind));
            let json = serde_json::to_string(&kind).expect("json");
            assert_eq!(json, format!("\"{kind}\""));
            assert_eq!(
                serde_json::from_str::<ChannelKind>(&json).expect("back"),
                kind
            );
        }
        assert_eq!(" Azure ".parse::<ChannelKind>(), Ok(ChannelKind::Azure));
        assert_eq!(
            "vertex"
                .parse::<ChannelKind>()
                .expect_err("unknown")
                .to_string(),
            "unknown api_type `vertex`; use one of: openai, anthropic, gemini, azure, custom"
        );
    }
}
