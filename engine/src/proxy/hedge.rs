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
    /// Attempts that failed, in the order they failed (at most two: a round races no more);
    /// the caller observes and logs them. Not a `Vec`: a failure allocates nothing here.
    pub failed: [Option<(Candidate, AttemptFailure)>; 2],
    /// The attempt that ends the request: an answer or the client's own error.
    pub ended: Option<(Candidate, Outcome)>,
    /// How many attempts the round started.
    pub started: u32,
}

impl Round {
    fn of(candidate: Candidate, outcome: Outcome) -> Self {
        match outcome {
            Outcome::Failed(failure) => Self {
                failed: [Some((candidate, failure)), None],
                ended: None,
                started: 1,
            },
            ended => Self {
                failed: [None, None],
                ended: Some((candidate, ended)),
                started: 1,
            },
        }
    }
}

/// Runs `lead`; in a group that hedges (`hedging`), after the hedge delay, if the budget
/// allows and `next` has a candidate, that candidate beside it. Without hedging this is one
/// attempt: a request always walks the same rounds. `run(candidate, tried)` is one attempt;
/// it hands its candidate back with the outcome, so a round without a race clones nothing.
pub async fn round<F, Fut>(
    runtime: &Runtime,
    hedging: Option<(&str, Hedging)>,
    lead: Candidate,
    next: impl FnOnce() -> Option<Candidate>,
    log: &LogRow<'_>,
    tried: u32,
    run: F,
) -> Round
where
    F: Fn(Candidate, u32) -> Fut,
    Fut: Future<Output = (Candidate, Outcome)>,
{
    let hedge = hedging.and_then(|(group, hedging)| {
        delay(runtime, hedging, &lead).map(|wait| (group, hedging, wait))
    });
    let Some((group, hedging, wait)) = hedge else {
        let (lead, outcome) = run(lead, tried).await;
        return Round::of(lead, outcome);
    };
    let lead_started = now_ms();
    // The log names the leader if a race starts; the attempt owns the candidate meanwhile.
    let leader = lead.clone();
    let mut lead_attempt = std::pin::pin!(run(lead, tried));
    if let Ok((lead, outcome)) = tokio::time::timeout(wait, &mut lead_attempt).await {
        return Round::of(lead, outcome);
    }
    if !runtime.hedges().try_take(group, hedging.max_per_minute) {
        tracing::debug!(
            group,
            "hedge budget for this minute spent; waiting on the lead"
        );
        let (lead, outcome) = lead_attempt.await;
        return Round::of(lead, outcome);
    }
    let Some(second) = next() else {
        runtime.hedges().give_back(group);
        let (lead, outcome) = lead_attempt.await;
        return Round::of(lead, outcome);
    };
    tracing::info!(group, lead = %leader.entry.model, lead_channel = %leader.channel.name, hedge = %second.entry.model, hedge_channel = %second.channel.name, after_ms = wait.as_millis() as u64, "no content yet; hedging with the next candidate");
    log.race_joined(&leader, lead_started);
    log.race_joined(&second, now_ms());
    let hedger = second.clone();
    let mut hedge_attempt = std::pin::pin!(run(second, tried + 1));
    let mut round = Round {
        failed: [None, None],
        ended: None,
        started: 2,
    };
    let (mut lead_running, mut hedge_running) = (true, true);
    while lead_running || hedge_running {
        let (candidate, outcome) = tokio::select! {
            ended = &mut lead_attempt, if lead_running => {
                lead_running = false;
                ended
            }
            ended = &mut hedge_attempt, if hedge_running => {
                hedge_running = false;
                ended
            }
        };
        match outcome {
            Outcome::Failed(failure) => {
                log.race_failed(&candidate, &failure);
                let slot = usize::from(round.failed[0].is_some());
                round.failed[slot] = Some((candidate, failure));
            }
            ended => {
                round.ended = Some((candidate, ended));
                break;
            }
        }
    }
    if lead_running || hedge_running {
        let loser = if lead_running { &leader } else { &hedger };
        tracing::info!(group, model = %loser.entry.model, channel = %loser.channel.name, "the other attempt answered first; cancelling this one (not cooled)");
    }
    // Dropping the pinned attempts here cancels the loser: its upstream connection closes.
    round
}
