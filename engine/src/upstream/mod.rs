//! Upstream adapters: how a request for one entry reaches its channel. Each channel kind knows
//! its URL layout, its authentication headers and the wire protocol it speaks; the proxy asks the
//! kind, never the string. One file per kind family: `openai.rs` (openai, custom), `anthropic.rs`,
//! `gemini.rs`, `azure.rs`.

mod anthropic;
mod azure;
mod gemini;
mod openai;

use http::HeaderMap;
use protocol::Protocol;

pub use azure::DEFAULT_API_VERSION as AZURE_DEFAULT_API_VERSION;
pub use types::channel_kind::{ChannelKind, KNOWN_KINDS, UnknownKind};

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
    /// Gemini `POST /v1beta/models/{model}:generateContent`.
    GenerateContent,
    /// Gemini `POST /v1beta/models/{model}:streamGenerateContent?alt=sse`: Gemini streams on
    /// its own URL, not by a body field.
    StreamGenerateContent,
}

impl Endpoint {
    /// Its name as `/metrics` labels a request's route (fixed words: no formatting per request).
    pub fn route_label(self) -> &'static str {
        match self {
            Endpoint::ChatCompletions => "chat_completions",
            Endpoint::Embeddings => "embeddings",
            Endpoint::Models => "models",
            Endpoint::Messages => "messages",
            Endpoint::CountTokens => "count_tokens",
            Endpoint::Responses => "responses",
            Endpoint::GenerateContent => "generate_content",
            Endpoint::StreamGenerateContent => "stream_generate_content",
        }
    }

    /// The endpoint that carries a generation request in `protocol`.
    pub fn for_protocol(protocol: Protocol) -> Endpoint {
        match protocol {
            Protocol::OpenAiChat => Endpoint::ChatCompletions,
            Protocol::Anthropic => Endpoint::Messages,
            Protocol::Responses => Endpoint::Responses,
            Protocol::Gemini => Endpoint::GenerateContent,
        }
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

/// What each [`ChannelKind`] does upstream: which protocol it speaks, which endpoints it
/// serves, its URLs and its headers. A trait because the kind itself lives in `types` (shared
/// with the UI, which has no business knowing URLs); call sites `use UpstreamAdapter as _`.
pub trait UpstreamAdapter: Copy {
    /// The protocol this kind speaks to serve a client speaking `client`: the same one when the
    /// kind has it (so the body passes untouched), otherwise its native one. `base_url` is the
    /// channel's: a `gemini` channel whose base ends in `/openai` speaks only Google's
    /// OpenAI-compatible layer, any other speaks Gemini natively (`gemini.rs`).
    fn protocol_for(self, client: Protocol, base_url: &str) -> Protocol;
    /// Whether a client request to `endpoint` can be served by this kind, directly or converted
    /// (Anthropic has no embeddings; only Anthropic counts tokens).
    fn serves(self, endpoint: Endpoint) -> bool;
    /// Whether the upstream is sent Chat Completions `stream_options.include_usage` when a
    /// request is converted for it (see the implementation for why).
    fn accepts_include_usage(self) -> bool;
    /// The full URL for `endpoint` on `target`.
    fn url(self, target: Target<'_>, endpoint: Endpoint) -> String;
    /// The headers that authenticate with `api_key` (no auth header when the key is empty),
    /// plus the protocol headers the kind needs, taken from the client's when it sent them.
    /// `base_url` as for [`protocol_for`](Self::protocol_for).
    fn headers(self, api_key: &str, client: &HeaderMap, base_url: &str) -> HeaderMap;
}

impl UpstreamAdapter for ChannelKind {
    fn protocol_for(self, client: Protocol, base_url: &str) -> Protocol {
        match (self, client) {
            (Self::Anthropic, _) => Protocol::Anthropic,
            (Self::Gemini, _) if gemini::is_native(base_url) => Protocol::Gemini,
            // Only OpenAI itself is known to serve the Responses API.
            (Self::Openai, Protocol::Responses) => Protocol::Responses,
            _ => Protocol::OpenAiChat,
        }
    }

    fn serves(self, endpoint: Endpoint) -> bool {
        match self {
            Self::Anthropic => !matches!(endpoint, Endpoint::Embeddings),
            _ => !matches!(endpoint, Endpoint::CountTokens),
        }
    }

    // Without `include_usage` a converted stream reports no tokens. OpenAI documents
    // it and most relays (`custom`) follow; the proxy remembers a relay that refuses it and
    // asks again without. Gemini's and Azure's compatibility layers vary by version, so they
    // are not sent it.
    fn accepts_include_usage(self) -> bool {
        matches!(self, Self::Openai | Self::Custom)
    }

    fn url(self, target: Target<'_>, endpoint: Endpoint) -> String {
        match self {
            Self::Openai => openai::endpoint_url(target.base_url, endpoint, true),
            Self::Custom => openai::endpoint_url(target.base_url, endpoint, false),
            Self::Anthropic => anthropic::endpoint_url(target.base_url, endpoint),
            Self::Gemini => gemini::endpoint_url(target, endpoint),
            Self::Azure => azure::endpoint_url(target, endpoint),
        }
    }

    fn headers(self, api_key: &str, client: &HeaderMap, base_url: &str) -> HeaderMap {
        match self {
            Self::Gemini => gemini::headers(api_key, base_url),
            Self::Openai | Self::Custom => openai::auth_headers(api_key),
            Self::Anthropic => anthropic::headers(api_key, client),
            Self::Azure => azure::auth_headers(api_key),
        }
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
