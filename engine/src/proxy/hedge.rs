//! Hedging: when a group asks for it and the leading candidate has shown no content after a
//! delay (fixed, or that entry's recent p90 time to first content), the next candidate starts
//! in parallel. The first to produce content wins and is relayed; the other is dropped, which
//! closes its upstream connection, and is not blamed (no cooldown). A failure during the race
//! is an ordinary failure. A per-group budget bounds the hedges a minute (the cost).

use std::future::Future;
use std::time::Duration;

use types::routing::{HedgeDelay, Hedging};

use super::attempt::Outcome;
use super::error::AttemptFailure;
use super::record::LogRow;
use super::route::Candidate;
use super::runtime::Runtime;
use crate::clock::now_ms;

/// How long the leading attempt may go without content before a hedge starts.
pub fn delay(runtime: &Runtime, hedging: Hedging, lead: &Candidate) -> Option<Duration> {
    let ms = match hedging.delay {
        HedgeDelay::Off => return None,
        HedgeDelay::Fixed { ms } => ms,
        HedgeDelay::P90 { fallback_ms } => runtime
            .speeds()
            .p90_ms(lead.entry.id)
            .unwrap_or(fallback_ms),
    };
    Some(Duration::from_millis(ms.max(1)))
}

/// What one round (one attempt, or a lead and its hedge) produced.
pub struct Round {
    /// Attempts that failed, in the order they failed; the caller observes and logs them.
    pub failed: Vec<(Candidate, AttemptFailure)>,
    /// The attempt that ends the request: an answer or the client's own error.
    pub ended: Option<(Candidate, Outcome)>,
    /// How many attempts the round started.
    pub started: u32,
}

impl Round {
    fn of(candidate: Candidate, outcome: Outcome) -> Self {
        match outcome {
            Outcome::Failed(failure) => Self {
                failed: vec![(candidate, failure)],
                ended: None,
                started: 1,
            },
            ended => Self {
                failed: Vec::new(),
                ended: Some((candidate, ended)),
                started: 1,
            },
        }
    }
}

/// Runs `lead`, and after the hedge delay, if the budget allows and `next` has a candidate,
/// that candidate beside it. `run(candidate, tried)` is one attempt.
pub async fn round<F, Fut>(
    runtime: &Runtime,
    (group, hedging): (&str, Hedging),
    lead: Candidate,
    next: impl FnOnce() -> Option<Candidate>,
    log: &LogRow<'_>,
    tried: u32,
    run: F,
) -> Round
where
    F: Fn(Candidate, u32) -> Fut,
    Fut: Future<Output = Outcome>,
{
    let lead_started = now_ms();
    let mut lead_attempt = std::pin::pin!(run(lead.clone(), tried));
    let Some(wait) = delay(runtime, hedging, &lead) else {
        return Round::of(lead, lead_attempt.await);
    };
    if let Ok(outcome) = tokio::time::timeout(wait, &mut lead_attempt).await {
        return Round::of(lead, outcome);
    }
    if !runtime.hedges().try_take(group, hedging.max_per_minute) {
        tracing::debug!(
            group,
            "hedge budget for this minute spent; waiting on the lead"
        );
        return Round::of(lead, lead_attempt.await);
    }
    let Some(second) = next() else {
        runtime.hedges().give_back(group);
        return Round::of(lead, lead_attempt.await);
    };
    tracing::info!(group, lead = %lead.entry.model, lead_channel = %lead.channel.name, hedge = %second.entry.model, hedge_channel = %second.channel.name, after_ms = wait.as_millis() as u64, "no content yet; hedging with the next candidate");
    log.race_joined(&lead, lead_started);
    log.race_joined(&second, now_ms());
    let mut hedge_attempt = std::pin::pin!(run(second.clone(), tried + 1));
    let mut round = Round {
        failed: Vec::new(),
        ended: None,
        started: 2,
    };
    let (mut lead_running, mut hedge_running) = (true, true);
    while lead_running || hedge_running {
        let (candidate, outcome) = tokio::select! {
            outcome = &mut lead_attempt, if lead_running => {
                lead_running = false;
                (&lead, outcome)
            }
            outcome = &mut hedge_attempt, if hedge_running => {
                hedge_running = false;
                (&second, outcome)
            }
        };
        match outcome {
            Outcome::Failed(failure) => {
                log.race_failed(candidate, &failure);
                round.failed.push((candidate.clone(), failure));
            }
            ended => {
                round.ended = Some((candidate.clone(), ended));
                break;
            }
        }
    }
    if lead_running || hedge_running {
        let loser = if lead_running { &lead } else { &second };
        tracing::info!(group, model = %loser.entry.model, channel = %loser.channel.name, "the other attempt answered first; cancelling this one (not cooled)");
    }
    // Dropping the pinned attempts here cancels the loser: its upstream connection closes.
    round
}
