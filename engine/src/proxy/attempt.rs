//! One attempt on one candidate, the phases every attempt shares whether it streams or not:
//! "send" the prepared body to the entry's channel, then "judge" the answer's status into one
//! `Verdict`. How the body of an accepted answer is relayed is the only part that differs
//! (`answer` for a single body, `relay` for a stream); both report an `Outcome`.

use std::sync::Arc;
use std::time::Instant;

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use bytes::Bytes;

use super::error::{AttemptFailure, TimeoutPhase};
use super::error_rules;
use super::masked::UpstreamAnswer;
use super::request::{Leg, ProxyRequest};
use super::route::Candidate;
use super::runtime::Runtime;
use crate::secrets::SecretMask;
use crate::store::Settings;
use crate::upstream::{Target, UpstreamAdapter as _};

/// Everything an attempt needs to know about the request being served.
pub struct AttemptContext<'a> {
    /// Owned handles are cloned from it when a stream outlives the call (`relay`).
    pub runtime: &'a Arc<Runtime>,
    pub settings: &'a Settings,
    pub client: &'a reqwest::Client,
    pub request: &'a ProxyRequest,
    /// The key of the channel's pool this try sends (empty: none).
    pub key: &'a str,
    /// The channel's secrets, masked in everything its upstream answers (`masked`).
    pub mask: Arc<SecretMask>,
    /// When this attempt started: its deadlines and the entry's response time count from here.
    pub started: Instant,
}

/// What one attempt produced.
pub enum Outcome {
    /// Answer the client with this; the relaying side records the request.
    Answer(Response),
    /// The client's own error (400, 404, 413, 422 to a body passed as it came): returned as
    /// is, nobody cooled.
    ClientError(Response),
    Failed(AttemptFailure),
}

/// What the upstream's status means, decided once for streaming and single answers alike.
pub enum Verdict {
    /// A success: relay its body.
    Accept(UpstreamAnswer),
    /// The client's own error, answered as is.
    ClientError(Response),
    Fail(AttemptFailure),
}

/// Send: posts `body` to `candidate`'s channel. Deadlines are the caller's. The answer can
/// only be read masked (`masked`).
pub async fn send(
    context: &AttemptContext<'_>,
    candidate: &Candidate,
    leg: Leg,
    body: Bytes,
) -> Result<UpstreamAnswer, AttemptFailure> {
    let channel = &candidate.channel;
    let target = Target {
        base_url: &channel.base_url,
        model: &candidate.entry.model,
        api_version: &channel.api_version,
    };
    let mut headers =
        channel
            .api_type
            .headers(context.key, &context.request.headers, &channel.base_url);
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    let url = channel.api_type.url(target, leg.endpoint);
    let captured = context.request.capture.as_ref().map(|capture| {
        let model = &candidate.entry.model;
        let attempt = capture.attempt_sent(&channel.name, model, &url, &headers, &body);
        (capture.clone(), attempt)
    });
    let sending = context.client.post(url).headers(headers).body(body).send();
    let (sent, connect_time) = crate::http_client::timing_connect(sending).await;
    sent.map(|response| {
        UpstreamAnswer::new(response, Arc::clone(&context.mask))
            .captured(captured)
            .connected_in(connect_time)
    })
    .map_err(transport_failure)
}

pub fn transport_failure(error: reqwest::Error) -> AttemptFailure {
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

/// Judge: sorts the upstream's status. A success is accepted. An error's body is read and
/// the error rules decide first (a 400 that says "overloaded" fails over); then a credentials
/// status disables; 400/404/413/422 are the client's error when its body went as it came, but
/// a refusal of our conversion when it was converted (another entry may take it); anything
/// else (408, 429, 5xx) is a failure another entry may not have, with its `Retry-After`.
pub async fn judge(context: &AttemptContext<'_>, response: UpstreamAnswer, leg: Leg) -> Verdict {
    let status = response.status();
    let code = status.as_u16();
    if status.is_success() {
        return Verdict::Accept(response);
    }
    let retry_after_ms =
        error_rules::retry_after_ms(response.headers(), code, crate::clock::now_ms());
    let body = match response.bytes().await {
        Ok(body) => body,
        Err(error) => return Verdict::Fail(transport_failure(error)),
    };
    if let Some(failure) =
        error_rules::judge_error(&context.settings.error_rules, code, retry_after_ms, &body)
    {
        return Verdict::Fail(failure);
    }
    if context.settings.disables(code) {
        return Verdict::Fail(AttemptFailure::Disabled { status: code });
    }
    if !matches!(code, 400 | 404 | 413 | 422) {
        return Verdict::Fail(AttemptFailure::Status {
            status: code,
            retry_after_ms,
        });
    }
    if !leg.converts() {
        let body = super::error::in_client_shape(leg.client, code, body);
        return Verdict::ClientError(json_response(status, body));
    }
    let error = protocol::parse_error_body(code, &body);
    let shaped = protocol::error_body(leg.client, code, &error.message, error.kind);
    Verdict::Fail(AttemptFailure::Rejected {
        status: code,
        message: error.message,
        body: Bytes::from(shaped.to_string()),
    })
}

pub fn json_response(status: StatusCode, body: Bytes) -> Response {
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}
