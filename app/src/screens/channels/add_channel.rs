//! Adding a channel: paste a URL and a key, calibrate (type, corrected base URL, models with
//! catalog facts and pre-selection), tick models, save. The key goes to the server and is never
//! sent back.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::{CatalogInfo, PageContext};
use crate::components::layout::Section;
use crate::components::style::{BUTTON_PRIMARY, INPUT};
use crate::errors::UiError;
use crate::i18n::{Locale, t, t_string, td_string, use_i18n};

/// One fetched model with the catalog's view and whether it is pre-selected.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelChoice {
    pub id: String,
    pub selected: bool,
    pub catalog: Option<CatalogInfo>,
}

/// One request calibration made.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AttemptRow {
    pub api_type: String,
    pub method: String,
    pub url: String,
    pub status: Option<u16>,
    pub verdict: String,
    pub detail: Option<String>,
}

/// What calibration found.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CalibrationView {
    pub usable: bool,
    pub outcome: String,
    pub message: String,
    pub api_type: Option<String>,
    pub base_url: Option<String>,
    pub models_by_hand: bool,
    pub models: Vec<ModelChoice>,
    pub attempts: Vec<AttemptRow>,
}

impl CalibrationView {
    /// The models to tick at first: those calibration pre-selected.
    pub fn preselected_ids(&self) -> Vec<String> {
        self.models
            .iter()
            .filter(|m| m.selected)
            .map(|m| m.id.clone())
            .collect()
    }
}

/// What saving a calibrated channel needs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NewChannelForm {
    pub name: String,
    pub api_type: String,
    pub base_url: String,
    pub key: String,
    /// Every fetched model id (kept on the channel for picking later).
    pub fetched: Vec<String>,
    /// The ids that become entries.
    pub chosen: Vec<String>,
}

#[cfg(feature = "ssr")]
pub(crate) mod ssr {
    use engine::discovery::{self, ProbeOptions, ProbeRequest};
    use serde::Serialize;

    use super::{AttemptRow, CalibrationView, ModelChoice};
    use crate::errors::UiError;

    fn snake(value: impl Serialize) -> String {
        // The engine's enums serialise as snake_case strings; that is the name the UI shows.
        match serde_json::to_value(value) {
            Ok(serde_json::Value::String(s)) => s,
            _ => String::new(),
        }
    }

    /// Calibrates and pre-selects: `existing` are the channel's current entries.
    pub async fn calibration_view(
        request: &ProbeRequest,
        existing: &[String],
    ) -> Result<CalibrationView, UiError> {
        let found = discovery::calibrate(request, &ProbeOptions::default())
            .await
            .map_err(|e| UiError::Upstream {
                detail: e.to_string(),
            })?;
        let catalog = engine::catalog::Catalog::embedded();
        let preselected = engine::catalog::preselect(
            catalog,
            &found.models,
            existing,
            engine::catalog::today_utc(),
        );
        Ok(CalibrationView {
            usable: found.is_usable(),
            outcome: snake(found.outcome),
            message: found.message.clone(),
            api_type: found.api_type.map(|t| t.to_string()),
            base_url: found.base_url.clone(),
            models_by_hand: found.models_by_hand,
            models: preselected
                .into_iter()
                .map(|p| ModelChoice {
                    catalog: crate::screens::channels::ssr::catalog_info(&p.id),
                    id: p.id,
                    selected: p.selected,
                })
                .collect(),
            attempts: found
                .attempts
                .iter()
                .map(|a| AttemptRow {
                    api_type: a.api_type.to_string(),
                    method: a.method.to_owned(),
                    url: a.url.clone(),
                    status: a.status,
                    verdict: snake(a.verdict),
                    detail: a.detail.clone(),
                })
                .collect(),
        })
    }
}

#[server]
pub async fn calibrate_channel(
    base_url: String,
    key: String,
    api_type: String,
) -> Result<CalibrationView, UiError> {
    let api_type = match api_type.trim() {
        "" => None,
        given => Some(
            given
                .parse::<engine::discovery::ChannelKind>()
                .map_err(|e| UiError::InvalidField {
                    field: "api_type".into(),
                    detail: e.to_string(),
                })?,
        ),
    };
    let request = engine::discovery::ProbeRequest {
        base_url,
        key,
        api_type,
    };
    ssr::calibration_view(&request, &[]).await
}

/// Creates the channel, stores its fetched model list and makes the chosen models entries.
#[server(input = leptos::server_fn::codec::Json)]
pub async fn save_channel(form: NewChannelForm) -> Result<i64, UiError> {
    use engine::store::NewChannel;
    let api_type = form
        .api_type
        .parse()
        .map_err(|e: engine::upstream::UnknownKind| UiError::InvalidField {
            field: "api_type".into(),
            detail: e.to_string(),
        })?;
    crate::engine_call::blocking(move |state| {
        let new = NewChannel {
            name: form.name,
            api_type,
            base_url: form.base_url,
            api_key: form.key,
            enabled: true,
            // Empty: Azure's current default api-version; part 2 lets the user pick one.
            api_version: String::new(),
        };
        // One transaction: a failure leaves no half-saved channel.
        state.create_channel_with_models(&new, &form.fetched, &form.chosen)
    })
    .await
}

/// What calibration found, in one translated sentence.
pub fn calibration_message(locale: Locale, view: &CalibrationView) -> String {
    let count = view.models.len();
    match view.outcome.as_str() {
        "models_listed" => td_string!(locale, channels.outcome_models_listed, count).to_string(),
        "chat_only" => td_string!(locale, channels.outcome_chat_only).to_string(),
        "key_rejected" => td_string!(locale, channels.outcome_key_rejected).to_string(),
        _ => td_string!(locale, channels.outcome_nothing_found).to_string(),
    }
}

