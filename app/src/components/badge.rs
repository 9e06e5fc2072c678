//! Status badges: a word in a coloured pill, the colour saying good, warning, bad or neutral.
//! The word always carries the meaning (never the colour alone).

use leptos::prelude::*;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tone {
    Good,
    Warn,
    Bad,
    Neutral,
}

impl Tone {
    fn class(self) -> &'static str {
        match self {
            Self::Good => {
                "bg-emerald-50 text-emerald-800 ring-emerald-600/30 dark:bg-emerald-950 dark:text-emerald-200 dark:ring-emerald-400/30"
            }
            Self::Warn => {
                "bg-amber-50 text-amber-900 ring-amber-600/30 dark:bg-amber-950 dark:text-amber-200 dark:ring-amber-400/30"
            }
            Self::Bad => {
                "bg-red-50 text-red-800 ring-red-600/30 dark:bg-red-950 dark:text-red-200 dark:ring-red-400/30"
            }
            Self::Neutral => {
                "bg-slate-100 text-slate-700 ring-slate-500/30 dark:bg-slate-800 dark:text-slate-200 dark:ring-slate-400/30"
            }
        }
    }
}

#[component]
pub fn Badge(tone: Tone, #[prop(into)] text: Signal<String>) -> impl IntoView {
    let class = format!(
        "inline-flex items-center whitespace-nowrap rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset {}",
        tone.class()
    );
    view! { <span class=class>{move || text.get()}</span> }
}
