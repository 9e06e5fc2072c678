//! A button that copies a value (an endpoint URL, a new key, a snippet) to the clipboard and
//! says "Copied" for a moment.

use leptos::prelude::*;
use leptos_use::{UseClipboardReturn, use_clipboard};

use super::icons::{Icon, IconName};
use super::style::BUTTON_SMALL;
use crate::i18n::{t_string, use_i18n};

/// `what` names the value for screen readers ("Copy OpenAI base URL").
#[component]
pub fn CopyButton(
    #[prop(into)] value: Signal<String>,
    #[prop(into)] what: Signal<String>,
) -> impl IntoView {
    let i18n = use_i18n();
    let UseClipboardReturn { copy, copied, .. } = use_clipboard();
    view! {
        <button
            type="button"
            class=BUTTON_SMALL
            data-copy=move || value.get()
            aria-label=move || {
                let what = what.get();
                t_string!(i18n, common.copy_what, what).to_string()
            }
            on:click=move |_| copy(&value.get_untracked())
        >
            {move || if copied.get() {
                view! { <Icon name=IconName::Check/> }.into_any()
            } else {
                view! { <Icon name=IconName::Copy/> }.into_any()
            }}
            <span aria-live="polite">
                {move || if copied.get() {
                    t_string!(i18n, common.copied).to_string()
                } else {
                    t_string!(i18n, common.copy).to_string()
                }}
            </span>
        </button>
    }
}

/// A value in a monospace box with its copy button (endpoints, keys, snippets).
#[component]
pub fn CopyField(
    #[prop(into)] value: Signal<String>,
    #[prop(into)] what: Signal<String>,
    #[prop(optional)] id: Option<&'static str>,
) -> impl IntoView {
    view! {
        <div class="flex items-center gap-2">
            <code id=id class="min-w-0 flex-1 truncate rounded-md bg-slate-100 px-3 py-2 font-mono text-sm text-slate-900 dark:bg-slate-800 dark:text-slate-100">
                {move || value.get()}
            </code>
            <CopyButton value what/>
        </div>
    }
}

/// A multi-line snippet (set-up code) with its copy button.
#[component]
pub fn CopyBlock(
    #[prop(into)] value: Signal<String>,
    #[prop(into)] what: Signal<String>,
) -> impl IntoView {
    view! {
        <div class="relative">
            <pre tabindex="0" class="overflow-x-auto rounded-md bg-slate-900 p-4 pr-24 font-mono text-xs leading-relaxed text-slate-100 dark:bg-black/40">
                <code>{move || value.get()}</code>
            </pre>
            <div class="absolute right-2 top-2">
                <CopyButton value what/>
            </div>
        </div>
    }
}
