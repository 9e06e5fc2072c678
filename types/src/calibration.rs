//! One request channel calibration made, as the UI shows it live while calibration runs (the
//! live stream's `calibration_attempt` event) and in the final result. Keys never appear here:
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
    /// The verdict in snake case, e.g. `models_listed`, `not_found`, `key_rejected`.
    pub verdict: String,
    /// A short explanation (an error kind or the start of the upstream's message).
    pub detail: Option<String>,
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
    /// The outcome in snake case, e.g. `models_listed`, `chat_only`, `key_rejected`.
    pub outcome: String,
    pub message: String,
    pub api_type: Option<String>,
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
