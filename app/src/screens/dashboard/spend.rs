//! The Dashboard's spend: what today, the last 7 and the last 30 days cost, and one span broken
//! down by app (access key), by model, by channel and by session, with each line's cache hit
//! rate (cached / prompt tokens). Requests without a price are counted apart, never shown as free.

use leptos::prelude::*;
use types::dashboard::{Spend, SpendLine, SpendSpan, SpendTotals};

use crate::components::layout::Section;
use crate::components::money::format_usd;
use crate::components::style::{CARD, MUTED, TABLE, TD, TH};
use crate::errors::{ErrorText, UiError};
use crate::i18n::{t, t_string, use_i18n};

/// How many lines each breakdown shows (most spent first).
const LINES_SHOWN: usize = 8;

/// Spend at this moment, broken down over `span`; `utc_offset_secs` is the browser's.
#[server(input = leptos::server_fn::codec::Json)]
pub async fn load_spend(span: SpendSpan, utc_offset_secs: i32) -> Result<Spend, UiError> {
    let now = engine::clock::now_ms();
    Ok(crate::engine_call::state()?
        .spend(span, now, utc_offset_secs)
        .await?)
}

/// The spend tiles and the three breakdowns, refetched with the Dashboard.
#[component]
pub fn SpendSection(changed: Memo<u64>, offset: Memo<i32>) -> impl IntoView {
    let i18n = use_i18n();
    let span = RwSignal::new(SpendSpan::Today);
    let spend = Resource::new(
        move || (changed.get(), span.get(), offset.get()),
        |(_, span, offset)| load_spend(span, offset),
    );
    let tab = move |value: SpendSpan, id: &'static str| {
        view! {
            <button type="button" id=id role="tab"
                aria-selected=move || (span.get() == value).to_string()
                class="rounded-md px-3 py-1 text-sm font-medium focus-visible:outline-2 focus-visible:outline-indigo-600 aria-selected:bg-white aria-selected:shadow-sm dark:aria-selected:bg-slate-700"
                on:click=move |_| span.set(value)>
                {move || match value {
                    SpendSpan::Today => t_string!(i18n, spend.today).to_string(),
                    SpendSpan::Last7Days => t_string!(i18n, spend.last_7d).to_string(),
                    SpendSpan::Last30Days => t_string!(i18n, spend.last_30d).to_string(),
                }}
            </button>
        }
    };
    view! {
        <Section id="spend" title=Signal::derive(move || t_string!(i18n, spend.title).to_string())
            intro=Signal::derive(move || t_string!(i18n, spend.intro).to_string())>
            <Transition fallback=move || view! { <p class=MUTED>{t!(i18n, common.loading)}</p> }>
                {move || spend.get().map(|result| match result {
                    Err(error) => view! { <ErrorText error=Some(error)/> }.into_any(),
                    Ok(spend) => view! { <SpendFigures spend/> }.into_any(),
                })}
            </Transition>
            <div class="mt-6 flex flex-wrap items-center justify-between gap-3">
                <h3 class="text-sm font-semibold">{t!(i18n, spend.breakdown)}</h3>
                <div role="tablist" class="inline-flex gap-1 rounded-lg bg-slate-100 p-1 dark:bg-slate-800"
                    aria-label=move || t_string!(i18n, spend.span).to_string()>
                    {tab(SpendSpan::Today, "spend-today")}
                    {tab(SpendSpan::Last7Days, "spend-7d")}
                    {tab(SpendSpan::Last30Days, "spend-30d")}
                </div>
            </div>
            <Transition fallback=|| ()>
                {move || spend.get().and_then(Result::ok).map(|spend| view! {
                    <div class="mt-3 grid gap-4 lg:grid-cols-2">
                        <Breakdown id="spend-by-app" lines=spend.by_app
                            title=Signal::derive(move || t_string!(i18n, spend.by_app).to_string())/>
                        <Breakdown id="spend-by-model" lines=spend.by_model
                            title=Signal::derive(move || t_string!(i18n, spend.by_model).to_string())/>
                        <Breakdown id="spend-by-channel" lines=spend.by_channel
                            title=Signal::derive(move || t_string!(i18n, spend.by_channel).to_string())/>
                        <Breakdown id="spend-by-session" lines=spend.by_session
                            title=Signal::derive(move || t_string!(i18n, spend.by_session).to_string())
                            none=Signal::derive(move || t_string!(i18n, spend.no_sessions).to_string())/>
                    </div>
                })}
            </Transition>
        </Section>
    }
}

