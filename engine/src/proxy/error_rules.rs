//! Error rules: what an upstream's error *says* decides what happens, not only its status. A
//! rule matches a status and/or a case-insensitive phrase in the error (of an error status, of
//! a 200 whose body is an error, or of a stream's first event) and names an action: fail over,
//! cool or disable the entry, freeze the whole channel, or cool or disable the key that got the
//! answer. Rules are the settings' ordered list; the first match wins and is named in the
//! 502's attempt list and the request log. `Retry-After` (seconds or an HTTP-date) on a 429 or
//! 503 sets how long a cooldown lasts, never longer than the setting.
//!
//! Providers echo the client's own text in their errors (`Invalid value: 'invalid api key'`
//! for a bad `role`), so a rule cannot be turned against the user: a phrase is looked for only
//! in the error's message, code and type (`ErrorWords`), never in fields that repeat the
//! request; the actions that switch off or freeze fire only on 401, 402, 403 or 429 or on a
//! status the rule names itself (elsewhere they cool instead); and on a status that refuses
//! the request (400, 404, 413, 422) a phrase rule only fails over: a client's bad request
//! never cools, disables or freezes anything (`allowed_action`). Only error paths are read
//! here: a successful pass-through answer is never searched.

use axum::http::HeaderMap;

use super::error::AttemptFailure;
use super::route::Candidate;
use super::runtime::Runtime;
use crate::clock::now_ms;
use crate::store::{ErrorRule, RuleAction, Settings};
use serde_json::Value;

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

/// Statuses on which a rule may switch a key or an entry off, or freeze a channel, without
/// naming the status itself: the credentials, the bill or the rate are what they are about.
const SWITCH_OFF_STATUSES: [u16; 4] = [401, 402, 403, 429];

/// Statuses that refuse the request itself: whatever the error says may echo the client.
const REQUEST_REFUSED_STATUSES: [u16; 4] = [400, 404, 413, 422];

/// The words of an error a phrase is looked for in: the message, code and type the provider
/// wrote (Gemini's `status` is its type), lower-cased. A body that is not JSON is all message.
#[derive(Debug, Default)]
pub struct ErrorWords {
    text: String,
}

impl ErrorWords {
    /// The words of an error body: OpenAI's `{"error":{message,type,code}}`, Anthropic's
    /// `{"type":"error","error":{type,message}}`, Gemini's (also in an array), a Responses
    /// stream's `error` event or `response.failed`, or a relay's `{"error":"text"}`.
    pub fn of_body(body: &[u8]) -> Self {
        let Ok(value) = serde_json::from_slice::<Value>(body) else {
            return Self::of_message(&String::from_utf8_lossy(body));
        };
        let mut error = &value;
        if let Some(first) = error.as_array().and_then(|items| items.first()) {
            error = first;
        }
        if let Some(failed) = error.pointer("/response/error") {
            error = failed;
        } else if let Some(inner) = error.get("error") {
            error = inner;
        }
        if let Some(text) = error.as_str() {
            return Self::of_message(text);
        }
        let mut words = String::new();
        for field in ["message", "code", "type", "status"] {
            match error.get(field) {
                Some(Value::String(text)) => words.push_str(text),
                Some(Value::Number(number)) => words.push_str(&number.to_string()),
                _ => continue,
            }
            words.push('\n');
        }
        ErrorWords {
            text: words.to_lowercase(),
        }
    }

    /// The words of an error message already taken out of its event (a stream's error).
    pub fn of_message(message: &str) -> Self {
        ErrorWords {
            text: message.to_lowercase(),
        }
    }

    fn contains(&self, phrase: &str) -> bool {
        self.text.contains(phrase)
    }
}

/// The first rule matching `status` (when known) and the error's `words`.
pub fn first_match<'r>(
    rules: &'r [ErrorRule],
    status: Option<u16>,
    words: &ErrorWords,
) -> Option<&'r ErrorRule> {
    rules.iter().find(|rule| {
        let status_ok = rule.status.is_none_or(|wanted| Some(wanted) == status);
        let phrase = rule.phrase.trim();
        let phrase_ok = phrase.is_empty() || words.contains(&phrase.to_lowercase());
        status_ok && phrase_ok && (rule.status.is_some() || !phrase.is_empty())
    })
}

