//! Key pools on the request path: which key of a channel's pool serves the next request, and
//! what a key's failure means. Keys are taken in rotation (round robin per channel) among
//! those the user has not switched off, the system has not disabled and that are not cooling.
//! A key-shaped failure (429, a credentials status, an error rule aimed at the key) cools or
//! disables that key and the same entry is tried again with the next key; the entry fails over
//! only when no key of its channel can serve. A channel with a single key has nothing to rotate
//! to, so its failures stay the entry's, as before pools existed.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Mutex;

use super::attempt::Outcome;
use super::error::AttemptFailure;
use super::error_rules;
use super::runtime::Runtime;
use crate::clock::now_ms;
use crate::store::{Channel, ChannelId, KeyId, RuleAction, Settings};

/// The runtime state of every pool: cooling keys, keys disabled since the last reload, and
/// where each channel's rotation stands. In memory; disables are also saved by the writer.
#[derive(Default)]
pub struct KeyPools {
    inner: Mutex<PoolState>,
}

#[derive(Default)]
struct PoolState {
    cooling: HashMap<KeyId, i64>,
    /// Disabled since the last reload, with why (the store has it once the writer saved it).
    disabled: HashMap<KeyId, String>,
    next: HashMap<ChannelId, usize>,
}

/// The key chosen for one try.
pub enum KeyPick<'a> {
    /// Send with `key` (`id` is `None` for a channel without keys: no auth header).
    Key { id: Option<KeyId>, key: &'a str },
    /// Every key is cooling or switched off; `until_ms` is when the first cooling one is back.
    NoneUsable { until_ms: Option<i64> },
}

/// What a failed try means for the key it used.
enum KeyConsequence {
    Cool { until_ms: i64 },
    Disable { reason: String },
}

impl KeyPools {
    fn state(&self) -> std::sync::MutexGuard<'_, PoolState> {
        // Only plain inserts happen under the lock; a poisoned state is still valid.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The next key of `channel` in rotation, leaving out `skip` (keys already tried).
    pub fn pick<'a>(&self, channel: &'a Channel, skip: &[KeyId], now_ms: i64) -> KeyPick<'a> {
        if channel.keys.is_empty() {
            return KeyPick::Key { id: None, key: "" };
        }
        let mut state = self.state();
        let count = channel.keys.len();
        let start = state.next.get(&channel.id).copied().unwrap_or(0);
        let mut soonest: Option<i64> = None;
        for step in 0..count {
            let at = (start + step) % count;
            let key = &channel.keys[at];
            if !key.enabled || state.disabled.contains_key(&key.id) {
                continue;
            }
            match state.cooling.get(&key.id).filter(|until| **until > now_ms) {
                Some(until) => soonest = Some(soonest.map_or(*until, |s| s.min(*until))),
                None if skip.contains(&key.id) => {}
                None => {
                    state.next.insert(channel.id, at + 1);
                    return KeyPick::Key {
                        id: Some(key.id),
                        key: key.key.expose(),
                    };
                }
            }
        }
        KeyPick::NoneUsable { until_ms: soonest }
    }

    pub fn cool(&self, key: KeyId, until_ms: i64) {
        self.state().cooling.insert(key, until_ms);
    }

    /// The key's cooldown end, if it is cooling at `now_ms`.
    pub fn cooling_until(&self, key: KeyId, now_ms: i64) -> Option<i64> {
        self.state()
            .cooling
            .get(&key)
            .copied()
            .filter(|until| *until > now_ms)
    }

    pub(crate) fn disable(&self, key: KeyId, reason: &str) {
        self.state().disabled.insert(key, reason.to_owned());
    }

    /// Why the system switched `key` off since the last reload, if it did.
    pub fn disabled_reason(&self, key: KeyId) -> Option<String> {
        self.state().disabled.get(&key).cloned()
    }

    /// Forgets the runtime state of `key` (the user switched it on or off).
    pub fn forget(&self, key: KeyId) {
        let mut state = self.state();
        state.disabled.remove(&key);
        state.cooling.remove(&key);
    }

    /// Forgets everything (the database was replaced: key ids may have been reused).
    pub fn reset(&self) {
        *self.state() = PoolState::default();
    }
}

/// Runs `attempt` with a key of `channel`'s pool, and again with the next key for as long as
/// a key-shaped failure leaves another key to try.
pub(crate) async fn with_keys<'a, F, Fut>(
    runtime: &Runtime,
    settings: &Settings,
    channel: &'a Channel,
    mut attempt: F,
) -> Outcome
where
    F: FnMut(&'a str) -> Fut,
    Fut: Future<Output = Outcome>,
{
    let pools = runtime.key_pools();
    let pooled = channel.keys.len() > 1;
    let mut tried: Vec<KeyId> = Vec::new();
    let mut last: Option<AttemptFailure> = None;
    loop {
        let (id, key) = match pools.pick(channel, &tried, now_ms()) {
            KeyPick::Key { id, key } => (id, key),
            KeyPick::NoneUsable { until_ms } => {
                let last = last.map_or_else(
                    || "every key is cooling or switched off".to_owned(),
                    |failure| failure.to_string(),
                );
                return Outcome::Failed(AttemptFailure::KeysExhausted { until_ms, last });
            }
        };
        let outcome = attempt(key).await;
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
