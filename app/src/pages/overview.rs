//! The overview page: where the data lives, how long the server has run, how much is set up.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// What the overview shows about the running server.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StatusReport {
    pub version: String,
    pub data_file: String,
    pub channel_count: u64,
    pub uptime_secs: u64,
}

/// Reads the live status of the server this page is served by.
#[server]
pub async fn server_status() -> Result<StatusReport, ServerFnError> {
    let state = expect_context::<engine::AppState>();
    let store = state.store();
    Ok(StatusReport {
        version: env!("CARGO_PKG_VERSION").to_owned(),
        data_file: store.path().display().to_string(),
        channel_count: store.channel_count()?,
        uptime_secs: state.uptime_secs(),
    })
}

#[component]
pub fn OverviewPage() -> impl IntoView {
    let check = ServerAction::<ServerStatus>::new();
    let initial = Resource::new(|| (), |_| server_status());
    view! {
        <h1 class="mb-6 text-2xl font-semibold">"Overview"</h1>
        <section class="max-w-xl rounded-lg border border-slate-200 bg-white p-6 shadow-sm">
            <Transition fallback=|| view! { <p class="text-slate-500">"Loading…"</p> }>
                {move || {
                    // After a click the action's answer is the freshest; before it, the page's own.
                    let latest = check.value().get().or_else(|| initial.get());
                    latest.map(|result| view! { <StatusView result/> })
                }}
            </Transition>
            <button
                id="check-server"
                class="mt-4 rounded bg-slate-900 px-4 py-2 text-white hover:bg-slate-700 disabled:opacity-50"
                disabled=move || check.pending().get()
                on:click=move |_| {
                    check.dispatch(ServerStatus {});
                }
            >
                "Check server"
            </button>
            <Show when=move || { check.version().get() > 0 }>
                <p id="checked-count" class="mt-2 text-sm text-slate-500">
                    {move || format!("Checked {} time(s) from this page", check.version().get())}
                </p>
            </Show>
        </section>
    }
}

#[component]
fn StatusView(result: Result<StatusReport, ServerFnError>) -> impl IntoView {
    match result {
        Ok(status) => view! {
            <dl class="grid grid-cols-[max-content_1fr] gap-x-6 gap-y-2" id="server-status">
                <dt class="text-slate-500">"Version"</dt>
                <dd>{status.version}</dd>
                <dt class="text-slate-500">"Data file"</dt>
                <dd id="data-file" class="break-all font-mono text-sm">{status.data_file}</dd>
                <dt class="text-slate-500">"Channels"</dt>
                <dd id="channel-count">{status.channel_count}</dd>
                <dt class="text-slate-500">"Uptime"</dt>
                <dd id="uptime">{format!("{} s", status.uptime_secs)}</dd>
            </dl>
        }
        .into_any(),
        Err(error) => view! { <p class="text-red-600">{error.to_string()}</p> }.into_any(),
    }
}
