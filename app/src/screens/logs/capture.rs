//! The capture control on the Logs screen: whether requests are being captured (everything,
//! one app or one group), for how many more requests or until when, and how much is kept; the
//! user starts and stops it here (the CLI: `api-switch capture`).

use leptos::prelude::*;
use types::capture::{CaptureRule, CaptureScope, CaptureStatus};

use super::exchange_text::size;
use crate::components::style::{BUTTON_PRIMARY, BUTTON_SECONDARY, CARD, INPUT, MUTED};
use crate::components::toast::use_toasts;
use crate::errors::{ErrorText, UiError};
use crate::i18n::{t, t_string, use_i18n};
use crate::shell::time::Clock;

#[server]
pub async fn load_capture_status() -> Result<CaptureStatus, UiError> {
    Ok(crate::engine_call::state()?.capture_status().await?)
}

#[server(input = leptos::server_fn::codec::Json)]
pub async fn save_capture_rule(rule: CaptureRule) -> Result<CaptureStatus, UiError> {
    Ok(crate::engine_call::state()?.set_capture(rule).await?)
}

/// The form's values (strings from the inputs).
#[derive(Clone, Debug, PartialEq)]
struct Form {
    scope: String,
    name: String,
    requests: String,
    minutes: String,
}

impl Form {
    fn rule(&self, now_ms: i64) -> CaptureRule {
        let name = self.name.trim().to_owned();
        CaptureRule {
            enabled: true,
            scope: match self.scope.as_str() {
                "app" => CaptureScope::App(name),
                "group" => CaptureScope::Group(name),
                _ => CaptureScope::All,
            },
            remaining: self.requests.trim().parse().ok().filter(|n| *n > 0),
            until_ms: self
                .minutes
                .trim()
                .parse::<i64>()
                .ok()
                .filter(|m| *m > 0)
                .map(|m| now_ms + m * 60_000),
        }
    }
}

#[component]
pub fn CaptureControl(
    clock: Clock,
    /// The access keys the log holds, offered for the app scope.
    apps: Signal<Vec<String>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let toasts = use_toasts();
    let saved = RwSignal::new(0u32);
    let status = Resource::new(move || saved.get(), |_| load_capture_status());
    let form = RwSignal::new(Form {
        scope: "all".into(),
        name: String::new(),
        requests: "20".into(),
        minutes: "30".into(),
    });
    let error = RwSignal::new(None::<UiError>);
    let save = Action::new_local(move |rule: &CaptureRule| {
        let rule = rule.clone();
        let started = rule.enabled;
        async move {
            let answer = save_capture_rule(rule).await;
            let done = if started {
                t_string!(i18n, capture.started).to_string()
            } else {
                t_string!(i18n, capture.stopped).to_string()
            };
            toasts.report(&answer, done);
            error.set(answer.err());
            saved.update(|n| *n += 1);
        }
    });
    let needs_name = move || form.with(|f| f.scope != "all");
    view! {
        <section id="capture-control" class=format!("mt-4 {CARD} space-y-3") aria-labelledby="capture-title">
            <div class="flex flex-wrap items-baseline gap-3">
                <h2 id="capture-title" class="text-base font-semibold text-slate-900 dark:text-slate-100">{t!(i18n, capture.title)}</h2>
                <p id="capture-status" class="text-sm" role="status">
                    <Transition fallback=|| ()>
                        {move || status.get().map(|answer| match answer {
                            Ok(status) => status_line(i18n, clock, &status).into_any(),
                            Err(problem) => view! { <ErrorText error=Some(problem)/> }.into_any(),
                        })}
                    </Transition>
                </p>
            </div>
            <p class=format!("text-xs {MUTED}")>{t!(i18n, capture.intro)}</p>
            <form class="flex flex-wrap items-end gap-3" on:submit=move |ev| {
                ev.prevent_default();
                save.dispatch(form.get_untracked().rule(super::js_now()));
            }>
                <div>
                    <label for="capture-scope" class="block text-xs font-medium text-slate-700 dark:text-slate-300">{t!(i18n, capture.scope)}</label>
                    <select id="capture-scope" class=format!("{INPUT} w-auto min-w-36")
                        on:change=move |ev| { let v = event_target_value(&ev); form.update(|f| f.scope = v); }>
                        <option value="all">{t!(i18n, capture.scope_all)}</option>
                        <option value="app">{t!(i18n, capture.scope_app)}</option>
                        <option value="group">{t!(i18n, capture.scope_group)}</option>
                    </select>
                </div>
                <Show when=needs_name>
                    <div>
                        <label for="capture-name" class="block text-xs font-medium text-slate-700 dark:text-slate-300">{t!(i18n, capture.name)}</label>
                        <input id="capture-name" class=format!("{INPUT} w-44 font-mono") list="capture-apps" required
                            prop:value=move || form.with(|f| f.name.clone())
                            on:input=move |ev| { let v = event_target_value(&ev); form.update(|f| f.name = v); }/>
                        <datalist id="capture-apps">
                            {move || apps.get().into_iter().map(|app| view! { <option value=app/> }).collect_view()}
                        </datalist>
                    </div>
                </Show>
                <div>
                    <label for="capture-requests" class="block text-xs font-medium text-slate-700 dark:text-slate-300">{t!(i18n, capture.requests)}</label>
                    <input id="capture-requests" type="number" min="1" class=format!("{INPUT} w-28")
                        prop:value=move || form.with(|f| f.requests.clone())
                        on:input=move |ev| { let v = event_target_value(&ev); form.update(|f| f.requests = v); }/>
                </div>
                <div>
                    <label for="capture-minutes" class="block text-xs font-medium text-slate-700 dark:text-slate-300">{t!(i18n, capture.minutes)}</label>
                    <input id="capture-minutes" type="number" min="1" class=format!("{INPUT} w-28")
                        prop:value=move || form.with(|f| f.minutes.clone())
                        on:input=move |ev| { let v = event_target_value(&ev); form.update(|f| f.minutes = v); }/>
                </div>
                <button type="submit" id="capture-start" class=BUTTON_PRIMARY disabled=move || save.pending().get()>
                    {t!(i18n, capture.start)}
                </button>
                <button type="button" id="capture-stop" class=BUTTON_SECONDARY disabled=move || save.pending().get()
                    on:click=move |_| { save.dispatch(CaptureRule::default()); }>
                    {t!(i18n, capture.stop)}
                </button>
            </form>
            <ErrorText error/>
        </section>
    }
}

fn status_line(
    i18n: leptos_i18n::I18nContext<crate::i18n::Locale>,
    clock: Clock,
    status: &CaptureStatus,
) -> String {
    let kept = t_string!(
        i18n,
        capture.kept,
        count = status.stored_exchanges,
        size = size(status.stored_bytes)
    )
    .to_string();
    if !status.active {
        return format!("{} · {kept}", t_string!(i18n, capture.off));
    }
    let rule = &status.rule;
    let scope = match &rule.scope {
        CaptureScope::All => t_string!(i18n, capture.on_all).to_string(),
        CaptureScope::App(name) => t_string!(i18n, capture.on_app, name = name.clone()).to_string(),
        CaptureScope::Group(name) => {
            t_string!(i18n, capture.on_group, name = name.clone()).to_string()
        }
    };
    let mut parts = vec![scope];
    if let Some(left) = rule.remaining {
        parts.push(t_string!(i18n, capture.left, count = left).to_string());
    }
    if let Some(until) = rule.until_ms {
        parts.push(t_string!(i18n, capture.until, time = clock.format_hm(until)).to_string());
    }
    parts.push(kept);
    parts.join(" · ")
}
