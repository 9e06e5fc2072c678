//! A `Secret` is a key, password or token held as text: it serialises as itself (the store
//! and the export need the real value), but its `Debug` and `Display` forms are masked, so a
//! `{:?}` of a struct holding one, a log line or a format string cannot print it by accident.
//! `mask` is the one mask style everything shown uses: a long secret keeps its first 3 and
//! last 4 characters to be recognised, a short one shows none.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A secret shows its first 3 and last 4 characters only when at least this many others stay
/// hidden (some 77 bits of a random key); a shorter one (a password, say) shows none: 7
/// characters of 19 give away too much of it.
pub const LEAST_HIDDEN_CHARS: usize = 13;

/// Characters a long secret shows: 3 at the start, 4 at the end.
const SHOWN_HEAD: usize = 3;
const SHOWN_TAIL: usize = 4;

/// What a secret looks like wherever it is shown: `sk-***abcd` for a long one, `***` for a
/// short one, nothing for an empty one.
pub fn mask(secret: &str) -> String {
    let count = secret.chars().count();
    if count == 0 {
        return String::new();
    }
    if count < SHOWN_HEAD + SHOWN_TAIL + LEAST_HIDDEN_CHARS {
        return "***".into();
    }
    let head: String = secret.chars().take(SHOWN_HEAD).collect();
    let tail: String = secret.chars().skip(count - SHOWN_TAIL).collect();
    format!("{head}***{tail}")
}

/// A key, password or token: its text is reached only through `expose`, and it prints masked.
#[derive(Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(text: impl Into<String>) -> Self {
        Self(text.into())
    }

    /// The secret itself, for the one place that sends or stores it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<String> for Secret {
    fn from(text: String) -> Self {
        Self(text)
    }
}

impl From<&str> for Secret {
    fn from(text: &str) -> Self {
        Self(text.to_owned())
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", mask(&self.0))
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&mask(&self.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issue_19_finding_13_a_short_secret_shows_no_characters() {
        assert_eq!(mask("PROXYPASSWORDsecret"), "***");
        assert_eq!(mask("sk-abcdefghijklmnop"), "***");
        assert_eq!(mask(""), "");
        let long = "sk-proj-abcdefghijklmnopqrstuvwxyz0123";
        assert_eq!(mask(long), "sk-***0123");
        assert_eq!(mask("sk-0123456789abcdef"), "***", "19 characters: short");
        assert_eq!(
            mask("sk-0123456789abcdefg"),
            "sk-***defg",
            "20: long enough"
        );
    }

    #[test]
    fn a_secret_prints_masked_and_serialises_as_itself() {
        let secret = Secret::new("PROXYPASSWORDsecret");
        assert_eq!(format!("{secret}"), "***");
        assert_eq!(format!("{secret:?}"), "\"***\"");
        assert_eq!(
            serde_json::to_string(&secret).expect("json"),
            "\"PROXYPASSWORDsecret\""
        );
        assert_eq!(secret.expose(), "PROXYPASSWORDsecret");
    }
}
