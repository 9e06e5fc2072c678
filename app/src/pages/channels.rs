//! The channels page: every configured provider account. Editing arrives with the full UI;
//! today it lists what the store holds.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// One channel as the UI shows it; the API key never leaves the server.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChannelRow {
    pub name: String,
    pub api_type: String,
    pub base_url: String,
    pub enabled: bool,
}

#[server]
pub async fn list_channels() -> Result<Vec<ChannelRow>, ServerFnError> {
    let state = expect_context::<engine::AppState>();
    let channels = state.store().channel_summaries()?;
    Ok(channels
        .into_iter()
        .map(|c| ChannelRow {
            name: c.name,
            api_type: c.api_type,
            base_url: c.base_url,
            enabled: c.enabled,
        })
        .collect())
}

#[component]
pub fn ChannelsPage() -> impl IntoView {
    let channels = Resource::new(|| (), |_| list_channels());
    view! {
        <h1 class="mb-6 text-2xl font-semibold">"Channels"</h1>
        <Transition fallback=|| view! { <p class="text-slate-500">"Loading…"</p> }>
            {move || channels.get().map(|result| match result {
                Ok(rows) if rows.is_empty() => view! {
                    <p class="text-slate-500">
                        "No channels yet. Import a configuration with "
                        <code>"api-switch import FILE"</code>"."
                    </p>
                }.into_any(),
                Ok(rows) => view! {
                    <table class="min-w-full rounded-lg border border-slate-200 bg-white text-left">
                        <thead class="text-slate-500"><tr>
                            <th class="p-3">"Name"</th><th class="p-3">"Type"</th>
                            <th class="p-3">"Base URL"</th><th class="p-3">"Enabled"</th>
                        </tr></thead>
                        <tbody>
                            {rows.into_iter().map(|row| view! {
                                <tr class="border-t border-slate-100">
                                    <td class="p-3">{row.name}</td>
                                    <td class="p-3">{row.api_type}</td>
                                    <td class="p-3 font-mono text-sm">{row.base_url}</td>
                                    <td class="p-3">{if row.enabled { "yes" } else { "no" }}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any(),
                Err(error) => view! { <p class="text-red-600">{error.to_string()}</p> }.into_any(),
            })}
        </Transition>
    }
}
