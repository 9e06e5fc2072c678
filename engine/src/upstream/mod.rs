//! Upstream adapters: how a request for one entry reaches its channel. Each channel kind knows
//! its URL layout, its authentication headers and the wire protocol it speaks; the proxy asks the
//! kind, never the string. One file per kind family: `openai.rs` (openai, custom), `anthropic.rs`,
//! `gemini.rs`, `azure.rs`.

mod anthropic;
mod azure;
mod gemini;
mod openai;

use std::fmt;
use std::str::FromStr;

use http::HeaderMap;
use protocol::Protocol;
use serde::{Deserialize, Serialize};

pub use azure::DEFAULT_API_VERSION as AZURE_DEFAULT_API_VERSION;

/// The API a channel speaks, chosen per channel. A closed enum: adding a kind makes the compiler
/// point at every place that must learn about it. Calibration (`discovery`) uses the same type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChannelKind {
    /// OpenAI itself or a service with OpenAI's layout: the base URL may or may not end in `/v1`.
    Openai,
    /// Anthropic Messages: `{base}/v1/messages`, `x-api-key`.
    Anthropic,
    /// Google Gemini through its OpenAI-compatible endpoint `{base}/v1beta/openai/...`.
    Gemini,
    /// Azure OpenAI: `{base}/openai/deployments/{deployment}/...?api-version=V`, `api-key`.
    Azure,
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
    /// Anthropic `POST /v1/messages`.
    Messages,
    /// Anthropic `POST /v1/messages/count_tokens`.
    CountTokens,
    /// OpenAI `POST /v1/responses`.
    Responses,
}

impl Endpoint {
    /// The endpoint that carries a generation request in `protocol`.
    pub fn for_protocol(protocol: Protocol) -> Endpoint {
        match protocol {
            Protocol::OpenAiChat => Endpoint::ChatCompletions,
            Protocol::Anthropic => Endpoint::Messages,
            Protocol::Responses => Endpoint::Responses,
        }
    }
}

/// `api_type` names the user may write; used in messages that list the choices.
pub const KNOWN_KINDS: &str = "openai, anthropic, gemini, azure, custom";

#[derive(Debug, thiserror::Error)]
#[error("unknown api_type `{given}`; use one of: {KNOWN_KINDS}")]
pub struct UnknownKind {
    pub given: String,
}

impl FromStr for ChannelKind {
    type Err = UnknownKind;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ChannelKind::ALL
            .into_iter()
            .find(|kind| kind.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| UnknownKind {
                given: s.to_owned(),
            })
    }
}

/// Where one request goes: the channel's address and the entry's model.
#[derive(Clone, Copy, Debug)]
pub struct Target<'a> {
    pub base_url: &'a str,
    /// The entry's model name (for Azure, the deployment).
    pub model: &'a str,
    /// Azure's `api-version`; empty means [`AZURE_DEFAULT_API_VERSION`].
    pub api_version: &'a str,
}

impl ChannelKind {
    pub const ALL: [ChannelKind; 5] = [
        ChannelKind::Openai,
        ChannelKind::Anthropic,
        ChannelKind::Gemini,
        ChannelKind::Azure,
        ChannelKind::Custom,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Openai => "openai",
            Self::Anthropic => "anthropic",
            Self::Gemini => "gemini",
            Self::Azure => "azure",
            Self::Custom => "custom",
        }
    }

    /// The protocol this kind speaks to serve a client speaking `client`: the same one when the
    /// kind has it (so the body passes untouched), otherwise its native one.
    pub fn protocol_for(self, client: Protocol) -> Protocol {
        match (self, client) {
            (Self::Anthropic, _) => Protocol::Anthropic,
            // Only OpenAI itself is known to serve the Responses API.
            (Self::Openai, Protocol::Responses) => Protocol::Responses,
            _ => Protocol::OpenAiChat,
        }
    }

    /// Whether a client request to `endpoint` can be served by this kind, directly or converted
    /// (Anthropic has no embeddings; only Anthropic counts tokens).
    pub fn serves(self, endpoint: Endpoint) -> bool {
        match self {
            Self::Anthropic => !matches!(endpoint, Endpoint::Embeddings),
            _ => !matches!(endpoint, Endpoint::CountTokens),
        }
    }

    /// Whether the upstream is sent Chat Completions `stream_options.include_usage` when a
    /// request is converted for it (without it a stream reports no tokens). OpenAI documents
    /// it and most relays (`custom`) follow; the proxy remembers a relay that refuses it and
    /// asks again without. Gemini's and Azure's compatibility layers vary by version, so they
    /// are not sent it.
    pub fn accepts_include_usage(self) -> bool {
        matches!(self, Self::Openai | Self::Custom)
    }

    /// The full URL for `endpoint` on `target`.
    pub fn url(self, target: Target<'_>, endpoint: Endpoint) -> String {
        match self {
            Self::Openai => openai::endpoint_url(target.base_url, endpoint, true),
            Self::Custom => openai::endpoint_url(target.base_url, endpoint, false),
            Self::Anthropic => anthropic::endpoint_url(target.base_url, endpoint),
            Self::Gemini => gemini::endpoint_url(target.base_url, endpoint),
            Self::Azure => azure::endpoint_url(target, endpoint),
        }
    }

    /// The headers that authenticate with `api_key` (no auth header when the key is empty),
    /// plus the protocol headers the kind needs, taken from the client's when it sent them.
    pub fn headers(self, api_key: &str, client: &HeaderMap) -> HeaderMap {
        match self {
            Self::Openai | Self::Custom | Self::Gemini => openai::auth_headers(api_key),
            Self::Anthropic => anthropic::headers(api_key, client),
            Self::Azure => azure::auth_headers(api_key),
        }
    }
}

impl fmt::Display for ChannelKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A header value for a secret: marked sensitive so it never shows in debug output. A key with
/// characters a header cannot carry yields `None` and is sent without auth; the upstream's 401
/// then tells the user (and auto-disables the entry) instead of a panic here.
fn secret_header(value: &str) -> Option<http::HeaderValue> {
    let mut value = http::HeaderValue::from_str(value).ok()?;
    value.set_sensitive(true);
    Some(value)
}
