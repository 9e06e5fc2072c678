//! Page and section frames: a page title with an optional intro and actions, and a card with a
//! heading, so every screen has the same rhythm.

use leptos::prelude::*;

use super::style::CARD;

/// The page's `<h1>`, its one-line intro and controls on the right.
#[component]
pub fn PageHeader(
    #[prop(into)] title: Signal<String>,
    #[prop(into, optional)] intro: Option<Signal<String>>,
    #[prop(optional)] children: Option<Children>,
) -> impl IntoView {
    view! {
        <div class="mb-6 flex flex-wrap items-end justify-between gap-3">
            <div>
                <h1 class="text-2xl font-semibold tracking-tight">{move || title.get()}</h1>
                {intro.map(|intro| view! {
                    <p class="mt-1 max-w-2xl text-sm text-slate-600 dark:text-slate-400">{move || intro.get()}</p>
                })}
            </div>
            <div class="flex flex-wrap items-center gap-2">{children.map(|c| c())}</div>
        </div>
    }
}

/// A card with an `<h2>` heading (its id names the section for screen readers).
#[component]
pub fn Section(
    #[prop(into)] title: Signal<String>,
    id: &'static str,
    #[prop(into, optional)] intro: Option<Signal<String>>,
    children: Children,
) -> impl IntoView {
    let heading = format!("{id}-heading");
    view! {
        <section id=id class=CARD aria-labelledby=heading.clone()>
            <h2 id=heading.clone() class="text-base font-semibold">{move || title.get()}</h2>
            {intro.map(|intro| view! {
                <p class="mt-1 text-sm text-slate-600 dark:text-slate-400">{move || intro.get()}</p>
            })}
            <div class="mt-4">{children()}</div>
        </section>
    }
}
