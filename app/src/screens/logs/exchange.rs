//! The Exchange view: one captured request whole. The client's request, each attempt (what the
//! provider got after conversion, the differences from what the client sent, its answer, a
//! stream as a timeline of events), and what the client received; each attempt copies as curl
//! (its key masked, as captured) and the whole exchange downloads as JSON.

use leptos::prelude::*;
use types::capture::{CapturedAttempt, CapturedBody, CapturedHeader, CapturedStream, Exchange};

use super::exchange_text::{Difference, curl, differences, download_href, pretty, size};
use crate::components::badge::{Badge, Tone};
use crate::components::copy::CopyButton;
use crate::components::style::{BUTTON_SECONDARY, BUTTON_SMALL, CARD, MUTED};
use crate::errors::{ErrorText, UiError};
use crate::i18n::{t, t_string, use_i18n};

#[server]
pub async fn load_exchange(request_log_id: i64) -> Result<Option<Exchange>, UiError> {
    Ok(crate::engine_call::state()?
        .exchange(request_log_id)
        .await?)
}

const PRE: &str = "max-h-96 overflow-auto whitespace-pre-wrap break-all rounded-md bg-slate-50 p-3 font-mono text-xs text-slate-900 dark:bg-slate-950 dark:text-slate-100";
const H3: &str = "text-sm font-semibold text-slate-900 dark:text-slate-100";

/// The exchange of the log row `id`, with a button that closes it.
#[component]
pub fn ExchangeView(id: i64, close: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let exchange = Resource::new(move || id, load_exchange);
    let section = NodeRef::<leptos::html::Section>::new();
    // Opened from a row far down the table: brought into view, and focus moves to it.
    Effect::new(move || {
        if let Some(section) = section.get() {
            section.scroll_into_view();
            let _ = section.focus();
        }
    });
    view! {
        <section id="exchange-view" node_ref=section class=format!("mt-4 {CARD} space-y-5") aria-labelledby="exchange-title" tabindex="-1">
            <div class="flex flex-wrap items-center gap-3">
                <h2 id="exchange-title" class="text-lg font-semibold text-slate-900 dark:text-slate-100">
                    {move || t_string!(i18n, exchange.title, id).to_string()}
                </h2>
                <span class="flex-1"></span>
                {move || exchange.get().and_then(Result::ok).flatten().map(|exchange| view! {
                    <a id="exchange-download" class=BUTTON_SECONDARY href=download_href(&exchange)
                        download=format!("exchange-{id}.json")>{t!(i18n, exchange.download)}</a>
                })}
                <button type="button" id="exchange-close" class=BUTTON_SECONDARY on:click=move |_| close.run(())>
                    {t!(i18n, exchange.close)}
                </button>
            </div>
            <Transition fallback=move || view! { <p class=MUTED>{t!(i18n, common.loading)}</p> }>
                {move || exchange.get().map(|answer| match answer {
                    Err(error) => view! { <ErrorText error=Some(error)/> }.into_any(),
                    Ok(None) => view! { <p class=MUTED>{t!(i18n, exchange.gone)}</p> }.into_any(),
                    Ok(Some(exchange)) => view! { <ExchangeParts exchange/> }.into_any(),
                })}
            </Transition>
        </section>
    }
}

#[component]
fn ExchangeParts(exchange: Exchange) -> impl IntoView {
    let i18n = use_i18n();
    let client_body = exchange.client_body.text.clone();
    let attempts = exchange
        .attempts
        .into_iter()
        .enumerate()
        .map(|(at, attempt)| {
            let sent = client_body.clone();
            view! { <AttemptPart number=at + 1 attempt sent/> }
        });
    let answer = exchange.answer;
    view! {
        <div class="space-y-3" data-part="client-request">
            <h3 class=H3>{t!(i18n, exchange.client_request)}" "<code class="font-mono text-xs" translate="no">{exchange.client_path}</code></h3>
            <Headers headers=exchange.client_headers/>
            <Body body=exchange.client_body/>
        </div>
        {attempts.collect_view()}
        <div class="space-y-3" data-part="client-answer">
            <h3 class=H3>
                {t!(i18n, exchange.client_answer)}" "
                <Badge tone=if (200..300).contains(&answer.status) { Tone::Good } else { Tone::Bad } text=answer.status.to_string()/>
            </h3>
            <Answer body=answer.body stream=answer.stream/>
        </div>
    }
}

#[component]
fn AttemptPart(number: usize, attempt: CapturedAttempt, sent: String) -> impl IntoView {
    let i18n = use_i18n();
    let command = curl(&attempt);
    let changes = differences(&sent, &attempt.request_body.text);
    let status = attempt.status;
    view! {
        <div class="space-y-3 border-t border-slate-200 pt-4 dark:border-slate-800" data-part="attempt">
            <h3 class=H3>
                {move || t_string!(i18n, exchange.attempt, number).to_string()}" "
                <span class="font-mono text-xs" translate="no">{attempt.model.clone()}" @ "{attempt.channel.clone()}</span>
                <span class=format!("ml-2 text-xs font-normal tabular-nums {MUTED}")>{format!("+{} ms", attempt.started_ms)}</span>
            </h3>
            <div class="flex flex-wrap items-center gap-2">
                <code class="min-w-0 flex-1 truncate font-mono text-xs" translate="no">"POST "{attempt.url.clone()}</code>
                <CopyButton value=command what=Signal::derive(move || t_string!(i18n, exchange.as_curl).to_string())/>
            </div>
            <Headers headers=attempt.request_headers/>
            <Body body=attempt.request_body/>
            <Differences changes/>
            <h4 class="text-sm font-medium">
                {t!(i18n, exchange.provider_answer)}" "
                {match status {
                    Some(status) => view! { <Badge tone=if (200..300).contains(&status) { Tone::Good } else { Tone::Bad } text=status.to_string()/> }.into_any(),
                    None => view! { <span class=MUTED>{t!(i18n, exchange.no_answer)}</span> }.into_any(),
                }}
            </h4>
            <Headers headers=attempt.response_headers/>
            <Answer body=attempt.response_body stream=attempt.response_stream/>
        </div>
    }
}

