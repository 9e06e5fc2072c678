//! The proxy path as named phases: `route` picks the candidates, `send` forwards the request to
//! one entry (converted to the entry's protocol when it differs from the client's, see `Leg`),
//! `judge` sorts the upstream's answer into success, the client's own error, or a failure,
//! `observe` applies cooldown or auto-disable, and `record` queues the log row. A failure moves
//! on to the next candidate; the client's own error is returned as is (in the client's shape).

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use bytes::Bytes;
use protocol::{ConvertError, EncodeOptions, Protocol, hub};
use serde_json::{Map, Value};

use super::error::{Attempt, AttemptFailure, ProxyError, TimeoutPhase};
use super::relay;
use super::route::{self, Candidate};
use super::stream::usage_of;
use crate::AppState;
use crate::catalog::Catalog;
use crate::clock::now_ms;
use crate::logs::AttemptRecord;
use crate::store::{RequestLogRow, Settings};
use crate::upstream::{ChannelKind, Endpoint, Target};

/// A parsed, authenticated client request.
pub struct ProxyRequest {
    /// What the client called: chat completions, embeddings, messages or responses.
    pub endpoint: Endpoint,
    /// The client's wire protocol: the shape of its body, its answers and its errors.
    pub protocol: Protocol,
    pub body: Map<String, Value>,
    /// The body in the hub model, for upstreams that speak another protocol; decoded once.
    pub hub: Result<hub::Request, Arc<ConvertError>>,
    /// Protocol headers the client sent that an upstream of its protocol needs
    /// (`anthropic-version`, `anthropic-beta`).
    pub headers: HeaderMap,
    /// As the client asked; routing interprets it.
    pub model: String,
    pub stream: bool,
    pub client_key_name: String,
}

impl ProxyRequest {
    /// Whether a Chat Completions client asked for a usage chunk at the end of its stream.
    pub(super) fn include_usage(&self) -> bool {
        self.hub.as_ref().is_ok_and(|hub| hub.include_usage)
    }
}

/// How one attempt talks: the client's protocol and the one the candidate's channel speaks.
#[derive(Clone, Copy, Debug)]
pub(super) struct Leg {
    pub client: Protocol,
    pub upstream: Protocol,
    pub endpoint: Endpoint,
}

impl Leg {
    pub(super) fn new(request: &ProxyRequest, candidate: &Candidate) -> Leg {
        if request.endpoint == Endpoint::Embeddings {
            return Leg {
                client: request.protocol,
                upstream: request.protocol,
                endpoint: Endpoint::Embeddings,
            };
        }
        let upstream = candidate.channel.api_type.protocol_for(request.protocol);
        Leg {
            client: request.protocol,
            upstream,
            endpoint: Endpoint::for_protocol(upstream),
        }
    }

    pub(super) fn converts(self) -> bool {
        self.client != self.upstream
    }
}

/// What one attempt produced.
pub(super) enum Outcome {
    /// Answer the client with this; the attempt is recorded (or, streaming, will be).
    Answer(Response),
    /// The client's own error (400, 404, 413, 422): returned as is, nobody cooled.
    ClientError(Response),
    Failed(AttemptFailure),
}

/// How an upstream status is treated.
enum StatusClass {
    Success,
    ClientError,
    Disable,
    Failure,
}

fn judge_status(status: StatusCode, settings: &Settings) -> StatusClass {
    let code = status.as_u16();
    if status.is_success() {
        StatusClass::Success
    } else if settings.disables(code) {
        StatusClass::Disable
    } else if matches!(code, 400 | 404 | 413 | 422) {
        StatusClass::ClientError
    } else {
        // 408, 429, 5xx and anything unexpected: another entry may well answer.
        StatusClass::Failure
    }
}

/// Everything an attempt needs to know about the request being served.
pub(super) struct AttemptContext<'a> {
    pub state: &'a AppState,
    pub settings: &'a Settings,
    pub client: &'a reqwest::Client,
    pub request: &'a ProxyRequest,
    pub started: Instant,
    pub attempts: u32,
    /// When the current attempt started, Unix milliseconds.
    pub attempt_started_ms: i64,
    /// The failed attempts so far, for the log row.
    pub tried: Vec<AttemptRecord>,
}

