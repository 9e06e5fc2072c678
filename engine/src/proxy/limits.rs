//! Limits per access key: requests per minute, tokens per day, US dollars per day and per
//! month. `KeyMeters` holds each key's use in memory: the "authenticate" phase asks `admit`
//! (which counts the request when it is let through), and `Recorder::record` adds each finished
//! request's tokens and cost (`spent`). Nothing here reads the database on the request path: the
//! counters are seeded from the request log once, at start-up, and the limits themselves come
//! with the key in the routing snapshot, so a changed limit applies to the next request.
//!
//! Periods are UTC calendar periods, fixed windows: a minute's count resets at the next whole
//! minute, a day's sums at 00:00 UTC, a month's on the 1st at 00:00 UTC. A request is refused
//! once a sum has reached its limit; the request that crosses it is still served (its cost is
//! only known when it ends).

use std::collections::HashMap;
use std::fmt;
use std::sync::Mutex;

use types::access_keys::{KeyLimits, KeyUse};

use crate::clock::now_ms;
use crate::store::PeriodStarts;

const MINUTE_MS: i64 = 60_000;
const DAY_MS: i64 = 86_400_000;

/// The limit a request ran into, with its value.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Limit {
    RequestsPerMinute(u32),
    TokensPerDay(u64),
    UsdPerDay(f64),
    UsdPerMonth(f64),
}

impl Limit {
    /// Whether the limit is over within the minute, so a client retrying after `Retry-After`
    /// is the right thing (not so for a day's or a month's budget).
    pub fn retry_helps(self) -> bool {
        matches!(self, Self::RequestsPerMinute(_))
    }
}

impl fmt::Display for Limit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::RequestsPerMinute(1) => f.write_str("1 request per minute"),
            Self::RequestsPerMinute(n) => write!(f, "{n} requests per minute"),
            Self::TokensPerDay(n) => write!(f, "{n} tokens per day"),
            Self::UsdPerDay(usd) => write!(f, "${usd:.2} per day"),
            Self::UsdPerMonth(usd) => write!(f, "${usd:.2} per month"),
        }
    }
}

/// A request refused because its key is over a limit: answered 429 with `Retry-After`.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error(
    "access key '{key}' is over its limit of {limit}; retry after {retry_after_secs} s (limits reset at the start of each UTC minute, day and month)"
)]
pub struct LimitExceeded {
    pub key: String,
    pub limit: Limit,
    /// Until the limit's period ends, whole seconds (at least 1).
    pub retry_after_secs: u64,
}

/// The current UTC minute, day and month, as numbers that change when the period does, with
/// when each ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Periods {
    now_ms: i64,
    minute: i64,
    day: i64,
    /// Months since year 0 (`year * 12 + month - 1`).
    month: i64,
}

impl Periods {
    pub fn at(now_ms: i64) -> Self {
        let day = now_ms.div_euclid(DAY_MS);
        let (year, month) = civil_month(day);
        Self {
            now_ms,
            minute: now_ms.div_euclid(MINUTE_MS),
            day,
            month: year * 12 + i64::from(month) - 1,
        }
    }

    /// Where the current minute, day and month started (for seeding from the request log).
    pub fn starts(&self) -> PeriodStarts {
        PeriodStarts {
            minute_ms: self.minute * MINUTE_MS,
            day_ms: self.day * DAY_MS,
            month_ms: month_start_ms(self.month),
        }
    }

    /// Whole seconds until `limit`'s period ends, at least 1.
    fn retry_after_secs(&self, limit: Limit) -> u64 {
        let ends_ms = match limit {
            Limit::RequestsPerMinute(_) => (self.minute + 1) * MINUTE_MS,
            Limit::TokensPerDay(_) | Limit::UsdPerDay(_) => (self.day + 1) * DAY_MS,
            Limit::UsdPerMonth(_) => month_start_ms(self.month + 1),
        };
        let ms = u64::try_from(ends_ms - self.now_ms).unwrap_or(0);
        ms.div_ceil(1000).max(1)
    }
}

