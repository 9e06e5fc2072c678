//! The Dashboard: the addresses to paste into clients, whether the proxy is serving, today's
//! requests, success rate and tokens, what was spent (`spend`), requests, spend and latency
//! over the last 24 hours, 7 or 30 days, entries cooling down (with a live countdown) and
//! entries the system switched off lately, and channels whose relay balance is low
//! (`low_balance`). Everything refetches when the live stream reports a
//! finished request or an entry change.

mod low_balance;
mod spend;

use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use types::dashboard::{CoolingEntry, Dashboard, DisabledEntry, Series, SeriesRange};
use types::events::Event;

use crate::components::badge::{Badge, Tone};
use crate::components::chart::{BarChart, LineChart, Point};
use crate::components::copy::CopyField;
use crate::components::empty::EmptyState;
use crate::components::layout::{PageHeader, Section};
use crate::components::money::format_usd;
use crate::components::style::{BUTTON_SECONDARY, CARD, MUTED};
use crate::errors::{ErrorText, UiError};
use crate::i18n::{t, t_string, use_i18n};
use crate::shell::live::use_live;
use crate::shell::origin::use_origin;
use crate::shell::time::{Clock, use_clock};

/// What the status card shows about the running server.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StatusReport {
    pub version: String,
    pub data_file: String,
    pub channel_count: u64,
    pub uptime_secs: u64,
}

/// Reads the live status of the server this page is served by.
#[server]
pub async fn server_status() -> Result<StatusReport, UiError> {
    let state = crate::engine_call::state()?;
    Ok(StatusReport {
        version: env!("CARGO_PKG_VERSION").to_owned(),
        data_file: state.store().path().display().to_string(),
        channel_count: state.channel_count().await?,
        uptime_secs: state.uptime_secs(),
    })
}

/// The figures at this moment; `utc_offset_secs` is the browser's, so "today" is its day.
#[server]
pub async fn load_dashboard(utc_offset_secs: i32) -> Result<Dashboard, UiError> {
    let now = engine::clock::now_ms();
    Ok(crate::engine_call::state()?
        .dashboard(now, utc_offset_secs)
        .await?)
}

#[server(input = leptos::server_fn::codec::Json)]
pub async fn load_series(range: SeriesRange, utc_offset_secs: i32) -> Result<Series, UiError> {
    let now = engine::clock::now_ms();
    Ok(crate::engine_call::state()?
        .request_series(range, now, utc_offset_secs)
        .await?)
}

/// Events that change what the Dashboard shows.
fn moves_dashboard(event: &Event) -> bool {
    !matches!(
        event,
        Event::SpeedTest { .. } | Event::CalibrationAttempt { .. }
    )
}

#[component]
pub fn DashboardScreen() -> impl IntoView {
    let i18n = use_i18n();
    let clock = use_clock();
    let changed = use_live().changes(moves_dashboard);
    let offset = Memo::new(move |_| (clock.offset_min() * 60) as i32);
    let figures = Resource::new(
        move || (changed.get(), offset.get()),
        |(_, offset)| load_dashboard(offset),
    );
    view! {
        <PageHeader
            title=Signal::derive(move || t_string!(i18n, dashboard.title).to_string())
            intro=Signal::derive(move || t_string!(i18n, dashboard.intro).to_string())
        />
        <div class="grid gap-6 lg:grid-cols-3">
            <div class="lg:col-span-2"><Endpoints/></div>
            <ServerStatus/>
        </div>
        <low_balance::LowBalances/>
        <Transition fallback=move || view! { <p class=format!("mt-6 {MUTED}")>{t!(i18n, common.loading)}</p> }>
            {move || figures.get().map(|result| match result {
                Err(error) => view! { <div class="mt-6"><ErrorText error=Some(error)/></div> }.into_any(),
                Ok(figures) => view! { <Figures figures clock/> }.into_any(),
            })}
        </Transition>
        <div class="mt-6"><spend::SpendSection changed offset/></div>
        <div class="mt-6"><Charts changed offset/></div>
    }
}

