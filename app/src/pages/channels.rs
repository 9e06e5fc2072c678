//! The channels page: every provider account with its entries, the catalog's facts next to
//! each model name, and the controls for every channel and entry operation. The full UI comes
//! later; this page keeps each operation reachable and working.

use leptos::prelude::*;
use leptos::task::spawn_local;
use serde::{Deserialize, Serialize};

use super::add_channel::AddChannel;
use super::channel_models::FetchModels;
use super::entries::{ChannelControls, EntryView};
use super::speedtest::{SpeedTestButton, TestTarget};

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
    /// One short line: release date, context, capabilities.
    pub fn summary(&self) -> String {
        let mut text = format!(
            "{} · {} · {}k ctx",
            self.name,
            self.release_date,
            self.context_length / 1000
        );
        if !self.capabilities.is_empty() {
            text.push_str(" · ");
            text.push_str(&self.capabilities.join(", "));
        }
        if self.match_kind == "fuzzy" {
            text.push_str(" (guess)");
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
pub async fn list_channels() -> Result<Vec<ChannelRow>, ServerFnError> {
    let state = expect_context::<engine::AppState>();
    let config = state.store().full_config()?;
    let tests = state.store().speed_tests()?;
    let now = engine::clock::now_ms();
    Ok(config
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
        .collect())
}

#[server]
pub async fn list_groups() -> Result<Vec<GroupRow>, ServerFnError> {
    let state = expect_context::<engine::AppState>();
    Ok(state
        .store()
        .groups()?
        .into_iter()
        .map(|g| GroupRow {
            name: g.name,
            entries: g.entries,
        })
        .collect())
}

/// Shared by every control on the page: bump it to reload the lists, set an error to show it.
#[derive(Clone, Copy)]
pub struct PageContext {
    pub refresh: RwSignal<u64>,
    pub error: RwSignal<Option<String>>,
}

impl PageContext {
    /// Runs a server call from a click, then reloads the lists (or shows what went wrong).
    pub fn run<F>(self, call: F)
    where
        F: std::future::Future<Output = Result<(), ServerFnError>> + 'static,
    {
        spawn_local(async move {
            match call.await {
                Ok(()) => self.error.set(None),
                Err(error) => self.error.set(Some(error.to_string())),
            }
            self.refresh.update(|v| *v += 1);
        });
    }
}

#[component]
pub fn ChannelsPage() -> impl IntoView {
    let page = PageContext {
        refresh: RwSignal::new(0),
        error: RwSignal::new(None),
    };
    provide_context(page);
    let channels = Resource::new(move || page.refresh.get(), |_| list_channels());
    let groups = Resource::new(move || page.refresh.get(), |_| list_groups());
    view! {
        <h1 class="mb-6 text-2xl font-semibold">"Channels"</h1>
        <div class="mb-4 flex gap-2">
            <SpeedTestButton target=TestTarget::All label="Test all"/>
        </div>
        {move || page.error.get().map(|e| view! { <p id="page-error" class="mb-4 text-red-600">{e}</p> })}
        <AddChannel/>
        <Transition fallback=|| view! { <p class="text-slate-500">"Loading…"</p> }>
            {move || groups.get().and_then(Result::ok).map(|groups| view! {
                <p id="groups" class="mb-4 text-sm text-slate-500">
                    "Groups: "
                    {groups.into_iter().map(|g| format!("{} ({})", g.name, g.entries)).collect::<Vec<_>>().join(", ")}
                </p>
            })}
            {move || channels.get().map(|result| match result {
                Ok(rows) if rows.is_empty() => view! {
                    <p class="text-slate-500">
                        "No channels yet. Add one above, or import a configuration with "
                        <code>"api-switch import FILE"</code>"."
                    </p>
                }.into_any(),
                Ok(rows) => {
                    let order: Vec<i64> = global_order(&rows);
                    rows.into_iter().map(|channel| view! {
                        <ChannelView channel order=order.clone()/>
                    }).collect_view().into_any()
                }
                Err(error) => view! { <p class="text-red-600">{error.to_string()}</p> }.into_any(),
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
    let id = channel.id;
    view! {
        <section class="mb-6 rounded-lg border border-slate-200 bg-white p-4" data-channel=id>
            <header class="mb-2 flex flex-wrap items-center gap-3">
                <h2 class="text-lg font-semibold">{channel.name.clone()}</h2>
                <span class="text-sm text-slate-500">{channel.api_type.clone()}</span>
                <span class="font-mono text-sm">{channel.base_url.clone()}</span>
                <span class="text-sm">{if channel.enabled { "enabled" } else { "disabled" }}</span>
                <span class="text-sm text-slate-500">{if channel.has_key { "key set" } else { "no key" }}</span>
                {view! {
                    <ChannelControls id enabled=channel.enabled/>
                    <SpeedTestButton target=TestTarget::Channel(id) label="Test channel"/>
                    <FetchModels channel_id=id/>
                }.into_any()}
            </header>
            <table class="min-w-full text-left text-sm">
                <thead class="text-slate-500"><tr>
                    <th class="p-2">"Model"</th><th class="p-2">"Catalog"</th><th class="p-2">"Group"</th>
                    <th class="p-2">"State"</th><th class="p-2">"Last test"</th><th class="p-2">"Actions"</th>
                </tr></thead>
                <tbody>
                    {channel.entries.into_iter().map(|entry| view! {
                        <EntryView entry order=order.clone()/>
                    }).collect_view()}
                </tbody>
            </table>
        </section>
    }
    // Erased so the page's view type stays within the compiler's depth limit.
    .into_any()
}
