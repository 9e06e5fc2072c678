//! An entry's aliases: other model names that reach it (routing tries group, exact model,
//! alias, fuzzy, AUTO), shown as chips under the model and edited as a comma-separated list.
//! `/v1/models` lists them too, so a client can pick `claude-sonnet` wherever it lives.

use leptos::prelude::*;

use super::PageContext;
use crate::components::style::{BUTTON_SMALL, INPUT, MUTED};
use crate::errors::UiError;
use crate::i18n::{t, t_string, use_i18n};

/// Replaces an entry's aliases (the engine trims them, drops repeats and the model's own name).
#[server(input = leptos::server_fn::codec::Json)]
pub async fn set_entry_aliases(id: i64, aliases: Vec<String>) -> Result<(), UiError> {
    Ok(crate::engine_call::state()?
        .set_entry_aliases(id, &aliases)
        .await?)
}

/// The names in a comma-separated list, trimmed, empty ones dropped.
fn split_aliases(text: &str) -> Vec<String> {
    text.split([',', '，'])
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The chips of an entry's aliases and a toggle that opens their editor.
#[component]
pub fn EntryAliases(id: i64, model: String, aliases: Vec<String>) -> impl IntoView {
    let i18n = use_i18n();
    let page = expect_context::<PageContext>();
    let editing = RwSignal::new(false);
    let text = RwSignal::new(aliases.join(", "));
    let input_id = format!("entry-aliases-{id}");
    let editor_id = format!("entry-aliases-editor-{id}");
    let model_for_list = model.clone();
    let model_for_toggle = model.clone();
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        editing.set(false);
        page.run(set_entry_aliases(id, split_aliases(&text.get_untracked())));
    };
    let chips = (!aliases.is_empty()).then(|| {
        view! {
            <ul class="mt-1 flex flex-wrap gap-1" data-aliases=id
                aria-label=move || t_string!(i18n, routing.aliases_of, model = model_for_list.clone()).to_string()>
                {aliases.iter().map(|alias| view! {
                    <li class="rounded bg-indigo-50 px-1.5 py-0.5 font-mono text-xs text-indigo-800 ring-1 ring-inset ring-indigo-600/20 dark:bg-indigo-950 dark:text-indigo-200 dark:ring-indigo-400/30"
                        translate="no">{alias.clone()}</li>
                }).collect_view()}
            </ul>
        }
    });
    view! {
        {chips}
        <button type="button" class=format!("{BUTTON_SMALL} mt-1") data-edit-aliases=id
            aria-expanded=move || editing.get().to_string() aria-controls=editor_id.clone()
            aria-label=move || t_string!(i18n, routing.aliases_edit_label, model = model_for_toggle.clone()).to_string()
            on:click=move |_| editing.update(|e| *e = !*e)>
            {t!(i18n, routing.aliases_edit)}
        </button>
        <form id=editor_id class="mt-1 flex flex-wrap items-center gap-1" on:submit=save hidden=move || !editing.get()>
            <label for=input_id.clone() class="sr-only">
                {move || t_string!(i18n, routing.aliases_input, model = model.clone()).to_string()}
            </label>
            <input id=input_id class=format!("{INPUT} w-56 py-1 font-mono text-xs") autocomplete="off"
                placeholder="claude-sonnet, sonnet"
                prop:value=move || text.get() on:input=move |ev| text.set(event_target_value(&ev))/>
            <button type="submit" class=BUTTON_SMALL>{t!(i18n, common.save)}</button>
            <p class=format!("w-full text-xs {MUTED}")>{t!(i18n, routing.aliases_hint)}</p>
        </form>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::split_aliases;

    #[test]
    fn a_comma_list_becomes_trimmed_names() {
        assert_eq!(
            split_aliases(" claude-sonnet, ,sonnet，cs "),
            ["claude-sonnet", "sonnet", "cs"]
        );
        assert!(split_aliases(" , ").is_empty());
    }
}
