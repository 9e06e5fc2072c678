//! Form pieces: a labelled field with its hint, and an on/off switch that is a real checkbox
//! (`role="switch"`), so keyboards and screen readers handle both as usual.

use leptos::prelude::*;

/// A label above its control, with an optional hint below (tied by `aria-describedby`).
#[component]
pub fn Field(
    #[prop(into)] label: Signal<String>,
    /// The control's id (the label's `for`).
    id: &'static str,
    #[prop(into, optional)] hint: Option<Signal<String>>,
    children: Children,
) -> impl IntoView {
    view! {
        <div class="space-y-1">
            <label for=id class="block text-sm font-medium text-slate-800 dark:text-slate-200">{move || label.get()}</label>
            {children()}
            {hint.map(|hint| view! {
                <p id=format!("{id}-hint") class="text-xs text-slate-600 dark:text-slate-400">{move || hint.get()}</p>
            })}
        </div>
    }
}

/// An on/off switch with its label (and optional hint) to the right.
#[component]
pub fn Toggle(
    id: &'static str,
    #[prop(into)] label: Signal<String>,
    #[prop(into, optional)] hint: Option<Signal<String>>,
    #[prop(into)] checked: Signal<bool>,
    #[prop(into, optional)] disabled: Signal<bool>,
    on_change: impl Fn(bool) + 'static,
) -> impl IntoView {
    view! {
        <div class="flex items-start gap-3">
            <input
                id=id
                type="checkbox"
                role="switch"
                class="peer relative mt-0.5 h-5 w-9 shrink-0 cursor-pointer appearance-none rounded-full bg-slate-300 transition-colors before:absolute before:left-0.5 before:top-0.5 before:h-4 before:w-4 before:rounded-full before:bg-white before:shadow before:transition-transform checked:bg-indigo-600 checked:before:translate-x-4 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600 disabled:cursor-not-allowed disabled:opacity-60 dark:bg-slate-600 dark:checked:bg-indigo-500"
                prop:checked=move || checked.get()
                disabled=move || disabled.get()
                aria-describedby=hint.map(|_| format!("{id}-hint"))
                on:change=move |ev| on_change(event_target_checked(&ev))
            />
            <div>
                <label for=id class="text-sm font-medium text-slate-800 dark:text-slate-200">{move || label.get()}</label>
                {hint.map(|hint| view! {
                    <p id=format!("{id}-hint") class="text-xs text-slate-600 dark:text-slate-400">{move || hint.get()}</p>
                })}
            </div>
        </div>
    }
}