/// What a matched rule may do on `status`: its own action on a status it names or on a
/// switch-off status; on a status refusing the request only a fail-over; elsewhere a cool in
/// place of a switch-off or a freeze.
pub fn allowed_action(rule: &ErrorRule, status: Option<u16>) -> RuleAction {
    if rule.status.is_some() && rule.status == status {
        return rule.action;
    }
    let refused = status.is_some_and(|s| REQUEST_REFUSED_STATUSES.contains(&s));
    let may_switch_off = status.is_some_and(|s| SWITCH_OFF_STATUSES.contains(&s));
    match rule.action {
        _ if refused => RuleAction::Failover,
        RuleAction::DisableKey if !may_switch_off => RuleAction::CoolKey,
        RuleAction::DisableEntry | RuleAction::FreezeChannel if !may_switch_off => {
            RuleAction::CoolEntry
        }
        action => action,
    }
}

/// The failure an error answer (`status`, masked `body`) becomes when a rule matches it.
pub fn judge_error(
    rules: &[ErrorRule],
    status: u16,
    retry_after_ms: Option<i64>,
    body: &[u8],
) -> Option<AttemptFailure> {
    if rules.is_empty() {
        return None;
    }
    let rule = first_match(rules, Some(status), &ErrorWords::of_body(body))?;
    Some(ruled(
        rule,
        Some(status),
        retry_after_ms,
        &String::from_utf8_lossy(body),
    ))
}

/// The failure a 200 single answer's (masked) body becomes, if it looks like an error at all
/// (small and naming an `error`: a real answer carries content instead) and a rule matches.
pub fn judge_ok_body(rules: &[ErrorRule], body: &[u8]) -> Option<AttemptFailure> {
    if body.len() > LARGEST_ERROR_BODY || !body.windows(7).any(|w| w == b"\"error\"") {
        return None;
    }
    judge_error(rules, 200, None, body)
}

/// The failure a stream's first event, an error with `message` (masked), becomes when a rule
/// matches it.
pub fn judge_stream_error(rules: &[ErrorRule], message: &str) -> Option<AttemptFailure> {
    let rule = first_match(rules, Some(200), &ErrorWords::of_message(message))?;
    Some(ruled(rule, Some(200), None, message))
}

/// The failure a matched rule turns an answer into, quoting its (already masked) `text`.
fn ruled(
    rule: &ErrorRule,
    status: Option<u16>,
    retry_after_ms: Option<i64>,
    text: &str,
) -> AttemptFailure {
    let quoted: String = text.trim().chars().take(QUOTED_CHARS).collect();
    AttemptFailure::Ruled {
        status,
        rule: rule.label(),
        action: allowed_action(rule, status),
        freeze_secs: rule.freeze_secs,
        retry_after_ms,
        message: quoted,
    }
}

