//! Wire-format conversion between OpenAI Chat Completions, Anthropic Messages, the OpenAI
//! Responses API and Google Gemini's native API. Every protocol converts to and from one internal model ([`hub`]), so a request
//! from any client can be sent to any upstream and the answer (streamed or not) converted back.
//! The crate is pure: bytes and JSON in, bytes and JSON out, no HTTP and no I/O.
//!
//! What the engine calls, per request:
//! - [`RequestHead`]: the `model` and `stream` fields found in the raw bytes; for a candidate of
//!   the client's own protocol the entry's model is spliced in ([`RequestHead::with_model`]) and
//!   the rest sent as it came. No JSON tree is built.
//! - [`decode_request`] once, only when a candidate needs conversion, then [`encode_request`]
//!   for each such candidate ([`EncodeOptions::model`] names the entry's model, so the decoded
//!   request is shared, not copied).
//! - [`scan_answer`] for a pass-through non-stream answer (checked and its usage read, no
//!   tree); [`decode_response`] + [`encode_response`] for a converted one.
//! - Streams: [`SseParser`] + [`StreamDecoder`] + [`StreamEncoder`] to transcode (the engine
//!   also reads the hub events for usage and the finish, which [`StreamTranscoder`], the
//!   same chain packaged, hides); for a pass-through stream each event's data is parsed once
//!   and sorted with [`classify_wire_value`].
//! - [`error_body`] / [`parse_error_body`]: client-facing error bodies and upstream error reading.
//! - [`anthropic::estimate_tokens`]: local answer for `/v1/messages/count_tokens`.
//!
//! [`convert_request`], [`convert_response`] and [`StreamTranscoder`] chain the same steps for
//! callers that need nothing in between (the fuzz targets, the benchmarks, the example below).
//!
//! ```
//! use protocol::{EncodeOptions, Phase, Protocol, StreamTranscoder, decode_request, encode_request};
//!
//! // An OpenAI client asks an Anthropic channel, streaming.
//! let inbound = br#"{"model":"auto","stream":true,"stream_options":{"include_usage":true},
//!     "messages":[{"role":"user","content":"Hi"}]}"#;
//! let mut request = decode_request(Protocol::OpenAiChat, inbound).expect("valid body");
//! request.model = "claude-sonnet-4-5".into(); // the entry's real model name
//! let options = EncodeOptions { default_max_tokens: Some(64000), ..Default::default() };
//! let upstream_body = encode_request(Protocol::Anthropic, &request, &options);
//! assert_eq!(upstream_body["max_tokens"], 64000);
//!
//! // Upstream SSE bytes -> client SSE bytes; `request.include_usage` is the client's wish.
//! let mut transcoder = StreamTranscoder::new(Protocol::Anthropic, Protocol::OpenAiChat, 1_700_000_000, request.include_usage);
//! let upstream = b"event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"model\":\"claude-sonnet-4-5\",\"usage\":{\"input_tokens\":5}}}\n\n\
//! event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hello\"}}\n\n";
//! let events = transcoder.push(upstream);
//! assert_eq!(events[0].phase, Phase::Preamble); // role chunk: may still fail over
//! assert_eq!(events[1].phase, Phase::Content);  // first text: commit to this upstream
//! let closing = transcoder.finish(); // usage chunk, then [DONE]
//! assert_eq!(closing.last().map(|e| e.event.data.as_str()), Some("[DONE]"));
//! ```

pub mod anthropic;
mod error;
pub mod fields;
#[doc(hidden)]
pub mod fixtures;
#[doc(hidden)]
pub mod fuzzing;
pub mod gemini;
pub mod hub;
pub mod json;
pub mod openai_chat;
pub mod raw;
pub mod responses;
pub mod sse;
mod transcode;

pub use error::{ConvertError, ErrorKind, UpstreamError, parse_error_body};
pub use hub::Phase;
pub use raw::{ModelField, RequestHead, ScanError, scan_answer};
pub use sse::{SseEvent, SseParser};
pub use transcode::{StreamDecoder, StreamEncoder, StreamTranscoder, TranscodedEvent};

