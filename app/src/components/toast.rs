//! Short messages after an action ("Saved", "Key deleted", or what failed), stacked at the
//! bottom of the screen in a live region so screen readers announce them. Failures stay
//! until dismissed; successes fade after a few seconds.

use std::time::Duration;

use leptos::prelude::*;

use super::icons::{Icon, IconName};
use crate::errors::{UiError, error_message};
use crate::i18n::{t_string, use_i18n};

#[derive(Clone, Debug, PartialEq)]
struct Toast {
    id: u64,
    ok: bool,
    text: String,
}

/// Post toasts from anywhere below `ToastHost`.
#[derive(Clone, Copy)]
pub struct Toasts {
    list: RwSignal<Vec<Toast>>,
    next: StoredValue<u64>,
    i18n: leptos_i18n::I18nContext<crate::i18n::Locale>,
}

impl Toasts {
    fn push(self, ok: bool, text: String) {
        let id = self.next.get_value();
        self.next.set_value(id + 1);
        self.list.update(|l| l.push(Toast { id, ok, text }));
        if ok {
            set_timeout(move || self.dismiss(id), Duration::from_secs(4));
        }
    }

    pub fn success(self, text: String) {
        self.push(true, text);
    }

    /// A failure, translated.
    pub fn error(self, error: &UiError) {
        let locale = self.i18n.get_locale_untracked();
        self.push(false, error_message(locale, error));
    }

    /// Shows `result`'s error, or `success` when it went well.
    pub fn report<T>(self, result: &Result<T, UiError>, success: String) {
        match result {
            Ok(_) => self.success(success),
            Err(error) => self.error(error),
        }
    }

    fn dismiss(self, id: u64) {
        self.list.try_update(|l| l.retain(|t| t.id != id));
    }
}

pub fn use_toasts() -> Toasts {
    expect_context::<Toasts>()
}

#[component]
pub fn ToastHost(children: Children) -> impl IntoView {
    let i18n = use_i18n();
    let toasts = Toasts {
        list: RwSignal::new(Vec::new()),
        next: StoredValue::new(0),
        i18n,
    };
    provide_context(toasts);
    view! {
        {children()}
        <div class="pointer-events-none fixed inset-x-0 bottom-0 z-50 flex flex-col items-center gap-2 p-4 sm:items-end" aria-live="polite" id="toasts">
            <For each=move || toasts.list.get() key=|t| t.id let:toast>
                <div
                    role=if toast.ok { "status" } else { "alert" }
                    class="pointer-events-auto flex w-full max-w-sm items-start gap-3 rounded-lg border px-4 py-3 text-sm shadow-lg"
                    class=(["border-emerald-200", "bg-emerald-50", "text-emerald-900", "dark:border-emerald-900", "dark:bg-emerald-950", "dark:text-emerald-100"], toast.ok)
                    class=(["border-red-200", "bg-red-50", "text-red-900", "dark:border-red-900", "dark:bg-red-950", "dark:text-red-100"], !toast.ok)
                >
                    <Icon name=if toast.ok { IconName::Check } else { IconName::Alert } class="mt-0.5 h-4 w-4 shrink-0"/>
                    <p class="flex-1">{toast.text.clone()}</p>
                    <button
                        type="button"
                        class="rounded px-1 text-lg leading-none opacity-70 hover:opacity-100 focus-visible:outline-2 focus-visible:outline-indigo-600"
                        aria-label=move || t_string!(i18n, common.dismiss).to_string()
                        on:click=move |_| toasts.dismiss(toast.id)
                    >
                        "×"
                    </button>
                </div>
            </For>
        </div>
    }
}
