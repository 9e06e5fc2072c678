//! Test chat: a prompt sent through the proxy exactly as a client's request would go (any
//! route: `auto`, a group, a model name), answered as a stream of these events, so the page
//! shows the text as it arrives, which entry answered, how long it took and which entries
//! failed before it.

use serde::{Deserialize, Serialize};

use crate::logs::AttemptRecord;

/// What the Test chat screen sends.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatAsk {
    /// The request's `model` field: `auto`, a group or a model name (empty means `auto`).
    pub route: String,
    pub prompt: String,
}

/// One step of a test chat, in the order they happen.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum ChatEvent {
    /// An entry started answering; the entries in `failed` were tried before it, in order.
    Answering {
        answered: AttemptRecord,
        failed: Vec<AttemptRecord>,
    },
    /// The next piece of the answer.
    Text { text: String },
    /// The answer is complete.
    Finished {
        /// From sending the prompt to the answer's last byte.
        total_ms: i64,
        /// From sending the prompt to the first piece of text.
        first_text_ms: Option<i64>,
    },
    /// No answer, or an answer cut short; `failed` lists the entries tried, in order.
    Failed {
        reason: ChatFailure,
        failed: Vec<AttemptRecord>,
        total_ms: i64,
    },
}

/// Why a test chat got no (complete) answer; `detail` is the provider's or proxy's English.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ChatFailure {
    /// No enabled entry can serve the route.
    NoRoute { route: String },
    /// Every entry for the route failed (see the attempts).
    AllFailed,
    /// The request was refused as a client error (status and the upstream's message).
    Refused { status: u16, detail: String },
    /// The answer broke off after it started.
    Broken { detail: String },
    /// The prompt is empty.
    EmptyPrompt,
}
