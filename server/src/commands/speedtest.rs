//! `api-switch speedtest`: the UI's speed test from the command line. Human output is one
//! row per entry as each result arrives; `--json` prints every result as one array at the end,
//! each the engine's own `TestResult` (the shape the UI and the live event stream use too).

use std::time::Duration;

use anyhow::Context;
use engine::speedtest::{Scope, SpeedTestOptions, TestResult};

use crate::cli::SpeedtestArgs;
use crate::output;

/// Tests every enabled entry of the configuration in the data folder and prints the results;
/// `Ok(false)` when an entry failed (the caller exits 1, so scripts can tell).
pub async fn run(args: &SpeedtestArgs) -> anyhow::Result<bool> {
    let state = super::open_existing(&args.data)?;
    let options = SpeedTestOptions {
        timeout: Duration::from_secs(args.timeout_secs),
    };
    let mut run = state.start_speed_test(Scope::All, options);
    if !args.json {
        output::line(&format!(
            "{:<20} {:<36} {:>9} {:>9}  RESULT",
            "CHANNEL", "MODEL", "TTFB ms", "TOTAL ms"
        ))?;
    }
    while let Some(result) = run.progress.recv().await {
        if !args.json {
            output::line(&human_row(&result))?;
        }
    }
    let results = run.done.await.context("the speed test stopped")?;
    // Auto-disables are queued for the background writer; they must reach the file.
    state.flush();
    if args.json {
        output::json(&results)?;
    } else if results.is_empty() {
        output::line("No enabled entries to test.")?;
    }
    let failed = results.iter().filter(|r| r.error.is_some()).count();
    if failed > 0 && !args.json {
        let entries = match failed {
            1 => "1 entry".to_owned(),
            n => format!("{n} entries"),
        };
        tracing::warn!("{entries} of {} failed", results.len());
    }
    Ok(failed == 0)
}

fn human_row(r: &TestResult) -> String {
    let ms = |v: Option<u64>| v.map_or_else(|| "-".to_owned(), |v| v.to_string());
    let verdict = match (&r.error, r.auto_disabled) {
        (None, _) => "ok".to_owned(),
        (Some(error), true) => format!("FAILED: {error} (entry disabled)"),
        (Some(error), false) => format!("FAILED: {error}"),
    };
    format!(
        "{:<20} {:<36} {:>9} {:>9}  {verdict}",
        r.channel,
        r.model,
        ms(r.ttfb_ms),
        ms(r.total_ms)
    )
}
