//! The Dashboard's figures, computed from the request log (totals, spend and charts), the live
//! cooldown map (who is cooling right now) and the entries table (who the system switched off).
//! The types live in the `types` crate so the browser reads the same ones.

pub use types::dashboard::{
    Bucket, CoolingEntry, Dashboard, DisabledEntry, Series, SeriesRange, Spend, SpendLine,
    SpendSpan, SpendTotals, Totals,
};

use crate::AppState;
use crate::store::{SpendBy, StoreError, bucket_start};

const DAY_MS: i64 = 24 * 3600 * 1000;

impl AppState {
    /// The Dashboard at `now_ms`; "today" starts at midnight for a clock `utc_offset_secs`
    /// ahead of UTC (the browser's offset). Its SQLite work runs on the blocking pool.
    pub async fn dashboard(
        &self,
        now_ms: i64,
        utc_offset_secs: i32,
    ) -> Result<Dashboard, StoreError> {
        let midnight = bucket_start(now_ms, DAY_MS, utc_offset_secs);
        self.blocking(move |state| {
            let store = state.store();
            Ok(Dashboard {
                now_ms,
                today: store.request_totals(midnight, midnight + DAY_MS)?,
                all_time: store.request_totals(i64::MIN, i64::MAX)?,
                cooling: state.cooling_entries(now_ms),
                recently_disabled: store
                    .recently_disabled(now_ms - Dashboard::RECENT_DISABLED_MS)?,
            })
        })
        .await
    }

    /// Spend today and over 7 and 30 days, and `span` broken down by app, model, channel and session;
    /// days start at midnight for a clock `utc_offset_secs` ahead of UTC.
    pub async fn spend(
        &self,
        span: SpendSpan,
        now_ms: i64,
        utc_offset_secs: i32,
    ) -> Result<Spend, StoreError> {
        let midnight = bucket_start(now_ms, DAY_MS, utc_offset_secs);
        let end = midnight + DAY_MS;
        let since = move |days: i64| midnight - (days - 1) * DAY_MS;
        self.blocking(move |state| {
            let store = state.store();
            let from = since(span.days());
            Ok(Spend {
                today: store.spend_totals(since(1), end)?,
                last_7_days: store.spend_totals(since(7), end)?,
                last_30_days: store.spend_totals(since(30), end)?,
                by_app: store.spend_by(SpendBy::App, from, end)?,
                by_model: store.spend_by(SpendBy::Model, from, end)?,
                by_channel: store.spend_by(SpendBy::Channel, from, end)?,
                by_session: store.spend_by(SpendBy::Session, from, end)?,
            })
        })
        .await
    }

    /// A chart's buckets for `range`, the last one holding `now_ms`.
    pub async fn request_series(
        &self,
        range: SeriesRange,
        now_ms: i64,
        utc_offset_secs: i32,
    ) -> Result<Series, StoreError> {
        self.blocking(move |state| {
            Ok(Series {
                buckets: state
                    .store()
                    .request_series(range, now_ms, utc_offset_secs)?,
            })
        })
        .await
    }

    /// Entries cooling at `now_ms`, soonest to recover first (from memory, so it is exact).
    pub fn cooling_entries(&self, now_ms: i64) -> Vec<CoolingEntry> {
        let snapshot = self.snapshot();
        let mut cooling: Vec<CoolingEntry> = snapshot
            .entries
            .iter()
            .filter_map(|entry| {
                let until_ms = self.cooldowns().cooling_until(entry.id, now_ms)?;
                let channel = snapshot.channels.get(&entry.channel_id)?;
                Some(CoolingEntry {
                    entry_id: entry.id,
                    channel_id: channel.id,
                    channel: channel.name.clone(),
                    model: entry.model.clone(),
                    until_ms,
                })
            })
            .collect();
        cooling.sort_by_key(|c| (c.until_ms, c.entry_id));
        cooling
    }
}