use serde_json::Value;

/// The token counts of a `usage` object in `protocol`'s names (Chat's `prompt_tokens` with
/// `prompt_tokens_details.cached_tokens`, Anthropic's `input_tokens` with its cache reads and
/// writes, Responses' `input_tokens_details`), in the hub's terms; `None` when it is not an
/// object.
pub fn decode_usage(protocol: Protocol, usage: &Value) -> Option<hub::Usage> {
    if !usage.is_object() {
        return None;
    }
    Some(match protocol {
        Protocol::OpenAiChat => openai_chat::decode_usage(usage),
        Protocol::Anthropic => anthropic::decode_usage(usage),
        Protocol::Responses => responses::decode_usage(usage),
        Protocol::Gemini => gemini::decode_usage(usage),
    })
}

/// A wire protocol, on either side of the proxy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Protocol {
    /// OpenAI `POST /v1/chat/completions` (also Gemini's and Azure's OpenAI-compatible endpoints).
    OpenAiChat,
    /// Anthropic `POST /v1/messages`.
    Anthropic,
    /// OpenAI `POST /v1/responses`.
    Responses,
    /// Google Gemini `POST /v1beta/models/{model}:generateContent` (the model and streaming are
    /// in the URL, not the body).
    Gemini,
}

impl Protocol {
    pub fn name(self) -> &'static str {
        match self {
            Protocol::OpenAiChat => "OpenAI Chat Completions",
            Protocol::Anthropic => "Anthropic Messages",
            Protocol::Responses => "OpenAI Responses",
            Protocol::Gemini => "Gemini",
        }
    }
}

/// What the engine knows about the upstream model that the request body does not say.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EncodeOptions {
    /// The model name to send instead of the request's own (the entry's real model), so one
    /// decoded request serves every candidate without a copy.
    pub model: Option<String>,
    /// Max output tokens to send when the client gave none and the target requires one
    /// (Anthropic). The engine takes it from the model catalog; when `None`,
    /// [`anthropic::FALLBACK_MAX_TOKENS`] is used.
    pub default_max_tokens: Option<u64>,
    /// The upstream accepts Chat Completions `stream_options.include_usage` (OpenAI does; some
    /// OpenAI-compatible relays reject it). When false the option is never sent.
    pub upstream_accepts_include_usage: bool,
    /// The upstream model supports reasoning, so reasoning settings from another protocol family
    /// are mapped (budget <-> effort). Same-protocol settings always pass.
    pub upstream_supports_reasoning: bool,
    /// The catalog knows the upstream model and it does not reason: no reasoning setting is
    /// sent, not even the client's own (providers refuse `reasoning_effort` for such models).
    pub upstream_lacks_reasoning: bool,
    /// The upstream answered 400 to reasoning sent back in the history (a Chat
    /// `reasoning_content` it does not know): earlier turns go without their reasoning.
    pub upstream_rejects_reasoning_input: bool,
    /// The most output tokens the upstream model gives (the engine's catalog); a larger
    /// `max_tokens` from the client is lowered to it, since the provider would refuse it.
    pub max_output_tokens: Option<u64>,
}

impl EncodeOptions {
    /// The client's output limit, lowered to the model's own maximum when that is known.
    pub fn max_tokens_for(&self, asked: Option<u64>) -> Option<u64> {
        match (asked, self.max_output_tokens) {
            (Some(asked), Some(limit)) => Some(asked.min(limit)),
            (asked, _) => asked,
        }
    }
}

/// Parses a request body in `protocol` into the hub model.
pub fn decode_request(protocol: Protocol, body: &[u8]) -> Result<hub::Request, ConvertError> {
    let value = parse_object(protocol, body)?;
    match protocol {
        Protocol::OpenAiChat => openai_chat::decode_request(&value),
        Protocol::Anthropic => anthropic::decode_request(&value),
        Protocol::Responses => responses::decode_request(&value),
        Protocol::Gemini => gemini::decode_request(&value),
    }
}

