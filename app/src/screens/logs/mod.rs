//! The Logs screen: every proxied request, newest first, arriving live. Filters narrow it by
//! model, channel, client key, status, time and text in captured bodies; each row opens to the
//! attempts that led to its answer (which entry, what status or error, how long), and a row
//! with a captured exchange opens it (`exchange`). Older rows load page by page. Capture itself
//! is switched on and off here (`capture`).

pub mod capture;
pub mod exchange;
mod exchange_text;

use leptos::prelude::*;
use types::events::Event;
use types::logs::{
    AttemptRecord, LogFilterOptions, LogPage, LogQuery, RequestRecord, StatusFilter,
};

use crate::components::attempt_timeline::AttemptTimeline;
use crate::components::attempts::attempt_outcome;
use crate::components::badge::{Badge, Tone};
use crate::components::empty::EmptyState;
use crate::components::icons::{Icon, IconName};
use crate::components::layout::PageHeader;
use crate::components::money::format_usd;
use crate::components::style::{BUTTON_SECONDARY, CARD, INPUT, MUTED, TABLE, TD, TH};
use crate::errors::{ErrorText, UiError};
use crate::i18n::{Locale, t, t_string, td_string, use_i18n};
use crate::shell::live::use_live;
use crate::shell::time::{Clock, use_clock};
use capture::CaptureControl;
use exchange::{ExchangeView, OpenExchange};

#[server(input = leptos::server_fn::codec::Json)]
pub async fn load_log_page(query: LogQuery) -> Result<LogPage, UiError> {
    Ok(crate::engine_call::state()?.log_page(&query).await?)
}

#[server]
pub async fn load_log_filter_options() -> Result<LogFilterOptions, UiError> {
    Ok(crate::engine_call::state()?.log_filter_options().await?)
}

/// The time filter's choices, in hours back from now (`0`: all).
const SPANS: [(u32, &str); 5] = [
    (0, "all"),
    (1, "1h"),
    (24, "24h"),
    (24 * 7, "7d"),
    (24 * 30, "30d"),
];

/// The filters as the form holds them (strings from the selects).
#[derive(Clone, Debug, Default, PartialEq)]
struct Filters {
    model: String,
    channel: String,
    key: String,
    status: String,
    span_hours: u32,
    /// Text to find in captured exchanges.
    captured_text: String,
}

impl Filters {
    fn query(&self, now_ms: i64, before_id: Option<i64>) -> LogQuery {
        let given = |s: &String| (!s.is_empty()).then(|| s.clone());
        LogQuery {
            model: given(&self.model),
            channel: given(&self.channel),
            client_key_name: given(&self.key),
            status: match self.status.as_str() {
                "" => None,
                "ok" => Some(StatusFilter::Ok),
                "failed" => Some(StatusFilter::Failed),
                code => code.parse().ok().map(StatusFilter::Code),
            },
            from_ms: (self.span_hours > 0).then(|| now_ms - i64::from(self.span_hours) * 3_600_000),
            before_id,
            captured_text: given(&self.captured_text),
            ..LogQuery::default()
        }
    }
}

fn refreshes_logs(event: &Event) -> bool {
    matches!(
        event,
        Event::RequestFinished(_) | Event::ConfigChanged { .. }
    )
}