/// Today's, 7 days' and 30 days' spend.
#[component]
fn SpendFigures(spend: Spend) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <div class="grid gap-4 sm:grid-cols-3">
            <SpendTile id="spend-tile-today" totals=spend.today
                label=Signal::derive(move || t_string!(i18n, spend.today).to_string())/>
            <SpendTile id="spend-tile-7d" totals=spend.last_7_days
                label=Signal::derive(move || t_string!(i18n, spend.last_7d).to_string())/>
            <SpendTile id="spend-tile-30d" totals=spend.last_30_days
                label=Signal::derive(move || t_string!(i18n, spend.last_30d).to_string())/>
        </div>
    }
}

#[component]
fn SpendTile(
    id: &'static str,
    totals: SpendTotals,
    #[prop(into)] label: Signal<String>,
) -> impl IntoView {
    let i18n = use_i18n();
    let (priced, unpriced) = (totals.priced, totals.unpriced);
    view! {
        <div class=CARD id=id>
            <p class=format!("text-sm {MUTED}")>{move || label.get()}</p>
            <p class="mt-1 text-2xl font-semibold tabular-nums" data-value="">{format_usd(totals.cost_usd)}</p>
            <p class=format!("mt-1 text-xs {MUTED}")>
                {move || if unpriced > 0 {
                    t_string!(i18n, spend.priced_unpriced, priced, unpriced).to_string()
                } else {
                    t_string!(i18n, spend.priced, priced).to_string()
                }}
            </p>
        </div>
    }
}

/// One breakdown: name, spend, requests and cache hit rate of the top lines.
#[component]
fn Breakdown(
    id: &'static str,
    lines: Vec<SpendLine>,
    #[prop(into)] title: Signal<String>,
    /// What an empty breakdown says (the default: no successful requests).
    #[prop(optional, into)]
    none: Option<Signal<String>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let heading = format!("{id}-heading");
    if lines.is_empty() {
        return view! {
            <div id=id>
                <h4 id=heading class="mb-2 text-sm font-medium">{move || title.get()}</h4>
                <p class=format!("text-sm {MUTED}")>{move || match none {
                    Some(none) => none.get(),
                    None => t_string!(i18n, spend.none).to_string(),
                }}</p>
            </div>
        }
        .into_any();
    }
    let rest = lines.len().saturating_sub(LINES_SHOWN);
    view! {
        <div id=id>
            <h4 id=heading.clone() class="mb-2 text-sm font-medium">{move || title.get()}</h4>
            <div class="overflow-x-auto" tabindex="0" role="region" aria-labelledby=heading>
                <table class=TABLE>
                    <thead><tr>
                        <th scope="col" class=TH>{t!(i18n, spend.col_name)}</th>
                        <th scope="col" class=format!("{TH} text-right")>{t!(i18n, spend.col_cost)}</th>
                        <th scope="col" class=format!("{TH} text-right")>{t!(i18n, spend.col_requests)}</th>
                        <th scope="col" class=format!("{TH} text-right")>{t!(i18n, spend.col_cache)}</th>
                    </tr></thead>
                    <tbody class="divide-y divide-slate-100 dark:divide-slate-800">
                        {lines.into_iter().take(LINES_SHOWN).map(|line| view! { <BreakdownLine line/> }).collect_view()}
                    </tbody>
                </table>
            </div>
            {(rest > 0).then(|| view! {
                <p class=format!("mt-1 text-xs {MUTED}")>{move || t_string!(i18n, spend.more, rest).to_string()}</p>
            })}
        </div>
    }
    .into_any()
}

#[component]
fn BreakdownLine(line: SpendLine) -> impl IntoView {
    let i18n = use_i18n();
    let hit_rate = line
        .cache_hit_rate()
        .map(|rate| format!("{:.0}%", rate * 100.0))
        .unwrap_or_else(|| "—".to_owned());
    let unpriced = line.unpriced;
    let nothing_priced = unpriced > 0 && unpriced == line.requests;
    let nameless = line.name.is_empty();
    let name = line.name.clone();
    view! {
        <tr data-spend-line=line.name.clone()>
            <td class=format!("{TD} max-w-48 truncate font-mono text-xs") translate="no">
                {move || if nameless { t_string!(i18n, spend.no_key).to_string() } else { name.clone() }}
            </td>
            <td class=format!("{TD} text-right tabular-nums") data-cost="">
                {if nothing_priced {
                    // Every request of the line lacks a price: what it cost is not known, not $0.
                    view! { <span class=MUTED>{t!(i18n, spend.no_price)}</span> }.into_any()
                } else {
                    view! {
                        {format_usd(line.cost_usd)}
                        {(unpriced > 0).then(|| view! {
                            <span class=format!("block text-xs {MUTED}")>{move || t_string!(i18n, spend.unpriced, unpriced).to_string()}</span>
                        })}
                    }.into_any()
                }}
            </td>
            <td class=format!("{TD} text-right tabular-nums")>{line.requests}</td>
            <td class=format!("{TD} text-right tabular-nums")>{hit_rate}</td>
        </tr>
    }
}
