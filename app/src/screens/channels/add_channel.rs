//! Adding a channel in one flow: paste a URL (any shape, a full `/chat/completions` URL too)
//! and a key, calibrate, watch each attempt arrive live (on the event stream, under a run id
//! this page chose), see the detected type, the corrected base URL and the models found, tick
//! models (the catalog's facts beside each, recent releases pre-selected), save in one
//! transaction. The key goes to the server and is never sent back.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use types::calibration::{AttemptReport, Outcome, Verdict};
use types::channel_kind::ChannelKind;
use types::events::Event;

use super::{CatalogWords, PageContext};
use crate::components::layout::Section;
use crate::components::style::{BUTTON_PRIMARY, BUTTON_SMALL, INPUT, MUTED};
use crate::errors::UiError;
use crate::i18n::{Locale, t, t_string, td_string, use_i18n};
use crate::shell::live::use_live;

pub use types::calibration::{CalibrationView, ModelChoice};

/// What saving a calibrated channel needs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NewChannelForm {
    pub name: String,
    /// `None` only when calibration found no type; saving then says so.
    pub api_type: Option<ChannelKind>,
    pub base_url: String,
    pub key: String,
    /// Azure's `api-version`; empty for the default (ignored by other types).
    #[serde(default)]
    pub api_version: String,
    /// Every fetched model id (kept on the channel for picking later).
    pub fetched: Vec<String>,
    /// The ids that become entries (enabled).
    pub chosen: Vec<String>,
}

#[cfg(feature = "ssr")]
pub(crate) mod ssr {
    use engine::discovery::ProbeRequest;

    use super::CalibrationView;
    use crate::errors::UiError;

    /// A run id is the page's own label for its live attempts: short and plain, so it cannot
    /// be used to smuggle anything into other pages' event streams.
    pub fn checked_run(run: &str) -> Result<&str, UiError> {
        let plain = run.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
        if run.len() <= 40 && plain {
            Ok(run)
        } else {
            Err(UiError::InvalidField {
                field: "run".into(),
                detail: "a run id is up to 40 letters, digits or dashes".into(),
            })
        }
    }

    /// Calibrates (announcing each attempt under `run` when it is not empty) and pre-selects:
    /// `existing` are the channel's current entries.
    pub async fn calibration_view(
        request: &ProbeRequest,
        existing: &[String],
        run: &str,
    ) -> Result<CalibrationView, UiError> {
        let run = checked_run(run)?;
        crate::engine_call::state()?
            .calibration_view(request, existing, run)
            .await
            .map_err(|e| UiError::Upstream {
                detail: e.to_string(),
            })
    }
}

/// Calibrates a pasted URL and key; each attempt is announced live under `run`.
#[server]
pub async fn calibrate_channel(
    base_url: String,
    key: String,
    api_type: String,
    #[server(default)] run: String,
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
        key: key.into(),
        api_type,
    };
    ssr::calibration_view(&request, &[], &run).await
}

/// Creates the channel, stores its fetched model list and makes the chosen models enabled
/// entries, in one transaction.
#[server(input = leptos::server_fn::codec::Json)]
pub async fn save_channel(form: NewChannelForm) -> Result<i64, UiError> {
    use engine::store::NewChannel;
    let api_type = form.api_type.ok_or_else(|| UiError::InvalidField {
        field: "api_type".into(),
        detail: types::channel_kind::UnknownKind {
            given: String::new(),
        }
        .to_string(),
    })?;
    let new = NewChannel {
        name: form.name,
        api_type,
        base_url: form.base_url,
        api_key: form.key.into(),
        enabled: true,
        api_version: form.api_version.trim().to_owned(),
    };
    // One transaction: a failure leaves no half-saved channel.
    Ok(crate::engine_call::state()?
        .create_channel_with_models(&new, &form.fetched, &form.chosen)
        .await?)
}