#[component]
pub fn LogsScreen() -> impl IntoView {
    let i18n = use_i18n();
    let clock = use_clock();
    let changed = use_live().changes(refreshes_logs);
    let filters = RwSignal::new(Filters::default());
    // The first page follows the filters and the live stream; older pages are appended.
    let first = Resource::new(
        move || (filters.get(), changed.get()),
        move |(filters, _)| load_log_page(filters.query(js_now(), None)),
    );
    let options = Resource::new(move || changed.get(), |_| load_log_filter_options());
    let older = RwSignal::new(Vec::<RequestRecord>::new());
    let next_before = RwSignal::new(None::<i64>);
    let load_more_error = RwSignal::new(None::<UiError>);
    let exchange_open = RwSignal::new(None::<i64>);
    let apps = Signal::derive(move || {
        options
            .get()
            .and_then(Result::ok)
            .map(|o| o.client_key_names)
            .unwrap_or_default()
    });
    Effect::new(move || {
        // A new first page starts the list again.
        if let Some(Ok(page)) = first.get() {
            older.set(Vec::new());
            next_before.set(page.next_before_id);
        }
    });
    let more = Action::new_local(move |_: &()| {
        let query = filters
            .get_untracked()
            .query(js_now(), next_before.get_untracked());
        async move {
            match load_log_page(query).await {
                Ok(page) => {
                    older.update(|rows| rows.extend(page.rows));
                    next_before.set(page.next_before_id);
                    load_more_error.set(None);
                }
                Err(error) => load_more_error.set(Some(error)),
            }
        }
    });
    view! {
        <PageHeader
            title=Signal::derive(move || t_string!(i18n, logs.title).to_string())
            intro=Signal::derive(move || t_string!(i18n, logs.intro).to_string())
        />
        <CaptureControl clock apps/>
        <FilterBar filters options/>
        {move || exchange_open.get().map(|id| view! {
            <ExchangeView id close=Callback::new(move |_| exchange_open.set(None))/>
        })}
        <div class=format!("mt-4 {CARD} p-0 sm:p-0")>
            <Transition fallback=move || view! { <p class=format!("p-5 {MUTED}")>{t!(i18n, common.loading)}</p> }>
                {move || first.get().map(|result| match result {
                    Err(error) => view! { <div class="p-5"><ErrorText error=Some(error)/></div> }.into_any(),
                    Ok(page) if page.rows.is_empty() => view! {
                        <div class="p-5">
                            <EmptyState
                                title=Signal::derive(move || t_string!(i18n, logs.none).to_string())
                                hint=Signal::derive(move || t_string!(i18n, logs.none_hint).to_string())
                            />
                        </div>
                    }.into_any(),
                    Ok(page) => {
                        let (total, total_ok) = (page.total, page.total_ok);
                        let rate = if total > 0 { format!("{:.1}", total_ok as f64 * 100.0 / total as f64) } else { "—".into() };
                        view! {
                            <p class=format!("border-b border-slate-200 px-4 py-2 text-sm dark:border-slate-800 {MUTED}") id="log-totals">
                                {move || {
                                    let rate = rate.clone();
                                    // "1 request matches", not "1 requests match" (zh reads the same).
                                    if total == 1 {
                                        t_string!(i18n, logs.totals_single, rate).to_string()
                                    } else {
                                        t_string!(i18n, logs.totals, total, rate).to_string()
                                    }
                                }}
                            </p>
                            <div class="overflow-x-auto" tabindex="0">
                                <table class=TABLE id="log-table">
                                    <thead><tr>
                                        <th scope="col" class=TH><span class="sr-only">{t!(i18n, logs.details)}</span></th>
                                        <th scope="col" class=TH>{t!(i18n, logs.col_time)}</th>
                                        <th scope="col" class=TH>{t!(i18n, logs.col_model)}</th>
                                        <th scope="col" class=TH>{t!(i18n, logs.col_channel)}</th>
                                        <th scope="col" class=TH>{t!(i18n, logs.col_key)}</th>
                                        <th scope="col" class=TH>{t!(i18n, logs.col_status)}</th>
                                        <th scope="col" class=format!("{TH} text-right")>{t!(i18n, logs.col_latency)}</th>
                                        <th scope="col" class=format!("{TH} text-right")>{t!(i18n, logs.col_tokens)}</th>
                                        <th scope="col" class=format!("{TH} text-right")>{t!(i18n, logs.col_cost)}</th>
                                    </tr></thead>
                                    {page.rows.into_iter().map(|row| view! { <LogRow row clock exchange_open/> }).collect_view()}
                                    {move || older.get().into_iter().map(|row| view! { <LogRow row clock exchange_open/> }).collect_view()}
                                </table>
                            </div>
                        }.into_any()
                    }
                })}
            </Transition>
        </div>
        <div class="mt-4 flex items-center gap-3">
            <Show when=move || next_before.get().is_some()>
                <button type="button" id="load-older" class=BUTTON_SECONDARY disabled=move || more.pending().get()
                    on:click=move |_| { more.dispatch(()); }>
                    {move || if more.pending().get() { t_string!(i18n, common.loading).to_string() } else { t_string!(i18n, logs.load_older).to_string() }}
                </button>
            </Show>
            <ErrorText error=load_more_error/>
        </div>
    }
}

