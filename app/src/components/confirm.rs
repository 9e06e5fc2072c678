//! Destructive actions ask first: a button that opens a modal `<dialog>` (focus moves into it,
//! Escape cancels) saying what will happen, with Cancel focused and the action in red.

use leptos::html::Dialog;
use leptos::prelude::*;

use super::style::{BUTTON_DANGER, BUTTON_SECONDARY};
use crate::i18n::{t, use_i18n};

/// `label` is the button's text; `question` the dialog's sentence; `on_confirm` runs after
/// the user confirms. `pending` disables the button while the action runs.
#[component]
pub fn ConfirmButton(
    #[prop(into)] label: Signal<String>,
    #[prop(into)] question: Signal<String>,
    #[prop(into)] confirm_label: Signal<String>,
    #[prop(into, optional)] pending: Signal<bool>,
    #[prop(optional)] class: &'static str,
    on_confirm: impl Fn() + Send + Sync + 'static,
) -> impl IntoView {
    let i18n = use_i18n();
    let dialog = NodeRef::<Dialog>::new();
    let open = move |_| {
        if let Some(dialog) = dialog.get() {
            let _ = dialog.show_modal();
        }
    };
    let close = move || {
        if let Some(dialog) = dialog.get() {
            dialog.close();
        }
    };
    let class = if class.is_empty() {
        super::style::BUTTON_SMALL
    } else {
        class
    };
    view! {
        <button type="button" class=class disabled=move || pending.get() on:click=open>
            {move || label.get()}
        </button>
        <dialog
            node_ref=dialog
            class="m-auto w-[min(28rem,calc(100vw-2rem))] rounded-lg border border-slate-200 bg-white p-0 text-slate-900 shadow-xl backdrop:bg-slate-900/50 dark:border-slate-700 dark:bg-slate-900 dark:text-slate-100"
        >
            <div class="p-5">
                <h2 class="text-base font-semibold">{t!(i18n, common.are_you_sure)}</h2>
                <p class="mt-2 text-sm text-slate-700 dark:text-slate-300">{move || question.get()}</p>
            </div>
            <div class="flex justify-end gap-2 border-t border-slate-200 bg-slate-50 px-5 py-3 dark:border-slate-800 dark:bg-slate-950">
                <button type="button" class=BUTTON_SECONDARY autofocus on:click=move |_| close()>
                    {t!(i18n, common.cancel)}
                </button>
                <button type="button" class=BUTTON_DANGER data-confirm="yes" on:click=move |_| {
                    close();
                    on_confirm();
                }>
                    {move || confirm_label.get()}
                </button>
            </div>
        </dialog>
    }
}
