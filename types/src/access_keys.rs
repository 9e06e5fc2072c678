//! Access keys as the UI lists them: never the secret itself after creation, only a masked
//! form, the name clients are logged under, the switch, and when the key was last used. Each
//! key may carry limits (`KeyLimits`: requests per minute, tokens per day, spend per day and
//! per month) and is listed with its use against them (`KeyUse`).

use serde::{Deserialize, Serialize};

/// One access key, without its secret.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AccessKeyInfo {
    pub id: i64,
    pub name: String,
    /// The first and last few characters, e.g. `sk-***9f2c`.
    pub masked: String,
    /// A disabled key is refused by the proxy (401) as if it did not exist.
    pub enabled: bool,
    pub created_ms: i64,
    /// When a request last came with this key, Unix milliseconds; `None` if never.
    pub last_used_ms: Option<i64>,
    /// What the key may use; every limit unset: no limits.
    #[serde(default)]
    pub limits: KeyLimits,
    /// What the key has used in the current minute, day and month.
    #[serde(default)]
    pub used: KeyUse,
}

/// A key just created: the only time its secret is shown (to copy into a client).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedAccessKey {
    pub id: i64,
    pub name: String,
    pub key: String,
}

/// The limits of one access key; `None` is no limit. Minutes, days and months are UTC
/// calendar periods: a limit resets at the start of the next minute, day (00:00 UTC) or month.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct KeyLimits {
    /// Requests let through per minute.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requests_per_minute: Option<u32>,
    /// Prompt plus completion tokens per day.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tokens_per_day: Option<u64>,
    /// US dollars per day, as the request log prices requests.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usd_per_day: Option<f64>,
    /// US dollars per calendar month.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usd_per_month: Option<f64>,
}

impl KeyLimits {
    /// No limit set at all (the proxy then counts nothing for the check).
    pub fn is_none(&self) -> bool {
        *self == Self::default()
    }

    /// What is wrong with these limits, as `(field, problem)`: a limit is a positive number
    /// (zero would refuse every request; clear the limit instead).
    pub fn problems(&self) -> Vec<(&'static str, &'static str)> {
        let mut problems = Vec::new();
        if self.requests_per_minute == Some(0) {
            problems.push(("requests_per_minute", "must be at least 1"));
        }
        if self.tokens_per_day == Some(0) {
            problems.push(("tokens_per_day", "must be at least 1"));
        }
        for (field, usd) in [
            ("usd_per_day", self.usd_per_day),
            ("usd_per_month", self.usd_per_month),
        ] {
            if usd.is_some_and(|usd| !(usd.is_finite() && usd > 0.0)) {
                problems.push((field, "must be a positive amount of US dollars"));
            }
        }
        problems
    }
}

/// What one key used in the current UTC minute, day and month (requests refused by a limit do
/// not count).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct KeyUse {
    pub requests_this_minute: u32,
    pub tokens_today: u64,
    pub usd_today: f64,
    pub usd_this_month: f64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_negative_and_non_finite_limits_are_problems() {
        let limits = KeyLimits {
            requests_per_minute: Some(0),
            tokens_per_day: Some(0),
            usd_per_day: Some(-1.0),
            usd_per_month: Some(f64::NAN),
        };
        assert_eq!(limits.problems().len(), 4);
        let fine = KeyLimits {
            requests_per_minute: Some(60),
            usd_per_day: Some(0.5),
            ..KeyLimits::default()
        };
        assert!(fine.problems().is_empty());
        assert!(KeyLimits::default().is_none());
    }

    #[test]
    fn unset_limits_are_left_out_of_json() {
        let limits = KeyLimits {
            requests_per_minute: Some(60),
            ..KeyLimits::default()
        };
        let json = serde_json::to_value(limits).expect("json");
        assert_eq!(json, serde_json::json!({"requests_per_minute": 60}));
    }
}
