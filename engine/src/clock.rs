//! Wall-clock time as Unix milliseconds: the unit cooldowns, freezes, probe intervals, hedge
//! budgets and the request log are stored in, so they survive a restart (an `Instant` would
//! not).
//!
//! Every reading of "now" in the engine goes through [`now_ms`], so a test can move time instead
//! of sleeping through it: with the `test-clock` feature (on for the engine's own tests),
//! [`advance`] jumps the clock forward and a 60-second cooldown is over at once. The product is
//! built without the feature, and then the clock is the system's, always.

use std::time::{SystemTime, UNIX_EPOCH};

/// Milliseconds since the Unix epoch (plus whatever tests moved the clock by).
pub fn now_ms() -> i64 {
    system_ms() + moved::by_ms()
}

fn system_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

#[cfg(feature = "test-clock")]
pub use moved::advance;

/// How far tests moved the clock. One value for the whole process: the test runner
/// (`cargo nextest`) gives every test its own process, so one test's jump never reaches another.
#[cfg(feature = "test-clock")]
mod moved {
    use std::sync::atomic::{AtomicI64, Ordering};
    use std::time::Duration;

    static MOVED_MS: AtomicI64 = AtomicI64::new(0);

    pub(super) fn by_ms() -> i64 {
        MOVED_MS.load(Ordering::Relaxed)
    }

    /// Moves the engine's clock forward by `by`: what would expire in that time has expired.
    pub fn advance(by: Duration) {
        let by_ms = i64::try_from(by.as_millis()).unwrap_or(i64::MAX);
        MOVED_MS.fetch_add(by_ms, Ordering::Relaxed);
    }
}

/// Without the feature the clock cannot move: reading it costs nothing extra.
#[cfg(not(feature = "test-clock"))]
mod moved {
    #[inline(always)]
    pub(super) fn by_ms() -> i64 {
        0
    }
}
