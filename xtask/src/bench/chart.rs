//! The latency chart: p50 (solid) and p99 (dashed) per target against concurrency, both axes
//! logarithmic, because LiteLLM's latencies are orders of magnitude above the others and a
//! linear axis would flatten everything else into one line.

use anyhow::Result;
use plotters::prelude::*;

use super::Results;

/// One clearly different colour per target, in start order (direct, the two api-switch
/// configurations, LiteLLM).
const COLORS: [RGBColor; 4] = [
    RGBColor(200, 30, 60),
    RGBColor(30, 140, 60),
    RGBColor(30, 90, 200),
    RGBColor(230, 120, 0),
];

pub fn draw(results: &Results) -> Result<()> {
    let path = &results.options.chart;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let latencies = results
        .targets
        .iter()
        .flat_map(|t| t.load.iter().flat_map(|f| [f.p50_us, f.p99_us]))
        .map(|us| us / 1e3)
        .filter(|ms| *ms > 0.0);
    let (low, high) = latencies.fold((f64::MAX, f64::MIN), |(lo, hi), v| (lo.min(v), hi.max(v)));
    let (low, high) = if low <= high {
        (low * 0.7, high * 1.5)
    } else {
        (0.01, 1.0)
    };
    let widest = results
        .options
        .concurrencies
        .iter()
        .max()
        .copied()
        .unwrap_or(1);

    let root = SVGBackend::new(path, (960, 560)).into_drawing_area();
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(
            "Chat completion latency: p50 solid, p99 dashed",
            ("sans-serif", 22),
        )
        .margin(20)
        .x_label_area_size(45)
        .y_label_area_size(70)
        .build_cartesian_2d(
            (0.8f64..f64::from(widest) * 1.25).log_scale(),
            (low..high).log_scale(),
        )?;
    chart
        .configure_mesh()
        .light_line_style(TRANSPARENT)
        .x_desc("concurrent connections (wrk)")
        .y_desc("latency, ms")
        .x_label_formatter(&|x| format!("{x:.0}"))
        .y_label_formatter(&|y| format!("{y}"))
        .draw()?;
    for (i, target) in results.targets.iter().enumerate() {
        let color = COLORS[i % COLORS.len()];
        let p50: Vec<(f64, f64)> = target
            .load
            .iter()
            .map(|f| (f64::from(f.concurrency), f.p50_us / 1e3))
            .collect();
        let p99: Vec<(f64, f64)> = target
            .load
            .iter()
            .map(|f| (f64::from(f.concurrency), f.p99_us / 1e3))
            .collect();
        chart
            .draw_series(LineSeries::new(p50.clone(), color.stroke_width(2)))?
            .label(target.name.as_str())
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2))
            });
        chart.draw_series(p50.iter().map(|p| Circle::new(*p, 4, color.filled())))?;
        chart.draw_series(DashedLineSeries::new(p99, 6, 4, color.stroke_width(1)))?;
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .draw()?;
    root.present()?;
    Ok(())
}