/// Now in the browser (the server's clock while rendering there).
fn js_now() -> i64 {
    #[cfg(feature = "hydrate")]
    {
        js_sys::Date::now() as i64
    }
    #[cfg(not(feature = "hydrate"))]
    {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or_default()
    }
}

#[component]
fn FilterBar(
    filters: RwSignal<Filters>,
    options: Resource<Result<LogFilterOptions, UiError>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let opts = move || options.get().and_then(Result::ok).unwrap_or_default();
    let any = move || t_string!(i18n, logs.any).to_string();
    let select = format!("{INPUT} w-auto min-w-36");
    let choice = move |id: &'static str,
                       label: String,
                       values: Vec<String>,
                       get: fn(&Filters) -> String,
                       set: fn(&mut Filters, String)| {
        view! {
            <div>
                <label for=id class="block text-xs font-medium text-slate-700 dark:text-slate-300">{label}</label>
                <select id=id class=select.clone() on:change=move |ev| { let v = event_target_value(&ev); filters.update(|f| set(f, v)); }>
                    <option value="" selected=move || filters.with(get).is_empty()>{any()}</option>
                    {values.into_iter().map(|v| {
                        let shown = v.clone();
                        let value = v.clone();
                        view! { <option value=v translate="no" selected=move || filters.with(get) == value>{shown}</option> }
                    }).collect_view()}
                </select>
            </div>
        }
    };
    view! {
        <form class=format!("{CARD} flex flex-wrap items-end gap-3") role="search"
            aria-label=move || t_string!(i18n, logs.filters).to_string() on:submit=|ev| ev.prevent_default()>
            <Transition fallback=|| ()>
                {move || {
                    let o = opts();
                    view! {
                        {choice("filter-model", t_string!(i18n, logs.col_model).to_string(), o.models, |f| f.model.clone(), |f, v| f.model = v)}
                        {choice("filter-channel", t_string!(i18n, logs.col_channel).to_string(), o.channels, |f| f.channel.clone(), |f, v| f.channel = v)}
                        {choice("filter-key", t_string!(i18n, logs.col_key).to_string(), o.client_key_names, |f| f.key.clone(), |f, v| f.key = v)}
                        <div>
                            <label for="filter-status" class="block text-xs font-medium text-slate-700 dark:text-slate-300">{t!(i18n, logs.col_status)}</label>
                            <select id="filter-status" class=format!("{INPUT} w-auto min-w-36")
                                on:change=move |ev| { let v = event_target_value(&ev); filters.update(|f| f.status = v); }>
                                <option value="">{any()}</option>
                                <option value="ok">{t!(i18n, logs.status_ok)}</option>
                                <option value="failed">{t!(i18n, logs.status_failed)}</option>
                                {o.statuses.into_iter().map(|s| view! { <option value=s.to_string()>{s.to_string()}</option> }).collect_view()}
                            </select>
                        </div>
                    }
                }}
            </Transition>
            <div>
                <label for="filter-captured" class="block text-xs font-medium text-slate-700 dark:text-slate-300">{t!(i18n, logs.search_captured)}</label>
                <input id="filter-captured" type="search" class=format!("{INPUT} w-56") aria-describedby="filter-captured-hint"
                    on:change=move |ev| { let v = event_target_value(&ev); filters.update(|f| f.captured_text = v.trim().to_owned()); }/>
                <span id="filter-captured-hint" class="sr-only">{t!(i18n, logs.search_captured_hint)}</span>
            </div>
            <div>
                <label for="filter-time" class="block text-xs font-medium text-slate-700 dark:text-slate-300">{t!(i18n, logs.col_time)}</label>
                <select id="filter-time" class=format!("{INPUT} w-auto min-w-36")
                    on:change=move |ev| { let v = event_target_value(&ev).parse().unwrap_or(0); filters.update(|f| f.span_hours = v); }>
                    {SPANS.map(|(hours, id)| view! { <option value=hours.to_string()>{move || span_label(i18n.get_locale(), id)}</option> }).collect_view()}
                </select>
            </div>
        </form>
    }
}

