//! What tokens cost: a model's `Price` (from the catalog, `models.json`, or a channel's
//! override), a channel's `Pricing` (its multiplier and overrides), and `Usage`, the token
//! counts of one answer as the provider reported them (or as estimated). The engine prices a
//! request with `Price::cost`; the UI shows the figures. Money is US dollars as `f64`: figures
//! are shown to the cent or a fraction of it and summed over at most millions of rows, far from
//! where `f64` loses a cent.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A model's prices in US dollars: per million tokens, and per request or per image where the
/// model charges for those. A missing figure is "no price" for that part, never 0.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Price {
    /// Input (prompt) tokens not read from or written to a prompt cache.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input: Option<f64>,
    /// Output tokens, reasoning tokens included.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<f64>,
    /// Input tokens read from the prompt cache (the input price when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_read: Option<f64>,
    /// Input tokens written to the prompt cache (the input price when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_write: Option<f64>,
    /// A fixed price per request, on top of the tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_request: Option<f64>,
    /// A price per generated image.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_image: Option<f64>,
}

/// The token counts of one answer. `prompt` counts every input token, cached ones included
/// (Anthropic's `input_tokens` plus its cache reads and writes), so the cache hit rate is
/// `cache_read / prompt`; `completion` counts every output token, reasoning included.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    pub prompt: Option<i64>,
    pub completion: Option<i64>,
    /// Of `prompt`, read from the prompt cache.
    pub cache_read: Option<i64>,
    /// Of `prompt`, written to the prompt cache.
    pub cache_write: Option<i64>,
    /// Of `completion`, spent on reasoning.
    pub reasoning: Option<i64>,
    /// The provider reported none: the counts are a tokenizer's estimate.
    pub estimated: bool,
}

/// How a channel prices its models: its catalog prices times `multiplier` (a relay selling at
/// 0.3x), except for the models it overrides (whose price is taken as is).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Pricing {
    pub multiplier: f64,
    /// By model name as the channel spells it.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub overrides: BTreeMap<String, Price>,
}

impl Default for Pricing {
    fn default() -> Self {
        Self {
            multiplier: 1.0,
            overrides: BTreeMap::new(),
        }
    }
}