/// The year and month (1-12) of a day counted from 1970-01-01 (H. Hinnant's civil calendar).
fn civil_month(days: i64) -> (i64, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month as u32)
}

/// Unix milliseconds at 00:00 UTC on the first of `month` (months since year 0).
fn month_start_ms(month: i64) -> i64 {
    let (year, month) = (month.div_euclid(12), month.rem_euclid(12) + 1);
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = if month > 2 { month - 3 } else { month + 9 };
    let doy = (153 * mp + 2) / 5;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    (era * 146_097 + doe - 719_468) * DAY_MS
}

/// One key's use, in the periods it was last counted in.
#[derive(Clone, Copy, Debug, Default)]
struct Meter {
    minute: i64,
    day: i64,
    month: i64,
    used: KeyUse,
}

impl Meter {
    /// Starts the periods that have ended afresh.
    fn roll(&mut self, now: &Periods) {
        if self.minute != now.minute {
            self.minute = now.minute;
            self.used.requests_this_minute = 0;
        }
        if self.day != now.day {
            self.day = now.day;
            self.used.tokens_today = 0;
            self.used.usd_today = 0.0;
        }
        if self.month != now.month {
            self.month = now.month;
            self.used.usd_this_month = 0.0;
        }
    }

    /// The limit `limits` puts on this use that is reached, the one that lasts longest first
    /// (so `Retry-After` is when every limit lets the request through).
    fn reached(&self, limits: &KeyLimits) -> Option<Limit> {
        let used = &self.used;
        if let Some(usd) = limits.usd_per_month.filter(|&l| used.usd_this_month >= l) {
            return Some(Limit::UsdPerMonth(usd));
        }
        if let Some(usd) = limits.usd_per_day.filter(|&l| used.usd_today >= l) {
            return Some(Limit::UsdPerDay(usd));
        }
        if let Some(n) = limits.tokens_per_day.filter(|&l| used.tokens_today >= l) {
            return Some(Limit::TokensPerDay(n));
        }
        limits
            .requests_per_minute
            .filter(|&l| used.requests_this_minute >= l)
            .map(Limit::RequestsPerMinute)
    }
}

/// Every key's use, by key name (the name the request log keeps), in memory.
#[derive(Debug, Default)]
pub struct KeyMeters {
    meters: Mutex<HashMap<String, Meter>>,
}

impl KeyMeters {
    fn meters(&self) -> std::sync::MutexGuard<'_, HashMap<String, Meter>> {
        // Counters only; a poisoned map still holds valid counts.
        self.meters.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Starts from what the request log says each key used in the current periods.
    pub fn seed(&self, used: Vec<(String, KeyUse)>, at: &Periods) {
        let mut meters = self.meters();
        for (name, used) in used {
            meters.insert(
                name,
                Meter {
                    minute: at.minute,
                    day: at.day,
                    month: at.month,
                    used,
                },
            );
        }
    }

    /// Lets a request of key `name` through, counting it, unless the key is over one of its
    /// `limits`. The lock is held for a map lookup and a few comparisons, never across I/O.
    pub fn admit(&self, name: &str, limits: &KeyLimits) -> Result<(), LimitExceeded> {
        if name.is_empty() {
            return Ok(());
        }
        self.with_current_meter(name, |meter, now| {
            if let Some(limit) = meter.reached(limits) {
                return Err(LimitExceeded {
                    key: name.to_owned(),
                    limit,
                    retry_after_secs: now.retry_after_secs(limit),
                });
            }
            meter.used.requests_this_minute = meter.used.requests_this_minute.saturating_add(1);
            Ok(())
        })
    }

    /// Adds a finished request's tokens and cost to key `name`'s day and month.
    pub fn spent(&self, name: &str, tokens: u64, usd: f64) {
        if name.is_empty() || (tokens == 0 && usd == 0.0) {
            return;
        }
        self.with_current_meter(name, |meter, _| {
            meter.used.tokens_today = meter.used.tokens_today.saturating_add(tokens);
            meter.used.usd_today += usd;
            meter.used.usd_this_month += usd;
        });
    }