/// What calibration found, in one translated sentence.
pub fn calibration_message(locale: Locale, view: &CalibrationView) -> String {
    let count = view.models.len();
    match view.outcome {
        Outcome::ModelsListed => {
            td_string!(locale, channels.outcome_models_listed, count).to_string()
        }
        Outcome::ChatOnly => td_string!(locale, channels.outcome_chat_only).to_string(),
        Outcome::KeyRejected => td_string!(locale, channels.outcome_key_rejected).to_string(),
        Outcome::NothingFound => td_string!(locale, channels.outcome_nothing_found).to_string(),
    }
}

/// An attempt's verdict in words.
fn verdict_text(locale: Locale, verdict: Verdict) -> String {
    match verdict {
        Verdict::ModelsListed => td_string!(locale, verdicts.models_listed),
        Verdict::NotAModelList => td_string!(locale, verdicts.not_a_model_list),
        Verdict::ChatAnswered => td_string!(locale, verdicts.chat_answered),
        Verdict::KeyRejected => td_string!(locale, verdicts.key_rejected),
        Verdict::NotFound => td_string!(locale, verdicts.not_found),
        Verdict::Timeout => td_string!(locale, verdicts.timeout),
        Verdict::ConnectFailed => td_string!(locale, verdicts.connect_failed),
        Verdict::SkippedKeyRejected => td_string!(locale, verdicts.skipped),
        Verdict::UnexpectedStatus => td_string!(locale, verdicts.unexpected_status),
    }
    .to_string()
}

/// A fresh id for one calibration's live attempts (only the page that chose it shows them).
pub fn new_run_id() -> String {
    format!("cal-{:x}", (js_sys::Math::random() * 1e15) as u64)
}

/// Collects the live stream's attempts of run `run` into `attempts` while it goes on.
pub fn watch_attempts(run: RwSignal<Option<String>>, attempts: RwSignal<Vec<AttemptReport>>) {
    let live = use_live();
    Effect::new(move || {
        if let Some(Event::CalibrationAttempt { run: of, attempt }) = live.latest()
            && run.with_untracked(|r| r.as_deref() == Some(of.as_str()))
        {
            attempts.update(|list| list.push(attempt));
        }
    });
}

/// The attempts so far, newest last, each with its verdict; announced politely as they come.
#[component]
pub fn AttemptList(
    attempts: RwSignal<Vec<AttemptReport>>,
    #[prop(into)] running: Signal<bool>,
) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <div class="mt-4">
            <h3 class="text-sm font-semibold">{t!(i18n, channels.attempts_title)}</h3>
            <ol id="calibration-attempts" class="mt-2 space-y-1" aria-live="polite">
                {move || attempts.get().into_iter().map(|a| {
                    let good = a.verdict.found();
                    let (mark, tone) = if good {
                        ("✓", "text-emerald-700 dark:text-emerald-400")
                    } else {
                        ("✗", "text-slate-500 dark:text-slate-400")
                    };
                    let status = a.status.map(|s| s.to_string()).unwrap_or_else(|| "—".into());
                    let verdict = a.verdict;
                    view! {
                        <li class="flex flex-wrap items-baseline gap-2 text-xs" data-verdict=a.verdict.as_str()>
                            <span class=format!("w-4 font-semibold {tone}") aria-hidden="true">{mark}</span>
                            <span class="rounded bg-slate-100 px-1.5 py-0.5 font-mono dark:bg-slate-800" translate="no">{a.api_type.as_str()}</span>
                            <span class="break-all font-mono">{format!("{} {}", a.method, a.url)}</span>
                            <span class="font-mono tabular-nums">{status}</span>
                            <span class=MUTED>{move || verdict_text(i18n.get_locale(), verdict)}</span>
                        </li>
                    }
                }).collect_view()}
                <Show when=move || running.get()>
                    <li class=format!("flex items-center gap-2 text-xs {MUTED}")>
                        <span class="inline-block h-3 w-3 animate-spin rounded-full border-2 border-indigo-600 border-t-transparent" aria-hidden="true"></span>
                        {t!(i18n, channels.trying_next)}
                    </li>
                </Show>
            </ol>
        </div>
    }
    .into_any()
}

