//! The proxy path as named phases: `route` picks the candidates, `send` forwards the request to
//! one entry, `judge` sorts the upstream's answer into success, the client's own error, or a
//! failure, `observe` applies cooldown or auto-disable, and `record` queues the log row.
//! A failure moves on to the next candidate; the client's own error is returned as is.

use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use bytes::Bytes;
use serde_json::{Map, Value};

use super::error::{Attempt, AttemptFailure, ProxyError, TimeoutPhase};
use super::relay;
use super::route::{self, Candidate};
use super::stream::StreamProtocol;
use crate::AppState;
use crate::clock::now_ms;
use crate::store::{RequestLogRow, Settings};
use crate::upstream::Endpoint;

/// A parsed, authenticated client request.
pub struct ProxyRequest {
    pub endpoint: Endpoint,
    pub body: Map<String, Value>,
    /// As the client asked; routing interprets it.
    pub model: String,
    pub stream: bool,
    pub client_key_name: String,
    /// Makes the inbound protocol's stream judge (fresh per attempt).
    pub protocol: fn() -> Box<dyn StreamProtocol>,
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
    } else if settings.auto_disable_codes.contains(&code) {
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
            ..RequestLogRow::default()
        }
    }
}

/// Serves one request: tries each candidate in turn until one answers.
pub async fn serve(state: &AppState, request: ProxyRequest) -> Result<Response, ProxyError> {
    let snapshot = state.snapshot();
    let route = route::select(&snapshot, state.cooldowns(), &request.model, now_ms());
    let mut context = AttemptContext {
        state,
        settings: &snapshot.settings,
        client: &snapshot.client,
        request: &request,
        started: Instant::now(),
        attempts: 0,
    };
    if route.candidates.is_empty() {
        let error = if route.cooling.is_empty() {
            ProxyError::NoRoute {
                model: request.model.clone(),
            }
        } else {
            ProxyError::AllCooling {
                model: request.model.clone(),
                count: route.cooling.len(),
            }
        };
        state
            .writer()
            .log(context.log_row(None, error.status_code().as_u16(), error.to_string()));
        return Err(error);
    }
    let mut attempts = Vec::new();
    for candidate in &route.candidates {
        context.attempts += 1;
        let outcome = if request.stream {
            relay::attempt(&context, candidate).await
        } else {
            attempt_once(&context, candidate).await
        };
        match outcome {
            Outcome::Answer(response) => return Ok(response),
            Outcome::ClientError(response) => {
                let row =
                    context.log_row(Some(candidate), response.status().as_u16(), String::new());
                state.writer().log(row);
                return Ok(response);
            }
            Outcome::Failed(failure) => {
                tracing::warn!(channel = %candidate.channel.name, model = %candidate.entry.model, %failure, "upstream failed; trying the next entry");
                observe_failure(state, context.settings, candidate, &failure);
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
        _ => state.cool(candidate.entry.id, settings.cooldown_secs),
    }
}

/// Sends the request to `candidate`; waits at most the first-byte timeout for the headers.
pub(super) async fn send(
    context: &AttemptContext<'_>,
    candidate: &Candidate,
) -> Result<reqwest::Response, AttemptFailure> {
    let channel = &candidate.channel;
    let url = channel
        .api_type
        .endpoint_url(&channel.base_url, context.request.endpoint);
    let mut body = context.request.body.clone();
    body.insert("model".into(), Value::String(candidate.entry.model.clone()));
    let request = context
        .client
        .post(url)
        .headers(channel.api_type.auth_headers(&channel.api_key))
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
                Ok(Ok(body)) => Outcome::ClientError(json_response(status, body)),
                Ok(Err(error)) => Outcome::Failed(transport_failure(error)),
                Err(_) => Outcome::Failed(AttemptFailure::Timeout {
                    phase: TimeoutPhase::Total,
                }),
            }
        }
    }
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
    let exchange = async {
        let response = match send(context, candidate).await {
            Ok(response) => response,
            Err(failure) => return Outcome::Failed(failure),
        };
        if !response.status().is_success() {
            return judge_error(context, response).await;
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

fn record_success(
    context: &AttemptContext<'_>,
    candidate: &Candidate,
    status: StatusCode,
    body: &Value,
) {
    let elapsed = context.started.elapsed().as_millis() as i64;
    context.state.record_success(candidate.entry.id, elapsed);
    let usage = body.get("usage");
    let tokens = |name: &str| usage.and_then(|u| u.get(name)).and_then(Value::as_i64);
    let mut row = context.log_row(Some(candidate), status.as_u16(), String::new());
    row.prompt_tokens = tokens("prompt_tokens");
    row.completion_tokens = tokens("completion_tokens");
    context.state.writer().log(row);
}
