//! The hedge budget: how many hedges each group started in the current minute, so hedging's
//! cost stays bounded (`hedge` takes from it before racing a second candidate).

use std::collections::HashMap;
use std::sync::Mutex;

use crate::clock::now_ms;

/// Hedges started in the current minute, per group.
#[derive(Default)]
pub struct HedgeBudget {
    by_group: Mutex<HashMap<String, (i64, u32)>>,
}

impl HedgeBudget {
    /// Takes one hedge from `group`'s budget for this minute; false when it is spent.
    pub fn try_take(&self, group: &str, max_per_minute: u32) -> bool {
        let minute = now_ms() / 60_000;
        // Plain updates only; a poisoned map is still a valid map.
        let mut map = self.by_group.lock().unwrap_or_else(|p| p.into_inner());
        let used = map.entry(group.to_owned()).or_insert((minute, 0));
        if used.0 != minute {
            *used = (minute, 0);
        }
        if used.1 >= max_per_minute {
            return false;
        }
        used.1 += 1;
        true
    }

    /// Returns a hedge taken but not started (there was no next candidate).
    pub fn give_back(&self, group: &str) {
        let mut map = self.by_group.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(used) = map.get_mut(group) {
            used.1 = used.1.saturating_sub(1);
        }
    }
}
