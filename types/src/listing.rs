//! The Channels and API management screens' listing: every channel with its entries (in
//! priority order), each entry with its state, its last speed test and what the model catalog
//! knows about it; and the groups with their sizes. The engine builds these
//! (`AppState::channel_listing`, `AppState::groups`), the UI's server functions return them as
//! they are. A channel's keys never appear here: only whether it has one and a masked hint.

use serde::{Deserialize, Serialize};

use crate::{ChannelId, EntryId};

/// What the catalog knows about a model, as shown beside its name.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CatalogInfo {
    pub name: String,
    pub provider: String,
    pub release_date: String,
    pub context_length: u32,
    pub max_output_tokens: u32,
    /// Lower case: `vision`, `tools`, `reasoning`, `audio`, `imageoutput`, `websearch`.
    pub capabilities: Vec<String>,
    /// `exact`, `normalised` or `fuzzy` (a guess).
    pub match_kind: String,
    /// The maker's price; `None` is "no price", never free.
    #[serde(default)]
    pub price: Option<crate::pricing::Price>,
}

/// One entry as the UI shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EntryRow {
    pub id: EntryId,
    pub model: String,
    pub display_name: String,
    pub group: String,
    pub priority: i64,
    pub enabled: bool,
    pub disabled_reason: String,
    pub cooling: bool,
    /// When the cooldown ends (Unix ms) and how much of it was left when listed.
    pub cooldown_until_ms: i64,
    pub cooldown_left_ms: i64,
    pub channel_id: ChannelId,
    pub channel: String,
    pub last_response_ms: Option<i64>,
    pub catalog: Option<CatalogInfo>,
    pub last_test: Option<crate::speedtest::TestResult>,
    /// Other names the entry answers to (routing's alias tier).
    pub aliases: Vec<String>,
    /// When a recovery probe last succeeded since the entry was switched off or began
    /// cooling (Unix ms).
    pub last_probe_ok_ms: Option<i64>,
}

/// One channel as the UI shows it; the API key never leaves the server.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChannelRow {
    pub id: ChannelId,
    pub name: String,
    pub api_type: crate::channel_kind::ChannelKind,
    pub base_url: String,
    pub enabled: bool,
    pub has_key: bool,
    /// The key's first and last characters around a mask (`sk-…abcd`); never the key.
    pub key_hint: String,
    /// Azure's `api-version` (empty: the default).
    pub api_version: String,
    /// Its price multiplier and per-model price overrides.
    #[serde(default)]
    pub pricing: crate::pricing::Pricing,
    pub entries: Vec<EntryRow>,
}

/// A group and how many entries it holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupRow {
    pub name: String,
    pub entries: usize,
}
