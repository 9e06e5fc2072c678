//! Streaming attempts. Before content, events are read and the preamble held back, so a stream
//! that fails early (an error status, an in-band error event, a stall, an early end) is failed
//! over with nothing sent. From the first content on, events are forwarded as they arrive by the
//! `Relay` state machine; a later failure ends the client's stream with the protocol's error
//! event and cools the entry. A client that leaves drops the relay, which closes the upstream.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::pin::Pin;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{HeaderValue, header};
use axum::response::Response;
use bytes::Bytes;
use futures::{Stream, StreamExt};

use super::error::{AttemptFailure, TimeoutPhase};
use super::forward::{
    AttemptContext, Leg, Outcome, judge_error, observe_failure, send, transport_failure,
};
use super::route::Candidate;
use super::stream::{EventClass, Piece, StreamJudge};
use crate::AppState;
use crate::store::{RequestLogRow, Settings};

type ByteStream = Pin<Box<dyn Stream<Item = reqwest::Result<Bytes>> + Send>>;

/// The upstream's stream as client pieces, one at a time, each within the idle timeout.
struct Upstream {
    bytes: ByteStream,
    judge: StreamJudge,
    queue: VecDeque<Piece>,
    idle: Duration,
    ended: bool,
}

impl Upstream {
    async fn next_piece(&mut self) -> Result<Option<Piece>, AttemptFailure> {
        loop {
            if let Some(piece) = self.queue.pop_front() {
                return Ok(Some(piece));
            }
            if self.ended {
                return Ok(None);
            }
            match tokio::time::timeout(self.idle, self.bytes.next()).await {
                Err(_) => {
                    return Err(AttemptFailure::Timeout {
                        phase: TimeoutPhase::StreamIdle,
                    });
                }
                Ok(Some(Ok(chunk))) => self.queue.extend(self.judge.push(&chunk)),
                Ok(Some(Err(error))) => return Err(transport_failure(error)),
                Ok(None) => {
                    self.ended = true;
                    self.queue.extend(self.judge.finish());
                }
            }
        }
    }
}

/// One streaming attempt: succeeds once the first content event arrives.
pub(super) async fn attempt(context: &AttemptContext<'_>, candidate: &Candidate) -> Outcome {
    let leg = Leg::new(context.request, candidate);
    let response = match send(context, candidate, leg).await {
        Ok(response) => response,
        Err(failure) => return Outcome::Failed(failure),
    };
    if !response.status().is_success() {
        return judge_error(context, response, leg).await;
    }
    let status = response.status().as_u16();
    let mut upstream = Upstream {
        bytes: Box::pin(response.bytes_stream()),
        judge: StreamJudge::new(leg.upstream, leg.client, context.request.include_usage()),
        queue: VecDeque::new(),
        idle: Duration::from_millis(context.settings.stream_idle_timeout_ms),
        ended: false,
    };
    let mut held = VecDeque::new();
    loop {
        let piece = match upstream.next_piece().await {
            Ok(Some(piece)) => piece,
            Ok(None) => return Outcome::Failed(AttemptFailure::EmptyStream),
            Err(failure) => return Outcome::Failed(failure),
        };
        match piece.class {
            EventClass::Preamble => held.push_back(piece.bytes),
            EventClass::Error { message } => {
                let message = crate::secrets::mask_pool_keys(&message, &candidate.channel.api_key);
                return Outcome::Failed(AttemptFailure::StreamError { message });
            }
            EventClass::End => return Outcome::Failed(AttemptFailure::EmptyStream),
            EventClass::Content => {
                held.push_back(piece.bytes);
                break;
            }
        }
    }
    let first_token_ms = context.started.elapsed().as_millis() as i64;
    let mut log = context.log_row(Some(candidate), status, String::new());
    log.first_token_ms = Some(first_token_ms);
    let relay = Relay {
        state: context.state.clone(),
        settings: context.settings.clone(),
        candidate: candidate.clone(),
        upstream,
        pending: held,
        started: context.started,
        log: Some(log),
        completed: false,
        done: false,
    };
    Outcome::Answer(sse_response(relay))
}

