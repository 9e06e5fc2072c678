//! A client request as the proxy holds it, and the "prepare" phase: the body for one candidate.
//! The client's bytes are kept as they came; a pass-through candidate gets them with the entry's
//! model spliced in (no JSON tree), and the hub model is decoded only when the first candidate
//! that needs conversion is tried, then shared by every later one.

use std::sync::{Arc, OnceLock};

use axum::http::{HeaderMap, HeaderValue};
use bytes::Bytes;
use protocol::{ConvertError, EncodeOptions, Protocol, RequestHead, hub};

use super::affinity::Session;
use super::error::AttemptFailure;
use super::quirks::Quirks;
use super::route::Candidate;
use super::writer::RowContext;
use crate::catalog::{Capability, Catalog};
use crate::upstream::{Endpoint, UpstreamAdapter as _};

/// A read, authenticated client request.
pub struct ProxyRequest {
    /// What the client called: chat completions, embeddings, messages or responses.
    pub endpoint: Endpoint,
    /// The client's wire protocol: the shape of its body, its answers and its errors.
    pub protocol: Protocol,
    /// The body exactly as the client sent it (checked to be one JSON object).
    pub body: Bytes,
    /// Protocol headers the client sent that an upstream of its protocol needs
    /// (`anthropic-version`, `anthropic-beta`).
    pub headers: HeaderMap,
    /// As the client asked; routing interprets it.
    pub model: String,
    pub stream: bool,
    pub client_key_name: String,
    /// The conversation the client names (session affinity), when it names one.
    pub session: Option<Session>,
    /// The exchange kept for diagnosis, when the capture setting covers this request.
    pub capture: Option<super::capture::Capture>,
    /// The client's W3C `traceparent`, read only while traces are exported.
    pub trace_parent: Option<HeaderValue>,
    hub: OnceLock<Result<hub::Request, Arc<ConvertError>>>,
}

impl ProxyRequest {
    pub fn new(
        endpoint: Endpoint,
        protocol: Protocol,
        body: Bytes,
        headers: HeaderMap,
        model: String,
        stream: bool,
        client_key_name: String,
    ) -> ProxyRequest {
        ProxyRequest {
            endpoint,
            protocol,
            body,
            headers,
            model,
            stream,
            client_key_name,
            session: None,
            capture: None,
            trace_parent: None,
            hub: OnceLock::new(),
        }
    }

    /// The body in the hub model, decoded on first use (once per request).
    pub fn hub(&self) -> Result<&hub::Request, Arc<ConvertError>> {
        self.hub
            .get_or_init(|| {
                let mut hub = protocol::decode_request(self.protocol, &self.body)?;
                if self.protocol == Protocol::Gemini {
                    // Gemini's URL, not its body, names the model and asks for a stream.
                    hub.model.clone_from(&self.model);
                    hub.stream = self.stream;
                }
                Ok(hub)
            })
            .as_ref()
            .map_err(Arc::clone)
    }

    /// What goes to the writer beside this request's log row.
    pub(super) fn row_context(&self) -> RowContext {
        RowContext {
            route: self.endpoint.route_label(),
            trace_parent: self.trace_parent.clone(),
        }
    }

    /// The client's freeform tools (Codex's `apply_patch`), whose calls go back to it as
    /// custom tool calls after a provider of another protocol made them as JSON calls.
    pub(super) fn freeform_tools(&self) -> Vec<String> {
        match self.hub() {
            Ok(hub) if self.protocol == Protocol::Responses => hub
                .tools
                .iter()
                .filter(|tool| tool.freeform)
                .map(|tool| tool.name.clone())
                .collect(),
            _ => Vec::new(),
        }
    }

    /// Whether a Chat Completions client asked for a usage chunk at the end of its stream.
    pub(super) fn include_usage(&self) -> bool {
        self.hub().is_ok_and(|hub| hub.include_usage)
    }

    /// The client's body with `model` in place of its own: bytes spliced, nothing re-encoded.
    /// With `ask_usage`, Chat's usage chunk is asked for too unless the client set stream
    /// options of its own.
    fn body_with_model(&self, model: &str, ask_usage: bool) -> Result<Prepared, AttemptFailure> {
        let head = RequestHead::scan(&self.body).map_err(|error| AttemptFailure::Internal {
            problem: format!("the checked request body no longer scans: {error}"),
        })?;
        let asked = ask_usage
            .then(|| head.with_model_asking_usage(model))
            .flatten();
        Ok(match asked {
            Some(body) => Prepared {
                body: Bytes::from(body),
                asked_usage: true,
            },
            None => Prepared {
                body: Bytes::from(head.with_model(model)),
                asked_usage: false,
            },
        })
    }
}

