//! What a list shows when it has nothing yet: a sentence saying so and what to do next.

use leptos::prelude::*;

use super::icons::{Icon, IconName};

#[component]
pub fn EmptyState(
    #[prop(into)] title: Signal<String>,
    #[prop(into, optional)] hint: Option<Signal<String>>,
) -> impl IntoView {
    view! {
        <div class="flex flex-col items-center justify-center gap-1 rounded-lg border border-dashed border-slate-300 px-4 py-8 text-center dark:border-slate-700">
            <Icon name=IconName::Info class="h-6 w-6 text-slate-500 dark:text-slate-400"/>
            <p class="font-medium">{move || title.get()}</p>
            {hint.map(|hint| view! { <p class="max-w-md text-sm text-slate-600 dark:text-slate-400">{move || hint.get()}</p> })}
        </div>
    }
}
