//! Channels and their entries, the two screens a user spends their first minutes on: the
//! Channels screen (provider accounts, added through live calibration) and API management
//! (every entry by group, in the order the proxy tries them, with "Test all"). Both read the
//! same listing, defined here with the server functions they share; each screen is its own
//! module and neither imports the other.

pub mod add_channel;
pub mod api_entries;
pub mod channel_keys;
pub mod channel_list;
pub mod channel_models;
pub mod channel_proxy;
pub mod entries;
pub mod entry_aliases;
mod entry_row;
pub mod group_routing;
pub mod speedtest;
pub mod test_all;

use leptos::prelude::*;
use leptos::task::spawn_local;
use serde::{Deserialize, Serialize};

use crate::errors::UiError;

pub use api_entries::EntriesScreen;
pub use channel_list::ChannelsScreen;

/// What the catalog knows about a model, as shown beside its name.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CatalogInfo {
    pub name: String,
    pub provider: String,
    pub release_date: String,
    pub context_length: u32,
    pub max_output_tokens: u32,
    pub capabilities: Vec<String>,
    /// `exact`, `normalised` or `fuzzy` (a guess).
    pub match_kind: String,
}

impl CatalogInfo {
    /// One short line in `locale` after the model's name: release date, context,
    /// capabilities.
    pub fn details(&self, locale: crate::i18n::Locale) -> String {
        use crate::i18n::td_string;
        let k = self.context_length / 1000;
        let mut text = format!(
            " · {} · {}",
            self.release_date,
            td_string!(locale, channels.context_k, k)
        );
        let capabilities = self.capability_words(locale);
        if !capabilities.is_empty() {
            text.push_str(" · ");
            text.push_str(&capabilities);
        }
        if self.match_kind == "fuzzy" {
            text.push(' ');
            text.push_str(td_string!(locale, channels.guess));
        }
        text
    }

    /// The capabilities in words of `locale`, comma separated.
    pub fn capability_words(&self, locale: crate::i18n::Locale) -> String {
        use crate::i18n::td_string;
        self.capabilities
            .iter()
            .map(|c| match c.as_str() {
                "vision" => td_string!(locale, capabilities.vision).to_string(),
                "tools" => td_string!(locale, capabilities.tools).to_string(),
                "reasoning" => td_string!(locale, capabilities.reasoning).to_string(),
                "audio" => td_string!(locale, capabilities.audio).to_string(),
                "imageoutput" => td_string!(locale, capabilities.image_output).to_string(),
                "websearch" => td_string!(locale, capabilities.web_search).to_string(),
                other => other.to_owned(),
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The last speed test of an entry.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LastTest {
    pub ok: bool,
    pub ttfb_ms: Option<i64>,
    pub total_ms: Option<i64>,
    pub error: String,
}

/// One entry as the UI shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EntryRow {
    pub id: i64,
    pub model: String,
    pub display_name: String,
    pub group: String,
    pub priority: i64,
    pub enabled: bool,
    pub disabled_reason: String,
    pub cooling: bool,
    /// When the cooldown ends (Unix ms) and how much of it was left when listed.
    pub cooldown_until_ms: i64,
    pub cooldown_left_ms: i64,
    pub channel_id: i64,
    pub channel: String,
    pub last_response_ms: Option<i64>,
    pub catalog: Option<CatalogInfo>,
    pub last_test: Option<LastTest>,
    /// Other names the entry answers to (routing's alias tier).
    pub aliases: Vec<String>,
    /// When a recovery probe last succeeded since the entry was switched off or began
    /// cooling (Unix ms).
    pub last_probe_ok_ms: Option<i64>,
}

/// One channel as the UI shows it; the API key never leaves the server.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChannelRow {
    pub id: i64,
    pub name: String,
    pub api_type: String,
    pub base_url: String,
    pub enabled: bool,
    pub has_key: bool,
    /// The key's first and last characters around a mask (`sk-…abcd`); never the key.
    pub key_hint: String,
    /// Azure's `api-version` (empty: the default).
    pub api_version: String,
    pub entries: Vec<EntryRow>,
}

/// A group and how many entries it holds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GroupRow {
    pub name: String,
    pub entries: usize,
}

#[cfg(feature = "ssr")]
pub(crate) mod ssr {
    use super::CatalogInfo;
    use engine::catalog::{Catalog, MatchKind};

