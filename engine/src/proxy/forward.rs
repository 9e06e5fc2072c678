//! The proxy path as one sequence of named phases, as pingora's `ProxyHttp` reads:
//!
//! 1. **route** (`route::candidates`): the entries that may serve the request, computed one at
//!    a time, cooling ones and ones whose channel kind cannot serve the endpoint skipped; each
//!    is tried with the keys of its channel's pool in rotation (`key_failover`); a request
//!    that names a session tries the entry and key of its previous turn first (`sticky`);
//! 2. **prepare** (`request::upstream_body`): the body for this candidate, the client's own
//!    bytes when the protocols match, converted through the hub otherwise;
//! 3. **send** (`attempt::send`, through the channel's outbound proxy when it has one) and
//!    4. **judge** (`attempt::judge`): one meaning of the upstream's status for streaming and
//!    single answers alike, the error rules (`error_rules`) reading what an error says;
//! 5. **relay**: the only part that differs, a single body (`answer`) or a stream (`relay`);
//! 6. **record** (`record`): the request's one log row, recorded by a `Recorder` once the
//!    answer is committed (when it ends, or when the client leaves first); every attempt's end
//!    is noted there and 7. **observed** (`observe`): cooldown, auto-disable, or recovery of
//!    the entry.
//!
//! A failure moves on to the next candidate; the client's own error is returned as is. In a
//! group that hedges (`hedge`), a leader without content after the delay gets the next
//! candidate racing beside it; the loser is cancelled, not blamed.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::response::Response;

use super::answer;
use super::attempt::{self, AttemptContext, Outcome, Verdict, json_response};
use super::conversation;
use super::error::{Attempt, AttemptFailure, ProxyError, TimeoutPhase};
use super::hedge;
use super::key_failover;
use super::masked::UpstreamAnswer;
use super::quirks::{Quirk, Quirks};
use super::record::{Ending, LogRow, TextSizes};
use super::relay;
use super::request::{self, Leg, ProxyRequest};
use super::route::{self, Candidate};
use super::runtime::Runtime;
use super::snapshot::Snapshot;
use super::sticky::Turn;
use crate::clock::now_ms;
use crate::upstream::ChannelKind;
use protocol::Protocol;
use protocol::hub::Part;

/// Serves one request: tries each candidate in turn until one answers (in a group that
/// hedges, a slow leader gets the next candidate racing beside it, see `hedge`).
pub async fn serve(runtime: &Arc<Runtime>, request: ProxyRequest) -> Result<Response, ProxyError> {
    let snapshot = runtime.snapshot();
    let mut log = LogRow::new(&request);
    let mut route = route::candidates(
        &snapshot.route_index,
        runtime.cooldowns(),
        runtime.speeds(),
        &request.model,
        request.endpoint,
        now_ms(),
    );
    if let Some(session) = request.session {
        let turn = Turn::begin(runtime, &snapshot, session, &request.model, route.affinity);
        if let Some(entry) = turn.pinned_entry() {
            route.prefer(entry);
        }
        log.turn = Some(turn);
    }
    let hedging = route.hedging;
    let mut attempts = Vec::new();
    while let Some(candidate) = route.next() {
        let tried = attempts.len() as u32 + 1;
        log.attempt_starts();
        // One round: one attempt, or in a group that hedges a slow leader and its hedge.
        let round = {
            let (snapshot, log) = (&*snapshot, &log);
            let run = |candidate: Candidate, tried| async move {
                let outcome = attempt(runtime, snapshot, &candidate, log, tried).await;
                (candidate, outcome)
            };
            hedge::round(
                runtime,
                hedging,
                candidate,
                || route.next(),
                log,
                tried,
                run,
            )
            .await
        };
        let raced = round.started > 1;
        for (candidate, failure) in round.failed.into_iter().flatten() {
            failed_attempt(runtime, &mut log, &mut attempts, &candidate, failure, raced);
        }
        if raced {
            log.race_ends();
        }
        match round.ended {
            Some((candidate, Outcome::Answer(mut response))) => {
                if let Some(turn) = &log.turn {
                    turn.answered(runtime, &request.model, &candidate);
                }
                let served = log.served(&candidate, response.status().as_u16());
                response.extensions_mut().insert(served);
                return Ok(response);
            }
            Some((candidate, Outcome::ClientError(response))) => {
                return Ok(client_error(runtime, &log, &candidate, tried, response));
            }
            Some((_, Outcome::Failed(_))) | None => {}
        }
    }
    let tried = attempts.len() as u32;
    let error = failed_request(&request, attempts);
    let status = error.status_code().as_u16();
    log.recorder(&**runtime, None, tried, status)
        .finish(Ending::Failed {
            status,
            error: error.to_string(),
        });
    Err(error)
}

