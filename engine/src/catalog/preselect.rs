//! Pre-selection: when a channel's models are fetched, the user is shown all of them with the
//! likely wanted ones ticked: those the catalog says were released in the last six months and
//! those that are already entries. The clock is a parameter so tests can fix "today".

use jiff::ToSpan;
use jiff::civil::Date;
use serde::Serialize;

use super::{Catalog, MatchKind};

/// How recent a release must be to be pre-selected.
pub const PRESELECT_MONTHS: i8 = 6;

/// Why a fetched model is (or is not) pre-selected.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SelectReason {
    /// Already an entry on this channel: keep it.
    ExistingEntry,
    /// Released within [`PRESELECT_MONTHS`] of today.
    Recent,
    /// Known but older, or unknown to the catalog.
    NotSelected,
}

/// One fetched model id with the catalog's view of it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Preselection {
    pub id: String,
    pub selected: bool,
    pub reason: SelectReason,
    /// The catalog id it matched, if any, and how.
    pub catalog_id: Option<String>,
    pub match_kind: Option<MatchKind>,
    pub release_date: Option<Date>,
}

/// Today's date in UTC, the production clock for [`preselect`].
pub fn today_utc() -> Date {
    jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date()
}

/// Marks each fetched id as pre-selected or not, keeping the fetched order. Existing entries
/// match case-insensitively, as routing does.
pub fn preselect(
    catalog: &Catalog,
    fetched: &[String],
    existing_entries: &[String],
    today: Date,
) -> Vec<Preselection> {
    // Saturating: a date near the start of the calendar just selects everything known.
    let cutoff = today
        .checked_sub(PRESELECT_MONTHS.months())
        .unwrap_or(Date::MIN);
    fetched
        .iter()
        .map(|id| {
            let found = catalog.lookup(id);
            let release_date = found.map(|f| f.model.release_date);
            let reason = if existing_entries.iter().any(|e| e.eq_ignore_ascii_case(id)) {
                SelectReason::ExistingEntry
            } else if release_date.is_some_and(|date| date >= cutoff) {
                SelectReason::Recent
            } else {
                SelectReason::NotSelected
            };
            Preselection {
                id: id.clone(),
                selected: reason != SelectReason::NotSelected,
                reason,
                catalog_id: found.map(|f| f.model.id.clone()),
                match_kind: found.map(|f| f.kind),
                release_date,
            }
        })
        .collect()
}
