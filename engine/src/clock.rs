//! Wall-clock time as Unix milliseconds: the unit cooldowns and the request log are stored in,
//! so they survive a restart (an `Instant` would not).

use std::time::{SystemTime, UNIX_EPOCH};

pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}