    /// Runs `change` on key `name`'s meter (created on its first request) once it is rolled
    /// into the current periods: a finished minute, day or month starts again from zero.
    fn with_current_meter<R>(
        &self,
        name: &str,
        change: impl FnOnce(&mut Meter, &Periods) -> R,
    ) -> R {
        let now = Periods::at(now_ms());
        let mut meters = self.meters();
        // Looked up by `&str` first: the key's name is copied only for its first request.
        let meter = match meters.get_mut(name) {
            Some(meter) => meter,
            None => meters.entry(name.to_owned()).or_default(),
        };
        meter.roll(&now);
        change(meter, &now)
    }

    /// What key `name` used in the current periods (nothing yet: all zero).
    pub fn use_of(&self, name: &str) -> KeyUse {
        let now = Periods::at(now_ms());
        let mut meters = self.meters();
        match meters.get_mut(name) {
            Some(meter) => {
                meter.roll(&now);
                meter.used
            }
            None => KeyUse::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2026-12-07 12:40:30 UTC.
    const NOW: i64 = 1_796_647_230_000;

    #[test]
    fn periods_end_at_the_next_utc_minute_day_and_month() {
        let at = Periods::at(NOW);
        assert_eq!(at.retry_after_secs(Limit::RequestsPerMinute(1)), 30);
        assert_eq!(
            at.retry_after_secs(Limit::UsdPerDay(1.0)),
            11 * 3600 + 19 * 60 + 30
        );
        // 2027-01-01 00:00 UTC.
        let next_month_ms = 1_798_761_600_000;
        assert_eq!(
            at.retry_after_secs(Limit::UsdPerMonth(1.0)),
            ((next_month_ms - NOW) / 1000) as u64
        );
        assert_eq!(at.starts().month_ms, 1_796_083_200_000); // 2026-12-01
        assert_eq!(at.starts().day_ms, 1_796_601_600_000); // 2026-12-07
    }

    #[test]
    fn months_start_on_the_first_across_years_and_leap_days() {
        assert_eq!(month_start_ms(2024 * 12 + 1), 1_706_745_600_000); // 2024-02-01
        assert_eq!(month_start_ms(2024 * 12 + 2), 1_709_251_200_000); // 2024-03-01
        assert_eq!(Periods::at(1_709_251_199_999).month, 2024 * 12 + 1);
        assert_eq!(Periods::at(1_709_251_200_000).month, 2024 * 12 + 2);
        assert_eq!(month_start_ms(1970 * 12), 0);
    }

    #[test]
    fn the_longest_reached_limit_is_named() {
        let meter = Meter {
            used: KeyUse {
                requests_this_minute: 5,
                tokens_today: 10,
                usd_today: 2.0,
                usd_this_month: 2.0,
            },
            ..Meter::default()
        };
        let limits = KeyLimits {
            requests_per_minute: Some(5),
            tokens_per_day: Some(10),
            usd_per_day: Some(2.0),
            usd_per_month: Some(100.0),
        };
        assert_eq!(meter.reached(&limits), Some(Limit::UsdPerDay(2.0)));
        assert_eq!(meter.reached(&KeyLimits::default()), None);
    }

    #[test]
    fn a_request_over_the_minute_is_refused_and_not_counted() {
        let meters = KeyMeters::default();
        let limits = KeyLimits {
            requests_per_minute: Some(2),
            ..KeyLimits::default()
        };
        assert!(meters.admit("agent", &limits).is_ok());
        assert!(meters.admit("agent", &limits).is_ok());
        let refused = meters.admit("agent", &limits).expect_err("third");
        assert_eq!(refused.limit, Limit::RequestsPerMinute(2));
        assert!(refused.to_string().starts_with(
            "access key 'agent' is over its limit of 2 requests per minute; retry after"
        ));
        assert_eq!(meters.use_of("agent").requests_this_minute, 2);
        assert_eq!(
            Limit::RequestsPerMinute(1).to_string(),
            "1 request per minute"
        );
        assert!(meters.admit("other", &limits).is_ok());
    }
}
