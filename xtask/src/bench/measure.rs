//! The measuring itself, once every target is up: start-up time, resident memory idle and under
//! the highest load, wrk rounds that alternate the targets (so a burst of noise on the shared
//! machine hits all of them, not one), and the streaming timings. Each figure is the median of
//! its rounds.

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use anyhow::Result;

use super::Options;
use super::concurrent::peak_with_streams;
use super::load::{WrkRun, run_wrk, write_script};
use super::process::{RssSampler, Service, tree_rss_kib};
use super::stream::{StreamRun, StreamSummary, measure, summarise};
use super::targets::{SwitchSetup, Target};
use crate::shell::say;

/// The load figures of one target at one concurrency (medians over the rounds).
#[derive(Clone, Debug)]
pub struct LoadFigure {
    pub concurrency: u32,
    pub requests_per_sec: f64,
    pub p50_us: f64,
    pub p99_us: f64,
    /// Errors and non-2xx answers over all rounds; anything but 0 makes the row suspect.
    pub failed: u64,
}

#[derive(Clone, Debug)]
pub struct TargetFigures {
    pub name: String,
    pub load: Vec<LoadFigure>,
    pub stream: StreamSummary,
    pub idle_rss_kib: Option<u64>,
    pub load_rss_kib: Option<u64>,
    /// Peak memory with `Options::held_streams` streams open (api-switch only), and how many
    /// of those streams arrived whole.
    pub streams_rss_kib: Option<u64>,
    pub streams_completed: usize,
    pub startup: Option<Duration>,
}

/// Starts the server `runs` times, keeps the last one running, returns the median start-up.
pub fn startup(setup: &SwitchSetup, runs: usize) -> Result<(Service, SocketAddr, Duration)> {
    let mut times = Vec::new();
    loop {
        let (service, addr, took) = setup.serve()?;
        times.push(took);
        if times.len() >= runs.max(1) {
            times.sort();
            return Ok((service, addr, times[times.len() / 2]));
        }
    }
}

pub fn all(
    options: &Options,
    targets: &[Target],
    startups: &[Option<Duration>],
    work: &Path,
) -> Result<Vec<TargetFigures>> {
    // Let start-up allocations settle before calling anything idle memory.
    std::thread::sleep(Duration::from_secs(1));
    let idle: Vec<Option<u64>> = targets.iter().map(|t| t.pid().map(tree_rss_kib)).collect();
    let (runs, peaks) = load_rounds(options, targets, work)?;
    let streams = stream_rounds(options, targets)?;
    let held = held_streams(options, targets)?;
    let figures = targets
        .iter()
        .enumerate()
        .map(|(t, target)| TargetFigures {
            name: target.name.clone(),
            load: options
                .concurrencies
                .iter()
                .zip(&runs[t])
                .map(|(c, rounds)| load_figure(*c, rounds))
                .collect(),
            stream: summarise(&streams[t], options.stream.interval),
            idle_rss_kib: idle[t],
            load_rss_kib: target.pid().map(|_| peaks[t]),
            streams_rss_kib: held[t].map(|(kib, _)| kib),
            streams_completed: held[t].map_or(0, |(_, done)| done),
            startup: startups.get(t).copied().flatten(),
        })
        .collect();
    Ok(figures)
}

/// wrk runs indexed `[target][concurrency][round]`, and each target's peak memory at the
/// highest concurrency.
type LoadRuns = (Vec<Vec<Vec<WrkRun>>>, Vec<u64>);

fn load_rounds(options: &Options, targets: &[Target], work: &Path) -> Result<LoadRuns> {
    let scripts = targets
        .iter()
        .enumerate()
        .map(|(i, t)| write_script(work, i, t))
        .collect::<Result<Vec<_>>>()?;
    let n = targets.len();
    let mut runs = vec![vec![Vec::new(); options.concurrencies.len()]; n];
    let mut peaks = vec![0u64; n];
    let highest = options.concurrencies.iter().copied().max().unwrap_or(1);
    for round in 0..options.rounds {
        for (ci, &connections) in options.concurrencies.iter().enumerate() {
            // Rotate who goes first each round, so no target always runs on a cold machine.
            for k in 0..n {
                let t = (k + round) % n;
                let target = &targets[t];
                let sampler = target
                    .pid()
                    .filter(|_| connections == highest)
                    .map(RssSampler::start);
                let run = run_wrk(&scripts[t], target, connections, options.duration)?;
                if let Some(sampler) = sampler {
                    peaks[t] = peaks[t].max(sampler.finish());
                }
                say(&format!(
                    "round {}/{} c={connections:<3} {:<38} {:>9.0} req/s  p50 {:>8.3} ms  p99 {:>8.3} ms{}",
                    round + 1,
                    options.rounds,
                    target.name,
                    run.requests_per_sec(),
                    run.p50_us / 1e3,
                    run.p99_us / 1e3,
                    failures_note(&run)
                ));
                runs[t][ci].push(run);
            }
        }
    }
    Ok((runs, peaks))
}

fn failures_note(run: &WrkRun) -> String {
    if run.errors + run.non2xx == 0 {
        return String::new();
    }
    format!("  ({} errors, {} non-2xx)", run.errors, run.non2xx)
}

fn load_figure(concurrency: u32, rounds: &[WrkRun]) -> LoadFigure {
    LoadFigure {
        concurrency,
        requests_per_sec: median(rounds.iter().map(WrkRun::requests_per_sec)),
        p50_us: median(rounds.iter().map(|r| r.p50_us)),
        p99_us: median(rounds.iter().map(|r| r.p99_us)),
        failed: rounds.iter().map(|r| r.errors + r.non2xx).sum(),
    }
}

pub fn median(values: impl Iterator<Item = f64>) -> f64 {
    let mut values: Vec<f64> = values.collect();
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(0.0)
}

fn stream_rounds(options: &Options, targets: &[Target]) -> Result<Vec<Vec<StreamRun>>> {
    let mut runs = vec![Vec::new(); targets.len()];
    for _ in 0..options.stream_requests {
        for (t, target) in targets.iter().enumerate() {
            runs[t].push(measure(target, options.stream.chunks)?);
        }
    }
    for (target, runs) in targets.iter().zip(&runs) {
        let summary = summarise(runs, options.stream.interval);
        say(&format!(
            "stream {:<38} first chunk {:>8.3} ms  mean gap {:>7.3} ms  worst deviation {:>7.3} ms",
            target.name,
            ms(summary.first_chunk_median),
            ms(summary.gap_mean),
            ms(summary.gap_worst_deviation)
        ));
    }
    Ok(runs)
}

/// Many streams at once against each api-switch target (LiteLLM's single worker is left out:
/// it would take minutes to serve them).
fn held_streams(options: &Options, targets: &[Target]) -> Result<Vec<Option<(u64, usize)>>> {
    targets
        .iter()
        .map(|target| {
            let Some(pid) = target
                .pid()
                .filter(|_| target.name.starts_with("api-switch"))
            else {
                return Ok(None);
            };
            let (kib, done) = peak_with_streams(target, pid, options.held_streams)?;
            say(&format!(
                "{} streams at once {:<38} peak RSS {:>6.1} MB, {done} complete",
                options.held_streams,
                target.name,
                kib as f64 / 1024.0
            ));
            Ok(Some((kib, done)))
        })
        .collect()
}

pub fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e3
}