/// The two base URLs clients need, with copy buttons.
#[component]
fn Endpoints() -> impl IntoView {
    let i18n = use_i18n();
    let origin = use_origin();
    view! {
        <Section id="endpoints" title=Signal::derive(move || t_string!(i18n, dashboard.endpoints).to_string())
            intro=Signal::derive(move || t_string!(i18n, dashboard.endpoints_intro).to_string())>
            <div class="space-y-4">
                <div>
                    <p class="mb-1 text-sm font-medium">{t!(i18n, dashboard.openai_base)}</p>
                    <CopyField id="openai-base" value=Signal::derive(move || format!("{}/v1", origin.get()))
                        what=Signal::derive(move || t_string!(i18n, dashboard.openai_base).to_string())/>
                </div>
                <div>
                    <p class="mb-1 text-sm font-medium">{t!(i18n, dashboard.anthropic_base)}</p>
                    <CopyField id="anthropic-base" value=origin
                        what=Signal::derive(move || t_string!(i18n, dashboard.anthropic_base).to_string())/>
                </div>
                <p class=format!("text-xs {MUTED}")>{t!(i18n, dashboard.endpoints_hint)}</p>
            </div>
        </Section>
    }
}

/// Proxy status: serving, version, data file, channels, uptime, and a "Check server" button.
#[component]
fn ServerStatus() -> impl IntoView {
    let i18n = use_i18n();
    let check = ServerAction::<ServerStatus>::new();
    let initial = Resource::new(|| (), |_| server_status());
    view! {
        <Section id="status" title=Signal::derive(move || t_string!(i18n, dashboard.status).to_string())>
            <Transition fallback=move || view! { <p class=MUTED>{t!(i18n, common.loading)}</p> }>
                {move || {
                    // After a click the action's answer is the freshest; before it, the page's own.
                    let latest = check.value().get().or_else(|| initial.get());
                    latest.map(|result| match result {
                        Ok(status) => view! {
                            <div class="mb-3"><Badge tone=Tone::Good text=Signal::derive(move || t_string!(i18n, dashboard.serving).to_string())/></div>
                            <dl class="grid grid-cols-[max-content_1fr] gap-x-4 gap-y-1 text-sm" id="server-status">
                                <dt class=MUTED>{t!(i18n, dashboard.version)}</dt>
                                <dd>{status.version}</dd>
                                <dt class=MUTED>{t!(i18n, dashboard.data_file)}</dt>
                                <dd id="data-file" class="break-all font-mono text-xs">{status.data_file}</dd>
                                <dt class=MUTED>{t!(i18n, dashboard.channels)}</dt>
                                <dd id="channel-count">{status.channel_count}</dd>
                                <dt class=MUTED>{t!(i18n, dashboard.uptime)}</dt>
                                <dd id="uptime">{move || { let secs = status.uptime_secs; t_string!(i18n, dashboard.uptime_value, secs).to_string() }}</dd>
                            </dl>
                        }.into_any(),
                        Err(error) => view! { <ErrorText error=Some(error)/> }.into_any(),
                    })
                }}
            </Transition>
            <button id="check-server" type="button" class=format!("{BUTTON_SECONDARY} mt-4")
                disabled=move || check.pending().get()
                on:click=move |_| { check.dispatch(ServerStatus {}); }>
                {move || if check.pending().get() { t_string!(i18n, dashboard.checking).to_string() } else { t_string!(i18n, dashboard.check_server).to_string() }}
            </button>
            <Show when=move || { check.version().get() > 0 }>
                <p id="checked-count" class=format!("mt-2 text-sm {MUTED}")>
                    {move || { let count = check.version().get(); t_string!(i18n, dashboard.checked, count).to_string() }}
                </p>
            </Show>
        </Section>
    }
}

