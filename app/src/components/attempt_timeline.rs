//! A request's attempts drawn on one time scale, each on its own lane, so hedges that ran side
//! by side overlap and a failover's attempts follow each other. A lane shows the opening of a
//! new connection (none when a kept-alive one was reused), the wait for the response headers,
//! then for the first content, then the content until the attempt ended, with the figures in
//! words beside it (the bars are decoration; the words carry the data).
//! Rows recorded before attempts were timed have no timeline.

use leptos::prelude::*;
use types::logs::AttemptRecord;

use crate::components::style::MUTED;
use crate::i18n::{t, t_string, use_i18n};

/// One attempt's lane: where it starts on the scale and how long each phase took, in ms.
struct Lane {
    number: usize,
    offset_ms: i64,
    connect_ms: Option<i64>,
    reused_connection: bool,
    ttfb_ms: Option<i64>,
    first_content_ms: Option<i64>,
    total_ms: i64,
}

impl Lane {
    /// The phases as (start, end, class) in ms from the attempt's start; empty ones left out.
    fn phases(&self) -> Vec<(i64, i64, &'static str)> {
        let headers = self.ttfb_ms.unwrap_or(self.total_ms).min(self.total_ms);
        let connected = self.connect_ms.unwrap_or(0).clamp(0, headers);
        let content = self
            .first_content_ms
            .unwrap_or(self.total_ms)
            .clamp(headers, self.total_ms);
        [
            (0, connected, CONNECTING),
            (connected, headers, "bg-slate-400 dark:bg-slate-500"),
            (headers, content, "bg-amber-400 dark:bg-amber-300"),
            (content, self.total_ms, "bg-emerald-500 dark:bg-emerald-400"),
        ]
        .into_iter()
        .filter(|(start, end, _)| end > start)
        .collect()
    }
}

/// The colour of opening a connection, in the bar and its legend.
const CONNECTING: &str = "bg-sky-500 dark:bg-sky-400";

/// Percent of `span_ms`, for a bar's position.
fn percent(ms: i64, span_ms: i64) -> f64 {
    ms as f64 * 100.0 / span_ms as f64
}

#[component]
pub fn AttemptTimeline(attempts: Vec<AttemptRecord>) -> impl IntoView {
    let i18n = use_i18n();
    if attempts.iter().all(|a| a.ttfb_ms.is_none()) {
        return ().into_any();
    }
    let start = attempts.iter().map(|a| a.at_ms).min().unwrap_or(0);
    let end = attempts
        .iter()
        .map(|a| a.at_ms + a.elapsed_ms.max(0))
        .max()
        .unwrap_or(start);
    let span_ms = (end - start).max(1);
    let lanes = attempts.iter().enumerate().map(|(i, a)| Lane {
        number: i + 1,
        offset_ms: a.at_ms - start,
        connect_ms: a.connect_ms,
        reused_connection: a.reused_connection,
        ttfb_ms: a.ttfb_ms,
        first_content_ms: a.first_content_ms,
        total_ms: a.elapsed_ms.max(0),
    });
    view! {
        <div class="mt-2 space-y-1 rounded-md bg-slate-50 p-3 text-xs dark:bg-slate-800/60" data-attempt-timeline="">
            <p class="flex flex-wrap items-center gap-x-3 gap-y-1">
                <span class="font-medium">{t!(i18n, attempts.timeline)}</span>
                <Legend class=CONNECTING>{t!(i18n, attempts.connecting)}</Legend>
                <Legend class="bg-slate-400 dark:bg-slate-500">{t!(i18n, attempts.waiting_headers)}</Legend>
                <Legend class="bg-amber-400 dark:bg-amber-300">{t!(i18n, attempts.waiting_content)}</Legend>
                <Legend class="bg-emerald-500 dark:bg-emerald-400">{t!(i18n, attempts.content)}</Legend>
            </p>
            <ul class="space-y-1">
                {lanes.map(|lane| {
                    let bars = lane.phases().into_iter().map(|(from, to, class)| {
                        let style = format!(
                            "left:{:.2}%;width:{:.2}%",
                            percent(lane.offset_ms + from, span_ms),
                            percent(to - from, span_ms).max(0.5),
                        );
                        view! { <span class=format!("absolute inset-y-0 rounded-sm {class}") style=style></span> }
                    }).collect_view();
                    let figures = figures(&lane);
                    view! {
                        <li class="flex flex-wrap items-center gap-x-3 gap-y-1" data-attempt-lane=lane.number>
                            <span class=format!("w-6 text-right tabular-nums {MUTED}")>{lane.number}"."</span>
                            <span class="relative h-3 min-w-32 flex-1 rounded-sm bg-slate-200 dark:bg-slate-700" aria-hidden="true">{bars}</span>
                            <span class=format!("tabular-nums whitespace-nowrap {MUTED}")>{figures}</span>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </div>
    }
    .into_any()
}

/// One lane's figures in words: the connection, time to headers, to first content, total.
fn figures(lane: &Lane) -> impl IntoView + use<> {
    let i18n = use_i18n();
    let (connect, reused, ttfb) = (lane.connect_ms, lane.reused_connection, lane.ttfb_ms);
    let (content, total) = (lane.first_content_ms, lane.total_ms);
    move || {
        let mut parts = Vec::with_capacity(4);
        if let Some(ms) = connect {
            parts.push(t_string!(i18n, attempts.connected, ms).to_string());
        } else if reused {
            parts.push(t_string!(i18n, attempts.reused_connection).to_string());
        }
        if let Some(ms) = ttfb {
            parts.push(t_string!(i18n, attempts.ttfb, ms).to_string());
        }
        if let Some(ms) = content {
            parts.push(t_string!(i18n, attempts.first_content, ms).to_string());
        }
        parts.push(t_string!(i18n, attempts.total, ms = total).to_string());
        parts.join(" · ")
    }
}

#[component]
fn Legend(class: &'static str, children: Children) -> impl IntoView {
    view! {
        <span class="inline-flex items-center gap-1">
            <span class=format!("inline-block h-2 w-3 rounded-sm {class}") aria-hidden="true"></span>
            <span class=MUTED>{children()}</span>
        </span>
    }
}
