//! "Test all": one click speed-tests every enabled entry, channels in parallel. The run is
//! detached on the server; each result arrives on the live stream and fills its row at once
//! (a spinner while pending, green milliseconds or a red ✗ with the reason), with overall
//! progress above, and the run can be cancelled. The engine's rules hold: a failed test never
//! switches an entry on, and switches one off only by the auto-disable rule.

use std::collections::{HashMap, HashSet};

use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use types::events::Event;
use types::speedtest::TestResult;

use super::PageContext;
use crate::components::style::{BUTTON_PRIMARY, BUTTON_SECONDARY, MUTED};
use crate::errors::UiError;
use crate::i18n::{t, t_string, use_i18n};
use crate::shell::live::use_live;

/// A started run: its id (to cancel it) and the entries it tests.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StartedRun {
    pub run: u64,
    pub entries: Vec<i64>,
}

/// Starts "Test all" in the background; results come on the live stream.
#[server]
pub async fn start_test_all() -> Result<StartedRun, UiError> {
    use engine::speedtest::{Scope, SpeedTestOptions};
    let state = crate::engine_call::state()?;
    let started = state.start_detached_speed_test(Scope::All, SpeedTestOptions::default());
    Ok(StartedRun {
        run: started.run,
        entries: started.entries,
    })
}

/// Stops run `run`; `false` when it had already ended.
#[server]
pub async fn cancel_test_all(run: u64) -> Result<bool, UiError> {
    Ok(crate::engine_call::state()?.cancel_speed_test(run))
}

/// The page's view of the run, shared by the bar and every row.
#[derive(Clone, Copy)]
pub struct TestAll {
    run: RwSignal<Option<u64>>,
    /// Entries still waiting for a result in this run.
    pending: RwSignal<HashSet<i64>>,
    total: RwSignal<usize>,
    /// Results that arrived on the live stream since the page opened, newest per entry.
    results: RwSignal<HashMap<i64, TestResult>>,
    /// Entries whose result arrived after the click but before the server's answer.
    early: RwSignal<HashSet<i64>>,
    /// How many were done when the user cancelled the run (`None`: not cancelled).
    cancelled_at: RwSignal<Option<usize>>,
}

impl TestAll {
    /// Starts listening to the live stream and provides the state to the rows.
    pub fn provide() -> Self {
        let this = Self {
            run: RwSignal::new(None),
            pending: RwSignal::new(HashSet::new()),
            total: RwSignal::new(0),
            results: RwSignal::new(HashMap::new()),
            early: RwSignal::new(HashSet::new()),
            cancelled_at: RwSignal::new(None),
        };
        let live = use_live();
        Effect::new(move || {
            if let Some(Event::SpeedTest { result }) = live.latest() {
                let id = result.entry_id;
                this.results.update(|r| {
                    r.insert(id, result);
                });
                this.early.update(|e| {
                    e.insert(id);
                });
                this.pending.update(|p| {
                    p.remove(&id);
                });
            }
        });
        provide_context(this);
        this
    }

    pub fn is_running(self) -> bool {
        !self.pending.with(HashSet::is_empty)
    }

    /// Whether `entry` is waiting for its result in the current run.
    pub fn is_pending(self, entry: i64) -> bool {
        self.pending.with(|p| p.contains(&entry))
    }

    /// The newest result of `entry` from the live stream.
    pub fn live_result(self, entry: i64) -> Option<TestResult> {
        self.results.with(|r| r.get(&entry).cloned())
    }
}