/// Today's tiles, cooling entries and recently disabled ones.
#[component]
fn Figures(figures: Dashboard, clock: Clock) -> impl IntoView {
    let i18n = use_i18n();
    let today = figures.today.clone();
    let rate = today
        .success_rate
        .map(|r| format!("{:.1}%", r * 100.0))
        .unwrap_or_else(|| "—".to_owned());
    let latency = today
        .avg_latency_ms
        .map(|ms| format!("{ms:.0} ms"))
        .unwrap_or_else(|| "—".to_owned());
    let tokens = format_count(today.prompt_tokens + today.completion_tokens);
    let (prompt, completion) = (
        format_count(today.prompt_tokens),
        format_count(today.completion_tokens),
    );
    let (ok, failed) = (today.ok, today.failed);
    let server_now = figures.now_ms;
    view! {
        <div class="mt-6 grid gap-4 sm:grid-cols-2 lg:grid-cols-4" id="today">
            <Tile id="today-requests" label=Signal::derive(move || t_string!(i18n, dashboard.requests_today).to_string())
                value=today.requests.to_string()
                detail=Signal::derive(move || t_string!(i18n, dashboard.ok_failed, ok, failed).to_string())/>
            <Tile id="today-success" label=Signal::derive(move || t_string!(i18n, dashboard.success_rate).to_string())
                value=rate detail=Signal::derive(move || t_string!(i18n, dashboard.today).to_string())/>
            <Tile id="today-tokens" label=Signal::derive(move || t_string!(i18n, dashboard.tokens_today).to_string())
                value=tokens detail=Signal::derive(move || { let (prompt, completion) = (prompt.clone(), completion.clone()); t_string!(i18n, dashboard.tokens_split, prompt, completion).to_string() })/>
            <Tile id="today-latency" label=Signal::derive(move || t_string!(i18n, dashboard.avg_latency).to_string())
                value=latency detail=Signal::derive(move || t_string!(i18n, dashboard.successful_only).to_string())/>
        </div>
        <div class="mt-6 grid gap-6 lg:grid-cols-2">
            <Section id="cooling" title=Signal::derive(move || t_string!(i18n, dashboard.cooling).to_string())
                intro=Signal::derive(move || t_string!(i18n, dashboard.cooling_intro).to_string())>
                {if figures.cooling.is_empty() {
                    view! { <EmptyState title=Signal::derive(move || t_string!(i18n, dashboard.cooling_none).to_string())/> }.into_any()
                } else {
                    view! {
                        <ul class="divide-y divide-slate-100 dark:divide-slate-800">
                            {figures.cooling.into_iter().map(|entry| view! { <CoolingRow entry clock server_now/> }).collect_view()}
                        </ul>
                    }.into_any()
                }}
            </Section>
            <Section id="disabled" title=Signal::derive(move || t_string!(i18n, dashboard.disabled).to_string())
                intro=Signal::derive(move || t_string!(i18n, dashboard.disabled_intro).to_string())>
                {if figures.recently_disabled.is_empty() {
                    view! { <EmptyState title=Signal::derive(move || t_string!(i18n, dashboard.disabled_none).to_string())/> }.into_any()
                } else {
                    view! {
                        <ul class="divide-y divide-slate-100 dark:divide-slate-800">
                            {figures.recently_disabled.into_iter().map(|entry| view! { <DisabledRow entry clock/> }).collect_view()}
                        </ul>
                    }.into_any()
                }}
            </Section>
        </div>
    }
}

#[component]
fn Tile(
    id: &'static str,
    #[prop(into)] label: Signal<String>,
    value: String,
    #[prop(into)] detail: Signal<String>,
) -> impl IntoView {
    view! {
        <div class=CARD id=id>
            <p class=format!("text-sm {MUTED}")>{move || label.get()}</p>
            <p class="mt-1 text-2xl font-semibold tabular-nums" data-value="">{value}</p>
            <p class=format!("mt-1 text-xs {MUTED}")>{move || detail.get()}</p>
        </div>
    }
}

/// One cooling entry with the time left, ticking every second.
#[component]
fn CoolingRow(entry: CoolingEntry, clock: Clock, server_now: i64) -> impl IntoView {
    let i18n = use_i18n();
    let until = entry.until_ms;
    let left = move || {
        let secs = ((until - clock.now_or(server_now)).max(0) + 999) / 1000;
        format!("{}:{:02}", secs / 60, secs % 60)
    };
    view! {
        <li class="flex items-center justify-between gap-3 py-2" data-cooling=entry.entry_id>
            <div class="min-w-0">
                <p class="truncate font-mono text-sm">{entry.model.clone()}</p>
                <p class=format!("truncate text-xs {MUTED}") translate="no">{entry.channel.clone()}</p>
            </div>
            <p class="whitespace-nowrap text-sm">
                <span class="sr-only">{t!(i18n, dashboard.time_left)}" "</span>
                <span class="font-mono tabular-nums text-amber-800 dark:text-amber-300" data-countdown="">{left}</span>
            </p>
        </li>
    }
}

/// One entry the system switched off, with why and when.
#[component]
fn DisabledRow(entry: DisabledEntry, clock: Clock) -> impl IntoView {
    let i18n = use_i18n();
    let at = entry.disabled_at_ms;
    let status = entry.status;
    let reason = move || match status {
        Some(status) => t_string!(i18n, dashboard.disabled_status, status).to_string(),
        None => t_string!(i18n, dashboard.disabled_other).to_string(),
    };
    view! {
        <li class="py-2" data-disabled=entry.entry_id>
            <div class="flex items-center justify-between gap-3">
                <p class="truncate font-mono text-sm">{entry.model.clone()}</p>
                <p class=format!("whitespace-nowrap text-xs {MUTED}")>{move || clock.format(at)}</p>
            </div>
            <p class=format!("text-xs {MUTED}") translate="no">{entry.channel.clone()}</p>
            <p class="mt-1 text-sm text-red-800 dark:text-red-300" title=entry.reason.clone()>{reason}</p>
        </li>
    }
}