impl AttemptContext<'_> {
    /// A log row for this request as served by `candidate` (or by nobody).
    pub(super) fn log_row(
        &self,
        candidate: Option<&Candidate>,
        status: u16,
        error: String,
    ) -> RequestLogRow {
        RequestLogRow {
            at_ms: now_ms(),
            requested_model: self.request.model.clone(),
            entry_id: candidate.map(|c| c.entry.id),
            channel_name: candidate
                .map(|c| c.channel.name.clone())
                .unwrap_or_default(),
            model: candidate.map(|c| c.entry.model.clone()).unwrap_or_default(),
            attempts: self.attempts,
            status,
            latency_ms: self.started.elapsed().as_millis() as i64,
            stream: self.request.stream,
            client_key_name: self.request.client_key_name.clone(),
            error,
            attempt_log: self.attempt_log(candidate, status),
            ..RequestLogRow::default()
        }
    }

    /// The failed attempts, then the one that answered (when one did).
    fn attempt_log(&self, answered: Option<&Candidate>, status: u16) -> Vec<AttemptRecord> {
        let mut log = self.tried.clone();
        if let Some(candidate) = answered {
            log.push(self.attempt_record(candidate, Some(status), None));
        }
        log
    }

    /// The current attempt on `candidate`, as the log keeps it.
    pub(super) fn attempt_record(
        &self,
        candidate: &Candidate,
        status: Option<u16>,
        error_kind: Option<&str>,
    ) -> AttemptRecord {
        AttemptRecord {
            entry_id: candidate.entry.id,
            channel: candidate.channel.name.clone(),
            model: candidate.entry.model.clone(),
            at_ms: self.attempt_started_ms,
            elapsed_ms: now_ms() - self.attempt_started_ms,
            status,
            error_kind: error_kind.map(str::to_owned),
        }
    }
}

/// Serves one request: tries each candidate in turn until one answers.
pub async fn serve(state: &AppState, request: ProxyRequest) -> Result<Response, ProxyError> {
    let snapshot = state.snapshot();
    let mut route = route::select(&snapshot, state.cooldowns(), &request.model, now_ms());
    let serves = |c: &Candidate| c.channel.api_type.serves(request.endpoint);
    route.candidates.retain(serves);
    route.cooling.retain(serves);
    let mut context = AttemptContext {
        state,
        settings: &snapshot.settings,
        client: &snapshot.client,
        request: &request,
        started: Instant::now(),
        attempts: 0,
        attempt_started_ms: now_ms(),
        tried: Vec::new(),
    };
    if route.candidates.is_empty() && route.cooling.is_empty() {
        let error = ProxyError::NoRoute {
            model: request.model.clone(),
        };
        state
            .writer()
            .log(context.log_row(None, error.status_code().as_u16(), error.to_string()));
        return Err(error);
    }
    // Never down while a channel still answers: when every candidate is cooling, the cooling
    // ones are tried anyway as a last resort, the one whose cooldown ends first leading.
    let to_try = if route.candidates.is_empty() {
        route.cooling
    } else {
        route.candidates
    };
    let mut attempts = Vec::new();
    for candidate in &to_try {
        context.attempts += 1;
        context.attempt_started_ms = now_ms();
        let outcome = if request.stream {
            relay::attempt(&context, candidate).await
        } else {
            attempt_once(&context, candidate).await
        };
        match outcome {
            Outcome::Answer(response) => return Ok(response),
            Outcome::ClientError(response) => {
                let response =
                    crate::secrets::mask_in_response(response, &candidate.channel.api_key).await;
                let row =
                    context.log_row(Some(candidate), response.status().as_u16(), String::new());
                state.writer().log(row);
                return Ok(response);
            }
            Outcome::Failed(failure) => {
                tracing::warn!(channel = %candidate.channel.name, model = %candidate.entry.model, %failure, "upstream failed; trying the next entry");
                observe_failure(state, context.settings, candidate, &failure);
                let record =
                    context.attempt_record(candidate, failure.status(), Some(failure.kind()));
                context.tried.push(record);
                attempts.push(Attempt {
                    channel: candidate.channel.name.clone(),
                    model: candidate.entry.model.clone(),
                    failure,
                });
            }
        }
    }
    let error = ProxyError::AllFailed {
        model: request.model.clone(),
        attempts,
    };
    state
        .writer()
        .log(context.log_row(None, 502, error.to_string()));
    Err(error)
}

