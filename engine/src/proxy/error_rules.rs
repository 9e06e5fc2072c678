//! Error rules: what an upstream's error *says* decides what happens, not only its status. A
//! rule matches a status and/or a case-insensitive phrase in the error body (of an error
//! status, of a 200 whose body is an error, or of a stream's first event) and names an action:
//! fail over, cool or disable the entry, freeze the whole channel, or cool or disable the key
//! that got the answer. Rules are the settings' ordered list; the first match wins and is
//! named in the 502's attempt list and the request log. `Retry-After` (seconds or an
//! HTTP-date) on a 429 or 503 sets how long a cooldown lasts, never longer than the setting.
//! Only error paths are read here: a successful pass-through answer is never searched.

use axum::http::HeaderMap;

use super::error::AttemptFailure;
use super::route::Candidate;
use crate::AppState;
use crate::clock::now_ms;
use crate::store::{ErrorRule, RuleAction, Settings};

/// Longest stretch of an error body a rule's failure quotes (the 502 and the log).
const QUOTED_CHARS: usize = 300;

/// A 200 body larger than this is an answer, not an error: it is never searched, so a long
/// answer that mentions "rate limit" stays an answer and big answers cost nothing extra.
const LARGEST_ERROR_BODY: usize = 8 * 1024;

/// How long the upstream asks us to wait, in milliseconds, from a 429's or 503's
/// `Retry-After` (delay-seconds or an HTTP-date); `None` for other statuses or no header.
pub fn retry_after_ms(headers: &HeaderMap, status: u16, now_ms: i64) -> Option<i64> {
    if !matches!(status, 429 | 503) {
        return None;
    }
    let value = headers.get("retry-after")?.to_str().ok()?.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(i64::try_from(secs.saturating_mul(1000)).unwrap_or(i64::MAX));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    let at_ms = at.duration_since(std::time::UNIX_EPOCH).ok()?.as_millis() as i64;
    Some((at_ms - now_ms).max(0))
}

/// When a cooldown starting `now_ms` ends: after `Retry-After` when given, never later than
/// the cooldown setting.
pub fn cooldown_end(settings: &Settings, retry_after_ms: Option<i64>, now_ms: i64) -> i64 {
    let setting = i64::try_from(settings.cooldown_secs.saturating_mul(1000)).unwrap_or(i64::MAX);
    now_ms.saturating_add(retry_after_ms.map_or(setting, |ms| ms.min(setting)))
}

/// The first rule matching `status` (when known) and `text`.
pub fn first_match<'r>(
    rules: &'r [ErrorRule],
    status: Option<u16>,
    text: &str,
) -> Option<&'r ErrorRule> {
    if rules.is_empty() {
        return None;
    }
    let lower = text.to_lowercase();
    rules.iter().find(|rule| {
        let status_ok = rule.status.is_none_or(|wanted| Some(wanted) == status);
        let phrase = rule.phrase.trim();
        let phrase_ok = phrase.is_empty() || lower.contains(&phrase.to_lowercase());
        status_ok && phrase_ok && (rule.status.is_some() || !phrase.is_empty())
    })
}

/// The failure a matched rule turns an answer into; `text` is quoted with the pool's keys
/// masked.
pub fn ruled(
    rule: &ErrorRule,
    status: Option<u16>,
    retry_after_ms: Option<i64>,
    text: &str,
    pool: &str,
) -> AttemptFailure {
    let quoted: String = text.trim().chars().take(QUOTED_CHARS).collect();
    AttemptFailure::Ruled {
        status,
        rule: rule.label(),
        action: rule.action,
        freeze_secs: rule.freeze_secs,
        retry_after_ms,
        message: crate::secrets::mask_pool_keys(&quoted, pool),
    }
}

/// The rule a 200 single answer's body matches, if the body looks like an error at all:
/// small and naming an `error` (a real answer carries content instead).
pub fn match_ok_body<'r>(rules: &'r [ErrorRule], body: &[u8]) -> Option<&'r ErrorRule> {
    if body.len() > LARGEST_ERROR_BODY || !body.windows(7).any(|w| w == b"\"error\"") {
        return None;
    }
    first_match(rules, Some(200), &String::from_utf8_lossy(body))
}

/// Applies a matched rule to the entry and its channel (the key-level actions were handled
/// by the key pool when the channel has one; here they fall back to the entry).
pub fn apply(
    state: &AppState,
    settings: &Settings,
    candidate: &Candidate,
    failure: &AttemptFailure,
) {
    let AttemptFailure::Ruled {
        rule,
        action,
        freeze_secs,
        retry_after_ms,
        ..
    } = failure
    else {
        return;
    };
    let entry = candidate.entry.id;
    let now = now_ms();
    match action {
        RuleAction::Failover => {}
        RuleAction::CoolEntry | RuleAction::CoolKey => {
            state.cool_until(entry, cooldown_end(settings, *retry_after_ms, now));
        }
        RuleAction::DisableEntry | RuleAction::DisableKey => {
            state.auto_disable(entry, format!("error rule {rule} matched: {failure}"));
        }
        RuleAction::FreezeChannel => {
            let until = now.saturating_add(
                i64::try_from(freeze_secs.saturating_mul(1000)).unwrap_or(i64::MAX),
            );
            let channel = candidate.channel.id;
            tracing::warn!(channel = %candidate.channel.name, until_ms = until, %rule, "error rule froze the channel: every entry is skipped until then");
            let snapshot = state.snapshot();
            for id in snapshot
                .entries
                .iter()
                .filter(|e| e.channel_id == channel)
                .map(|e| e.id)
            {
                state.cool_until(id, until);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use types::routing::default_error_rules;

    #[test]
    fn retry_after_takes_seconds_or_an_http_date_and_only_on_429_and_503() {
        let mut headers = HeaderMap::new();
        headers.insert("retry-after", "7".parse().expect("value"));
        assert_eq!(retry_after_ms(&headers, 429, 0), Some(7000));
        assert_eq!(retry_after_ms(&headers, 503, 0), Some(7000));
        assert_eq!(retry_after_ms(&headers, 500, 0), None);
        headers.insert(
            "retry-after",
            "Thu, 01 Jan 1970 00:00:30 GMT".parse().expect("value"),
        );
        assert_eq!(retry_after_ms(&headers, 429, 10_000), Some(20_000));
        let settings = Settings {
            cooldown_secs: 10,
            ..Settings::default()
        };
        assert_eq!(cooldown_end(&settings, Some(3_000), 100), 3_100);
        assert_eq!(
            cooldown_end(&settings, Some(60_000), 100),
            10_100,
            "bounded by the setting"
        );
        assert_eq!(cooldown_end(&settings, None, 100), 10_100);
    }

    #[test]
    fn phrases_match_case_insensitively_in_order_and_big_answers_are_never_searched() {
        let rules = default_error_rules();
        let hit = first_match(&rules, Some(400), "Model is OVERLOADED, try later").expect("match");
        assert_eq!(hit.action, RuleAction::CoolEntry);
        assert!(first_match(&rules, Some(500), "internal error").is_none());
        let small =
            br#"{"error":{"message":"You exceeded your quota","type":"insufficient_quota"}}"#;
        assert_eq!(
            match_ok_body(&rules, small).map(|r| r.action),
            Some(RuleAction::CoolKey)
        );
        let answer = br#"{"choices":[{"message":{"content":"about the rate limit"}}]}"#;
        assert!(
            match_ok_body(&rules, answer).is_none(),
            "an answer is not an error"
        );
    }
}