/// The client's own error, answered as is (masked at the boundary like every upstream byte)
/// and recorded.
fn client_error(
    runtime: &Runtime,
    log: &LogRow<'_>,
    candidate: &Candidate,
    tried: u32,
    response: Response,
) -> Response {
    let status = response.status().as_u16();
    log.recorder(runtime, Some(candidate), tried, status)
        .finish(Ending::answered(Default::default(), Default::default()));
    response
}

/// A failed attempt: noted in the log (which observes it for the entry) and kept for the
/// 502's list.
fn failed_attempt(
    runtime: &Runtime,
    log: &mut LogRow<'_>,
    attempts: &mut Vec<Attempt>,
    candidate: &Candidate,
    failure: AttemptFailure,
    raced: bool,
) {
    tracing::warn!(channel = %candidate.channel.name, model = %candidate.entry.model, source = ?failure.source(), %failure, "attempt failed; trying the next entry");
    log.attempt_failed(runtime, candidate, &failure, raced);
    attempts.push(Attempt {
        channel: candidate.channel.name.clone(),
        model: candidate.entry.model.clone(),
        failure,
    });
}

/// The error for a request no candidate answered. Nothing to try: 404. Only our conversion
/// failed (the body cannot be read for conversion, or every converted request was refused):
/// the client's 400 (or the upstream's refusal in its shape). Anything else: 502 with the list.
fn failed_request(request: &ProxyRequest, attempts: Vec<Attempt>) -> ProxyError {
    let model = request.model.clone();
    if attempts.is_empty() {
        return ProxyError::NoRoute { model };
    }
    let only_conversion = attempts.iter().all(|a| {
        matches!(
            a.failure,
            AttemptFailure::Unconvertible { .. } | AttemptFailure::Rejected { .. }
        )
    });
    if only_conversion {
        let rejected = attempts.iter().find_map(|a| match &a.failure {
            AttemptFailure::Rejected {
                status,
                message,
                body,
            } => Some(ProxyError::Rejected {
                status: *status,
                message: message.clone(),
                body: body.clone(),
            }),
            _ => None,
        });
        let unconvertible = attempts.iter().find_map(|a| match &a.failure {
            AttemptFailure::Unconvertible { source } => Some(source.clone()),
            _ => None,
        });
        match (rejected, unconvertible) {
            (Some(rejected), _) => return rejected,
            (None, Some(source)) => return ProxyError::Unconvertible { model, source },
            (None, None) => {}
        }
    }
    ProxyError::AllFailed { model, attempts }
}

/// One candidate, with the keys of its channel's pool in rotation (`key_failover`): the entry
/// fails over only when no key of its channel can serve.
async fn attempt(
    runtime: &Arc<Runtime>,
    snapshot: &Snapshot,
    candidate: &Candidate,
    log: &LogRow<'_>,
    tried: u32,
) -> Outcome {
    let turn = log.turn.as_ref();
    let preferred = turn.and_then(|t| t.pinned_key(candidate.entry.id));
    let channel = &candidate.channel;
    key_failover::with_keys(
        runtime,
        &snapshot.settings,
        channel,
        preferred,
        |id, key| {
            if let Some(turn) = turn {
                turn.key_chosen(candidate.entry.id, id);
            }
            attempt_with_key(runtime, snapshot, candidate, log, tried, key)
        },
    )
    .await
}