/// Applies the consequence of a failed attempt: auto-disable or cooldown.
pub(super) fn observe_failure(
    state: &AppState,
    settings: &Settings,
    candidate: &Candidate,
    failure: &AttemptFailure,
) {
    match failure {
        AttemptFailure::Disabled { status } => {
            state.auto_disable(
                candidate.entry.id,
                format!("upstream answered HTTP {status}: credentials or model gone"),
            );
        }
        // The request, not the entry, is at fault: nothing to cool.
        AttemptFailure::Unconvertible { .. } => {}
        _ => state.cool(candidate.entry.id, settings.cooldown_secs),
    }
}

/// Sends the request to `candidate`; waits at most the first-byte timeout for the headers.
pub(super) async fn send(
    context: &AttemptContext<'_>,
    candidate: &Candidate,
    leg: Leg,
) -> Result<reqwest::Response, AttemptFailure> {
    let channel = &candidate.channel;
    let model = &candidate.entry.model;
    let target = Target {
        base_url: &channel.base_url,
        model,
        api_version: &channel.api_version,
    };
    let url = channel.api_type.url(target, leg.endpoint);
    let body = upstream_body(context.request, channel.api_type, model, leg)?;
    let request = context
        .client
        .post(url)
        .headers(
            channel
                .api_type
                .headers(&channel.api_key, &context.request.headers),
        )
        .json(&body)
        .send();
    let first_byte = Duration::from_millis(context.settings.first_byte_timeout_ms);
    match tokio::time::timeout(first_byte, request).await {
        Err(_) => Err(AttemptFailure::Timeout {
            phase: TimeoutPhase::FirstByte,
        }),
        Ok(Err(error)) => Err(transport_failure(error)),
        Ok(Ok(response)) => Ok(response),
    }
}

/// The body for the upstream: the client's own with the entry's model when the protocols
/// match, otherwise the hub request encoded in the upstream's protocol.
fn upstream_body(
    request: &ProxyRequest,
    kind: ChannelKind,
    model: &str,
    leg: Leg,
) -> Result<Value, AttemptFailure> {
    if !leg.converts() {
        let mut body = request.body.clone();
        body.insert("model".into(), Value::String(model.to_owned()));
        return Ok(Value::Object(body));
    }
    let hub = request
        .hub
        .as_ref()
        .map_err(|source| AttemptFailure::Unconvertible {
            source: source.clone(),
        })?;
    let mut hub = hub.clone();
    hub.model = model.to_owned();
    let catalog = Catalog::embedded();
    let options = EncodeOptions {
        default_max_tokens: Some(u64::from(catalog.default_max_tokens(model))),
        upstream_accepts_include_usage: kind.accepts_include_usage(),
        upstream_supports_reasoning: catalog
            .lookup(model)
            .is_some_and(|found| found.model.has(crate::catalog::Capability::Reasoning)),
    };
    Ok(protocol::encode_request(leg.upstream, &hub, &options))
}

pub(super) fn transport_failure(error: reqwest::Error) -> AttemptFailure {
    let source = std::sync::Arc::new(error);
    if source.is_connect() {
        AttemptFailure::Connect { source }
    } else if source.is_timeout() {
        AttemptFailure::Timeout {
            phase: TimeoutPhase::FirstByte,
        }
    } else {
        AttemptFailure::Transport { source }
    }
}

