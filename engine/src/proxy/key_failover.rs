//! Trying one candidate with the keys of its channel's pool (`key_pool` picks them). A
//! key-shaped failure (429, a credentials status, an error rule aimed at the key) cools or
//! disables that key and the same entry is tried again with the next key; the entry fails over
//! only when no key of its channel can serve. A channel with a single key has nothing to rotate
//! to, so its failures stay the entry's, as before pools existed.

use std::future::Future;

use super::attempt::Outcome;
use super::error::AttemptFailure;
use super::error_rules;
use super::key_pool::KeyPick;
use super::runtime::Runtime;
use crate::clock::now_ms;
use crate::store::{Channel, KeyId, RuleAction, Settings};

/// What a failed try means for the key it used.
enum KeyConsequence {
    Cool { until_ms: i64 },
    Disable { reason: String },
}

/// Runs `attempt` with a key of `channel`'s pool (`preferred` first when it can serve: a
/// session's own key), and again with the next key for as long as a key-shaped failure leaves
/// another key to try. `attempt` is told which key it sends with (`None`: no keys).
pub(crate) async fn with_keys<'a, F, Fut>(
    runtime: &Runtime,
    settings: &Settings,
    channel: &'a Channel,
    preferred: Option<KeyId>,
    mut attempt: F,
) -> Outcome
where
    F: FnMut(Option<KeyId>, &'a str) -> Fut,
    Fut: Future<Output = Outcome>,
{
    let pools = runtime.key_pools();
    let pooled = channel.keys.len() > 1;
    let mut tried: Vec<KeyId> = Vec::new();
    let mut last: Option<AttemptFailure> = None;
    loop {
        let (id, key) = match pools.pick_preferring(channel, preferred, &tried, now_ms()) {
            KeyPick::Key { id, key } => (id, key),
            KeyPick::NoneUsable { until_ms } => {
                let last = last.map_or_else(
                    || "every key is cooling or switched off".to_owned(),
                    |failure| failure.to_string(),
                );
                return Outcome::Failed(AttemptFailure::KeysExhausted { until_ms, last });
            }
        };
        let outcome = attempt(id, key).await;
        let (Some(id), true, Outcome::Failed(failure)) = (id, pooled, &outcome) else {
            return outcome;
        };
        let Some(consequence) = key_consequence(settings, failure) else {
            return outcome;
        };
        match consequence {
            KeyConsequence::Cool { until_ms } => {
                tracing::warn!(channel = %channel.name, key = id, until_ms, %failure, "key cooling; trying the next key of the pool");
                runtime.cool_key(id, until_ms);
            }
            KeyConsequence::Disable { reason } => {
                tracing::warn!(channel = %channel.name, key = id, %reason, "key switched off; trying the next key of the pool");
                runtime.disable_key(id, reason);
            }
        }
        tried.push(id);
        if let Outcome::Failed(failure) = outcome {
            last = Some(failure);
        }
    }
}

/// Whether `failure` is the key's fault, and what happens to the key.
fn key_consequence(settings: &Settings, failure: &AttemptFailure) -> Option<KeyConsequence> {
    let now = now_ms();
    match failure {
        AttemptFailure::Disabled { status } => Some(KeyConsequence::Disable {
            reason: format!("upstream answered HTTP {status}: the key was rejected"),
        }),
        AttemptFailure::Status {
            status: 429,
            retry_after_ms,
        } => Some(KeyConsequence::Cool {
            until_ms: error_rules::cooldown_end(settings, *retry_after_ms, now),
        }),
        AttemptFailure::Ruled {
            action: RuleAction::CoolKey,
            retry_after_ms,
            ..
        } => Some(KeyConsequence::Cool {
            until_ms: error_rules::cooldown_end(settings, *retry_after_ms, now),
        }),
        AttemptFailure::Ruled {
            action: RuleAction::DisableKey,
            rule,
            ..
        } => Some(KeyConsequence::Disable {
            reason: format!("error rule {rule} matched: the key was rejected"),
        }),
        _ => None,
    }
}