fn sse_response(relay: Relay) -> Response {
    let stream = futures::stream::unfold(relay, |mut relay| async move {
        relay
            .step()
            .await
            .map(|bytes| (Ok::<_, Infallible>(bytes), relay))
    });
    let mut response = Response::new(Body::from_stream(stream));
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/event-stream"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

/// Forwards a stream that has started sending content to the client.
struct Relay {
    state: AppState,
    settings: Settings,
    candidate: Candidate,
    upstream: Upstream,
    /// Bytes to send before reading more.
    pending: VecDeque<Bytes>,
    started: Instant,
    /// The log row, until it is recorded; still here on drop means the client left.
    log: Option<RequestLogRow>,
    /// The upstream's normal end arrived (closing events may still be pending).
    completed: bool,
    done: bool,
}

impl Relay {
    /// The next bytes for the client, or `None` when the stream is over.
    async fn step(&mut self) -> Option<Bytes> {
        if let Some(bytes) = self.pending.pop_front() {
            return Some(bytes);
        }
        if self.done {
            return None;
        }
        match self.upstream.next_piece().await {
            Ok(Some(piece)) => match piece.class {
                EventClass::Preamble | EventClass::Content => Some(piece.bytes),
                EventClass::End => {
                    self.finish_ok();
                    Some(piece.bytes)
                }
                EventClass::Error { message } => {
                    let message =
                        crate::secrets::mask_pool_keys(&message, &self.candidate.channel.api_key);
                    self.finish_broken(AttemptFailure::StreamError { message })
                }
            },
            // After the normal end nothing more is owed: whatever the upstream does next
            // (close, stall, reset) cannot spoil a complete answer.
            Ok(None) | Err(_) if self.completed => None,
            Ok(None) => self.finish_broken(AttemptFailure::InvalidBody {
                problem: "the stream ended without its end marker".into(),
            }),
            Err(failure) => self.finish_broken(failure),
        }
    }

    fn finish_ok(&mut self) {
        if self.completed {
            return;
        }
        self.completed = true;
        let elapsed = self.started.elapsed().as_millis() as i64;
        self.state.record_success(self.candidate.entry.id, elapsed);
        if let Some(mut row) = self.log.take() {
            (row.prompt_tokens, row.completion_tokens) = self.upstream.judge.usage();
            row.latency_ms = elapsed;
            self.state.writer().log(row);
        }
    }

    /// Ends the client's stream with an error event: never a clean end that looks complete.
    fn finish_broken(&mut self, failure: AttemptFailure) -> Option<Bytes> {
        self.done = true;
        tracing::warn!(channel = %self.candidate.channel.name, %failure, "stream broke after content; ending the client's stream with an error");
        observe_failure(&self.state, &self.settings, &self.candidate, &failure);
        let message = format!(
            "the upstream {} @ {} failed mid-stream: {failure}; the response is incomplete",
            self.candidate.entry.model, self.candidate.channel.name
        );
        if let Some(mut row) = self.log.take() {
            row.status = 502;
            row.error = failure.to_string();
            row.latency_ms = self.started.elapsed().as_millis() as i64;
            self.state.writer().log(row);
        }
        Some(self.upstream.judge.error_event(&message))
    }
}

impl Drop for Relay {
    /// The client went away mid-stream: dropping `upstream` closes the upstream connection;
    /// the entry did nothing wrong, so it is not cooled.
    fn drop(&mut self) {
        if let Some(mut row) = self.log.take() {
            row.status = 499;
            row.error = "client disconnected".into();
            row.latency_ms = self.started.elapsed().as_millis() as i64;
            self.state.writer().log(row);
        }
    }
}
