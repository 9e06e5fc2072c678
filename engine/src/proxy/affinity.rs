//! Session affinity: a conversation stays on the entry (channel and model) and the pool key that
//! served its previous turn, so the provider's prompt cache stays warm and what the provider
//! signed for that key (Codex's `encrypted_content`, Anthropic's thinking signatures) stays
//! valid. A session is what the client already sends (`Session::from_request`); it moves only
//! when its entry or key fails, then sticks to the one that served instead. Requests without a
//! session, and groups with affinity off, rotate as before.
//!
//! The memory is a bounded map from a hash of (access key, session, requested model) to the
//! pin, in memory only: [`CAPACITY`] sessions, each forgotten after [`IDLE_MS`] without a turn.
//! A lookup and an update are one lock and one hash each.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::Mutex;

use axum::http::HeaderMap;

use crate::store::{EntryId, KeyId};

/// How many sessions are remembered at once; past it the least recently used is forgotten.
pub const CAPACITY: usize = 10_000;
/// A session idle this long (no turn) is forgotten: one hour, as long as providers keep a
/// prompt cache at most, so nothing warm is given up.
pub const IDLE_MS: i64 = 3_600_000;

/// The headers a client may name its session in when its body has no session field: ours
/// (`x-session-id`) and the one Codex sends with every request (`session_id`).
pub const SESSION_HEADERS: [&str; 2] = ["x-session-id", "session_id"];

/// A client's session, hashed with the access key that sent it (two apps never share one).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Session(u64);

impl Session {
    /// The session of a request: the body's session field (`RequestHead::session`), else a
    /// session header; `None` when the client names none.
    pub fn from_request(
        access_key: &str,
        body_session: Option<&[u8]>,
        headers: &HeaderMap,
    ) -> Option<Session> {
        let raw = body_session.or_else(|| {
            SESSION_HEADERS
                .iter()
                .find_map(|name| headers.get(*name))
                .map(|value| value.as_bytes())
                .filter(|value| !value.is_empty())
        })?;
        Some(Session(hash_of(&(access_key, raw))))
    }

    /// What the log shows: 12 hex digits of the hash, never the client's id.
    pub fn label(self) -> String {
        format!("{:012x}", self.0 >> 16)
    }

    /// The pin's place: one per session and requested model (a coding agent asks a small
    /// model beside its main one in the same session; each keeps its own entry).
    fn slot(self, model: &str) -> u64 {
        hash_of(&(self.0, model.to_ascii_lowercase()))
    }
}

fn hash_of(value: &impl Hash) -> u64 {
    // SipHash with fixed keys: stable within the process, and the inputs come from
    // authenticated clients, so collisions are nobody's attack.
    let mut hasher = std::hash::DefaultHasher::new();
    value.hash(&mut hasher);
    hasher.finish()
}

/// Where a session's last turn was served.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pin {
    pub entry: EntryId,
    /// `None` for a channel without keys.
    pub key: Option<KeyId>,
    used_ms: i64,
}

/// Every remembered session's pin, and the session each recent Responses answer belongs to.
#[derive(Default)]
pub struct Affinity {
    pins: Mutex<HashMap<u64, Pin>>,
    /// A hash of (access key, response id) -> the session that answer belongs to and when:
    /// a Responses client that only sends `previous_response_id` (its id changes every turn)
    /// continues the session of the answer it names.
    answers: Mutex<HashMap<u64, (Session, i64)>>,
}

