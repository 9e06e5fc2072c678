//! One attempt of a proxied request (which entry, what happened), in words: the Logs screen
//! and the Test chat screen both list attempts.

use types::logs::ErrorKind;

use crate::i18n::{Locale, td_string};

/// What happened to one attempt, translated from the engine's error kind.
pub fn attempt_outcome(locale: Locale, kind: Option<&ErrorKind>, status: Option<u16>) -> String {
    let status_text = status.map(|s| s.to_string()).unwrap_or_else(|| "—".into());
    let Some(kind) = kind else {
        return td_string!(locale, attempts.answered, status = status_text).to_string();
    };
    match kind {
        ErrorKind::Status => td_string!(locale, attempts.status, status = status_text).to_string(),
        ErrorKind::Disabled => {
            td_string!(locale, attempts.disabled, status = status_text).to_string()
        }
        ErrorKind::Connect => td_string!(locale, attempts.connect).to_string(),
        ErrorKind::Transport => td_string!(locale, attempts.transport).to_string(),
        ErrorKind::Timeout => td_string!(locale, attempts.timeout).to_string(),
        ErrorKind::InvalidBody => td_string!(locale, attempts.invalid_body).to_string(),
        ErrorKind::StreamError => td_string!(locale, attempts.stream_error).to_string(),
        ErrorKind::EmptyStream => td_string!(locale, attempts.empty_stream).to_string(),
        ErrorKind::Unreadable => td_string!(locale, attempts.unreadable).to_string(),
        ErrorKind::Unconvertible => td_string!(locale, attempts.unconvertible).to_string(),
        ErrorKind::Rule => td_string!(locale, attempts.rule).to_string(),
        ErrorKind::NoUsableKey => td_string!(locale, attempts.no_usable_key).to_string(),
        ErrorKind::HedgeCancelled => td_string!(locale, attempts.hedge_cancelled).to_string(),
        // No words for these yet: the code itself, as the log stores it.
        ErrorKind::RejectedAfterConversion | ErrorKind::Internal | ErrorKind::Other(_) => {
            kind.as_str().to_owned()
        }
    }
}
