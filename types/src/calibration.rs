//! One request channel calibration made, as the UI shows it live while calibration runs (the
//! live stream's `calibration_attempt` event) and in the final result. Keys never appear here:
//! calibration sends them in headers only.

use serde::{Deserialize, Serialize};

/// One attempt: which API type was tried, where, and what came back.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttemptReport {
    pub api_type: crate::channel_kind::ChannelKind,
    pub method: String,
    pub url: String,
    /// HTTP status, when a response arrived.
    pub status: Option<u16>,
    /// The verdict in snake case, e.g. `models_listed`, `not_found`, `key_rejected`.
    pub verdict: String,
    /// A short explanation (an error kind or the start of the upstream's message).
    pub detail: Option<String>,
}