/// One candidate with one key: prepare, send, judge, relay. A 400 refusing something the
/// proxy added on its own (`quirks`) is remembered for the channel and asked once more
/// without it.
async fn attempt_with_key(
    runtime: &Arc<Runtime>,
    snapshot: &Snapshot,
    candidate: &Candidate,
    log: &LogRow<'_>,
    tried: u32,
    key: &str,
) -> Outcome {
    let request = log.request;
    let leg = Leg::new(request, candidate);
    let mut quirks = runtime.quirks().of(candidate.channel.id);
    let mut context = AttemptContext {
        runtime,
        settings: &snapshot.settings,
        client: snapshot.client_for(candidate.channel.id),
        request,
        key,
        mask: snapshot.mask_for(candidate.channel.id),
        started: Instant::now(),
    };
    let mut outcome = exchange(&context, candidate, leg, quirks, log, tried).await;
    // Each refusal is learned once, so this asks at most once per kind of quirk.
    while let Some(quirk) = refused_quirk(&outcome, candidate, leg, quirks, request) {
        tracing::info!(channel = %candidate.channel.name, "{}", quirk.describe());
        runtime.quirks().remember(candidate.channel.id, quirk);
        quirks = quirks.with(quirk);
        context.started = Instant::now();
        outcome = exchange(&context, candidate, leg, quirks, log, tried).await;
    }
    outcome
}

/// A Responses client's single answer: its id under the request's session (so a turn naming
/// it continues there) and, when converted, its conversation (`conversation`).
fn note_answer(context: &AttemptContext<'_>, leg: Leg, body: &[u8]) {
    let pending = conversation::pending(context.runtime, context.request, leg);
    if context.request.session.is_none() && pending.is_none() {
        return;
    }
    let Ok(answer) = serde_json::from_slice::<serde_json::Value>(body) else {
        return;
    };
    if let (Some(session), Some(id)) = (context.request.session, answer["id"].as_str()) {
        let key = &context.request.client_key_name;
        let now = crate::clock::now_ms();
        context.runtime.affinity().answered(key, id, session, now);
    }
    if let Some(pending) = pending {
        pending.remember(&answer);
    }
}

/// Prepare, then the single-answer or streaming exchange.
async fn exchange(
    context: &AttemptContext<'_>,
    candidate: &Candidate,
    leg: Leg,
    quirks: Quirks,
    log: &LogRow<'_>,
    tried: u32,
) -> Outcome {
    let prepared = match request::upstream_body(context.request, candidate, leg, quirks) {
        Ok(prepared) => prepared,
        Err(failure) => return Outcome::Failed(failure),
    };
    let (body, asked_usage) = (prepared.body, prepared.asked_usage);
    let first_byte = Duration::from_millis(context.settings.first_byte_timeout_ms);
    if context.request.stream {
        // One deadline from send to the first content event: headers, preamble and keep-alives
        // all count against it.
        let deadline = tokio::time::Instant::from_std(context.started) + first_byte;
        let response = match tokio::time::timeout_at(
            deadline,
            send_and_judge(context, candidate, leg, body, log),
        )
        .await
        {
            Err(_) => return timed_out(TimeoutPhase::FirstContent),
            Ok(Err(outcome)) => return outcome,
            Ok(Ok(response)) => response,
        };
        let finish = relay::Finish {
            row: log.row(Some(candidate), tried, response.status().as_u16()),
            request_started: log.started,
            asked_usage,
        };
        return relay::start(context, candidate, leg, response, deadline, finish).await;
    }
    let total = Duration::from_millis(context.settings.total_timeout_ms);
    let single = async {
        let response = match tokio::time::timeout(
            first_byte,
            send_and_judge(context, candidate, leg, body, log),
        )
        .await
        {
            Err(_) => return timed_out(TimeoutPhase::FirstByte),
            Ok(Err(outcome)) => return outcome,
            Ok(Ok(response)) => response,
        };
        let status = response.status();
        let rules = &context.settings.error_rules;
        let answer = match answer::read(response, leg, rules, context.request).await {
            Ok(answer) => answer,
            Err(failure) => return Outcome::Failed(failure),
        };
        if leg.client == Protocol::Responses {
            note_answer(context, leg, &answer.body);
        }
        if let Some(capture) = &context.request.capture {
            capture.answer_body(&answer.body);
        }
        log.recorder(&**context.runtime, Some(candidate), tried, status.as_u16())
            .answered_by(candidate, context.started)
            .first_byte_at(answer.first_byte_at_ms)
            .finish(Ending::answered(
                answer.usage,
                TextSizes {
                    request_bytes: context.request.body.len(),
                    answer_bytes: answer.text_bytes,
                },
            ));
        Outcome::Answer(json_response(status, answer.body))
    };
    match tokio::time::timeout(total, single).await {
        Ok(outcome) => outcome,
        Err(_) => timed_out(TimeoutPhase::Total),
    }
}

