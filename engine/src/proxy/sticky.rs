//! One request's turn of a session (`affinity`): where its previous turn was served and in what
//! state that entry and key were when this one arrived, the keys its attempts used, and, once
//! an entry answers, why the session moved if it did (the log row's `session_moved`). Only a
//! request that names a session has a `Turn`; the rest pay nothing here.

use std::sync::Mutex;

use types::logs::AttemptRecord;

use super::affinity::{Pin, Session};
use super::route::Candidate;
use super::runtime::Runtime;
use super::snapshot::Snapshot;
use crate::clock::now_ms;
use crate::store::{Channel, EntryId, KeyId};

/// What became of the pinned key before this turn started.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum KeyState {
    Ready,
    Cooling,
    SwitchedOff,
}

/// Where the previous turn was served, as this one found it.
struct Before {
    pin: Pin,
    /// `channel/model` of the pinned entry; empty when the snapshot no longer routes it.
    entry: String,
    entry_cooling: bool,
    key: KeyState,
}

/// A request's session turn.
pub struct Turn {
    pub session: Session,
    /// The route keeps sessions (the group's affinity is on).
    pub sticky: bool,
    before: Option<Before>,
    /// The key each attempt sent with, in order.
    keys: Mutex<Vec<(EntryId, Option<KeyId>)>>,
}

impl Turn {
    /// The turn of `session` asking for `model`; the previous turn's pin is looked up only
    /// when `sticky`.
    pub fn begin(
        runtime: &Runtime,
        snapshot: &Snapshot,
        session: Session,
        model: &str,
        sticky: bool,
    ) -> Turn {
        let now = now_ms();
        let pin = sticky
            .then(|| runtime.affinity().pinned(session, model, now))
            .flatten();
        let before = pin.map(|pin| {
            let pools = runtime.key_pools();
            let key = match pin.key {
                Some(key) if pools.disabled_reason(key).is_some() => KeyState::SwitchedOff,
                Some(key) if pools.cooling_until(key, now).is_some() => KeyState::Cooling,
                _ => KeyState::Ready,
            };
            let entry = snapshot
                .route_index
                .routable()
                .iter()
                .find(|c| c.entry.id == pin.entry)
                .map(|c| format!("{}/{}", c.channel.name, c.entry.model))
                .unwrap_or_default();
            Before {
                pin,
                entry,
                entry_cooling: runtime.cooldowns().cooling_until(pin.entry, now).is_some(),
                key,
            }
        });
        Turn {
            session,
            sticky,
            before,
            keys: Mutex::new(Vec::new()),
        }
    }

    /// The entry the previous turn was served by, to be tried first.
    pub fn pinned_entry(&self) -> Option<EntryId> {
        self.before.as_ref().map(|b| b.pin.entry)
    }

    /// The key the previous turn used, for an attempt on `entry` (its own entry only).
    pub fn pinned_key(&self, entry: EntryId) -> Option<KeyId> {
        self.before
            .as_ref()
            .filter(|b| b.pin.entry == entry)
            .and_then(|b| b.pin.key)
    }

    fn keys(&self) -> std::sync::MutexGuard<'_, Vec<(EntryId, Option<KeyId>)>> {
        // Plain pushes only; a poisoned list is still a valid list.
        self.keys.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// An attempt on `entry` sends with `key`.
    pub fn key_chosen(&self, entry: EntryId, key: Option<KeyId>) {
        self.keys().push((entry, key));
    }

    /// The key the last attempt on `entry` sent with.
    pub fn key_of(&self, entry: EntryId) -> Option<KeyId> {
        self.keys()
            .iter()
            .rev()
            .find(|(e, _)| *e == entry)
            .and_then(|(_, key)| *key)
    }

    /// `answered` served this turn: remember it for the next one.
    pub fn answered(&self, runtime: &Runtime, model: &str, answered: &Candidate) {
        if self.sticky {
            let key = self.key_of(answered.entry.id);
            let affinity = runtime.affinity();
            affinity.pin(self.session, model, answered.entry.id, key, now_ms());
        }
    }

    /// Why the session left the entry or key of its previous turn, when `answered` is not
    /// them (empty when it stayed or had no previous turn). `failed` are this request's failed
    /// attempts.
    pub fn moved(&self, answered: &Candidate, failed: &[AttemptRecord]) -> String {
        let Some(before) = &self.before else {
            return String::new();
        };
        let entry = answered.entry.id;
        if entry != before.pin.entry {
            let was = if before.entry.is_empty() {
                "its entry is no longer routable".to_owned()
            } else if let Some(failure) = failed.iter().find(|a| a.entry_id == before.pin.entry) {
                let status = failure
                    .status
                    .map(|s| format!(" HTTP {s}"))
                    .unwrap_or_default();
                let kind = failure
                    .error_kind
                    .as_ref()
                    .map(|k| k.as_str())
                    .unwrap_or("");
                format!("{} failed ({kind}{status})", before.entry)
            } else if before.entry_cooling {
                format!("{} was cooling", before.entry)
            } else {
                format!("{} did not serve", before.entry)
            };
            let to = format!("{}/{}", answered.channel.name, answered.entry.model);
            return format!("{was}; moved to {to}");
        }
        let key = self.key_of(entry);
        if key == before.pin.key {
            return String::new();
        }
        let channel = &answered.channel;
        let old = key_label(channel, before.pin.key);
        let tried = self
            .keys()
            .iter()
            .any(|(e, k)| *e == entry && *k == before.pin.key);
        let why = match before.key {
            KeyState::Cooling => "was cooling",
            KeyState::SwitchedOff => "was switched off",
            KeyState::Ready if tried => "failed",
            KeyState::Ready => "is no longer in the pool",
        };
        format!("{old} {why}; moved to {}", key_label(channel, key))
    }
}

/// "key 2 of 3" (its place in the channel's pool; never the key itself).
fn key_label(channel: &Channel, key: Option<KeyId>) -> String {
    let count = channel.keys.len();
    match key.and_then(|id| channel.keys.iter().position(|k| k.id == id)) {
        Some(at) => format!("key {} of {count}", at + 1),
        None => "a removed key".to_owned(),
    }
}
