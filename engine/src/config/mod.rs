//! The whole configuration as one JSON document, for `api-switch import` and `export`. Import
//! checks everything first and reports every problem with its path
//! (`channels[1].base_url: not a URL`, an unknown field included); only a fully valid file is
//! written, in one transaction. By default an import merges: the sections the document holds
//! are written (channels and access keys matched by name), the others left as they are, and a
//! masked secret keeps the stored one (`masked`). `--replace` replaces everything. Each import
//! tells what it changed (`summary`). Export hides API keys unless asked for them.

mod masked;
mod strict;
mod summary;
mod validate;

use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::store::{Channel, ImportMode, OutboundProxy, Sections, Settings, Store, StoreError};
use types::access_keys::KeyLimits;
use types::balance::BalanceSettings;
use types::pricing::Pricing;

pub use summary::{ImportSummary, Tally};
pub use validate::{SHORTEST_ACCESS_KEY, access_key_problem, parse};

/// The version of the document this build writes and reads.
pub const FORMAT_VERSION: u32 = 1;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ConfigFile {
    pub version: u32,
    pub settings: Settings,
    pub access_keys: Vec<AccessKeyFile>,
    pub channels: Vec<ChannelFile>,
    /// Groups with routing options: order mode (`custom`, `fastest`, `newest`) and hedging.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<types::routing::GroupRouting>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AccessKeyFile {
    pub name: String,
    pub key: String,
    /// Requests per minute, tokens per day, US dollars per day and per month; absent: none.
    #[serde(default, skip_serializing_if = "KeyLimits::is_none")]
    pub limits: KeyLimits,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChannelFile {
    pub name: String,
    pub api_type: crate::upstream::ChannelKind,
    pub base_url: String,
    pub api_key: String,
    pub enabled: bool,
    /// Azure's `api-version`; absent or empty means the default.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub api_version: String,
    pub entries: Vec<EntryFile>,
    /// A pool of several keys, or one with a key switched off (then `api_key` is empty).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub keys: Vec<KeyFile>,
    /// The channel's outbound proxy; absent: direct. Its password is masked like a key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proxy: Option<OutboundProxy>,
    /// Its price multiplier and per-model price overrides; absent: the catalog's prices.
    #[serde(default, skip_serializing_if = "Pricing::is_default")]
    pub pricing: Pricing,
    /// How its relay balance is looked up and when it warns; absent: `auto`, no warning.
    #[serde(default, skip_serializing_if = "BalanceFile::is_default")]
    pub balance: BalanceFile,
}

/// A channel's balance settings; the new-api access token is masked like a key.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct BalanceFile {
    #[serde(flatten)]
    pub settings: BalanceSettings,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub access_token: String,
}

impl BalanceFile {
    pub fn is_default(&self) -> bool {
        *self == Self::default()
    }
}

/// One key of a pool.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct KeyFile {
    pub key: String,
    #[serde(default = "on")]
    pub enabled: bool,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub disabled_reason: String,
}