/// Sorts a non-success answer: the client's own error comes back as an `Outcome`, everything
/// else as the failure to record.
pub(super) async fn judge_error(
    context: &AttemptContext<'_>,
    response: reqwest::Response,
    leg: Leg,
) -> Outcome {
    let status = response.status();
    match judge_status(status, context.settings) {
        StatusClass::Disable => Outcome::Failed(AttemptFailure::Disabled {
            status: status.as_u16(),
        }),
        StatusClass::Failure => Outcome::Failed(AttemptFailure::Status {
            status: status.as_u16(),
        }),
        StatusClass::ClientError | StatusClass::Success => {
            let limit = Duration::from_millis(context.settings.total_timeout_ms);
            match tokio::time::timeout(limit, response.bytes()).await {
                Ok(Ok(body)) => Outcome::ClientError(json_response(
                    status,
                    client_error_body(leg, status, body),
                )),
                Ok(Err(error)) => Outcome::Failed(transport_failure(error)),
                Err(_) => Outcome::Failed(AttemptFailure::Timeout {
                    phase: TimeoutPhase::Total,
                }),
            }
        }
    }
}

/// The upstream's own error body when the client speaks its protocol, else the same error in
/// the client's shape.
fn client_error_body(leg: Leg, status: StatusCode, body: Bytes) -> Bytes {
    if !leg.converts() {
        return body;
    }
    let error = protocol::parse_error_body(status.as_u16(), &body);
    let shaped = protocol::error_body(leg.client, status.as_u16(), &error.message, error.kind);
    Bytes::from(shaped.to_string())
}

pub(super) fn json_response(status: StatusCode, body: Bytes) -> Response {
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

/// One non-streaming attempt, bounded as a whole by the total timeout.
async fn attempt_once(context: &AttemptContext<'_>, candidate: &Candidate) -> Outcome {
    let total = Duration::from_millis(context.settings.total_timeout_ms);
    let leg = Leg::new(context.request, candidate);
    let exchange = async {
        let response = match send(context, candidate, leg).await {
            Ok(response) => response,
            Err(failure) => return Outcome::Failed(failure),
        };
        if !response.status().is_success() {
            return judge_error(context, response, leg).await;
        }
        let status = response.status();
        let body = match response.bytes().await {
            Ok(body) => body,
            Err(error) => return Outcome::Failed(transport_failure(error)),
        };
        let parsed: Value = match serde_json::from_slice(&body) {
            Ok(value @ Value::Object(_)) => value,
            Ok(_) => {
                return Outcome::Failed(AttemptFailure::InvalidBody {
                    problem: "not a JSON object".into(),
                });
            }
            Err(error) => {
                return Outcome::Failed(AttemptFailure::InvalidBody {
                    problem: format!("not JSON ({error})"),
                });
            }
        };
        let (parsed, body) = match client_answer(leg, parsed, body) {
            Ok(answer) => answer,
            Err(failure) => return Outcome::Failed(failure),
        };
        record_success(context, candidate, status, &parsed);
        Outcome::Answer(json_response(status, body))
    };
    match tokio::time::timeout(total, exchange).await {
        Ok(outcome) => outcome,
        Err(_) => Outcome::Failed(AttemptFailure::Timeout {
            phase: TimeoutPhase::Total,
        }),
    }
}

/// The upstream's answer in the client's protocol: as is, or converted through the hub.
fn client_answer(leg: Leg, parsed: Value, body: Bytes) -> Result<(Value, Bytes), AttemptFailure> {
    if !leg.converts() {
        return Ok((parsed, body));
    }
    let converted =
        protocol::convert_response(leg.upstream, leg.client, &body).map_err(|source| {
            AttemptFailure::Unreadable {
                source: Arc::new(source),
            }
        })?;
    let bytes = Bytes::from(converted.to_string());
    Ok((converted, bytes))
}

fn record_success(
    context: &AttemptContext<'_>,
    candidate: &Candidate,
    status: StatusCode,
    body: &Value,
) {
    let elapsed = context.started.elapsed().as_millis() as i64;
    context.state.record_success(candidate.entry.id, elapsed);
    let mut row = context.log_row(Some(candidate), status.as_u16(), String::new());
    (row.prompt_tokens, row.completion_tokens) = usage_of(body);
    context.state.writer().log(row);
}