impl Affinity {
    fn pins(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Pin>> {
        // Plain inserts and removals only; a poisoned map is still a valid map.
        self.pins.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Where `session` asking for `model` was served last, unless it has been idle too long.
    pub fn pinned(&self, session: Session, model: &str, now_ms: i64) -> Option<Pin> {
        let slot = session.slot(model);
        let mut pins = self.pins();
        match pins.get(&slot) {
            Some(pin) if now_ms - pin.used_ms <= IDLE_MS => Some(*pin),
            Some(_) => {
                pins.remove(&slot);
                None
            }
            None => None,
        }
    }

    /// `session` asking for `model` was served by `entry` with `key` at `now_ms`.
    pub fn pin(
        &self,
        session: Session,
        model: &str,
        entry: EntryId,
        key: Option<KeyId>,
        now_ms: i64,
    ) {
        let slot = session.slot(model);
        let mut pins = self.pins();
        if pins.len() >= CAPACITY && !pins.contains_key(&slot) {
            make_room(&mut pins, now_ms);
        }
        pins.insert(
            slot,
            Pin {
                entry,
                key,
                used_ms: now_ms,
            },
        );
    }

    /// How many sessions are remembered.
    pub fn len(&self) -> usize {
        self.pins().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Forgets every pin (the database was replaced: entry and key ids may have been reused).
    pub fn reset(&self) {
        self.pins().clear();
    }

    fn answers(&self) -> std::sync::MutexGuard<'_, HashMap<u64, (Session, i64)>> {
        self.answers.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The session of a request that names only `previous_response_id`: the session of the
    /// answer it continues, or (the first continuation of an answer the hub did not see begin)
    /// one rooted at that answer.
    pub fn continuing(&self, access_key: &str, previous: &str, now_ms: i64) -> Session {
        let key = hash_of(&(access_key, previous));
        match self.answers().get(&key) {
            Some((session, at)) if now_ms - at <= IDLE_MS => *session,
            _ => Session(key),
        }
    }

    /// The Responses answer `response_id` belongs to `session`.
    pub fn answered(&self, access_key: &str, response_id: &str, session: Session, now_ms: i64) {
        let mut answers = self.answers();
        if answers.len() >= CAPACITY {
            answers.retain(|_, (_, at)| now_ms - *at <= IDLE_MS);
            if answers.len() >= CAPACITY {
                // Every answer is recent: the oldest goes first would need a scan per insert;
                // forgetting all costs each live session one unpinned turn at most.
                answers.clear();
            }
        }
        answers.insert(hash_of(&(access_key, response_id)), (session, now_ms));
    }
}

/// The map is full: idle sessions go; when none is idle, the least recently used one does.
/// A scan of the whole map, but only once per new session past the capacity.
fn make_room(pins: &mut HashMap<u64, Pin>, now_ms: i64) {
    pins.retain(|_, pin| now_ms - pin.used_ms <= IDLE_MS);
    if pins.len() < CAPACITY {
        return;
    }
    if let Some(oldest) = pins
        .iter()
        .min_by_key(|(_, pin)| pin.used_ms)
        .map(|(slot, _)| *slot)
    {
        pins.remove(&oldest);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(id: &str) -> Session {
        Session::from_request("app", Some(id.as_bytes()), &HeaderMap::new()).expect("session")
    }

    #[test]
    fn a_pin_lasts_until_the_session_is_idle_for_an_hour() {
        let affinity = Affinity::default();
        affinity.pin(session("a"), "auto", 7, Some(3), 1_000);
        let pin = affinity.pinned(session("a"), "AUTO", 1_000 + IDLE_MS);
        assert_eq!(pin.map(|p| (p.entry, p.key)), Some((7, Some(3))));
        assert_eq!(affinity.pinned(session("a"), "other", 1_000), None);
        assert_eq!(affinity.pinned(session("a"), "auto", 1_001 + IDLE_MS), None);
        assert!(affinity.is_empty());
    }

    #[test]
    fn a_turn_naming_only_its_previous_answer_continues_that_answers_session() {
        let affinity = Affinity::default();
        // The first continuation of an answer never seen is rooted at it ...
        let first = affinity.continuing("app", "resp_1", 0);
        assert_eq!(first, affinity.continuing("app", "resp_1", 0));
        affinity.answered("app", "resp_2", first, 10);
        // ... and the next turn, naming the new answer, is the same session.
        assert_eq!(affinity.continuing("app", "resp_2", 20), first);
        assert_ne!(affinity.continuing("other app", "resp_2", 20), first);
        assert_ne!(affinity.continuing("app", "resp_2", 11 + IDLE_MS), first);
    }

    #[test]
    fn the_map_never_grows_past_its_capacity() {
        let affinity = Affinity::default();
        for n in 0..CAPACITY + 5 {
            affinity.pin(session(&n.to_string()), "auto", 1, None, n as i64);
        }
        assert_eq!(affinity.len(), CAPACITY);
        // The least recently used went first.
        assert_eq!(affinity.pinned(session("0"), "auto", 0), None);
        assert!(affinity.pinned(session("9999"), "auto", 0).is_some());
    }

    #[test]
    fn the_same_id_from_two_apps_is_two_sessions_and_a_header_names_one_too() {
        let mut headers = HeaderMap::new();
        headers.insert("x-session-id", "a".parse().expect("header"));
        let from_header = Session::from_request("app", None, &headers);
        assert_eq!(from_header, Some(session("a")));
        let other_app = Session::from_request("other", Some(b"a"), &HeaderMap::new());
        assert_ne!(other_app, Some(session("a")));
        assert_eq!(Session::from_request("app", None, &HeaderMap::new()), None);
    }
}