/// The "Test all" button (Cancel while running) and the overall progress.
#[component]
pub fn TestAllBar() -> impl IntoView {
    let i18n = use_i18n();
    let page = expect_context::<PageContext>();
    let state = expect_context::<TestAll>();
    let start = Action::new_local(move |_: &()| {
        state.early.set(HashSet::new());
        state.cancelled_at.set(None);
        async move {
            match start_test_all().await {
                Ok(started) => {
                    let early = state.early.get_untracked();
                    let waiting: HashSet<i64> = started
                        .entries
                        .iter()
                        .copied()
                        .filter(|id| !early.contains(id))
                        .collect();
                    state.total.set(started.entries.len());
                    state.run.set(Some(started.run));
                    state.pending.set(waiting);
                }
                Err(error) => page.error.set(Some(error)),
            }
        }
    });
    let cancel = move |_| {
        let run = state.run.get_untracked();
        let done = state.total.get_untracked() - state.pending.with_untracked(HashSet::len);
        state.cancelled_at.set(Some(done));
        state.pending.set(HashSet::new());
        if let Some(run) = run {
            page.run(async move { cancel_test_all(run).await.map(|_| ()) });
        }
    };
    let done = move || state.total.get() - state.pending.with(HashSet::len);
    view! {
        <div class="flex flex-wrap items-center gap-3" id="test-all">
            <Show when=move || state.is_running()
                fallback=move || view! {
                    <button id="test-all-button" type="button" class=BUTTON_PRIMARY disabled=move || start.pending().get()
                        on:click=move |_| { start.dispatch(()); }>
                        {t!(i18n, channels.test_all)}
                    </button>
                }>
                <button id="test-all-cancel" type="button" class=BUTTON_SECONDARY on:click=cancel>
                    {t!(i18n, common.cancel)}
                </button>
            </Show>
            <Show when=move || { state.total.get() > 0 }>
                <div class="flex items-center gap-2">
                    <progress id="test-all-progress" class="h-2 w-40 accent-indigo-600" max=move || state.total.get()
                        value=done aria-label=move || t_string!(i18n, channels.test_progress_label).to_string()></progress>
                    <span class=format!("text-sm tabular-nums {MUTED}") role="status" id="test-all-status">
                        {move || match (state.is_running(), state.cancelled_at.get()) {
                            (true, _) => t_string!(i18n, channels.tested_of, done = done(), total = state.total.get()).to_string(),
                            (false, Some(done)) => t_string!(i18n, channels.cancelled_at, done = done, total = state.total.get()).to_string(),
                            (false, None) => t_string!(i18n, channels.tested_all, total = state.total.get()).to_string(),
                        }}
                    </span>
                </div>
            </Show>
        </div>
    }
    .into_any()
}

/// An entry's last test: a spinner while "Test all" waits for it, green milliseconds, or a red
/// ✗ whose reason shows on hover and on keyboard focus; else the last response time.
#[component]
pub fn TestCell(
    entry: i64,
    stored: Option<TestResult>,
    last_response_ms: Option<i64>,
) -> impl IntoView {
    let i18n = use_i18n();
    let state = expect_context::<TestAll>();
    let tip = format!("test-reason-{entry}");
    move || {
        if state.is_pending(entry) {
            return view! {
                <span class="inline-flex items-center gap-2" data-test="running">
                    <span class="inline-block h-4 w-4 animate-spin rounded-full border-2 border-indigo-600 border-t-transparent dark:border-indigo-400 dark:border-t-transparent" aria-hidden="true"></span>
                    <span class="sr-only">{t!(i18n, channels.testing)}</span>
                </span>
            }
            .into_any();
        }
        match state.live_result(entry).or_else(|| stored.clone()) {
            Some(test) if test.ok => view! {
                <span class="font-medium tabular-nums text-emerald-700 dark:text-emerald-400" data-test="ok">
                    {format!("{} ms", test.total_ms.unwrap_or_default())}
                </span>
            }
            .into_any(),
            Some(test) => {
                let tip = tip.clone();
                view! {
                    <span class="group relative inline-block" data-test="fail">
                        <button type="button" class="rounded px-1 font-bold text-red-700 focus-visible:outline-2 focus-visible:outline-red-600 dark:text-red-400"
                            aria-describedby=tip.clone()>
                            "✗"<span class="sr-only">{t!(i18n, channels.test_failed)}</span>
                        </button>
                        <span id=tip role="tooltip"
                            class="invisible absolute right-0 top-full z-20 mt-1 w-72 rounded-md bg-slate-900 px-3 py-2 text-xs text-white shadow-lg group-focus-within:visible group-hover:visible dark:bg-slate-700">
                            {test.error.clone().unwrap_or_default()}
                        </span>
                    </span>
                }
                .into_any()
            }
            None => view! {
                <span class="tabular-nums text-emerald-700 dark:text-emerald-400" data-last-response="">
                    {last_response_ms.map(|ms| format!("{ms} ms")).unwrap_or_else(|| "—".into())}
                </span>
            }
            .into_any(),
        }
    }
}