    /// The catalog's facts for `model`, or `None` when it does not know it.
    pub fn catalog_info(model: &str) -> Option<CatalogInfo> {
        let found = Catalog::embedded().lookup(model)?;
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
}

/// Every channel with its entries (in priority order) and their catalog facts.
#[server]
pub async fn list_channels() -> Result<Vec<ChannelRow>, UiError> {
    let state = crate::engine_call::state()?;
    let config = state.full_config().await?;
    let tests = state.speed_test_records().await?;
    Ok(channel_rows(config, &tests))
}

#[cfg(feature = "ssr")]
fn channel_rows(
    config: engine::store::FullConfig,
    tests: &std::collections::HashMap<i64, engine::store::SpeedTestRecord>,
) -> Vec<ChannelRow> {
    let now = engine::clock::now_ms();
    config
        .channels
        .into_iter()
        .map(|(channel, mut entries)| {
            entries.sort_by_key(|e| (e.priority, e.id));
            let channel_name = channel.name.clone();
            ChannelRow {
                id: channel.id,
                name: channel.name,
                api_type: channel.api_type.to_string(),
                base_url: channel.base_url,
                enabled: channel.enabled,
                has_key: !channel.keys.is_empty(),
                key_hint: engine::secrets::mask(
                    channel.keys.first().map_or("", |k| k.key.expose().trim()),
                ),
                api_version: channel.api_version,
                entries: entries
                    .into_iter()
                    .map(|e| EntryRow {
                        catalog: ssr::catalog_info(&e.model),
                        last_test: tests.get(&e.id).map(|t| LastTest {
                            ok: t.ok,
                            ttfb_ms: t.ttfb_ms,
                            total_ms: t.total_ms,
                            error: t.error.clone(),
                        }),
                        id: e.id,
                        model: e.model,
                        display_name: e.display_name,
                        group: e.group,
                        priority: e.priority,
                        enabled: e.enabled,
                        disabled_reason: e.disabled_reason,
                        cooling: e.cooldown_until_ms > now,
                        cooldown_until_ms: e.cooldown_until_ms,
                        cooldown_left_ms: (e.cooldown_until_ms - now).max(0),
                        channel_id: e.channel_id,
                        channel: channel_name.clone(),
                        last_response_ms: e.last_response_ms,
                        aliases: e.aliases,
                        last_probe_ok_ms: e.last_probe_ok_ms,
                    })
                    .collect(),
            }
        })
        .collect()
}

/// Every model id the catalog knows, for the suggestions under "add a model by hand".
#[server]
pub async fn catalog_model_ids() -> Result<Vec<String>, UiError> {
    Ok(engine::catalog::Catalog::embedded()
        .models()
        .iter()
        .map(|m| m.id.clone())
        .collect())
}

#[server]
pub async fn list_groups() -> Result<Vec<GroupRow>, UiError> {
    let groups = crate::engine_call::state()?.groups().await?;
    Ok(groups
        .into_iter()
        .map(|g| GroupRow {
            name: g.name,
            entries: g.entries,
        })
        .collect())
}

/// Shared by every control on the screen: bump it to reload the lists, set an error to show it.
#[derive(Clone, Copy)]
pub struct PageContext {
    pub refresh: RwSignal<u64>,
    pub error: RwSignal<Option<UiError>>,
}

impl PageContext {
    /// Runs a server call from a click, then reloads the lists (or shows what went wrong).
    pub fn run<F>(self, call: F)
    where
        F: std::future::Future<Output = Result<(), UiError>> + 'static,
    {
        spawn_local(async move {
            let outcome = call.await;
            self.error.try_set(outcome.err());
            self.refresh.try_update(|v| *v += 1);
        });
    }
}
