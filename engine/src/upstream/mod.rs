//! Upstream adapters: how a request for one entry reaches its channel. Each channel kind knows
//! its URL layout and its authentication headers; the proxy asks the kind, never the string.
//! Issue 4 adds anthropic, gemini and azure as new variants and files beside `openai.rs`.

mod openai;

use std::fmt;
use std::str::FromStr;

use http::HeaderMap;
use serde::{Deserialize, Serialize};

/// The API a channel speaks, chosen per channel. A closed enum: adding a kind makes the compiler
/// point at every place that must learn about it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChannelKind {
    /// OpenAI itself or a service with OpenAI's layout: the base URL may or may not end in `/v1`.
    Openai,
    /// Any OpenAI-compatible service whose base URL is used exactly as given
    /// (e.g. `https://host/api/paas/v4`).
    Custom,
}

/// Which operation a request performs, independent of the URL layout of a kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Endpoint {
    ChatCompletions,
    Embeddings,
    Models,
}

/// `api_type` names the user may write; used in messages that list the choices.
pub const KNOWN_KINDS: &str = "openai, custom";

#[derive(Debug, thiserror::Error)]
#[error("unknown api_type `{given}`; use one of: {KNOWN_KINDS}")]
pub struct UnknownKind {
    pub given: String,
}

impl FromStr for ChannelKind {
    type Err = UnknownKind;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "openai" => Ok(Self::Openai),
            "custom" => Ok(Self::Custom),
            _ => Err(UnknownKind {
                given: s.to_owned(),
            }),
        }
    }
}

impl ChannelKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Openai => "openai",
            Self::Custom => "custom",
        }
    }

    /// The full URL for `endpoint` on a channel with this kind and `base_url`.
    pub fn endpoint_url(self, base_url: &str, endpoint: Endpoint) -> String {
        match self {
            Self::Openai => openai::endpoint_url(base_url, endpoint, true),
            Self::Custom => openai::endpoint_url(base_url, endpoint, false),
        }
    }

    /// The headers that authenticate with `api_key` (nothing when the key is empty).
    pub fn auth_headers(self, api_key: &str) -> HeaderMap {
        match self {
            Self::Openai | Self::Custom => openai::auth_headers(api_key),
        }
    }
}

impl fmt::Display for ChannelKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