#[component]
fn Headers(headers: Vec<CapturedHeader>) -> impl IntoView {
    let i18n = use_i18n();
    (!headers.is_empty()).then(|| {
        let count = headers.len();
        view! {
            <details class="text-xs">
                <summary class="cursor-pointer text-slate-700 dark:text-slate-300">
                    {move || t_string!(i18n, exchange.headers, count).to_string()}
                </summary>
                <dl class="mt-1 grid grid-cols-[max-content_1fr] gap-x-3 gap-y-0.5 font-mono" translate="no">
                    {headers.iter().map(|(name, value)| view! {
                        <dt class=MUTED>{name.clone()}</dt><dd class="break-all">{value.clone()}</dd>
                    }).collect_view()}
                </dl>
            </details>
        }
    })
}

/// A single body, or a stream's timeline when it has events.
#[component]
fn Answer(body: CapturedBody, stream: CapturedStream) -> impl IntoView {
    if stream.events.is_empty() {
        view! { <Body body/> }.into_any()
    } else {
        view! { <Timeline stream/> }.into_any()
    }
}

#[component]
fn Body(body: CapturedBody) -> impl IntoView {
    let i18n = use_i18n();
    if body.original_bytes == 0 {
        return view! { <p class=format!("text-xs {MUTED}")>{t!(i18n, exchange.empty)}</p> }
            .into_any();
    }
    let (kept, original) = (size(body.text.len() as u64), size(body.original_bytes));
    view! {
        {body.truncated.then(|| view! {
            <p class="text-xs text-amber-800 dark:text-amber-300" data-truncated="">
                {move || t_string!(i18n, exchange.truncated, kept = kept.clone(), original = original.clone()).to_string()}
            </p>
        })}
        <pre class=PRE tabindex="0" data-body="">{pretty(&body.text)}</pre>
    }
    .into_any()
}

#[component]
fn Timeline(stream: CapturedStream) -> impl IntoView {
    let i18n = use_i18n();
    let count = stream.events.len();
    view! {
        <div>
            <p class=format!("text-xs {MUTED}")>{move || t_string!(i18n, exchange.events, count, size = size(stream.original_bytes)).to_string()}</p>
            {stream.truncated.then(|| view! {
                <p class="text-xs text-amber-800 dark:text-amber-300" data-truncated="">{t!(i18n, exchange.events_truncated)}</p>
            })}
            <ol class="mt-1 max-h-96 overflow-auto rounded-md bg-slate-50 p-2 font-mono text-xs dark:bg-slate-950" tabindex="0" data-timeline="">
                {stream.events.into_iter().map(|event| view! {
                    <li class="flex gap-3 border-b border-slate-200 py-1 last:border-0 dark:border-slate-800">
                        <span class=format!("w-16 shrink-0 text-right tabular-nums {MUTED}")>{format!("{} ms", event.at_ms)}</span>
                        <span class="min-w-0 whitespace-pre-wrap break-all text-slate-900 dark:text-slate-100">{event.text}</span>
                    </li>
                }).collect_view()}
            </ol>
        </div>
    }
}

#[component]
fn Differences(changes: Option<Vec<Difference>>) -> impl IntoView {
    let i18n = use_i18n();
    let Some(changes) = changes else {
        return ().into_any();
    };
    let count = changes.len();
    view! {
        <details class="text-xs" data-differences="">
            <summary class="cursor-pointer text-slate-700 dark:text-slate-300">
                {move || t_string!(i18n, exchange.differences, count).to_string()}
            </summary>
            <ul class="mt-1 space-y-0.5 font-mono" translate="no">
                {changes.into_iter().map(|change| match change {
                    Difference::Added { path, value } => view! {
                        <li><span class="text-emerald-700 dark:text-emerald-300">"+ "{path}</span>" "<span class=MUTED>{value}</span></li>
                    }.into_any(),
                    Difference::Removed { path, was } => view! {
                        <li><span class="text-red-700 dark:text-red-300">"− "{path}</span>" "<span class=MUTED>{was}</span></li>
                    }.into_any(),
                    Difference::Changed { path, was, now } => view! {
                        <li><span class="text-amber-800 dark:text-amber-300">"~ "{path}</span>" "<span class=MUTED>{was}" → "{now}</span></li>
                    }.into_any(),
                }).collect_view()}
            </ul>
        </details>
    }
    .into_any()
}

/// The small button on a log row that opens its exchange.
#[component]
pub fn OpenExchange(id: i64, open: RwSignal<Option<i64>>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <button type="button" class=format!("{BUTTON_SMALL} mt-1") data-open-exchange=id
            aria-label=move || t_string!(i18n, exchange.open_for, id).to_string()
            on:click=move |_| open.set(Some(id))>
            {t!(i18n, exchange.open)}
        </button>
    }
}
