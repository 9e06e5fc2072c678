//! A speed test's result for one entry, as the UI, the live event stream and
//! `api-switch speedtest --json` show it.

use serde::{Deserialize, Serialize};

use crate::{ChannelId, EntryId};

/// One entry's result.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TestResult {
    pub entry_id: EntryId,
    pub channel_id: ChannelId,
    pub channel: String,
    pub model: String,
    pub ok: bool,
    pub ttfb_ms: Option<u64>,
    pub total_ms: Option<u64>,
    /// The upstream's HTTP status, when one arrived.
    pub status: Option<u16>,
    /// Why it failed; `None` on success. Never contains the key.
    pub error: Option<String>,
    /// True when this failure switched the entry off (the `auto_disable_codes` setting).
    pub auto_disabled: bool,
    /// The key tested, masked (`sk-***abcd`), when the channel has a pool of several keys:
    /// each entry is then tested once per key. Empty for a channel with one key.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub key: String,
}
