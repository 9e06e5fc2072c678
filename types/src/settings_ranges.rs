//! The range every numeric setting must lie in, with the typed way to read and write the
//! setting it bounds. One table, read by `Settings::problems` (which the UI's save and
//! `api-switch import` both call, so they refuse with the same words) and by the Settings
//! screen (its inputs' `min`/`max`, hints and values). Bounds are in the setting's stored
//! unit (bytes, milliseconds, seconds, days, rows); a value outside is refused with
//! `"must be between MIN and MAX"`, so no value can lock the user out (a 0-byte body limit
//! answers 413 to the login itself) or overflow a clock (a session of 2^64-1 seconds).

use crate::settings::Settings;

/// One setting's allowed values, both ends included, in its stored unit, and the setting.
#[derive(Clone, Copy, Debug)]
pub struct SettingRange {
    /// The `Settings` field's name (also the UI's `field` in errors).
    pub field: &'static str,
    pub min: u64,
    pub max: u64,
    /// The field's value, widened to `u64`.
    pub get: fn(&Settings) -> u64,
    /// Stores a value in the field; one too large for a narrower field becomes its largest
    /// value, which `problem` then refuses in the range's words.
    pub set: fn(&mut Settings, u64),
}

/// A range is its field: two ranges of one field are the same range.
impl PartialEq for SettingRange {
    fn eq(&self, other: &Self) -> bool {
        self.field == other.field
    }
}

impl Eq for SettingRange {}

impl SettingRange {
    pub const fn contains(&self, value: u64) -> bool {
        self.min <= value && value <= self.max
    }

    /// The problem `value` has, in the words the UI and `import` share; `None` when allowed.
    pub fn problem(&self, value: u64) -> Option<String> {
        (!self.contains(value)).then(|| format!("must be between {} and {}", self.min, self.max))
    }
}

const SECOND_MS: u64 = 1000;
const MINUTE: u64 = 60;
const HOUR: u64 = 3600;
const DAY: u64 = 24 * HOUR;
const MIB: u64 = 1024 * 1024;

/// A range over `Settings::$field`: the name, the bounds and the typed reader and writer come
/// from the field itself, so a range cannot name one field and read another.
macro_rules! range {
    ($field:ident, $min:expr, $max:expr) => {
        SettingRange {
            field: stringify!($field),
            min: $min,
            max: $max,
            get: |s| StoredNumber::widen(s.$field),
            set: |s, v| s.$field = StoredNumber::narrow(v),
        }
    };
}

/// The unsigned field types a numeric setting is stored in.
trait StoredNumber {
    fn widen(self) -> u64;
    /// `value`, or the type's largest value when it does not fit (then refused by the range).
    fn narrow(value: u64) -> Self;
}

impl StoredNumber for u64 {
    fn widen(self) -> u64 {
        self
    }
    fn narrow(value: u64) -> Self {
        value
    }
}

impl StoredNumber for u32 {
    fn widen(self) -> u64 {
        u64::from(self)
    }
    fn narrow(value: u64) -> Self {
        u32::try_from(value).unwrap_or(u32::MAX)
    }
}

impl StoredNumber for usize {
    fn widen(self) -> u64 {
        u64::try_from(self).unwrap_or(u64::MAX)
    }
    fn narrow(value: u64) -> Self {
        usize::try_from(value).unwrap_or(usize::MAX)
    }
}

/// How long a failed entry is skipped: 5 to 30 minutes.
pub const COOLDOWN_SECS: SettingRange = range!(cooldown_secs, 5 * MINUTE, 30 * MINUTE);
/// Connecting to an upstream: 1 second to 5 minutes.
pub const CONNECT_TIMEOUT_MS: SettingRange =
    range!(connect_timeout_ms, SECOND_MS, 5 * MINUTE * SECOND_MS);
/// Until an upstream's first byte: 1 second to 30 minutes (slow reasoning models).
pub const FIRST_BYTE_TIMEOUT_MS: SettingRange =
    range!(first_byte_timeout_ms, SECOND_MS, 30 * MINUTE * SECOND_MS);
/// The longest silence inside a stream: 1 second to 1 hour.
pub const STREAM_IDLE_TIMEOUT_MS: SettingRange =
    range!(stream_idle_timeout_ms, SECOND_MS, HOUR * SECOND_MS);
/// A whole non-streaming request: 1 second to 2 hours.
pub const TOTAL_TIMEOUT_MS: SettingRange =
    range!(total_timeout_ms, SECOND_MS, 2 * HOUR * SECOND_MS);
/// The largest request body: 1 MiB (the UI's own calls and a login fit easily) to 1 GiB.
pub const MAX_BODY_BYTES: SettingRange = range!(max_body_bytes, MIB, 1024 * MIB);
/// Request-log age in days: 0 (no limit) to 10 years.
pub const LOG_RETENTION_DAYS: SettingRange = range!(log_retention_days, 0, 3650);
/// Request-log rows kept: 0 (no limit) to 100 million.
pub const LOG_RETENTION_ROWS: SettingRange = range!(log_retention_rows, 0, 100_000_000);
/// A UI login's lifetime: 5 minutes to 90 days.
pub const SESSION_TTL_SECS: SettingRange = range!(session_ttl_secs, 5 * MINUTE, 90 * DAY);
/// One recovery probe per channel at most this often: 5 seconds to 1 day.
pub const PROBE_INTERVAL_SECS: SettingRange = range!(probe_interval_secs, 5, DAY);

/// Every range, in the order the Settings screen shows the fields.
pub const ALL: [SettingRange; 10] = [
    COOLDOWN_SECS,
    CONNECT_TIMEOUT_MS,
    FIRST_BYTE_TIMEOUT_MS,
    STREAM_IDLE_TIMEOUT_MS,
    TOTAL_TIMEOUT_MS,
    MAX_BODY_BYTES,
    LOG_RETENTION_DAYS,
    LOG_RETENTION_ROWS,
    SESSION_TTL_SECS,
    PROBE_INTERVAL_SECS,
];

/// The range of the setting named `field`, if it has one.
pub fn of(field: &str) -> Option<SettingRange> {
    ALL.into_iter().find(|range| range.field == field)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_words_name_both_ends() {
        assert_eq!(MAX_BODY_BYTES.problem(MIB), None);
        assert_eq!(
            MAX_BODY_BYTES.problem(0).as_deref(),
            Some("must be between 1048576 and 1073741824")
        );
        assert_eq!(
            SESSION_TTL_SECS.problem(u64::MAX).as_deref(),
            Some("must be between 300 and 7776000")
        );
        assert_eq!(of("session_ttl_secs"), Some(SESSION_TTL_SECS));
        assert_eq!(of("nope"), None);
    }

    #[test]
    fn each_range_reads_and_writes_its_own_field() {
        for range in ALL {
            let mut settings = Settings::default();
            (range.set)(&mut settings, range.max);
            assert_eq!((range.get)(&settings), range.max, "{}", range.field);
            let json = serde_json::to_value(&settings).expect("json");
            assert_eq!(
                json[range.field], range.max,
                "{} wrote another field",
                range.field
            );
        }
        // Too large for a `u32` field: stored as its largest value, which is refused.
        let mut settings = Settings::default();
        (LOG_RETENTION_DAYS.set)(&mut settings, u64::MAX);
        assert_eq!(settings.log_retention_days, u32::MAX);
        assert!(
            LOG_RETENTION_DAYS
                .problem((LOG_RETENTION_DAYS.get)(&settings))
                .is_some()
        );
    }
}
