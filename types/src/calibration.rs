//! One request channel calibration made, as the UI shows it live while calibration runs (the
//! live stream's `calibration_attempt` event) and in the final result, with what it showed
//! (`Verdict`) and calibration's overall answer (`Outcome`). Keys never appear here:
//! calibration sends them in headers only.

use serde::{Deserialize, Serialize};

/// One attempt: which API type was tried, where, and what came back.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttemptReport {
    /// `openai`, `anthropic`, `gemini`, `azure` or `custom`.
    pub api_type: String,
    pub method: String,
    pub url: String,
    /// HTTP status, when a response arrived.
    pub status: Option<u16>,
    pub verdict: Verdict,
    /// A short explanation (an error kind or the start of the upstream's message).
    pub detail: Option<String>,
}

/// Calibration's overall answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// A model list answered: type, base URL and models are known.
    ModelsListed,
    /// No model list, but the chat endpoint answered: type and base URL are known, models
    /// must be typed by hand.
    ChatOnly,
    /// The upstream refused the key (401/403); check or replace the key.
    KeyRejected,
    /// Nothing usable answered.
    NothingFound,
}

/// What one calibration attempt showed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    ModelsListed,
    /// 2xx, but not a model list (often a web page served for every path).
    NotAModelList,
    /// The chat endpoint answered (any JSON reply but 404/405, e.g. "unknown model").
    ChatAnswered,
    KeyRejected,
    NotFound,
    UnexpectedStatus,
    Timeout,
    ConnectFailed,
    /// Not tried: the same key style was already rejected by this upstream.
    SkippedKeyRejected,
}

impl Outcome {
    /// The snake-case name, as serialised (the page's `data-outcome`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ModelsListed => "models_listed",
            Self::ChatOnly => "chat_only",
            Self::KeyRejected => "key_rejected",
            Self::NothingFound => "nothing_found",
        }
    }
}

impl Verdict {
    /// The snake-case name, as serialised (the page's `data-verdict`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ModelsListed => "models_listed",
            Self::NotAModelList => "not_a_model_list",
            Self::ChatAnswered => "chat_answered",
            Self::KeyRejected => "key_rejected",
            Self::NotFound => "not_found",
            Self::UnexpectedStatus => "unexpected_status",
            Self::Timeout => "timeout",
            Self::ConnectFailed => "connect_failed",
            Self::SkippedKeyRejected => "skipped_key_rejected",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Outcome, Verdict};

    #[test]
    fn as_str_is_the_serialised_name() {
        for outcome in [
            Outcome::ModelsListed,
            Outcome::ChatOnly,
            Outcome::KeyRejected,
            Outcome::NothingFound,
        ] {
            let json = serde_json::to_string(&outcome).expect("serialise");
            assert_eq!(json, format!("\"{}\"", outcome.as_str()));
        }
        for verdict in [
            Verdict::ModelsListed,
            Verdict::NotAModelList,
            Verdict::ChatAnswered,
            Verdict::KeyRejected,
            Verdict::NotFound,
            Verdict::UnexpectedStatus,
            Verdict::Timeout,
            Verdict::ConnectFailed,
            Verdict::SkippedKeyRejected,
        ] {
            let json = serde_json::to_string(&verdict).expect("serialise");
            assert_eq!(json, format!("\"{}\"", verdict.as_str()));
        }
    }
}
