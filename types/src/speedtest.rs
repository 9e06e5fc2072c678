//! A speed test's result for one entry: the one shape the engine produces, the store keeps as
//! each entry's last test, the live event stream carries, the UI shows and
//! `api-switch speedtest --json` prints.

use serde::{Deserialize, Serialize};

use crate::{ChannelId, EntryId};

/// One entry's result (with one key of its pool, when the channel has several).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TestResult {
    pub entry_id: EntryId,
    pub channel_id: ChannelId,
    /// The channel's name.
    pub channel: String,
    /// The entry's model.
    pub model: String,
    pub ok: bool,
    /// Until the answer's first byte; set on success.
    pub ttfb_ms: Option<u64>,
    /// Until the answer's last byte; set on success.
    pub total_ms: Option<u64>,
    /// The upstream's HTTP status, when one arrived.
    pub status: Option<u16>,
    /// Why it failed; `None` on success. Never contains the key.
    pub error: Option<String>,
    /// True when this failure switched the entry off (the `auto_disable_codes` setting).
    /// Not kept by the store: a stored result reads `false`.
    #[serde(default)]
    pub auto_disabled: bool,
    /// The key tested, masked (`sk-***abcd`), when the channel has a pool of several keys:
    /// each entry is then tested once per key. Empty for a channel with one key, and in a
    /// stored result (the entry's stored test is its first success with any key).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub key: String,
    /// When the test finished, Unix milliseconds.
    #[serde(default)]
    pub at_ms: i64,
}