/// Detected type, corrected base URL and models found, one fact per line.
#[component]
fn Findings(view_: CalibrationView, pasted: String) -> impl IntoView {
    let i18n = use_i18n();
    let corrected = view_
        .base_url
        .clone()
        .filter(|b| b.trim_end_matches('/') != pasted.trim().trim_end_matches('/'));
    let summary = view_.clone();
    view! {
        <div id="calibration-result" class="mt-4 rounded-md border border-slate-200 p-3 text-sm dark:border-slate-700" data-outcome=view_.outcome.as_str()>
            <p class="font-medium">{move || calibration_message(i18n.get_locale(), &summary)}</p>
            <dl class="mt-2 grid grid-cols-[auto_1fr] gap-x-4 gap-y-1">
                <dt class=MUTED>{t!(i18n, channels.detected_type)}</dt>
                <dd id="detected-type" class="font-mono" translate="no">{view_.api_type.map_or("—", ChannelKind::as_str)}</dd>
                <dt class=MUTED>{t!(i18n, channels.base_url)}</dt>
                <dd class="break-all font-mono">
                    <span id="corrected-base-url">{view_.base_url.clone().unwrap_or_else(|| "—".into())}</span>
                    {corrected.map(|_| view! { <span class="ml-2 font-sans text-xs text-amber-800 dark:text-amber-300">{t!(i18n, channels.corrected)}</span> })}
                </dd>
                <dt class=MUTED>{t!(i18n, channels.models_found)}</dt>
                <dd id="models-found" class="tabular-nums">{view_.models.len()}</dd>
            </dl>
        </div>
    }
    .into_any()
}