fn timed_out(phase: TimeoutPhase) -> Outcome {
    Outcome::Failed(AttemptFailure::Timeout { phase })
}

/// Send and judge: an accepted response, or the outcome that ends this attempt. The time its
/// headers arrived goes into the attempt's record.
async fn send_and_judge(
    context: &AttemptContext<'_>,
    candidate: &Candidate,
    leg: Leg,
    body: bytes::Bytes,
    log: &LogRow<'_>,
) -> Result<UpstreamAnswer, Outcome> {
    let response = attempt::send(context, candidate, leg, body)
        .await
        .map_err(Outcome::Failed)?;
    log.headers_arrived(candidate.entry.id, response.connect_time());
    match attempt::judge(context, response, leg).await {
        Verdict::Accept(response) => Ok(response),
        Verdict::ClientError(response) => Err(Outcome::ClientError(response)),
        Verdict::Fail(failure) => Err(Outcome::Failed(failure)),
    }
}

/// The quirk `outcome` reveals: a 400 about something this attempt added that the channel
/// has not refused before. `None` for every other outcome.
fn refused_quirk(
    outcome: &Outcome,
    candidate: &Candidate,
    leg: Leg,
    quirks: Quirks,
    request: &ProxyRequest,
) -> Option<Quirk> {
    let Outcome::Failed(AttemptFailure::Rejected {
        status: 400,
        message,
        ..
    }) = outcome
    else {
        return None;
    };
    let names = |fields: &[&str]| fields.iter().any(|field| message.contains(field));
    // Sent on a converted stream, and on a pass-through one whose client set no stream options.
    let sent_include_usage = request.stream
        && (leg.converts() || !request.include_usage())
        && leg.upstream == Protocol::OpenAiChat
        && candidate.channel.api_type == ChannelKind::Custom
        && !quirks.rejects_include_usage;
    if sent_include_usage && names(&["stream_options", "include_usage"]) {
        return Some(Quirk::IncludeUsage);
    }
    let sent_reasoning = leg.converts()
        && leg.upstream == Protocol::OpenAiChat
        && !quirks.rejects_reasoning_input
        && history_has_reasoning(request);
    if sent_reasoning && names(&["reasoning_content", "reasoning_details"]) {
        return Some(Quirk::ReasoningInput);
    }
    None
}

/// Whether the converted request carries reasoning back in an earlier assistant turn.
fn history_has_reasoning(request: &ProxyRequest) -> bool {
    request.hub().is_ok_and(|hub| {
        hub.messages.iter().any(|message| {
            message.content.iter().any(|part| match part {
                Part::Reasoning { text, signature } => !text.is_empty() || signature.is_some(),
                Part::RedactedReasoning { .. } => true,
                _ => false,
            })
        })
    })
}
