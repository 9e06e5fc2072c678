//! What channel calibration tells the UI: each request it made, as the UI shows it live while
//! calibration runs (the live stream's `calibration_attempt` event) and in the final result,
//! with its verdict, and the overall outcome. Keys never appear here: calibration sends them
//! in headers only.

use serde::{Deserialize, Serialize};

/// One attempt: which API type was tried, where, and what came back.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttemptReport {
    pub api_type: crate::channel_kind::ChannelKind,
    pub method: String,
    pub url: String,
    /// HTTP status, when a response arrived.
    pub status: Option<u16>,
    pub verdict: Verdict,
    /// A short explanation (an error kind or the start of the upstream's message).
    pub detail: Option<String>,
}

/// Calibration's overall answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
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
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
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
    /// The name as sent (`models_listed`, ...), e.g. in the page's `data-outcome`.
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
    /// The name as sent (`models_listed`, ...), e.g. in the page's `data-verdict`.
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

    /// Whether the attempt found what calibration looks for (a model list or a chat endpoint).
    pub fn found(self) -> bool {
        matches!(self, Self::ModelsListed | Self::ChatAnswered)
    }
}

/// One fetched model with the catalog's view and whether it is pre-selected.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelChoice {
    pub id: String,
    pub selected: bool,
    pub catalog: Option<crate::listing::CatalogInfo>,
}

/// What calibration found, as the add-channel form and "Re-fetch models" show it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CalibrationView {
    pub usable: bool,
    pub outcome: Outcome,
    pub message: String,
    pub api_type: Option<crate::channel_kind::ChannelKind>,
    pub base_url: Option<String>,
    pub models_by_hand: bool,
    pub models: Vec<ModelChoice>,
    pub attempts: Vec<AttemptReport>,
}

impl CalibrationView {
    /// The models to tick at first: those calibration pre-selected.
    pub fn preselected_ids(&self) -> Vec<String> {
        self.models
            .iter()
            .filter(|m| m.selected)
            .map(|m| m.id.clone())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_the_serde_names() {
        let verdicts = [
            Verdict::ModelsListed,
            Verdict::NotAModelList,
            Verdict::ChatAnswered,
            Verdict::KeyRejected,
            Verdict::NotFound,
            Verdict::UnexpectedStatus,
            Verdict::Timeout,
            Verdict::ConnectFailed,
            Verdict::SkippedKeyRejected,
        ];
        for verdict in verdicts {
            assert_eq!(
                serde_json::to_value(verdict).expect("json"),
                verdict.as_str()
            );
        }
        let outcomes = [
            Outcome::ModelsListed,
            Outcome::ChatOnly,
            Outcome::KeyRejected,
            Outcome::NothingFound,
        ];
        for outcome in outcomes {
            assert_eq!(
                serde_json::to_value(outcome).expect("json"),
                outcome.as_str()
            );
        }
    }
}
