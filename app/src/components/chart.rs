//! Charts drawn as inline SVG: bars for counts (requests per hour or day), a line for latency.
//! No chart library: a few rectangles and one path are all the Dashboard needs, and they
//! follow the theme through `currentColor` and Tailwind classes. Each point has a `<title>`
//! (hover) and the chart an `aria-label` summary.

use leptos::prelude::*;

/// One point: its label (hour or day) and value; `None` means no data (a gap).
#[derive(Clone, Debug, PartialEq)]
pub struct Point {
    pub label: String,
    pub value: Option<f64>,
}

const WIDTH: f64 = 600.0;
const HEIGHT: f64 = 160.0;
const TOP: f64 = 10.0;
const BOTTOM: f64 = 22.0;
const LEFT: f64 = 40.0;

fn max_of(points: &[Point]) -> f64 {
    let max = points
        .iter()
        .filter_map(|p| p.value)
        .fold(0.0_f64, f64::max);
    if max <= 0.0 { 1.0 } else { max }
}

fn short(value: f64) -> String {
    if value >= 10_000.0 {
        format!("{:.0}k", value / 1000.0)
    } else if value >= 1000.0 {
        format!("{:.1}k", value / 1000.0)
    } else {
        format!("{value:.0}")
    }
}

/// The frame: a baseline, the top value at the left, the first and last labels below.
/// A value as a chart labels it: `format`'s way when given (money), else short with `unit`.
fn shown(value: f64, unit: &str, format: Option<fn(f64) -> String>) -> String {
    match format {
        Some(format) => format(value),
        None => format!("{}{unit}", short(value)),
    }
}

fn frame(
    points: &[Point],
    max: f64,
    unit: &str,
    format: Option<fn(f64) -> String>,
) -> impl IntoView + use<> {
    let first = points.first().map(|p| p.label.clone()).unwrap_or_default();
    let last = points.last().map(|p| p.label.clone()).unwrap_or_default();
    let plot_bottom = HEIGHT - BOTTOM;
    view! {
        <line x1=LEFT y1=plot_bottom x2=WIDTH y2=plot_bottom class="stroke-slate-300 dark:stroke-slate-700" stroke-width="1"/>
        <line x1=LEFT y1=TOP x2=WIDTH y2=TOP class="stroke-slate-200 dark:stroke-slate-800" stroke-width="1" stroke-dasharray="4 4"/>
        <text x=LEFT - 6.0 y=TOP + 4.0 text-anchor="end" class="fill-slate-600 text-[11px] dark:fill-slate-400">{shown(max, unit, format)}</text>
        <text x=LEFT - 6.0 y=plot_bottom text-anchor="end" class="fill-slate-600 text-[11px] dark:fill-slate-400">"0"</text>
        <text x=LEFT y=HEIGHT - 6.0 class="fill-slate-600 text-[11px] dark:fill-slate-400">{first}</text>
        <text x=WIDTH y=HEIGHT - 6.0 text-anchor="end" class="fill-slate-600 text-[11px] dark:fill-slate-400">{last}</text>
    }
}

/// Bars, one per point.
#[component]
pub fn BarChart(
    points: Vec<Point>,
    #[prop(into)] label: String,
    #[prop(optional)] unit: &'static str,
    /// How values are written (e.g. as money); default: short numbers with `unit`.
    #[prop(optional)]
    format: Option<fn(f64) -> String>,
) -> impl IntoView {
    let max = max_of(&points);
    let slot = (WIDTH - LEFT) / points.len().max(1) as f64;
    let plot = HEIGHT - TOP - BOTTOM;
    let bars = points
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let value = p.value.unwrap_or(0.0);
            let h = (value / max * plot).max(if value > 0.0 { 1.5 } else { 0.0 });
            let x = LEFT + i as f64 * slot + slot * 0.15;
            view! {
                <rect x=x y=HEIGHT - BOTTOM - h width=slot * 0.7 height=h rx="2" class="fill-indigo-500 dark:fill-indigo-400">
                    <title>{format!("{}: {}", p.label, shown(value, unit, format))}</title>
                </rect>
            }
        })
        .collect_view();
    view! {
        <svg viewBox=format!("0 0 {WIDTH} {HEIGHT}") class="h-auto w-full" role="img" aria-label=label>
            {frame(&points, max, unit, format)}
            {bars}
        </svg>
    }
}

/// A line through the points that have a value (gaps where there is none).
#[component]
pub fn LineChart(
    points: Vec<Point>,
    #[prop(into)] label: String,
    #[prop(optional)] unit: &'static str,
) -> impl IntoView {
    let max = max_of(&points);
    let step = (WIDTH - LEFT) / (points.len().max(2) - 1) as f64;
    let plot = HEIGHT - TOP - BOTTOM;
    let mut path = String::new();
    let mut pen_down = false;
    let mut dots = Vec::new();
    for (i, p) in points.iter().enumerate() {
        match p.value {
            Some(v) => {
                let (x, y) = (LEFT + i as f64 * step, HEIGHT - BOTTOM - v / max * plot);
                path.push_str(&format!(
                    "{}{x:.1},{y:.1} ",
                    if pen_down { "L" } else { "M" }
                ));
                pen_down = true;
                dots.push(view! {
                    <circle cx=x cy=y r="2.5" class="fill-emerald-600 dark:fill-emerald-400">
                        <title>{format!("{}: {}{unit}", p.label, short(v))}</title>
                    </circle>
                });
            }
            None => pen_down = false,
        }
    }
    view! {
        <svg viewBox=format!("0 0 {WIDTH} {HEIGHT}") class="h-auto w-full" role="img" aria-label=label>
            {frame(&points, max, unit, None)}
            <path d=path fill="none" stroke-width="2" class="stroke-emerald-600 dark:stroke-emerald-400" vector-effect="non-scaling-stroke"/>
            {dots}
        </svg>
    }
}