#[component]
pub fn AddChannel() -> impl IntoView {
    let i18n = use_i18n();
    let page = expect_context::<PageContext>();
    let base_url = RwSignal::new(String::new());
    let key = RwSignal::new(String::new());
    // `None`: let calibration detect the type.
    let api_type = RwSignal::new(None::<ChannelKind>);
    let api_version = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let found = RwSignal::new(None::<CalibrationView>);
    let pasted = RwSignal::new(String::new());
    let chosen = RwSignal::new(Vec::<String>::new());
    let run = RwSignal::new(None::<String>);
    let attempts = RwSignal::new(Vec::<AttemptReport>::new());
    watch_attempts(run, attempts);
    let calibrate = Action::new_local(move |_: &()| {
        let (url, k, t) = (
            base_url.get_untracked(),
            key.get_untracked(),
            api_type
                .get_untracked()
                .map_or(String::new(), |kind| kind.as_str().to_owned()),
        );
        let id = new_run_id();
        run.set(Some(id.clone()));
        attempts.set(Vec::new());
        found.set(None);
        pasted.set(url.clone());
        async move {
            match calibrate_channel(url, k, t, id).await {
                Ok(view) => {
                    chosen.set(view.preselected_ids());
                    // The answer holds every attempt; live ones that raced it are replaced.
                    attempts.set(view.attempts.clone());
                    found.set(Some(view));
                    page.error.set(None);
                }
                Err(error) => page.error.set(Some(error)),
            }
            run.set(None);
        }
    });
    let save = Action::new_local(move |_: &()| {
        let view = found.get_untracked();
        let form = view.map(|view| NewChannelForm {
            name: name.get_untracked(),
            api_type: view.api_type,
            base_url: view.base_url.clone().unwrap_or_default(),
            key: key.get_untracked(),
            api_version: api_version.get_untracked(),
            fetched: view.models.iter().map(|m| m.id.clone()).collect(),
            chosen: chosen.get_untracked(),
        });
        async move {
            let Some(form) = form else { return };
            match save_channel(form).await {
                Ok(_) => {
                    found.set(None);
                    attempts.set(Vec::new());
                    base_url.set(String::new());
                    key.set(String::new());
                    name.set(String::new());
                    page.error.set(None);
                    page.refresh.update(|v| *v += 1);
                }
                Err(error) => page.error.set(Some(error)),
            }
        }
    });
    let is_azure = move || {
        api_type.get() == Some(ChannelKind::Azure)
            || found.with(|f| f.as_ref().and_then(|f| f.api_type) == Some(ChannelKind::Azure))
    };
    let label = "block text-sm font-medium text-slate-800 dark:text-slate-200";
    view! {
        <div class="mb-6">
        <Section id="add-channel" title=Signal::derive(move || t_string!(i18n, channels.add_title).to_string())
            intro=Signal::derive(move || t_string!(i18n, channels.add_intro).to_string())>
            <form class="grid gap-3 md:grid-cols-[2fr_1.3fr_1fr_auto] md:items-end"
                on:submit=move |ev| { ev.prevent_default(); calibrate.dispatch(()); }>
                <div class="space-y-1">
                    <label for="new-base-url" class=label>{t!(i18n, channels.base_url)}</label>
                    <input id="new-base-url" class=INPUT type="url" required=true autocomplete="off"
                        placeholder="https://api.example.com/v1/chat/completions"
                        prop:value=move || base_url.get() on:input=move |ev| base_url.set(event_target_value(&ev))/>
                </div>
                <div class="space-y-1">
                    <label for="new-key" class=label>{t!(i18n, channels.api_key)}</label>
                    <input id="new-key" class=INPUT type="password" autocomplete="off"
                        prop:value=move || key.get() on:input=move |ev| key.set(event_target_value(&ev))/>
                </div>
                <div class="space-y-1">
                    <label for="new-type" class=label>{t!(i18n, channels.api_type)}</label>
                    <select id="new-type" class=INPUT on:change=move |ev| api_type.set(event_target_value(&ev).parse().ok())>
                        <option value="">{t!(i18n, channels.detect_type)}</option>
                        {ChannelKind::ALL.map(|kind| view! { <option value=kind.as_str()>{kind.as_str()}</option> }).collect_view()}
                    </select>
                </div>
                <button id="calibrate-button" type="submit" class=BUTTON_PRIMARY disabled=move || calibrate.pending().get()>
                    {move || if calibrate.pending().get() { t_string!(i18n, channels.calibrating).to_string() } else { t_string!(i18n, channels.calibrate).to_string() }}
                </button>
            </form>
            <Show when=move || calibrate.pending().get() || !attempts.with(Vec::is_empty)>
                <AttemptList attempts running=Signal::derive(move || calibrate.pending().get())/>
            </Show>
            {move || found.get().map(|cal| {
                let usable = cal.usable;
                view! {
                <Findings view_=cal.clone() pasted=pasted.get_untracked()/>
                <Show when=move || usable>
                    <ModelPicker models=cal.models.clone() chosen/>
                    <div class="mt-4 grid gap-3 md:grid-cols-[1fr_1fr_auto] md:items-end">
                        <div class="space-y-1">
                            <label for="new-channel-name" class=label>{t!(i18n, channels.channel_name)}</label>
                            <input id="new-channel-name" class=INPUT prop:value=move || name.get()
                                on:input=move |ev| name.set(event_target_value(&ev))/>
                        </div>
                        <Show when=is_azure fallback=|| view! { <div></div> }>
                            <div class="space-y-1">
                                <label for="new-api-version" class=label>{t!(i18n, channels.api_version)}</label>
                                <input id="new-api-version" class=INPUT placeholder="2024-10-21" prop:value=move || api_version.get()
                                    on:input=move |ev| api_version.set(event_target_value(&ev))/>
                            </div>
                        </Show>
                        <button id="save-channel" type="button" class=BUTTON_PRIMARY disabled=move || save.pending().get()
                            on:click=move |_| { save.dispatch(()); }>
                            {move || t_string!(i18n, channels.save_channel_with, count = chosen.with(Vec::len)).to_string()}
                        </button>
                    </div>
                </Show>
            }})}
        </Section>
        </div>
    }
    .into_any()
}

