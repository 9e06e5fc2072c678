//! Key pools' memory: which key of a channel's pool serves the next request. Keys are taken in
//! rotation (round robin per channel) among those the user has not switched off, the system
//! has not disabled and that are not cooling; a session's own key first when it can serve
//! (`affinity`). What a key's failure means, and the retry with
//! the next key, is `key_failover`'s.

use std::collections::HashMap;
use std::sync::Mutex;

use crate::store::{Channel, ChannelId, KeyId};

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

impl KeyPools {
    fn state(&self) -> std::sync::MutexGuard<'_, PoolState> {
        // Only plain inserts happen under the lock; a poisoned state is still valid.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// `preferred` (the key a session's previous turn used) when it can serve: on, not
    /// cooling, not tried yet; otherwise the next key in rotation, as `pick`. Serving a
    /// session's own key does not move the rotation on.
    pub fn pick_preferring<'a>(
        &self,
        channel: &'a Channel,
        preferred: Option<KeyId>,
        skip: &[KeyId],
        now_ms: i64,
    ) -> KeyPick<'a> {
        let preferred = preferred
            .filter(|id| !skip.contains(id))
            .and_then(|id| channel.keys.iter().find(|key| key.id == id));
        if let Some(key) = preferred {
            let state = self.state();
            let cooling = state
                .cooling
                .get(&key.id)
                .is_some_and(|until| *until > now_ms);
            if key.enabled && !cooling && !state.disabled.contains_key(&key.id) {
                return KeyPick::Key {
                    id: Some(key.id),
                    key: key.key.expose(),
                };
            }
        }
        self.pick(channel, skip, now_ms)
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