fn span_label(locale: Locale, id: &str) -> String {
    match id {
        "1h" => td_string!(locale, logs.span_1h),
        "24h" => td_string!(locale, logs.span_24h),
        "7d" => td_string!(locale, logs.span_7d),
        "30d" => td_string!(locale, logs.span_30d),
        _ => td_string!(locale, logs.span_all),
    }
    .to_string()
}

/// One request; its button opens the attempts below it.
#[component]
fn LogRow(row: RequestRecord, clock: Clock, exchange_open: RwSignal<Option<i64>>) -> impl IntoView {
    let i18n = use_i18n();
    let open = RwSignal::new(false);
    let id = row.id;
    let ok = (200..300).contains(&row.status);
    let status = row.status;
    let at = row.at_ms;
    let answered = if row.model.is_empty() {
        "—".to_owned()
    } else {
        row.model.clone()
    };
    let tokens = match (row.prompt_tokens, row.completion_tokens) {
        (None, None) => "—".to_owned(),
        (p, c) => format!("{} / {}", p.unwrap_or(0), c.unwrap_or(0)),
    };
    let (cached, written, reasoning) = (
        row.cache_read_tokens.unwrap_or(0),
        row.cache_write_tokens.unwrap_or(0),
        row.reasoning_tokens.unwrap_or(0),
    );
    let has_parts = cached + written + reasoning > 0;
    // The share of the prompt the provider read from its cache (the session kept it warm).
    let cache_hit = row
        .cache_hit_rate()
        .map(|rate| format!("{:.0}", rate * 100.0));
    let session = row.session.clone();
    let moved = row.session_moved.clone();
    let estimated = row.tokens_estimated;
    // A successful row without a cost had no price (or no token counts): never "$0".
    let cost = row.cost_usd;
    let unpriced = ok && cost.is_none() && row.prompt_tokens.is_some();
    let attempts = row.attempts.clone();
    let attempt_count = row.attempt_count;
    let detail_id = format!("log-{id}-attempts");
    view! {
        <tbody class="border-t border-slate-100 dark:border-slate-800" data-log=id>
            <tr class="hover:bg-slate-50 dark:hover:bg-slate-800/50">
                <td class=TD>
                    <button type="button" class="rounded p-1 hover:bg-slate-200 focus-visible:outline-2 focus-visible:outline-indigo-600 dark:hover:bg-slate-700"
                        aria-expanded=move || open.get().to_string() aria-controls=detail_id.clone()
                        aria-label=move || t_string!(i18n, logs.show_attempts, count = attempt_count).to_string()
                        on:click=move |_| open.update(|o| *o = !*o)>
                        <Icon name=IconName::Chevron class="h-4 w-4 transition-transform"/>
                    </button>
                </td>
                <td class=format!("{TD} whitespace-nowrap tabular-nums")>{move || clock.format(at)}</td>
                <td class=TD>
                    <div class="font-mono text-xs">{row.requested_model.clone()}</div>
                    <div class=format!("font-mono text-xs {MUTED}")>"→ "{answered}</div>
                </td>
                <td class=TD translate="no">{if row.channel.is_empty() { "—".to_owned() } else { row.channel.clone() }}</td>
                <td class=TD translate="no">{if row.client_key_name.is_empty() { "—".to_owned() } else { row.client_key_name.clone() }}</td>
                <td class=TD>
                    <Badge tone=if ok { Tone::Good } else { Tone::Bad } text=status.to_string()/>
                    {row.stream.then(|| view! { <span class=format!("ml-1 text-xs {MUTED}")>{t!(i18n, logs.stream)}</span> })}
                    {(!moved.is_empty()).then(|| view! {
                        <span class="block text-xs text-amber-800 dark:text-amber-300" data-session-moved="">{t!(i18n, logs.session_moved)}</span>
                    })}
                    {row.captured.then(|| view! { <div><OpenExchange id open=exchange_open/></div> })}
                </td>
                <td class=format!("{TD} text-right tabular-nums")>{format!("{} ms", row.latency_ms)}</td>
                <td class=format!("{TD} text-right tabular-nums")>
                    {tokens}
                    {has_parts.then(|| view! {
                        <span class=format!("block text-xs {MUTED}") data-token-parts="">
                            {move || t_string!(i18n, logs.tokens_detail, cached, written, reasoning).to_string()}
                        </span>
                    })}
                    {cache_hit.map(|rate| view! {
                        <span class=format!("block text-xs {MUTED}") data-cache-hit="">
                            {move || t_string!(i18n, logs.cache_hit, rate = rate.clone()).to_string()}
                        </span>
                    })}
                    {estimated.then(|| view! { <span class=format!("block text-xs {MUTED}")>{t!(i18n, spend.estimated)}</span> })}
                </td>
                <td class=format!("{TD} text-right tabular-nums whitespace-nowrap") data-cost="">
                    {match cost {
                        Some(cost) => format_usd(cost).into_any(),
                        None if unpriced => view! { <span class=MUTED>{t!(i18n, spend.no_price)}</span> }.into_any(),
                        None => "—".into_any(),
                    }}
                </td>
            </tr>
            <tr id=format!("log-{id}-attempts") class:hidden=move || !open.get()>
                <td></td>
                <td colspan="8" class="px-3 pb-3">
                    <SessionLine session moved/>
                    <Attempts attempts=attempts.clone() clock/>
                    <AttemptTimeline attempts=attempts.clone()/>
                </td>
            </tr>
        </tbody>
    }
    // Erased so the screen's view type stays within the compiler's depth limit.
    .into_any()
}

