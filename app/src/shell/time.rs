//! Time as the page shows it. The server does not know the browser's time zone, so the first
//! render (and hydration) shows times in UTC, marked so; once the page is live it switches to
//! the browser's local time. The same clock ticks every second for countdowns (cooldowns).

use std::time::Duration;

use leptos::prelude::*;

/// The browser's clock, from context (`provide_clock` in the layout).
#[derive(Clone, Copy)]
pub struct Clock {
    /// Minutes east of UTC; `None` until the page is live.
    offset_min: RwSignal<Option<i64>>,
    /// Now, Unix milliseconds; `None` until the page is live.
    now_ms: RwSignal<Option<i64>>,
}

impl Clock {
    /// Now as the browser sees it, or `fallback` (e.g. the server's `now_ms`) before.
    pub fn now_or(self, fallback: i64) -> i64 {
        self.now_ms.get().unwrap_or(fallback)
    }

    /// Minutes east of UTC (0 before the page is live).
    pub fn offset_min(self) -> i64 {
        self.offset_min.get().unwrap_or(0)
    }

    /// `ms` as `YYYY-MM-DD HH:MM` local time (`... UTC` before the page is live).
    pub fn format(self, ms: i64) -> String {
        let offset = self.offset_min.get();
        let shifted = ms + offset.unwrap_or(0) * 60_000;
        let text = format_civil(shifted);
        match offset {
            Some(_) => text,
            None => format!("{text} UTC"),
        }
    }

    /// Only the hour and minute (chart labels, log rows of today).
    pub fn format_hm(self, ms: i64) -> String {
        let shifted = ms + self.offset_min.get().unwrap_or(0) * 60_000;
        format_civil(shifted)[11..].to_owned()
    }

    /// Only the month and day (chart labels of days).
    pub fn format_md(self, ms: i64) -> String {
        let shifted = ms + self.offset_min.get().unwrap_or(0) * 60_000;
        format_civil(shifted)[5..10].to_owned()
    }
}

/// Provides the clock; starts ticking once the page is live.
pub fn provide_clock() -> Clock {
    let clock = Clock {
        offset_min: RwSignal::new(None),
        now_ms: RwSignal::new(None),
    };
    // Effects run only in the browser, after hydration, so server and first paint agree.
    Effect::new(move || {
        let now = js_sys::Date::new_0();
        clock
            .offset_min
            .set(Some(-(now.get_timezone_offset() as i64)));
        clock.now_ms.set(Some(now.get_time() as i64));
        let _ = set_interval_with_handle(
            move || {
                clock.now_ms.try_set(Some(js_sys::Date::now() as i64));
            },
            Duration::from_secs(1),
        );
    });
    provide_context(clock);
    clock
}

pub fn use_clock() -> Clock {
    expect_context::<Clock>()
}

/// `YYYY-MM-DD HH:MM` for Unix milliseconds (the proleptic Gregorian calendar, as every
/// browser shows dates), from Howard Hinnant's days-to-civil algorithm.
fn format_civil(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let days = secs.div_euclid(86_400);
    let of_day = secs.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}",
        of_day / 3600,
        (of_day % 3600) / 60
    )
}

#[cfg(test)]
mod tests {
    use super::format_civil;

    #[test]
    fn civil_dates_match_known_instants() {
        assert_eq!(format_civil(0), "1970-01-01 00:00");
        // 2026-12-01T10:48:00Z
        assert_eq!(format_civil(1_796_122_080_000), "2026-12-01 10:48");
        assert_eq!(format_civil(951_782_400_000), "2000-02-29 00:00");
    }
}
