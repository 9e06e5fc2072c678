//! The model catalog: what API Switch knows about public models (release date, context length,
//! maximum output, capabilities), read from `models.json` at the top of the repository and
//! embedded in the binary. Any model name a channel reports can be looked up; names differ
//! between providers and resellers, so lookup normalises and fuzzes (see `lookup.rs`).

mod lookup;
mod preselect;

use std::collections::HashMap;
use std::sync::LazyLock;

use serde::{Deserialize, Serialize};
pub use types::listing::CatalogInfo;

pub use lookup::{CatalogMatch, MatchKind};
pub use preselect::{PRESELECT_MONTHS, Preselection, SelectReason, preselect, today_utc};

/// The catalog file, as committed; `docs/catalog.md` says how to update it.
const EMBEDDED: &str = include_str!("../../../models.json");

/// What a model can do beyond plain text chat.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Capability {
    Vision,
    Tools,
    Reasoning,
    Audio,
    ImageOutput,
    WebSearch,
}

/// One model as the catalog describes it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelInfo {
    /// The model's name at its original provider, e.g. `claude-sonnet-4-5`.
    pub id: String,
    /// A human name, e.g. `Claude Sonnet 4.5`.
    pub name: String,
    /// Key into [`Catalog::provider`], e.g. `anthropic`.
    pub provider: String,
    pub family: String,
    /// First public release at the provider.
    pub release_date: jiff::civil::Date,
    pub context_length: u32,
    pub max_output_tokens: u32,
    pub capabilities: Vec<Capability>,
    /// Other names the provider uses for the same model (dated snapshots, `-latest` names).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    #[serde(default)]
    pub open_weights: bool,
    /// Its maker's list prices; `None`: no price known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price: Option<types::pricing::Price>,
}

impl ModelInfo {
    pub fn has(&self, capability: Capability) -> bool {
        self.capabilities.contains(&capability)
    }
}

/// A model maker, with the spellings resellers use for it in prefixed names
/// (`deepseek-ai/DeepSeek-V3`, `moonshotai/kimi-k2`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderInfo {
    pub name: String,
    #[serde(default)]
    pub aliases: Vec<String>,
}

#[derive(Deserialize)]
struct CatalogFile {
    providers: HashMap<String, ProviderInfo>,
    models: Vec<ModelInfo>,
}

/// Why a catalog text could not be used.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("the model catalog is not valid JSON for its schema; fix models.json: {source}")]
    Parse {
        #[source]
        source: serde_json::Error,
    },
    #[error(
        "model {model} names provider {provider}, which models.json does not list under `providers`"
    )]
    UnknownProvider { model: String, provider: String },
}

/// The parsed catalog with its lookup indexes.
#[derive(Debug)]
pub struct Catalog {
    models: Vec<ModelInfo>,
    providers: HashMap<String, ProviderInfo>,
    index: lookup::Index,
}

static EMBEDDED_CATALOG: LazyLock<Catalog> = LazyLock::new(|| {
    Catalog::from_json(EMBEDDED).unwrap_or_else(|error| {
        // A test parses the embedded file, so this only happens to a hand-edited build;
        // an empty catalog still lets the proxy run ("no match" is a valid answer).
        tracing::error!(%error, "the embedded model catalog is unusable; continuing without it");
        Catalog::empty()
    })
});

impl Catalog {
    /// The catalog compiled into this binary, parsed on first use.
    pub fn embedded() -> &'static Catalog {
        &EMBEDDED_CATALOG
    }

    /// Parses a catalog text in the `models.json` format.
    pub fn from_json(text: &str) -> Result<Self, CatalogError> {
        let file: CatalogFile =
            serde_json::from_str(text).map_err(|source| CatalogError::Parse { source })?;
        if let Some(model) = file
            .models
            .iter()
            .find(|m| !file.providers.contains_key(&m.provider))
        {
            return Err(CatalogError::UnknownProvider {
                model: model.id.clone(),
                provider: model.provider.clone(),
            });
        }
        let index = lookup::Index::build(&file.models, &file.providers);
        Ok(Self {
            models: file.models,
            providers: file.providers,
            index,
        })
    }

    fn empty() -> Self {
        Self {
            models: Vec::new(),
            providers: HashMap::new(),
            index: lookup::Index::build(&[], &HashMap::new()),
        }
    }

    pub fn models(&self) -> &[ModelInfo] {
        &self.models
    }

    pub fn provider(&self, key: &str) -> Option<&ProviderInfo> {
        self.providers.get(key)
    }

    /// The catalog's answer for any model name a channel or a client uses; `None` when the
    /// catalog does not know it (a valid answer: many private and new models are not listed).
    pub fn lookup(&self, name: &str) -> Option<CatalogMatch<'_>> {
        self.index.find(name).map(|(position, kind)| CatalogMatch {
            model: &self.models[position],
            kind,
        })
    }

    /// What the catalog knows about `model`, as the screens show it beside the name; `None`
    /// when it does not know the model.
    pub fn info(&self, model: &str) -> Option<CatalogInfo> {
        let found = self.lookup(model)?;
        let info = found.model;
        Some(CatalogInfo {
            name: info.name.clone(),
            provider: info.provider.clone(),
            release_date: info.release_date.to_string(),
            context_length: info.context_length,
            max_output_tokens: info.max_output_tokens,
            capabilities: info
                .capabilities
                .iter()
                .map(|c| format!("{c:?}").to_lowercase())
                .collect(),
            match_kind: match found.kind {
                MatchKind::Exact => "exact",
                MatchKind::Normalised => "normalised",
                MatchKind::Fuzzy => "fuzzy",
            }
            .to_owned(),
        })
    }

    /// The `max_tokens` to send when a client left it out and the upstream requires it
    /// (Anthropic does): the model's own maximum, capped so a non-streaming request stays
    /// short enough for every provider, or [`FALLBACK_MAX_TOKENS`] for unknown models.
    pub fn default_max_tokens(&self, model: &str) -> u32 {
        self.lookup(model)
            .map(|found| found.model.max_output_tokens.min(DEFAULT_MAX_TOKENS_CAP))
            .unwrap_or(FALLBACK_MAX_TOKENS)
    }
}

/// Upper bound of [`Catalog::default_max_tokens`]: large outputs are still possible when the
/// client asks for them; this only fills a missing field.
pub const DEFAULT_MAX_TOKENS_CAP: u32 = 16_384;
/// What [`Catalog::default_max_tokens`] gives an unknown model: every current chat model
/// accepts 4096 output tokens.
pub const FALLBACK_MAX_TOKENS: u32 = 4_096;

#[cfg(test)]
mod tests;
