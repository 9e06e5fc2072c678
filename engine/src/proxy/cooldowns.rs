//! Cooldowns: what the proxy remembers between requests without a new snapshot, entry id to
//! the Unix millisecond it may be tried again (the background writer persists each change).

use std::collections::HashMap;
use std::sync::Mutex;

use crate::store::{Entry, EntryId};

/// Cooldowns in memory. The hot path reads and writes only this.
#[derive(Default)]
pub struct Cooldowns {
    until: Mutex<HashMap<EntryId, i64>>,
}

impl Cooldowns {
    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<EntryId, i64>> {
        // Only plain inserts happen under the lock; a poisoned map is still a valid map.
        self.until.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Replaces every cooldown with what the database holds (at start and after an import).
    pub fn reset_from(&self, entries: &[Entry]) {
        let mut map = self.map();
        map.clear();
        map.extend(
            entries
                .iter()
                .filter(|e| e.cooldown_until_ms > 0)
                .map(|e| (e.id, e.cooldown_until_ms)),
        );
    }

    pub fn cooling_until(&self, id: EntryId, now_ms: i64) -> Option<i64> {
        self.map().get(&id).copied().filter(|until| *until > now_ms)
    }

    pub fn set(&self, id: EntryId, until_ms: i64) {
        self.map().insert(id, until_ms);
    }

    /// Splits `items` into those ready to try and those cooling at `now_ms` (with the time
    /// each may be tried again), keeping their order, under one lock: selection may hand it
    /// thousands of candidates.
    pub fn partition<T>(
        &self,
        items: Vec<T>,
        id: impl Fn(&T) -> EntryId,
        now_ms: i64,
    ) -> (Vec<T>, Vec<(i64, T)>) {
        let map = self.map();
        let (mut ready, mut cooling) = (Vec::with_capacity(items.len()), Vec::new());
        for item in items {
            match map.get(&id(&item)).filter(|until| **until > now_ms) {
                Some(until) => cooling.push((*until, item)),
                None => ready.push(item),
            }
        }
        (ready, cooling)
    }

    /// Clears the entry's cooldown; true when there was one.
    pub fn clear(&self, id: EntryId) -> bool {
        self.map().remove(&id).is_some()
    }
}
