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

impl Usage {
    /// Prompt tokens neither read from nor written to the cache.
    fn plain_input(&self) -> Option<i64> {
        let cached = self.cache_read.unwrap_or(0) + self.cache_write.unwrap_or(0);
        self.prompt.map(|prompt| (prompt - cached).max(0))
    }
}

impl Price {
    /// What `usage` costs at this price, in US dollars: plain input, cache reads, cache writes
    /// and output at their prices (a missing cache price is the input price), plus the price
    /// per request. `None` when the price or the token counts are unknown: a request without a
    /// price is "no price", never free.
    pub fn cost(&self, usage: &Usage) -> Option<f64> {
        let (input, output) = (self.input?, self.output?);
        let (plain, completion) = (usage.plain_input()?, usage.completion?);
        let per_million = |tokens: i64, price: f64| tokens as f64 * price / 1_000_000.0;
        let cache_read = per_million(
            usage.cache_read.unwrap_or(0),
            self.cache_read.unwrap_or(input),
        );
        let cache_write = per_million(
            usage.cache_write.unwrap_or(0),
            self.cache_write.unwrap_or(input),
        );
        Some(
            per_million(plain, input)
                + cache_read
                + cache_write
                + per_million(completion, output)
                + self.per_request.unwrap_or(0.0),
        )
    }

    /// This price with every figure times `factor` (a channel's multiplier).
    pub fn times(&self, factor: f64) -> Price {
        let scale = |figure: Option<f64>| figure.map(|f| f * factor);
        Price {
            input: scale(self.input),
            output: scale(self.output),
            cache_read: scale(self.cache_read),
            cache_write: scale(self.cache_write),
            per_request: scale(self.per_request),
            per_image: scale(self.per_image),
        }
    }
}

impl Price {
    /// What is wrong with this price, in words for the user; `None`: nothing.
    pub fn problem(&self) -> Option<String> {
        let figures = [
            ("input", self.input),
            ("output", self.output),
            ("cache_read", self.cache_read),
            ("cache_write", self.cache_write),
            ("per_request", self.per_request),
            ("per_image", self.per_image),
        ];
        figures.into_iter().find_map(|(name, figure)| {
            figure
                .filter(|f| !f.is_finite() || *f < 0.0)
                .map(|f| format!("{name} must be a price of 0 or more, not {f}"))
        })
    }
}

impl Pricing {
    /// The largest multiplier taken: beyond it a typo (30 for 0.3) is likelier than a price.
    pub const MAX_MULTIPLIER: f64 = 100.0;

    /// What is wrong with this pricing, in words for the user; `None`: nothing.
    pub fn problem(&self) -> Option<String> {
        if !(self.multiplier > 0.0 && self.multiplier <= Self::MAX_MULTIPLIER) {
            return Some(format!(
                "the price multiplier must be above 0 and at most {}, not {}",
                Self::MAX_MULTIPLIER,
                self.multiplier
            ));
        }
        self.overrides.iter().find_map(|(model, price)| {
            if model.trim().is_empty() {
                return Some("a price override needs a model name".to_owned());
            }
            price.problem().map(|problem| format!("{model}: {problem}"))
        })
    }

    /// Whether this is the default (multiplier 1, no overrides): exports leave it out.
    pub fn is_default(&self) -> bool {
        *self == Self::default()
    }

    /// The price of `model` on this channel: its override as is, else the catalog's price
    /// times the multiplier; `None`: no price.
    pub fn price_of(&self, model: &str, catalog_price: Option<&Price>) -> Option<Price> {
        match self.overrides.get(model) {
            Some(own) => Some(own.clone()),
            None => catalog_price.map(|price| price.times(self.multiplier)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn price(input: f64, output: f64) -> Price {
        Price {
            input: Some(input),
            output: Some(output),
            ..Price::default()
        }
    }

    #[test]
    fn cached_tokens_are_priced_at_the_cache_prices_and_the_rest_at_input() {
        let price = Price {
            cache_read: Some(0.3),
            cache_write: Some(3.75),
            ..price(3.0, 15.0)
        };
        let usage = Usage {
            prompt: Some(1_000_000 + 2_000_000 + 100_000),
            completion: Some(200_000),
            cache_read: Some(2_000_000),
            cache_write: Some(100_000),
            ..Usage::default()
        };
        // 1M plain x 3 + 2M read x 0.3 + 0.1M written x 3.75 + 0.2M out x 15
        let cost = price.cost(&usage).expect("priced");
        assert!((cost - (3.0 + 0.6 + 0.375 + 3.0)).abs() < 1e-9, "{cost}");
    }

    #[test]
    fn no_price_or_no_tokens_is_no_cost_never_zero() {
        let usage = Usage {
            prompt: Some(10),
            completion: Some(10),
            ..Usage::default()
        };
        assert_eq!(Price::default().cost(&usage), None);
        assert_eq!(price(1.0, 1.0).cost(&Usage::default()), None);
    }

    #[test]
    fn a_channel_multiplies_catalog_prices_but_takes_overrides_as_they_are() {
        let mut pricing = Pricing {
            multiplier: 0.5,
            ..Pricing::default()
        };
        pricing.overrides.insert("own".into(), price(9.0, 9.0));
        assert_eq!(
            pricing.price_of("m", Some(&price(2.0, 4.0))),
            Some(price(1.0, 2.0))
        );
        assert_eq!(
            pricing.price_of("own", Some(&price(2.0, 4.0))),
            Some(price(9.0, 9.0))
        );
        assert_eq!(pricing.price_of("m", None), None);
    }
}