impl ProxyRequest {
    /// A Messages body for an Anthropic channel without the thinking blocks a converted
    /// answer gave the client unsigned (Anthropic refuses them), with `model` set; the rest as
    /// the client sent it.
    fn body_without_unsigned_thinking(&self, model: &str) -> Result<Prepared, AttemptFailure> {
        let mut body: serde_json::Value =
            serde_json::from_slice(&self.body).map_err(|error| AttemptFailure::Internal {
                problem: format!("the checked request body no longer parses: {error}"),
            })?;
        protocol::anthropic::remove_unsigned_thinking(&mut body);
        if let Some(fields) = body.as_object_mut() {
            fields.insert("model".into(), model.into());
        }
        protocol::json::to_vec(&body)
            .map(|body| Prepared {
                body: Bytes::from(body),
                asked_usage: false,
            })
            .map_err(|error| AttemptFailure::Internal {
                problem: format!("cannot serialise the request: {error}"),
            })
    }
}

/// How one attempt talks: the client's protocol and the one the candidate's channel speaks.
#[derive(Clone, Copy, Debug)]
pub struct Leg {
    pub client: Protocol,
    pub upstream: Protocol,
    pub endpoint: Endpoint,
}

impl Leg {
    pub fn new(request: &ProxyRequest, candidate: &Candidate) -> Leg {
        if request.endpoint == Endpoint::Embeddings {
            return Leg {
                client: request.protocol,
                upstream: request.protocol,
                endpoint: Endpoint::Embeddings,
            };
        }
        let channel = &candidate.channel;
        let upstream = channel
            .api_type
            .protocol_for(request.protocol, &channel.base_url);
        // Gemini streams on its own URL rather than by a body field.
        let endpoint = match Endpoint::for_protocol(upstream) {
            Endpoint::GenerateContent if request.stream => Endpoint::StreamGenerateContent,
            endpoint => endpoint,
        };
        Leg {
            client: request.protocol,
            upstream,
            endpoint,
        }
    }

    pub fn converts(self) -> bool {
        self.client != self.upstream
    }
}

/// The body prepared for one candidate.
pub struct Prepared {
    pub body: Bytes,
    /// The proxy asked a pass-through Chat stream for the usage chunk the client did not ask
    /// for (so every request gets its tokens counted): the relay takes it out again.
    pub asked_usage: bool,
}

/// Prepare: the body for `candidate`. The client's own bytes with the entry's model when the
/// protocols match (a Chat stream to a channel that accepts it also asks for the usage
/// chunk); otherwise the hub request encoded in the channel's protocol. A body the hub cannot
/// read fails only this candidate (`Unconvertible`), not the request.
pub fn upstream_body(
    request: &ProxyRequest,
    candidate: &Candidate,
    leg: Leg,
    quirks: Quirks,
) -> Result<Prepared, AttemptFailure> {
    let model = &candidate.entry.model;
    let accepts_include_usage =
        candidate.channel.api_type.accepts_include_usage() && !quirks.rejects_include_usage;
    if !leg.converts() && leg.upstream == Protocol::Gemini {
        // Gemini names the model in the URL: the body goes exactly as it came.
        return Ok(Prepared {
            body: request.body.clone(),
            asked_usage: false,
        });
    }
    if !leg.converts() {
        if leg.upstream == Protocol::Anthropic
            && protocol::anthropic::has_unsigned_thinking(&request.body)
        {
            return request.body_without_unsigned_thinking(model);
        }
        let ask_usage =
            request.stream && leg.upstream == Protocol::OpenAiChat && accepts_include_usage;
        return request.body_with_model(model, ask_usage);
    }
    let hub = request
        .hub()
        .map_err(|source| AttemptFailure::Unconvertible { source })?;
    // A field whose rule refuses this conversion (`protocol::fields`) fails this candidate.
    protocol::fields::check(leg.client, leg.upstream, hub).map_err(|source| {
        AttemptFailure::Unconvertible {
            source: Arc::new(source),
        }
    })?;
    let catalog = Catalog::current();
    let known = catalog.lookup(model);
    let options = EncodeOptions {
        model: Some(model.clone()),
        default_max_tokens: Some(u64::from(catalog.default_max_tokens(model))),
        upstream_accepts_include_usage: accepts_include_usage,
        upstream_supports_reasoning: known
            .as_ref()
            .is_some_and(|found| found.model.has(Capability::Reasoning)),
        upstream_lacks_reasoning: known
            .as_ref()
            .is_some_and(|found| !found.model.has(Capability::Reasoning)),
        upstream_rejects_reasoning_input: quirks.rejects_reasoning_input,
        max_output_tokens: known
            .as_ref()
            .map(|found| u64::from(found.model.max_output_tokens))
            .filter(|limit| *limit > 0),
    };
    let body = protocol::encode_request(leg.upstream, hub, &options);
    protocol::json::to_vec(&body)
        .map(|body| Prepared {
            body: Bytes::from(body),
            asked_usage: false,
        })
        .map_err(|error| AttemptFailure::Internal {
            problem: format!("cannot serialise the converted request: {error}"),
        })
}