fn on() -> bool {
    true
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EntryFile {
    pub model: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub display_name: String,
    pub group: String,
    pub priority: i64,
    pub enabled: bool,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub disabled_reason: String,
    /// Other names the entry answers to.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("the file is not valid JSON")]
    Json {
        #[source]
        source: serde_json::Error,
    },
    #[error("the configuration has {}, nothing was changed:\n{}", count(problems.len(), "problem"), problems.join("\n"))]
    Invalid { problems: Vec<String> },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// `1 problem`, `3 problems`.
pub fn count(n: usize, thing: &str) -> String {
    if n == 1 {
        format!("1 {thing}")
    } else {
        format!("{n} {thing}s")
    }
}

/// How `import_document` writes.
#[derive(Clone, Copy, Debug, Default)]
pub struct ImportOptions {
    /// Replace the whole configuration (sections left out are emptied) instead of merging.
    pub replace: bool,
    /// Check and count the changes, then roll them back.
    pub dry_run: bool,
}

/// Imports a document as `options` say and tells what changed. Masked secrets keep the stored
/// ones; in a merge the settings the document leaves out keep their stored values.
pub fn import_document(
    store: &Store,
    text: &str,
    options: ImportOptions,
) -> Result<ImportSummary, ConfigError> {
    let mut root: serde_json::Value =
        serde_json::from_str(text).map_err(|source| ConfigError::Json { source })?;
    let stored = store.full_config()?;
    let secrets = masked::StoredSecrets::new(&stored, &store.balances()?);
    let mut problems = strict::Problems::default();
    masked::restore(&mut root, &secrets, &mut problems);
    let holds = |section: &str| root.get(section).is_some_and(|v| !v.is_null());
    let sections = Sections {
        settings: holds("settings"),
        access_keys: holds("access_keys"),
        channels: holds("channels"),
        groups: holds("groups"),
    };
    let (mode, base) = if options.replace {
        (ImportMode::Replace, Settings::default())
    } else {
        (ImportMode::Merge(sections), stored.settings)
    };
    let config = validate::parse_value(&root, problems, &base)?;
    let (before, after) = store.import_config(&config, mode, options.dry_run)?;
    Ok(ImportSummary::between(&before, &after))
}

/// What an export shows instead of a secret (one masking rule for the whole engine).
pub use crate::secrets::mask;

/// Reads the whole configuration as a document; keys are masked unless `include_secrets`.
pub fn export(store: &Store, include_secrets: bool) -> Result<ConfigFile, StoreError> {
    let full = store.full_config()?;
    let mut balances = store.balances()?;
    let secret = |s: &str| {
        if include_secrets {
            s.to_owned()
        } else {
            mask(s)
        }
    };
    Ok(ConfigFile {
        version: FORMAT_VERSION,
        settings: full.settings,
        access_keys: full
            .access_keys
            .iter()
            .map(|k| AccessKeyFile {
                name: k.name.clone(),
                key: secret(k.key.expose()),
                limits: k.limits,
            })
            .collect(),
        channels: full
            .channels
            .into_iter()
            .map(|(channel, entries)| ChannelFile {
                keys: pool_file(&channel, &secret),
                pricing: channel.pricing.clone(),
                balance: balances
                    .remove(&channel.id)
                    .map(|b| BalanceFile {
                        access_token: match b.access_token.expose() {
                            "" => String::new(),
                            token => secret(token),
                        },
                        settings: b.settings,
                    })
                    .unwrap_or_default(),
                proxy: channel.proxy.clone().map(|proxy| OutboundProxy {
                    password: secret(proxy.password.expose()).into(),
                    ..proxy
                }),
                api_key: if is_plain_key(&channel) {
                    secret(channel.key_text().expose())
                } else {
                    String::new()
                },
                name: channel.name,
                api_type: channel.api_type,
                base_url: channel.base_url,
                enabled: channel.enabled,
                api_version: channel.api_version,
                entries: entries
                    .into_iter()
                    .map(|e| EntryFile {
                        model: e.model,
                        display_name: e.display_name,
                        group: e.group,
                        priority: e.priority,
                        enabled: e.enabled,
                        disabled_reason: e.disabled_reason,
                        aliases: e.aliases,
                    })
                    .collect(),
            })
            .collect(),
        groups: full.groups,
    })
}

/// Whether the channel's pool is one key (or none), switched on: written as `api_key`, as
/// before pools existed.
fn is_plain_key(channel: &Channel) -> bool {
    channel.keys.len() <= 1 && channel.keys.iter().all(|k| k.enabled)
}

/// The pool as `keys`, when it is not a plain key.
fn pool_file(channel: &Channel, secret: &impl Fn(&str) -> String) -> Vec<KeyFile> {
    if is_plain_key(channel) {
        return Vec::new();
    }
    channel
        .keys
        .iter()
        .map(|k| KeyFile {
            key: secret(k.key.expose()),
            enabled: k.enabled,
            disabled_reason: k.disabled_reason.clone(),
        })
        .collect()
}

/// Validates `text` and replaces the store's configuration with it (all or nothing).
pub fn import(store: &Store, text: &str) -> Result<(), ConfigError> {
    let config = parse(text)?;
    store.replace_config(&config)?;
    Ok(())
}

impl AppState {
    /// Imports into the running state: the proxy routes by the new configuration at once.
    pub fn import_config(&self, text: &str) -> Result<(), ConfigError> {
        let config = parse(text)?;
        self.flush();
        self.store().replace_config(&config)?;
        self.reload_replaced()?;
        Ok(())
    }
}