/// Builds a request body in `protocol` from the hub model.
pub fn encode_request(
    protocol: Protocol,
    request: &hub::Request,
    options: &EncodeOptions,
) -> Value {
    match protocol {
        Protocol::OpenAiChat => openai_chat::encode_request(request, options),
        Protocol::Anthropic => anthropic::encode_request(request, options),
        Protocol::Responses => responses::encode_request(request, options),
        Protocol::Gemini => gemini::encode_request(request, options),
    }
}

/// Converts an inbound request body from the client's protocol to the upstream's.
pub fn convert_request(
    from: Protocol,
    to: Protocol,
    body: &[u8],
    options: &EncodeOptions,
) -> Result<Value, ConvertError> {
    let request = decode_request(from, body)?;
    Ok(encode_request(to, &request, options))
}

/// Parses a non-stream response body in `protocol` into the hub model.
pub fn decode_response(protocol: Protocol, body: &[u8]) -> Result<hub::Response, ConvertError> {
    let value = parse_object(protocol, body)?;
    Ok(match protocol {
        Protocol::OpenAiChat => openai_chat::decode_response(&value),
        Protocol::Anthropic => anthropic::decode_response(&value),
        Protocol::Responses => responses::decode_response(&value),
        Protocol::Gemini => gemini::decode_response(&value),
    })
}

/// Builds a non-stream response body in `protocol` from the hub model.
pub fn encode_response(protocol: Protocol, response: &hub::Response) -> Value {
    match protocol {
        Protocol::OpenAiChat => openai_chat::encode_response(response),
        Protocol::Anthropic => anthropic::encode_response(response),
        Protocol::Responses => responses::encode_response(response),
        Protocol::Gemini => gemini::encode_response(response),
    }
}

/// Converts an upstream non-stream response body to the client's protocol.
pub fn convert_response(from: Protocol, to: Protocol, body: &[u8]) -> Result<Value, ConvertError> {
    let response = decode_response(from, body)?;
    Ok(encode_response(to, &response))
}

/// A client-facing error body in `protocol`'s shape. `message` must not contain secrets.
pub fn error_body(protocol: Protocol, status: u16, message: &str, kind: ErrorKind) -> Value {
    match protocol {
        Protocol::OpenAiChat | Protocol::Responses => {
            openai_chat::error_body(status, message, kind)
        }
        Protocol::Anthropic => anthropic::error_body(message, kind),
        Protocol::Gemini => gemini::error_body(status, message, kind),
    }
}

/// The failover phase of one raw event of a pass-through stream (no conversion).
pub fn classify_wire_event(protocol: Protocol, event: &SseEvent) -> Phase {
    match protocol {
        Protocol::OpenAiChat => openai_chat::classify(event),
        Protocol::Anthropic => anthropic::classify(event),
        Protocol::Responses => responses::classify(event),
        Protocol::Gemini => gemini::classify(event),
    }
}

/// [`classify_wire_event`] for an event whose JSON data the caller has already parsed (so a
/// relayed event is parsed once): `name` is its `event:` field, `data` its parsed data.
pub fn classify_wire_value(protocol: Protocol, name: Option<&str>, data: &Value) -> Phase {
    match protocol {
        Protocol::OpenAiChat => openai_chat::classify_value(data),
        Protocol::Anthropic => anthropic::classify_value(name, data),
        Protocol::Responses => responses::classify_value(name, data),
        Protocol::Gemini => gemini::classify_value(data),
    }
}

fn parse_object(protocol: Protocol, body: &[u8]) -> Result<Value, ConvertError> {
    let value = json::parse(body).map_err(|source| ConvertError::InvalidJson {
        protocol: protocol.name(),
        source,
    })?;
    if !value.is_object() {
        return Err(ConvertError::NotAnObject {
            protocol: protocol.name(),
        });
    }
    Ok(value)
}
