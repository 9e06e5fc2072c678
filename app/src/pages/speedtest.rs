//! Speed test buttons: everything, one channel or one entry. The server function runs the
//! engine's speed test to the end and returns every result; each is also stored on its entry,
//! so the page reloads its lists every second while a test runs and results appear live. (The
//! engine's `SpeedTestRun::progress` stream is the push alternative for the full UI.)

use std::time::Duration;

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::channels::PageContext;

/// What a speed test covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum TestTarget {
    All,
    Channel(i64),
    Entry(i64),
}

/// One entry's result.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SpeedRow {
    pub entry_id: i64,
    pub channel: String,
    pub model: String,
    pub ok: bool,
    pub ttfb_ms: Option<u64>,
    pub total_ms: Option<u64>,
    pub error: Option<String>,
    pub auto_disabled: bool,
}

#[server(input = leptos::server_fn::codec::Json)]
pub async fn run_speed_test(target: TestTarget) -> Result<Vec<SpeedRow>, ServerFnError> {
    use engine::speedtest::{Scope, SpeedTestOptions};
    let state = expect_context::<engine::AppState>();
    let scope = match target {
        TestTarget::All => Scope::All,
        TestTarget::Channel(id) => Scope::Channel(id),
        TestTarget::Entry(id) => Scope::Entry(id),
    };
    let run = state.start_speed_test(scope, SpeedTestOptions::default());
    let results = run
        .done
        .await
        .map_err(|e| ServerFnError::new(e.to_string()))?;
    Ok(results
        .into_iter()
        .map(|r| SpeedRow {
            entry_id: r.entry_id,
            channel: r.channel,
            model: r.model,
            ok: r.ok,
            ttfb_ms: r.ttfb_ms,
            total_ms: r.total_ms,
            error: r.error,
            auto_disabled: r.auto_disabled,
        })
        .collect())
}

#[component]
pub fn SpeedTestButton(target: TestTarget, label: &'static str) -> impl IntoView {
    let page = expect_context::<PageContext>();
    let running = RwSignal::new(false);
    view! {
        <button
            class="rounded bg-slate-900 px-2 py-0.5 text-xs text-white hover:bg-slate-700 disabled:opacity-50"
            disabled=move || running.get()
            on:click=move |_| {
                running.set(true);
                // Each result is stored on its entry as it arrives, so reloading the lists
                // while the test runs shows the results live.
                let poll = set_interval_with_handle(
                    move || page.refresh.update(|v| *v += 1),
                    Duration::from_secs(1),
                )
                .ok();
                page.run(async move {
                    let outcome = run_speed_test(target).await.map(|_| ());
                    if let Some(poll) = poll {
                        poll.clear();
                    }
                    // The reload may have replaced this button already.
                    running.try_set(false);
                    outcome
                });
            }
        >
            {move || if running.get() { "Testing…" } else { label }}
        </button>
    }
    .into_any()
}
