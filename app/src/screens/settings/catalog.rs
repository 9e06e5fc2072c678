//! Settings -> Model catalog: which catalog is in use (the built-in copy or an update, with
//! how many models have a price), a button that replaces it from models.dev or a URL (the
//! engine checks all of it first; a refused source changes nothing and the problems are
//! shown), and one that goes back to the built-in copy. The CLI's `api-switch catalog` calls
//! the same front desk methods; a file path is for the CLI, so this screen never makes the
//! server read a local file.

use leptos::prelude::*;
use types::catalog::{CatalogChanges, CatalogStatus};

use super::text::settings_text;
use crate::components::form::Field;
use crate::components::layout::Section;
use crate::components::style::{BUTTON_PRIMARY, BUTTON_SECONDARY, INPUT, MUTED};
use crate::components::toast::use_toasts;
use crate::errors::{ErrorText, UiError};
use crate::i18n::{t_string, use_i18n};

/// The catalog in use.
#[server]
pub async fn model_catalog_status() -> Result<CatalogStatus, UiError> {
    Ok(crate::engine_call::state()?.catalog_status().await?)
}

/// Replaces the catalog from `from` (an http(s) URL; empty: models.dev's `api.json`).
#[server]
pub async fn update_model_catalog(from: String) -> Result<CatalogChanges, UiError> {
    let from = from.trim().to_owned();
    let is_url = from.starts_with("https://") || from.starts_with("http://");
    if !from.is_empty() && !is_url {
        return Err(UiError::InvalidCatalog {
            from,
            problems: vec![
                "the Settings screen reads http(s) URLs only; for a file run \
                 `api-switch catalog update --from FILE` on the machine running API Switch"
                    .into(),
            ],
        });
    }
    let from = (!from.is_empty()).then_some(from);
    Ok(crate::engine_call::state()?.update_catalog(from).await?)
}

/// Goes back to the catalog built into the program.
#[server]
pub async fn reset_model_catalog() -> Result<CatalogChanges, UiError> {
    Ok(crate::engine_call::state()?.reset_catalog().await?)
}

#[component]
pub(super) fn ModelCatalog() -> impl IntoView {
    let i18n = use_i18n();
    let toasts = use_toasts();
    let text =
        move |key: &'static str| Signal::derive(move || settings_text(i18n.get_locale(), key));
    let source = RwSignal::new(String::new());
    let error = RwSignal::new(None::<UiError>);
    let result = RwSignal::new(None::<CatalogChanges>);
    let status = Resource::new(
        move || result.get().map(|r| r.source),
        |_| model_catalog_status(),
    );
    let finish = move |answer: Result<CatalogChanges, UiError>, done: String| {
        toasts.report(&answer, done);
        match answer {
            Ok(changes) => {
                error.set(None);
                result.set(Some(changes));
            }
            Err(problem) => error.set(Some(problem)),
        }
    };
    let update = Action::new_local(move |_: &()| {
        let from = source.get_untracked();
        async move {
            let answer = update_model_catalog(from).await;
            finish(
                answer,
                t_string!(i18n, settings.catalog_updated).to_string(),
            );
        }
    });
    let reset = Action::new_local(move |_: &()| async move {
        let answer = reset_model_catalog().await;
        finish(
            answer,
            t_string!(i18n, settings.catalog_reset_done).to_string(),
        );
    });
    let busy = move || update.pending().get() || reset.pending().get();
    view! {
        <Section id="model-catalog" title=text("catalog") intro=text("catalog_intro")>
            <div class="space-y-4">
                <Transition fallback=|| ()>
                    {move || status.get().map(|answer| match answer {
                        Ok(status) => view! { <p id="catalog-status" class="text-sm">{status_line(i18n, &status)}</p> }.into_any(),
                        Err(problem) => view! { <ErrorText error=Some(problem)/> }.into_any(),
                    })}
                </Transition>
                <form class="space-y-3" on:submit=move |ev| { ev.prevent_default(); update.dispatch(()); }>
                    <Field id="catalog-source" label=text("catalog_source") hint=text("catalog_source_hint")>
                        <input id="catalog-source" type="url" class=format!("{INPUT} max-w-xl font-mono")
                            placeholder="https://models.dev/api.json" aria-describedby="catalog-source-hint"
                            prop:value=move || source.get() on:input=move |ev| source.set(event_target_value(&ev))/>
                    </Field>
                    <div class="flex flex-wrap items-center gap-3">
                        <button type="submit" id="update-catalog" class=BUTTON_PRIMARY disabled=busy>
                            {move || if update.pending().get() { t_string!(i18n, settings.catalog_updating).to_string() } else { t_string!(i18n, settings.catalog_update).to_string() }}
                        </button>
                        <button type="button" id="reset-catalog" class=BUTTON_SECONDARY disabled=busy
                            on:click=move |_| { reset.dispatch(()); }>
                            {t_string!(i18n, settings.catalog_reset).to_string()}
                        </button>
                    </div>
                </form>
                <p id="catalog-result" class=MUTED role="status">
                    {move || result.get().map(|changes| result_line(i18n, &changes))}
                </p>
                <ErrorText error/>
            </div>
        </Section>
    }
}

fn status_line(
    i18n: leptos_i18n::I18nContext<crate::i18n::Locale>,
    status: &CatalogStatus,
) -> String {
    let models = status.models;
    let priced = status.priced;
    let origin = match &status.source {
        Some(source) => {
            t_string!(i18n, settings.catalog_stored, source = source.clone()).to_string()
        }
        None => t_string!(i18n, settings.catalog_builtin).to_string(),
    };
    let compiled = status.compiled.clone().unwrap_or_else(|| "-".into());
    t_string!(
        i18n,
        settings.catalog_in_use,
        origin,
        compiled,
        models,
        priced
    )
    .to_string()
}

fn result_line(
    i18n: leptos_i18n::I18nContext<crate::i18n::Locale>,
    changes: &CatalogChanges,
) -> String {
    let source = changes.source.clone();
    let models = changes.models;
    let priced = changes.priced;
    let added = changes.added.len();
    let removed = changes.removed.len();
    let prices = changes.prices_changed;
    t_string!(
        i18n,
        settings.catalog_result,
        source,
        models,
        priced,
        added,
        removed,
        prices
    )
    .to_string()
}
