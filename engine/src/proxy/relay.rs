//! Relaying a stream. Until the first content event the attempt can still fail over: events
//! are read and the preamble held back, all within the first-content deadline (keep-alive
//! comments and pings are preamble, so an upstream that only keeps the line open is failed over
//! when the deadline passes). From the first content on, events are forwarded as they arrive by
//! the `Relay` state machine; a later failure ends the client's stream with the protocol's error
//! event and cools the entry. A client that leaves drops the relay, which closes the upstream.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{HeaderValue, header};
use axum::response::Response;
use bytes::Bytes;
use futures::{Stream, StreamExt};

use super::attempt::{AttemptContext, Outcome, transport_failure};
use super::capture::Capture;
use super::error::{AttemptFailure, TimeoutPhase};
use super::error_rules;
use super::masked::UpstreamAnswer;
use super::record::{Ending, Recorder, TextSizes};
use super::request::Leg;
use super::route::Candidate;
use super::runtime::Runtime;
use super::stream::{EventClass, Piece, StreamJudge};
use crate::logs::RequestRecord;

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

    /// Reads until the first content, holding the preamble back; `deadline` bounds the wait.
    async fn first_content(
        &mut self,
        deadline: tokio::time::Instant,
    ) -> Result<VecDeque<Bytes>, AttemptFailure> {
        let mut held = VecDeque::new();
        loop {
            let piece = match tokio::time::timeout_at(deadline, self.next_piece()).await {
                Err(_) => {
                    return Err(AttemptFailure::Timeout {
                        phase: TimeoutPhase::FirstContent,
                    });
                }
                Ok(Ok(Some(piece))) => piece,
                Ok(Ok(None)) => return Err(AttemptFailure::EmptyStream),
                Ok(Err(failure)) => return Err(failure),
            };
            match piece.class {
                EventClass::Preamble => held.push_back(piece.bytes),
                EventClass::Error { message } => {
                    return Err(AttemptFailure::StreamError { message });
                }
                EventClass::End => return Err(AttemptFailure::EmptyStream),
                EventClass::Content => {
                    held.push_back(piece.bytes);
                    return Ok(held);
                }
            }
        }
    }
}

/// What the relay needs to finish the request's bookkeeping once the stream is over.
pub struct Finish {
    /// The request's log row so far (status, entry, attempts, time to first content).
    pub row: RequestRecord,
    /// When the proxy started serving the request (the row's latency).
    pub request_started: Instant,
    /// The proxy asked for the usage chunk the client did not: it is taken out of the stream.
    pub asked_usage: bool,
}

