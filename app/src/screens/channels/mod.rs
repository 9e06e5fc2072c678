//! The channels screen: every provider account with its entries, the catalog's facts next to
//! each model name, and the controls for every channel and entry operation. Part 2 of the UI
//! redesigns it; until then it keeps each operation reachable, translated and live (it
//! refetches when the event stream reports a change).

pub mod add_channel;
pub mod channel_models;
pub mod entries;
pub mod speedtest;

use leptos::prelude::*;
use leptos::task::spawn_local;
use serde::{Deserialize, Serialize};

use crate::components::layout::PageHeader;
use crate::components::style::{CARD, MUTED, TABLE, TH};
use crate::errors::{ErrorText, UiError};
use crate::i18n::{t, t_string, use_i18n};
use crate::shell::live::{is_config_change, use_live};
use add_channel::AddChannel;
use channel_models::FetchModels;
use entries::{ChannelControls, EntryView};
use speedtest::{SpeedTestButton, TestTarget};

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
        let capabilities: Vec<String> = self
            .capabilities
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
            .collect();
        if !capabilities.is_empty() {
            text.push_str(" · ");
            text.push_str(&capabilities.join(", "));
        }
        if self.match_kind == "fuzzy" {
            text.push(' ');
            text.push_str(td_string!(locale, channels.guess));
        }
        text
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
    pub last_response_ms: Option<i64>,
    pub catalog: Option<CatalogInfo>,
    pub last_test: Option<LastTest>,
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
    crate::engine_call::blocking(|state| {
        let config = state.store().full_config()?;
        let tests = state.store().speed_tests()?;
        Ok::<_, engine::store::StoreError>((config, tests))
    })
    .await
    .map(|(config, tests)| channel_rows(config, &tests))
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
            ChannelRow {
                id: channel.id,
                name: channel.name,
                api_type: channel.api_type.to_string(),
                base_url: channel.base_url,
                enabled: channel.enabled,
                has_key: !channel.api_key.is_empty(),
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
                        last_response_ms: e.last_response_ms,
                    })
                    .collect(),
            }
        })
        .collect()
}

#[server]
pub async fn list_groups() -> Result<Vec<GroupRow>, UiError> {
    crate::engine_call::blocking(|state| state.store().groups())
        .await
        .map(|groups| {
            groups
                .into_iter()
                .map(|g| GroupRow {
                    name: g.name,
                    entries: g.entries,
                })
                .collect()
        })
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

#[component]
pub fn ChannelsScreen() -> impl IntoView {
    let i18n = use_i18n();
    let page = PageContext {
        refresh: RwSignal::new(0),
        error: RwSignal::new(None),
    };
    provide_context(page);
    let changed = use_live().changes(is_config_change);
    let channels = Resource::new(
        move || (page.refresh.get(), changed.get()),
        |_| list_channels(),
    );
    let groups = Resource::new(
        move || (page.refresh.get(), changed.get()),
        |_| list_groups(),
    );
    view! {
        <PageHeader title=Signal::derive(move || t_string!(i18n, channels.title).to_string())
            intro=Signal::derive(move || t_string!(i18n, channels.intro).to_string())>
            <SpeedTestButton target=TestTarget::All label=Signal::derive(move || t_string!(i18n, channels.test_all).to_string())/>
        </PageHeader>
        <div id="page-error"><ErrorText error=page.error/></div>
        <AddChannel/>
        <Transition fallback=move || view! { <p class=MUTED>{t!(i18n, common.loading)}</p> }>
            {move || groups.get().and_then(Result::ok).map(|groups| view! {
                <p id="groups" class="mb-4 text-sm text-slate-600 dark:text-slate-400">
                    {t!(i18n, channels.groups)}" "
                    <span translate="no">{groups.into_iter().map(|g| format!("{} ({})", g.name, g.entries)).collect::<Vec<_>>().join(", ")}</span>
                </p>
            })}
            {move || channels.get().map(|result| match result {
                Ok(rows) if rows.is_empty() => view! {
                    <p class=MUTED>{t!(i18n, channels.none)}" "<code>"api-switch import FILE"</code></p>
                }.into_any(),
                Ok(rows) => {
                    let order: Vec<i64> = global_order(&rows);
                    rows.into_iter().map(|channel| view! {
                        <ChannelView channel order=order.clone()/>
                    }).collect_view().into_any()
                }
                Err(error) => view! { <ErrorText error=Some(error)/> }.into_any(),
            })}
        </Transition>
    }
    .into_any()
}

/// Every entry id in priority order, across channels (what a reorder sends back).
fn global_order(rows: &[ChannelRow]) -> Vec<i64> {
    let mut all: Vec<(i64, i64)> = rows
        .iter()
        .flat_map(|c| c.entries.iter().map(|e| (e.priority, e.id)))
        .collect();
    all.sort();
    all.into_iter().map(|(_, id)| id).collect()
}

#[component]
fn ChannelView(channel: ChannelRow, order: Vec<i64>) -> impl IntoView {
    let i18n = use_i18n();
    let id = channel.id;
    let enabled = channel.enabled;
    let has_key = channel.has_key;
    view! {
        <section class=format!("mb-6 {CARD}") data-channel=id>
            <header class="mb-3 flex flex-wrap items-center gap-3">
                <h2 class="text-lg font-semibold" translate="no">{channel.name.clone()}</h2>
                <span class="text-sm text-slate-600 dark:text-slate-400" translate="no">{channel.api_type.clone()}</span>
                <span class="break-all font-mono text-sm">{channel.base_url.clone()}</span>
                <span class="text-sm">{move || if enabled { t_string!(i18n, common.enabled).to_string() } else { t_string!(i18n, common.disabled).to_string() }}</span>
                <span class="text-sm text-slate-600 dark:text-slate-400">{move || if has_key { t_string!(i18n, channels.key_set).to_string() } else { t_string!(i18n, channels.no_key).to_string() }}</span>
            </header>
            <div class="mb-3 flex flex-wrap items-center gap-2">
                {view! {
                    <ChannelControls id enabled=channel.enabled/>
                    <SpeedTestButton target=TestTarget::Channel(id) label=Signal::derive(move || t_string!(i18n, channels.test_channel).to_string())/>
                    <FetchModels channel_id=id/>
                }.into_any()}
            </div>
            <div class="overflow-x-auto" tabindex="0">
                <table class=TABLE>
                    <thead><tr>
                        <th scope="col" class=TH>{t!(i18n, channels.col_model)}</th>
                        <th scope="col" class=TH>{t!(i18n, channels.col_catalog)}</th>
                        <th scope="col" class=TH>{t!(i18n, channels.col_group)}</th>
                        <th scope="col" class=TH>{t!(i18n, channels.col_state)}</th>
                        <th scope="col" class=TH>{t!(i18n, channels.col_last_test)}</th>
                        <th scope="col" class=TH>{t!(i18n, channels.col_actions)}</th>
                    </tr></thead>
                    <tbody class="divide-y divide-slate-100 dark:divide-slate-800">
                        {channel.entries.into_iter().map(|entry| view! {
                            <EntryView entry order=order.clone()/>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
    }
    // Erased so the page's view type stays within the compiler's depth limit.
    .into_any()
}