/// Requests and latency over 24 hours or 7 days.
#[component]
fn Charts(changed: Memo<u64>, offset: Memo<i32>) -> impl IntoView {
    let i18n = use_i18n();
    let clock = use_clock();
    let range = RwSignal::new(SeriesRange::Last24Hours);
    let series = Resource::new(
        move || (changed.get(), range.get(), offset.get()),
        |(_, range, offset)| load_series(range, offset),
    );
    let tab = move |value: SeriesRange, id: &'static str| {
        view! {
            <button type="button" id=id role="tab"
                aria-selected=move || (range.get() == value).to_string()
                class="rounded-md px-3 py-1 text-sm font-medium focus-visible:outline-2 focus-visible:outline-indigo-600 aria-selected:bg-white aria-selected:shadow-sm dark:aria-selected:bg-slate-700"
                on:click=move |_| range.set(value)>
                {move || match value {
                    SeriesRange::Last24Hours => t_string!(i18n, dashboard.last_24h).to_string(),
                    SeriesRange::Last7Days => t_string!(i18n, dashboard.last_7d).to_string(),
                    SeriesRange::Last30Days => t_string!(i18n, spend.last_30d).to_string(),
                }}
            </button>
        }
    };
    view! {
        <section class=CARD aria-labelledby="charts-heading" id="charts">
            <div class="flex flex-wrap items-center justify-between gap-3">
                <h2 id="charts-heading" class="text-base font-semibold">{t!(i18n, dashboard.charts)}</h2>
                <div role="tablist" class="inline-flex gap-1 rounded-lg bg-slate-100 p-1 dark:bg-slate-800"
                    aria-label=move || t_string!(i18n, dashboard.range).to_string()>
                    {tab(SeriesRange::Last24Hours, "range-24h")}
                    {tab(SeriesRange::Last7Days, "range-7d")}
                    {tab(SeriesRange::Last30Days, "range-30d")}
                </div>
            </div>
            <Transition fallback=move || view! { <p class=MUTED>{t!(i18n, common.loading)}</p> }>
                {move || series.get().map(|result| match result {
                    Err(error) => view! { <ErrorText error=Some(error)/> }.into_any(),
                    Ok(series) => {
                        let hourly = range.get_untracked() == SeriesRange::Last24Hours;
                        let label = move |ms: i64| if hourly { clock.format_hm(ms) } else { clock.format_md(ms) };
                        let requests: Vec<Point> = series.buckets.iter()
                            .map(|b| Point { label: label(b.start_ms), value: Some(b.requests as f64) }).collect();
                        let latency: Vec<Point> = series.buckets.iter()
                            .map(|b| Point { label: label(b.start_ms), value: b.avg_latency_ms }).collect();
                        let spent: Vec<Point> = series.buckets.iter()
                            .map(|b| Point { label: label(b.start_ms), value: Some(b.cost_usd) }).collect();
                        let total: u64 = series.buckets.iter().map(|b| b.requests).sum();
                        let spent_total = format_usd(series.buckets.iter().map(|b| b.cost_usd).sum());
                        let requests_label = t_string!(i18n, dashboard.chart_requests_label, total).to_string();
                        let spend_label = t_string!(i18n, spend.chart_label, total = spent_total).to_string();
                        let latency_label = t_string!(i18n, dashboard.chart_latency_label).to_string();
                        view! {
                            <div class="mt-4 grid gap-6 lg:grid-cols-3">
                                <figure>
                                    <figcaption class="mb-2 text-sm font-medium">{t!(i18n, dashboard.chart_requests)}</figcaption>
                                    <BarChart points=requests label=requests_label/>
                                </figure>
                                <figure id="chart-spend">
                                    <figcaption class="mb-2 text-sm font-medium">{t!(i18n, spend.chart)}</figcaption>
                                    <BarChart points=spent label=spend_label format=format_usd/>
                                </figure>
                                <figure>
                                    <figcaption class="mb-2 text-sm font-medium">{t!(i18n, dashboard.chart_latency)}</figcaption>
                                    <LineChart points=latency label=latency_label unit=" ms"/>
                                </figure>
                            </div>
                        }.into_any()
                    }
                })}
            </Transition>
        </section>
    }
}

/// `1234567` as `1.2M`, `12345` as `12.3k`.
fn format_count(n: u64) -> String {
    match n {
        0..=9_999 => n.to_string(),
        10_000..=999_999 => format!("{:.1}k", n as f64 / 1000.0),
        _ => format!("{:.1}M", n as f64 / 1_000_000.0),
    }
}
