//! The "observe" phase: what the end of an attempt means for its entry. Every attempt's end
//! comes here through one function, `attempt_ended`, called by the record phase
//! (`record.rs`): for an attempt that failed before its answer was committed, and for the
//! committed answer when it ends (a stream that breaks mid-answer is a failure; a client that
//! leaves is nobody's fault and changes nothing).
//!
//! A failure the entry is to blame for cools it (or, for 401/403/410, disables it); a failure
//! of the request or of our conversion leaves it alone (`Retry-After` shortens a cooldown; an
//! error rule's action is applied by `error_rules`); a success clears its cooldown and records
//! its response time, measured from the start of its own attempt.

use std::time::Instant;

use super::error::AttemptFailure;
use super::route::Candidate;
use super::runtime::Runtime;

/// How an attempt ended, as far as its entry is concerned.
pub enum AttemptEnd<'a> {
    /// It answered in full; the attempt started at `attempt_started`.
    Answered { attempt_started: Instant },
    /// It failed, before or after its answer was committed.
    Failed(&'a AttemptFailure),
}

/// Applies the consequence of an attempt's end to its entry: recovery, auto-disable,
/// cooldown, or nothing.
pub fn attempt_ended(runtime: &Runtime, candidate: &Candidate, end: AttemptEnd<'_>) {
    match end {
        AttemptEnd::Answered { attempt_started } => {
            let elapsed = attempt_started.elapsed().as_millis() as i64;
            runtime.record_success(candidate.entry.id, elapsed);
        }
        AttemptEnd::Failed(failure) => failed(runtime, candidate, failure),
    }
}

fn failed(runtime: &Runtime, candidate: &Candidate, failure: &AttemptFailure) {
    let snapshot = runtime.snapshot();
    let settings = &snapshot.settings;
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
