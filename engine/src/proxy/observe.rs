//! The "observe" phase: what an attempt's outcome means for its entry. A failure the entry is
//! to blame for cools it (or, for 401/403/410, disables it); a failure of the request or of our
//! conversion leaves it alone (`Retry-After` shortens a cooldown; an error rule's action is
//! applied by `error_rules`); a success clears its cooldown and records its response time,
//! measured from the start of its own attempt.

use std::time::Instant;

use super::error::AttemptFailure;
use super::route::Candidate;
use super::runtime::Runtime;
use crate::store::Settings;

/// Applies the consequence of a failed attempt: auto-disable, cooldown, or nothing.
pub fn failed(
    runtime: &Runtime,
    settings: &Settings,
    candidate: &Candidate,
    failure: &AttemptFailure,
) {
    match failure {
        AttemptFailure::Disabled { status } => {
            runtime.auto_disable(
                candidate.entry.id,
                format!("upstream answered HTTP {status}: credentials or model gone"),
            );
        }
        AttemptFailure::Ruled { .. } => {
            super::error_rules::apply(runtime, settings, candidate, failure)
        }
        // Every key is cooling: so is the entry, until the first key is back.
        AttemptFailure::KeysExhausted {
            until_ms: Some(until_ms),
            ..
        } => runtime.cool_until(candidate.entry.id, *until_ms),
        // Every key is switched off: nothing to wait for, and the entry itself is fine.
        AttemptFailure::KeysExhausted { until_ms: None, .. } => {}
        AttemptFailure::Status {
            retry_after_ms: Some(wait),
            ..
        } => {
            let until =
                super::error_rules::cooldown_end(settings, Some(*wait), crate::clock::now_ms());
            runtime.cool_until(candidate.entry.id, until);
        }
        failure if failure.cools_entry() => {
            runtime.cool(candidate.entry.id, settings.cooldown_secs)
        }
        // The request or our conversion, not the entry, is at fault: nothing to cool.
        _ => {}
    }
}

/// Records a success: clears the entry's cooldown and notes its response time.
pub fn succeeded(runtime: &Runtime, candidate: &Candidate, attempt_started: Instant) {
    let elapsed = attempt_started.elapsed().as_millis() as i64;
    runtime.record_success(candidate.entry.id, elapsed);
}

/// Records the attempt's time to first content (a single answer's is the whole answer), for
/// the `fastest` order and hedging's p90.
pub fn first_content(runtime: &Runtime, candidate: &Candidate, attempt_started: Instant) {
    let elapsed = attempt_started.elapsed().as_millis() as u64;
    runtime.speeds().record(candidate.entry.id, elapsed);
}
