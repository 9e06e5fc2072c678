//! One attempt of a proxied request (which entry, what happened), in words: the Logs screen
//! and the Test chat screen both list attempts.

use crate::i18n::{Locale, td_string};

/// What happened to one attempt, translated from the engine's error kind.
pub fn attempt_outcome(locale: Locale, kind: Option<&str>, status: Option<u16>) -> String {
    let status_text = status.map(|s| s.to_string()).unwrap_or_else(|| "—".into());
    match kind {
        None => td_string!(locale, attempts.answered, status = status_text).to_string(),
        Some("status") => td_string!(locale, attempts.status, status = status_text).to_string(),
        Some("disabled") => td_string!(locale, attempts.disabled, status = status_text).to_string(),
        Some("connect") => td_string!(locale, attempts.connect).to_string(),
        Some("transport") => td_string!(locale, attempts.transport).to_string(),
        Some("timeout") => td_string!(locale, attempts.timeout).to_string(),
        Some("invalid_body") => td_string!(locale, attempts.invalid_body).to_string(),
        Some("stream_error") => td_string!(locale, attempts.stream_error).to_string(),
        Some("empty_stream") => td_string!(locale, attempts.empty_stream).to_string(),
        Some("unreadable") => td_string!(locale, attempts.unreadable).to_string(),
        Some("unconvertible") => td_string!(locale, attempts.unconvertible).to_string(),
        Some("rule") => td_string!(locale, attempts.rule).to_string(),
        Some("no_usable_key") => td_string!(locale, attempts.no_usable_key).to_string(),
        Some("hedge_cancelled") => td_string!(locale, attempts.hedge_cancelled).to_string(),
        Some(other) => other.to_owned(),
    }
}