/// Relays an accepted streaming answer (masked at the boundary, `masked`): succeeds once the first content event arrives before
/// `deadline`; `finish` is recorded when the stream ends.
pub async fn start(
    context: &AttemptContext<'_>,
    candidate: &Candidate,
    leg: Leg,
    response: UpstreamAnswer,
    deadline: tokio::time::Instant,
    finish: Finish,
) -> Outcome {
    let mut upstream = Upstream {
        bytes: Box::pin(response.bytes_stream()),
        judge: StreamJudge::new(leg.upstream, leg.client, context.request.include_usage())
            .taking_out_usage(finish.asked_usage)
            .with_freeform_tools(context.request.freeform_tools()),
        queue: VecDeque::new(),
        idle: Duration::from_millis(context.settings.stream_idle_timeout_ms),
        ended: false,
    };
    let held = match upstream.first_content(deadline).await {
        Ok(held) => held,
        Err(AttemptFailure::StreamError { message }) => {
            // A 200 whose first event is an error: the error rules read it like an error body.
            let rules = &context.settings.error_rules;
            let failure = error_rules::judge_stream_error(rules, &message)
                .unwrap_or(AttemptFailure::StreamError { message });
            return Outcome::Failed(failure);
        }
        Err(failure) => return Outcome::Failed(failure),
    };
    // Committed: from here the request's row is recorded exactly once, also if the client
    // leaves (the recorder's drop).
    let mut recorder = Recorder::new(
        Arc::clone(context.runtime),
        finish.row,
        finish.request_started,
        context.request.row_context(),
    )
    .answered_by(candidate, context.started)
    .capturing(context.request.capture.clone());
    recorder.first_content();
    let answer_session = context
        .request
        .session
        .filter(|_| leg.client == protocol::Protocol::Responses)
        .map(|session| {
            let access_key = context.request.client_key_name.clone();
            (Arc::clone(context.runtime), access_key, session)
        });
    let relay = Relay {
        answer_session,
        conversation: super::conversation::pending(context.runtime, context.request, leg),
        recorder,
        candidate: candidate.clone(),
        upstream,
        pending: held,
        request_bytes: context.request.body.len(),
        capture: context.request.capture.clone(),
        ending: None,
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
    /// The request's row: recorded when the stream ends, or as the client leaving on drop
    /// (dropping `upstream` then closes the upstream connection; the entry is not cooled).
    /// Its ending is observed for the answering entry: success, or a mid-stream break.
    recorder: Recorder<Arc<Runtime>>,
    candidate: Candidate,
    upstream: Upstream,
    /// Bytes to send before reading more.
    pending: VecDeque<Bytes>,
    /// The client's request body size, for a token estimate when the upstream reports none.
    request_bytes: usize,
    /// The upstream's normal end arrived (closing events may still be pending).
    completed: bool,
    /// A converted Responses answer's conversation, kept once the stream completes.
    conversation: Option<super::conversation::Pending>,
    /// A Responses request's session: the answer's id is noted under it once the stream
    /// completes, so the next turn naming that answer continues the session.
    answer_session: Option<(Arc<Runtime>, String, super::affinity::Session)>,
    /// The request's captured exchange: what the client receives is kept as it is sent.
    capture: Option<Capture>,
    /// How the stream ended, recorded once the bytes that end it are handed over.
    ending: Option<Ending>,
    done: bool,
}

impl Relay {
    /// The next bytes for the client, or `None` when the stream is over. A captured request
    /// keeps them as sent, and is recorded once its stream is over (or the client leaves,
    /// `Drop`): closing events may follow the upstream's end.
    async fn step(&mut self) -> Option<Bytes> {
        let bytes = self.next_bytes().await;
        match (&self.capture, &bytes) {
            (Some(capture), Some(bytes)) => capture.answer_chunk(bytes),
            _ => self.finish_pending(),
        }
        bytes
    }

    fn finish_pending(&mut self) {
        if let Some(ending) = self.ending.take() {
            self.recorder.finish(ending);
        }
    }
}

impl Drop for Relay {
    /// A captured stream's ending waits for its last bytes; a client that leaves after the
    /// upstream's end still gets the request recorded as ended (not as left).
    fn drop(&mut self) {
        self.finish_pending();
    }
}

impl Relay {
    async fn next_bytes(&mut self) -> Option<Bytes> {
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
        let usage = super::record::usage_from(self.upstream.judge.usage());
        let sizes = TextSizes {
            request_bytes: self.request_bytes,
            answer_bytes: self.upstream.judge.text_bytes(),
        };
        self.ending = Some(Ending::answered(usage, sizes));
        if let Some((runtime, access_key, session)) = self.answer_session.take()
            && let Some(id) = self.upstream.judge.response_id()
        {
            runtime
                .affinity()
                .answered(&access_key, &id, session, crate::clock::now_ms());
        }
        if let Some(pending) = self.conversation.take()
            && let Some(response) = self.upstream.judge.completed_response()
        {
            pending.remember(&response);
        }
    }

    /// Ends the client's stream with an error event: never a clean end that looks complete.
    fn finish_broken(&mut self, failure: AttemptFailure) -> Option<Bytes> {
        self.done = true;
        tracing::warn!(channel = %self.candidate.channel.name, %failure, "stream broke after content; ending the client's stream with an error");
        let message = format!(
            "the upstream {} @ {} failed mid-stream: {failure}; the response is incomplete",
            self.candidate.entry.model, self.candidate.channel.name
        );
        self.ending = Some(Ending::Broke(failure));
        Some(self.upstream.judge.error_event(&message))
    }
}
