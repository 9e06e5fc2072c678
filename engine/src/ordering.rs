//! Order modes and the measurements behind them. `Speeds` keeps, per entry, a moving average
//! of time to first content (from real traffic and speed tests) and its recent samples, for
//! the `fastest` mode and for hedging's p90 delay; `release_date` reads the catalog for the
//! `newest` mode. Routing's index orders a group with these (`RouteIndex::group_order`), and
//! the tray, `/v1/models` and the UI's effective order all read that, so they always agree.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use crate::catalog::Catalog;
use crate::store::{Entry, EntryId};

/// How much one new sample moves the average: recent traffic counts, one outlier does not
/// take over.
const SMOOTHING: f64 = 0.3;
/// Samples kept per entry for the percentile.
const RECENT: usize = 20;
/// Fewer samples than this and the p90 is not trusted.
const MIN_FOR_P90: usize = 5;

#[derive(Debug, Default)]
struct Speed {
    average_ms: f64,
    recent: VecDeque<u32>,
}

/// Time to first content per entry, in memory for the life of the process.
#[derive(Debug, Default)]
pub struct Speeds {
    by_entry: Mutex<HashMap<EntryId, Speed>>,
}

impl Speeds {
    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<EntryId, Speed>> {
        // Only plain updates happen under the lock; a poisoned map is still a valid map.
        self.by_entry.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Adds one measured time to first content.
    pub fn record(&self, entry: EntryId, ms: u64) {
        let ms = ms.min(u64::from(u32::MAX)) as u32;
        let mut map = self.map();
        let speed = map.entry(entry).or_default();
        speed.average_ms = if speed.recent.is_empty() {
            f64::from(ms)
        } else {
            speed.average_ms + SMOOTHING * (f64::from(ms) - speed.average_ms)
        };
        if speed.recent.len() == RECENT {
            speed.recent.pop_front();
        }
        speed.recent.push_back(ms);
    }

    /// Seeds entries never measured in this process from their stored last response time.
    pub fn seed(&self, entries: &[Entry]) {
        let mut map = self.map();
        for entry in entries {
            if let Some(ms) = entry.last_response_ms.filter(|ms| *ms >= 0) {
                map.entry(entry.id).or_insert_with(|| Speed {
                    average_ms: ms as f64,
                    recent: VecDeque::new(),
                });
            }
        }
    }

    /// The moving average, when the entry was measured.
    pub fn average_ms(&self, entry: EntryId) -> Option<u64> {
        self.map().get(&entry).map(|s| s.average_ms.round() as u64)
    }

    /// The 90th percentile of the recent samples, when there are enough of them.
    pub fn p90_ms(&self, entry: EntryId) -> Option<u64> {
        let map = self.map();
        let speed = map.get(&entry)?;
        if speed.recent.len() < MIN_FOR_P90 {
            return None;
        }
        let mut samples: Vec<u32> = speed.recent.iter().copied().collect();
        samples.sort_unstable();
        let at = (samples.len() * 9).div_ceil(10).saturating_sub(1);
        Some(u64::from(samples[at]))
    }

    /// Orders `items` fastest first, under one lock; unmeasured ones keep their order after.
    pub fn sort_fastest<T>(&self, items: &mut [T], id: impl Fn(&T) -> EntryId) {
        let map = self.map();
        // Stable: equal (or unmeasured) entries keep their priority order.
        items.sort_by(|a, b| {
            let speed = |x: &T| map.get(&id(x)).map(|s| s.average_ms);
            match (speed(a), speed(b)) {
                (Some(a), Some(b)) => a.total_cmp(&b),
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (None, None) => std::cmp::Ordering::Equal,
            }
        });
    }
}

/// The catalog's release date of `model`, when the catalog knows it.
pub fn release_date(model: &str) -> Option<jiff::civil::Date> {
    Catalog::current()
        .lookup(model)
        .map(|found| found.model.release_date)
}

/// Orders `items` newest release first; models the catalog does not know keep their order
/// after every known one.
pub fn sort_newest<'m, T>(items: &mut [T], model: impl Fn(&T) -> &'m str) {
    // Looked up once per item, not once per comparison; equal keys keep their order.
    items.sort_by_cached_key(|item| {
        let date = release_date(model(item));
        (date.is_none(), std::cmp::Reverse(date))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn newest_puts_known_models_by_date_then_unknown_ones() {
        let mut models = vec!["my-private-model", "gpt-4o", "claude-sonnet-4-5", "gpt-4"];
        sort_newest(&mut models, |m: &&str| *m);
        assert_eq!(
            models,
            vec!["claude-sonnet-4-5", "gpt-4o", "gpt-4", "my-private-model"]
        );
    }

    #[test]
    fn fastest_uses_the_moving_average_and_p90_needs_samples() {
        let speeds = Speeds::default();
        for ms in [100, 100, 100, 100] {
            speeds.record(1, ms);
        }
        speeds.record(2, 50);
        let mut ids = vec![3, 1, 2];
        speeds.sort_fastest(&mut ids, |id| *id);
        assert_eq!(ids, vec![2, 1, 3]);
        assert_eq!(speeds.p90_ms(1), None);
        speeds.record(1, 1000);
        assert_eq!(speeds.p90_ms(1), Some(1000));
    }
}