/// Applies a matched rule to the entry and its channel (the key-level actions were handled
/// by the key pool when the channel has one; here they fall back to the entry).
pub fn apply(
    runtime: &Runtime,
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
            runtime.cool_until(entry, cooldown_end(settings, *retry_after_ms, now));
        }
        RuleAction::DisableEntry | RuleAction::DisableKey => {
            runtime.auto_disable(entry, format!("error rule {rule} matched: {failure}"));
        }
        RuleAction::FreezeChannel => {
            let until = now.saturating_add(
                i64::try_from(freeze_secs.saturating_mul(1000)).unwrap_or(i64::MAX),
            );
            let channel = candidate.channel.id;
            tracing::warn!(channel = %candidate.channel.name, until_ms = until, %rule, "error rule froze the channel: every entry is skipped until then");
            let snapshot = runtime.snapshot();
            for id in snapshot
                .entries
                .iter()
                .filter(|e| e.channel_id == channel)
                .map(|e| e.id)
            {
                runtime.cool_until(id, until);
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
        let words = ErrorWords::of_message("Model is OVERLOADED, try later");
        let hit = first_match(&rules, Some(503), &words).expect("match");
        assert_eq!(hit.action, RuleAction::CoolEntry);
        let words = ErrorWords::of_message("internal error");
        assert!(first_match(&rules, Some(500), &words).is_none());
        let small =
            br#"{"error":{"message":"You exceeded your quota","type":"insufficient_quota"}}"#;
        let action = |failure: Option<AttemptFailure>| match failure {
            Some(AttemptFailure::Ruled { action, .. }) => Some(action),
            _ => None,
        };
        assert_eq!(
            action(judge_ok_body(&rules, small)),
            Some(RuleAction::CoolKey)
        );
        let answer = br#"{"choices":[{"message":{"content":"about the rate limit"}}]}"#;
        assert!(
            judge_ok_body(&rules, answer).is_none(),
            "an answer is not an error"
        );
    }
}

#[cfg(test)]
mod issue_19_finding_4 {
    use super::*;
    use types::routing::default_error_rules;

    fn action(status: u16, body: &str) -> Option<RuleAction> {
        match judge_error(&default_error_rules(), status, None, body.as_bytes()) {
            Some(AttemptFailure::Ruled { action, .. }) => Some(action),
            _ => None,
        }
    }

    #[test]
    fn phrases_are_read_in_message_code_and_type_only() {
        let echoed = r#"{"error":{"message":"bad request","type":"invalid_request_error","param":"invalid api key"}}"#;
        assert_eq!(action(401, echoed), None, "`param` echoes the request");
        let coded = r#"{"error":{"message":"no","type":"insufficient_quota","code":null}}"#;
        assert_eq!(action(429, coded), Some(RuleAction::CoolKey));
        let anthropic =
            r#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#;
        assert_eq!(action(529, anthropic), Some(RuleAction::CoolEntry));
        let failed = r#"{"type":"response.failed","response":{"error":{"code":"rate_limit_exceeded","message":"Rate limit reached"}}}"#;
        assert_eq!(action(200, failed), Some(RuleAction::CoolKey));
    }

    #[test]
    fn switch_offs_fire_only_on_401_402_403_429_or_a_named_status() {
        let key = r#"{"error":{"message":"Invalid API key provided"}}"#;
        assert_eq!(action(401, key), Some(RuleAction::DisableKey));
        assert_eq!(action(500, key), Some(RuleAction::CoolKey));
        assert_eq!(action(200, key), Some(RuleAction::CoolKey));
        let gone = r#"{"error":{"message":"This account deactivated"}}"#;
        assert_eq!(action(403, gone), Some(RuleAction::FreezeChannel));
        assert_eq!(action(503, gone), Some(RuleAction::CoolEntry));
        let named = ErrorRule {
            status: Some(400),
            phrase: "account on hold".into(),
            action: RuleAction::FreezeChannel,
            freeze_secs: 60,
        };
        let body = br#"{"error":{"message":"Your account on hold"}}"#;
        assert!(matches!(
            judge_error(&[named], 400, None, body),
            Some(AttemptFailure::Ruled {
                action: RuleAction::FreezeChannel,
                ..
            })
        ));
    }

    #[test]
    fn a_refused_request_only_fails_over_whatever_it_echoes() {
        let role = r#"{"error":{"message":"Invalid value: 'invalid api key'. Supported values are: 'system', 'assistant', 'user'.","type":"invalid_request_error","param":"messages[0].role","code":"invalid_value"}}"#;
        assert_eq!(action(400, role), Some(RuleAction::Failover));
        let frozen = r#"{"error":{"message":"Invalid value: 'account deactivated'.","type":"invalid_request_error"}}"#;
        assert_eq!(action(400, frozen), Some(RuleAction::Failover));
        let cooled = r#"{"error":{"message":"Invalid value: 'overloaded'."}}"#;
        assert_eq!(action(422, cooled), Some(RuleAction::Failover));
    }
}
