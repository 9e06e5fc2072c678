//! The model catalog: what API Switch knows about public models (release date, context length,
//! maximum output, capabilities, prices), read from `models.json` at the top of the repository
//! and embedded in the binary. Any model name a channel reports can be looked up; names differ
//! between providers and resellers, so lookup normalises and fuzzes (see `lookup.rs`).
//!
//! The catalog in use is [`Catalog::current`]: the embedded one, or the copy a `catalog update`
//! stored in the database (`update.rs`, `stored.rs`), swapped in whole when the configuration
//! is loaded, so a reader never sees half of one and half of another.

mod lookup;
mod models_dev;
mod preselect;
mod problems;
pub(crate) mod stored;
pub(crate) mod update;

use std::collections::HashMap;
use std::sync::{Arc, LazyLock};

use arc_swap::ArcSwap;

use serde::{Deserialize, Serialize};
pub use types::listing::CatalogInfo;

pub use lookup::{CatalogMatch, MatchKind};
pub use preselect::{PRESELECT_MONTHS, Preselection, SelectReason, preselect, today_utc};
pub(crate) use stored::sync_from_store;
pub use types::catalog::{CatalogChanges, CatalogProblem, CatalogStatus};
pub use types::pricing::Price;
pub use update::{CatalogUpdate, parse_source, read_source};

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
    /// What the maker charges; `None` when no source gives a price (never read as free).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price: Option<Price>,
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

/// Where the prices of a catalog come from, as recorded at the top of `models.json`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PricesSource {
    pub source: String,
    /// When the prices were taken, `YYYY-MM-DD`.
    pub date: String,
}

/// The `models.json` format, as read and as a stored update is written.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct CatalogFile {
    #[serde(default = "schema_one")]
    pub schema: u32,
    /// The day the catalog was last compiled, `YYYY-MM-DD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prices: Option<PricesSource>,
    pub providers: HashMap<String, ProviderInfo>,
    pub models: Vec<ModelInfo>,
}

fn schema_one() -> u32 {
    1
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
    updated: Option<String>,
    prices: Option<PricesSource>,
    index: lookup::Index,
}

static EMBEDDED_CATALOG: LazyLock<Arc<Catalog>> = LazyLock::new(|| {
    Arc::new(Catalog::from_json(EMBEDDED).unwrap_or_else(|error| {
        // A test parses the embedded file, so this only happens to a hand-edited build;
        // an empty catalog still lets the proxy run ("no match" is a valid answer).
        tracing::error!(%error, "the embedded model catalog is unusable; continuing without it");
        Catalog::empty()
    }))
});

/// The catalog in use; the embedded one until a stored update is loaded.
static CURRENT_CATALOG: LazyLock<ArcSwap<Catalog>> =
    LazyLock::new(|| ArcSwap::new(Arc::clone(&EMBEDDED_CATALOG)));

impl Catalog {
    /// The catalog compiled into this binary, parsed on first use: the offline default and
    /// what `catalog reset` goes back to. Product code reads [`Catalog::current`].
    pub fn embedded() -> &'static Catalog {
        &EMBEDDED_CATALOG
    }

    /// The catalog in use now: a stored update when the database holds one, else the
    /// embedded one. Cheap (an atomic load); hold the `Arc` for as long as one answer must
    /// come from one catalog.
    pub fn current() -> Arc<Catalog> {
        CURRENT_CATALOG.load_full()
    }

    /// Makes `catalog` the one in use (the store's copy, loaded by `sync_from_store`).
    pub(crate) fn install(catalog: Arc<Catalog>) {
        CURRENT_CATALOG.store(catalog);
    }

    /// Makes the embedded catalog the one in use again.
    pub(crate) fn install_embedded() {
        CURRENT_CATALOG.store(Arc::clone(&EMBEDDED_CATALOG));
    }

    /// Parses a catalog text in the `models.json` format.
    pub fn from_json(text: &str) -> Result<Self, CatalogError> {
        let file: CatalogFile =
            serde_json::from_str(text).map_err(|source| CatalogError::Parse { source })?;
        Self::from_file(file)
    }

    pub(crate) fn from_file(file: CatalogFile) -> Result<Self, CatalogError> {
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
            updated: file.updated,
            prices: file.prices,
            index,
        })
    }

    /// The catalog in the `models.json` format, as a stored update keeps it.
    pub(crate) fn to_file(&self) -> CatalogFile {
        CatalogFile {
            schema: 1,
            updated: self.updated.clone(),
            prices: self.prices.clone(),
            providers: self.providers.clone(),
            models: self.models.clone(),
        }
    }

    fn empty() -> Self {
        Self {
            models: Vec::new(),
            providers: HashMap::new(),
            updated: None,
            prices: None,
            index: lookup::Index::build(&[], &HashMap::new()),
        }
    }

    /// The day the catalog was compiled, as its file says.
    pub fn updated(&self) -> Option<&str> {
        self.updated.as_deref()
    }

    /// Where its prices come from, as its file says.
    pub fn prices_source(&self) -> Option<&PricesSource> {
        self.prices.as_ref()
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
            price: info.price.clone(),
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