/// The fetched models in a table (release date, context, capabilities beside each), each with
/// a check box bound to `chosen`; a filter and "select shown" / "clear" above.
#[component]
pub fn ModelPicker(models: Vec<ModelChoice>, chosen: RwSignal<Vec<String>>) -> impl IntoView {
    let i18n = use_i18n();
    let filter = RwSignal::new(String::new());
    let all = StoredValue::new(models);
    let shown = move || {
        let needle = filter.get().to_lowercase();
        all.with_value(|models| {
            models
                .iter()
                .filter(|m| needle.is_empty() || m.id.to_lowercase().contains(&needle))
                .cloned()
                .collect::<Vec<_>>()
        })
    };
    let select_shown = move |_| {
        let ids: Vec<String> = shown().into_iter().map(|m| m.id).collect();
        chosen.update(|c| {
            for id in ids {
                if !c.contains(&id) {
                    c.push(id);
                }
            }
        });
    };
    view! {
        <div class="mt-4">
            <div class="flex flex-wrap items-center gap-2">
                <input class=format!("{INPUT} max-w-xs") type="search"
                    aria-label=move || t_string!(i18n, channels.filter_models).to_string()
                    placeholder=move || t_string!(i18n, channels.filter_models).to_string()
                    prop:value=move || filter.get() on:input=move |ev| filter.set(event_target_value(&ev))/>
                <button type="button" class=BUTTON_SMALL on:click=select_shown>{t!(i18n, channels.select_shown)}</button>
                <button type="button" class=BUTTON_SMALL on:click=move |_| chosen.set(Vec::new())>{t!(i18n, channels.clear_selection)}</button>
                <span class=format!("text-sm {MUTED}") id="chosen-count">
                    {move || t_string!(i18n, channels.chosen_count, count = chosen.with(Vec::len)).to_string()}
                </span>
            </div>
            <div class="mt-2 max-h-80 overflow-auto rounded-md border border-slate-200 dark:border-slate-700" tabindex="0"
                role="region" aria-label=move || t_string!(i18n, channels.models_found).to_string()>
                <table class="min-w-full text-left text-sm" id="model-picker">
                    <thead class="sticky top-0 bg-slate-50 dark:bg-slate-800"><tr>
                        <th scope="col" class="px-3 py-2 text-xs font-semibold">{t!(i18n, channels.col_model)}</th>
                        <th scope="col" class="px-3 py-2 text-xs font-semibold">{t!(i18n, channels.col_released)}</th>
                        <th scope="col" class="px-3 py-2 text-xs font-semibold">{t!(i18n, channels.col_context)}</th>
                        <th scope="col" class="px-3 py-2 text-xs font-semibold">{t!(i18n, channels.col_capabilities)}</th>
                    </tr></thead>
                    <tbody class="divide-y divide-slate-100 dark:divide-slate-800">
                        <For each=shown key=|m| m.id.clone() let:m>
                            <PickerRow m chosen/>
                        </For>
                    </tbody>
                </table>
            </div>
        </div>
    }
    .into_any()
}

#[component]
fn PickerRow(m: ModelChoice, chosen: RwSignal<Vec<String>>) -> impl IntoView {
    let i18n = use_i18n();
    let id = m.id.clone();
    let toggled = m.id.clone();
    let box_id = format!(
        "pick-{}",
        m.id.replace(|c: char| !c.is_ascii_alphanumeric(), "-")
    );
    let catalog = m.catalog.clone();
    let capabilities = catalog.clone();
    view! {
        <tr data-model=m.id.clone()>
            <td class="px-3 py-1.5">
                <input id=box_id.clone() type="checkbox" class="mr-2 align-middle"
                    prop:checked=move || chosen.with(|c| c.contains(&id))
                    on:change=move |_| chosen.update(|c| match c.iter().position(|x| *x == toggled) {
                        Some(i) => { c.remove(i); }
                        None => c.push(toggled.clone()),
                    })/>
                <label for=box_id class="font-mono">{m.id.clone()}</label>
            </td>
            <td class="px-3 py-1.5 tabular-nums whitespace-nowrap">{catalog.as_ref().map(|c| c.release_date.clone()).unwrap_or_else(|| "—".into())}</td>
            <td class="px-3 py-1.5 tabular-nums whitespace-nowrap">{move || catalog.as_ref().map(|c| td_string!(i18n.get_locale(), channels.context_k, k = c.context_length / 1000).to_string()).unwrap_or_else(|| "—".into())}</td>
            <td class=format!("px-3 py-1.5 {MUTED}")>{move || capabilities.as_ref().map(|c| c.capability_words(i18n.get_locale())).unwrap_or_default()}</td>
        </tr>
    }
    .into_any()
}
