//! Speed test buttons: everything, one channel or one entry. The server function runs the
//! engine's speed test to the end; each result is also stored on its entry and announced on
//! the live event stream as it arrives, so the screen's lists refetch and fill in live while
//! the test runs (no polling).

use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use types::speedtest::TestResult;

use super::PageContext;
use crate::errors::UiError;
use crate::i18n::{t_string, use_i18n};

/// What a speed test covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum TestTarget {
    All,
    Channel(i64),
    Entry(i64),
}

#[server(input = leptos::server_fn::codec::Json)]
pub async fn run_speed_test(target: TestTarget) -> Result<Vec<TestResult>, UiError> {
    use engine::speedtest::{Scope, SpeedTestOptions};
    let state = crate::engine_call::state()?;
    let scope = match target {
        TestTarget::All => Scope::All,
        TestTarget::Channel(id) => Scope::Channel(id),
        TestTarget::Entry(id) => Scope::Entry(id),
    };
    let run = state.start_speed_test(scope, SpeedTestOptions::default());
    run.done.await.map_err(|e| UiError::Internal {
        detail: e.to_string(),
    })
}

#[component]
pub fn SpeedTestButton(target: TestTarget, #[prop(into)] label: Signal<String>) -> impl IntoView {
    let i18n = use_i18n();
    let page = expect_context::<PageContext>();
    let running = RwSignal::new(false);
    // "Test all" leads its page; a row's test sits among the row's other small buttons.
    let class = if target == TestTarget::All {
        crate::components::style::BUTTON_PRIMARY
    } else {
        crate::components::style::BUTTON_SMALL
    };
    view! {
        <button
            type="button"
            class=class
            disabled=move || running.get()
            aria-busy=move || running.get().to_string()
            on:click=move |_| {
                running.set(true);
                page.run(async move {
                    let outcome = run_speed_test(target).await.map(|_| ());
                    // The refetch may have replaced this button already.
                    running.try_set(false);
                    outcome
                });
            }
        >
            {move || if running.get() { t_string!(i18n, channels.testing).to_string() } else { label.get() }}
        </button>
    }
    .into_any()
}
