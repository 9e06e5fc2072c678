//! Channel quirks: facts about a channel learned from its answers that change what "prepare"
//! sends it, kept in memory for the life of the process. Each is something the proxy adds on
//! its own initiative and a relay may refuse with a 400:
//!
//! - `stream_options.include_usage`, asked on Chat streams so every request's tokens count;
//! - reasoning sent back in the history of a converted Chat request (`reasoning_content`,
//!   `reasoning_details`), which DeepSeek requires and some relays reject.
//!
//! A refusal is recognised by its 400 naming the field (`forward::refused_quirk`), remembered
//! for the channel, and the attempt is asked again at once without it; the client never sees
//! the first answer.

use std::collections::HashMap;
use std::sync::Mutex;

use crate::store::ChannelId;

/// Per-channel facts that change what "prepare" sends to the channel.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Quirks {
    /// The channel rejected `stream_options.include_usage` once: never send it again.
    pub rejects_include_usage: bool,
    /// The channel rejected reasoning in a converted request's history: send none again.
    pub rejects_reasoning_input: bool,
}

/// One thing a channel can refuse.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Quirk {
    IncludeUsage,
    ReasoningInput,
}

impl Quirk {
    /// What the log says when the quirk is learned.
    pub fn describe(self) -> &'static str {
        match self {
            Quirk::IncludeUsage => {
                "the channel refuses stream_options.include_usage; asking again without it, and never sending it there again"
            }
            Quirk::ReasoningInput => {
                "the channel refuses reasoning in the conversation history; asking again without it, and never sending it there again"
            }
        }
    }
}

impl Quirks {
    /// These quirks with `quirk` learned.
    pub fn with(mut self, quirk: Quirk) -> Quirks {
        match quirk {
            Quirk::IncludeUsage => self.rejects_include_usage = true,
            Quirk::ReasoningInput => self.rejects_reasoning_input = true,
        }
        self
    }
}

/// The quirks learned so far, per channel.
#[derive(Default)]
pub struct ChannelQuirks {
    learned: Mutex<HashMap<ChannelId, Quirks>>,
}

impl ChannelQuirks {
    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<ChannelId, Quirks>> {
        // Only plain inserts happen under the lock; a poisoned map is still a valid map.
        self.learned.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn of(&self, channel: ChannelId) -> Quirks {
        self.map().get(&channel).copied().unwrap_or_default()
    }

    pub fn remember(&self, channel: ChannelId, quirk: Quirk) {
        let mut map = self.map();
        let quirks = map.entry(channel).or_default();
        *quirks = quirks.with(quirk);
    }
}