/// The request's session (a hash, never the client's id) and why it moved, when it did.
#[component]
fn SessionLine(session: String, moved: String) -> impl IntoView {
    let i18n = use_i18n();
    (!session.is_empty()).then(|| {
        let shown = session.clone();
        view! {
            <p class="mb-2 text-sm" data-session=session>
                <span class=MUTED>{t!(i18n, logs.session)}" "</span>
                <span class="font-mono text-xs" translate="no">{shown}</span>
                {(!moved.is_empty()).then(|| view! {
                    <span class="ml-2 text-amber-800 dark:text-amber-300" data-session-moved-why="">
                        {t!(i18n, logs.session_moved)}": "<span translate="no">{moved}</span>
                    </span>
                })}
            </p>
        }
    })
}

#[component]
fn Attempts(attempts: Vec<AttemptRecord>, clock: Clock) -> impl IntoView {
    let i18n = use_i18n();
    if attempts.is_empty() {
        return view! { <p class=format!("text-sm {MUTED}")>{t!(i18n, logs.no_attempts)}</p> }
            .into_any();
    }
    view! {
        <ol class="space-y-1 rounded-md bg-slate-50 p-3 text-sm dark:bg-slate-800/60">
            {attempts.into_iter().enumerate().map(|(i, a)| {
                let at = a.at_ms;
                let outcome = {
                    let status = a.status;
                    let kind = a.error_kind.clone();
                    move || attempt_outcome(i18n.get_locale(), kind.as_ref(), status)
                };
                let good = a.error_kind.is_none();
                // The error rule that fired, by its phrase or status, as the user wrote it.
                let rule = a.rule.clone().map(|rule| view! { <span class="font-mono text-xs" translate="no">{rule}</span> });
                view! {
                    <li class="flex flex-wrap items-center gap-x-3 gap-y-1">
                        <span class=format!("w-6 text-right tabular-nums {MUTED}")>{i + 1}"."</span>
                        <span class="font-mono text-xs">{a.model.clone()}</span>
                        <span class=MUTED>"@ "<span translate="no">{a.channel.clone()}</span></span>
                        <span class=if good { "text-emerald-700 dark:text-emerald-300" } else { "text-red-700 dark:text-red-300" }>{outcome}</span>
                        {rule}
                        <span class=format!("tabular-nums {MUTED}")>{format!("{} ms", a.elapsed_ms)}</span>
                        <span class=format!("tabular-nums text-xs {MUTED}")>{move || clock.format(at)}</span>
                    </li>
                }
            }).collect_view()}
        </ol>
    }
    .into_any()
}
