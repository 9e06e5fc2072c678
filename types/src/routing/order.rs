//! How a group orders its entries and whether it races them: the order mode (custom priority,
//! fastest measured time to first content, newest catalog release), hedging, and the effective
//! order the UI shows. The engine routes by exactly these values, so the UI never guesses.

use serde::{Deserialize, Serialize};

use crate::{ChannelId, EntryId};

/// How a group's entries are ordered for routing, the tray and `/v1/models`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderMode {
    /// The user's priority order (drag and drop, the tray's "move to top").
    #[default]
    Custom,
    /// The lowest moving average of time to first content first; unmeasured entries last,
    /// in priority order.
    Fastest,
    /// The most recent catalog release date first; models the catalog does not know last.
    Newest,
}

impl OrderMode {
    /// The mode's name as stored and exported (`custom`, `fastest`, `newest`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Custom => "custom",
            Self::Fastest => "fastest",
            Self::Newest => "newest",
        }
    }

    /// Parses a stored or imported name; `None` for anything else.
    pub fn parse(name: &str) -> Option<Self> {
        match name.trim().to_ascii_lowercase().as_str() {
            "custom" => Some(Self::Custom),
            "fastest" => Some(Self::Fastest),
            "newest" => Some(Self::Newest),
            _ => None,
        }
    }
}

/// When a hedge starts: the leading attempt has shown no content after this delay.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "mode", rename_all = "snake_case")]
pub enum HedgeDelay {
    /// No hedging: one attempt at a time (the default).
    #[default]
    Off,
    /// A fixed delay in milliseconds.
    Fixed { ms: u64 },
    /// The leading entry's recent 90th percentile time to first content; `fallback_ms` while
    /// it has too few measurements.
    P90 { fallback_ms: u64 },
}

/// A group's hedging: when to start the next candidate in parallel, and at most how many
/// hedges a minute (the cost bound).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Hedging {
    pub delay: HedgeDelay,
    pub max_per_minute: u32,
}

impl Default for Hedging {
    fn default() -> Self {
        Self {
            delay: HedgeDelay::Off,
            max_per_minute: 30,
        }
    }
}

impl Hedging {
    pub fn is_on(&self) -> bool {
        self.delay != HedgeDelay::Off && self.max_per_minute > 0
    }
}

/// One group's routing options (a group without stored options has the defaults).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupRouting {
    pub group: String,
    #[serde(default)]
    pub order: OrderMode,
    #[serde(default)]
    pub hedging: Hedging,
    /// Session affinity: a conversation stays on the entry and pool key that served it while
    /// they work, so the provider's prompt cache stays warm. On unless the user turned it off.
    #[serde(default = "affinity_default")]
    pub affinity: bool,
}

fn affinity_default() -> bool {
    true
}

impl Default for GroupRouting {
    fn default() -> Self {
        Self {
            group: String::new(),
            order: OrderMode::default(),
            hedging: Hedging::default(),
            affinity: true,
        }
    }
}

/// One entry in its group's effective order, with what explains its place.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderedEntry {
    pub entry_id: EntryId,
    pub channel_id: ChannelId,
    pub channel: String,
    pub model: String,
    pub display_name: String,
    pub aliases: Vec<String>,
    pub priority: i64,
    /// Moving average of time to first content, when measured.
    pub avg_first_content_ms: Option<u64>,
    /// The catalog's release date (`YYYY-MM-DD`), when the catalog knows the model.
    pub release_date: Option<String>,
    /// Cooling until this Unix millisecond: tried only after every ready entry.
    pub cooling_until_ms: Option<i64>,
    /// When a recovery probe of this entry last succeeded, Unix milliseconds.
    pub last_probe_ok_ms: Option<i64>,
}

/// A group's entries in the order routing tries them right now: ready entries in the mode's
/// order, then cooling ones, the soonest-expiring first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EffectiveOrder {
    pub group: String,
    pub order: OrderMode,
    pub hedging: Hedging,
    /// Session affinity (see `GroupRouting::affinity`).
    #[serde(default = "affinity_default")]
    pub affinity: bool,
    pub entries: Vec<OrderedEntry>,
}

impl Default for EffectiveOrder {
    fn default() -> Self {
        Self {
            group: String::new(),
            order: OrderMode::default(),
            hedging: Hedging::default(),
            affinity: true,
            entries: Vec::new(),
        }
    }
}