#[component]
pub fn AddChannel() -> impl IntoView {
    let i18n = use_i18n();
    let page = expect_context::<PageContext>();
    let base_url = RwSignal::new(String::new());
    let key = RwSignal::new(String::new());
    let api_type = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let found = RwSignal::new(None::<CalibrationView>);
    let chosen = RwSignal::new(Vec::<String>::new());
    let calibrate = Action::new_local(move |_: &()| {
        let (url, k, t) = (
            base_url.get_untracked(),
            key.get_untracked(),
            api_type.get_untracked(),
        );
        async move {
            match calibrate_channel(url, k, t).await {
                Ok(view) => {
                    chosen.set(view.preselected_ids());
                    found.set(Some(view));
                    page.error.set(None);
                }
                Err(error) => page.error.set(Some(error)),
            }
        }
    });
    let save = move |_| {
        let Some(view) = found.get_untracked() else {
            return;
        };
        let form = NewChannelForm {
            name: name.get_untracked(),
            api_type: view.api_type.clone().unwrap_or_default(),
            base_url: view.base_url.clone().unwrap_or_default(),
            key: key.get_untracked(),
            fetched: view.models.iter().map(|m| m.id.clone()).collect(),
            chosen: chosen.get_untracked(),
        };
        found.set(None);
        page.run(async move { save_channel(form).await.map(|_| ()) });
    };
    let input = format!("{INPUT} sm:w-64");
    view! {
        <div class="mb-6">
        <Section id="add-channel" title=Signal::derive(move || t_string!(i18n, channels.add_title).to_string())>
            <div class="flex flex-wrap items-end gap-2">
                <input class=input.clone() aria-label=move || t_string!(i18n, channels.base_url).to_string()
                    placeholder=move || t_string!(i18n, channels.base_url).to_string() prop:value=move || base_url.get()
                    on:input=move |ev| base_url.set(event_target_value(&ev))/>
                <input class=input.clone() type="password" aria-label=move || t_string!(i18n, channels.api_key).to_string()
                    placeholder=move || t_string!(i18n, channels.api_key).to_string() prop:value=move || key.get()
                    on:input=move |ev| key.set(event_target_value(&ev))/>
                <select class=format!("{INPUT} w-auto") aria-label=move || t_string!(i18n, channels.api_type).to_string()
                    on:change=move |ev| api_type.set(event_target_value(&ev))>
                    <option value="">{t!(i18n, channels.detect_type)}</option>
                    {["openai", "anthropic", "gemini", "azure", "custom"].map(|t| view! { <option value=t>{t}</option> }).collect_view()}
                </select>
                <button type="button" class=BUTTON_PRIMARY
                    disabled=move || calibrate.pending().get()
                    on:click=move |_| { calibrate.dispatch(()); }>
                    {move || if calibrate.pending().get() { t_string!(i18n, channels.calibrating).to_string() } else { t_string!(i18n, channels.calibrate).to_string() }}
                </button>
            </div>
            {move || found.get().map(|cal| {
                let attempts = cal.attempts.len();
                let input = input.clone();
                view! {
                <div class="mt-3 space-y-2 text-sm">
                    <p>{calibration_message(i18n.get_locale(), &cal)}</p>
                    <p class="font-mono">{format!("{} {}", cal.api_type.clone().unwrap_or_default(), cal.base_url.clone().unwrap_or_default())}</p>
                    <details><summary>{move || t_string!(i18n, channels.attempts, count = attempts).to_string()}</summary>
                        <ul>{cal.attempts.iter().map(|a| view! {
                            <li class="font-mono text-xs">{format!("{} {} {} → {} {}", a.api_type, a.method, a.url,
                                a.status.map(|s| s.to_string()).unwrap_or_else(|| "-".into()), a.verdict)}</li>
                        }).collect_view()}</ul>
                    </details>
                    <ModelPicker models=cal.models.clone() chosen/>
                    <Show when=move || cal.usable>
                        <div class="flex flex-wrap gap-2">
                            <input class=input.clone() aria-label=move || t_string!(i18n, channels.channel_name).to_string()
                                placeholder=move || t_string!(i18n, channels.channel_name).to_string() prop:value=move || name.get()
                                on:input=move |ev| name.set(event_target_value(&ev))/>
                            <button type="button" class=BUTTON_PRIMARY on:click=save>{t!(i18n, channels.save_channel)}</button>
                        </div>
                    </Show>
                </div>
            }})}
        </Section>
        </div>
    }
    .into_any()
}

/// The fetched models with their catalog facts, each with a check box bound to `chosen`.
#[component]
pub fn ModelPicker(models: Vec<ModelChoice>, chosen: RwSignal<Vec<String>>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <ul class="my-2 max-h-64 overflow-auto">{models.into_iter().map(|m| {
            let id = m.id.clone();
            let toggled = m.id.clone();
            view! {
                <li><label>
                    <input type="checkbox" prop:checked=move || chosen.get().contains(&id)
                        on:change=move |_| chosen.update(|c| match c.iter().position(|x| *x == toggled) {
                            Some(i) => { c.remove(i); }
                            None => c.push(toggled.clone()),
                        })/>
                    " " <span class="font-mono">{m.id.clone()}</span>
                    " " <span class="text-slate-600 dark:text-slate-400"><span translate="no">{m.catalog.as_ref().map(|c| c.name.clone())}</span>{move || m.catalog.as_ref().map(|c| c.details(i18n.get_locale())).unwrap_or_default()}</span>
                </label></li>
            }
        }).collect_view()}</ul>
    }
    .into_any()
}
