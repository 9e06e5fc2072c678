//! `cargo xtask bench`: measures `api-switch` against calling the upstream directly and against
//! the LiteLLM proxy, all in one run with the targets alternating, and writes `BENCHMARKS.md`
//! and `docs/bench-latency.svg`. `--smoke` runs the same path in a few seconds (no LiteLLM) and
//! writes under `target/bench/smoke/`, so tests can keep the bench from rotting.

mod affinity;
mod chart;
mod concurrent;
mod hedging;
mod load;
mod measure;
mod overhead;
pub(crate) mod process;
mod report;
mod setup;
mod stream;
mod targets;
mod upstream;

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result, bail};

use crate::shell::{root_dir, say};
use targets::{COOLING, SwitchSetup, Target};
use upstream::{Nginx, StreamShape, StreamUpstream};

/// How much to measure and where the results go.
#[derive(Clone, Debug)]
pub struct Options {
    pub smoke: bool,
    pub rounds: usize,
    pub duration: Duration,
    pub concurrencies: Vec<u32>,
    pub litellm: bool,
    pub stream: StreamShape,
    pub stream_requests: usize,
    /// Streams held open at once for the memory figure.
    pub held_streams: usize,
    pub startup_runs: usize,
    pub markdown: PathBuf,
    pub chart: PathBuf,
    /// Only the overhead comparison with nginx as a reverse proxy (`--overhead`), spliced into
    /// the existing report.
    pub overhead_only: bool,
    /// Only hedging against a stalling first candidate (`--hedging`), spliced likewise.
    pub hedging_only: bool,
    /// Only session affinity against a provider caching per key (`--affinity`), spliced
    /// likewise.
    pub affinity_only: bool,
    /// Streamed requests per configuration in the hedging comparison.
    pub hedging_requests: usize,
    /// Another `api-switch` build (`--baseline BIN`, e.g. the last release) measured in the
    /// same overhead run, to show what a change cost or saved on the request path.
    pub baseline: Option<PathBuf>,
}

impl Options {
    fn parse(args: &[String]) -> Result<Self> {
        let smoke = args.iter().any(|a| a == "--smoke");
        let root = root_dir();
        let mut options = if smoke {
            Self {
                smoke,
                rounds: 1,
                duration: Duration::from_secs(1),
                concurrencies: vec![1, 16],
                litellm: false,
                stream: StreamShape {
                    chunks: 5,
                    interval: Duration::from_millis(5),
                },
                stream_requests: 2,
                held_streams: 50,
                startup_runs: 1,
                markdown: root.join("target/bench/smoke/BENCHMARKS.md"),
                chart: root.join("target/bench/smoke/bench-latency.svg"),
                overhead_only: false,
                hedging_only: false,
                affinity_only: false,
                hedging_requests: 2,
                baseline: None,
            }
        } else {
            Self {
                smoke,
                rounds: 3,
                duration: Duration::from_secs(5),
                concurrencies: vec![1, 16, 64],
                litellm: true,
                stream: StreamShape {
                    chunks: 20,
                    interval: Duration::from_millis(20),
                },
                stream_requests: 10,
                held_streams: 1000,
                startup_runs: 3,
                markdown: root.join("BENCHMARKS.md"),
                chart: root.join("docs/bench-latency.svg"),
                overhead_only: false,
                hedging_only: false,
                affinity_only: false,
                hedging_requests: 20,
                baseline: None,
            }
        };
        let mut rest = args.iter().filter(|a| *a != "--smoke");
        while let Some(arg) = rest.next() {
            let mut value = || rest.next().with_context(|| format!("{arg} needs a value"));
            match arg.as_str() {
                "--rounds" => options.rounds = value()?.parse().context("--rounds: a number")?,
                "--duration" => {
                    let secs: u64 = value()?.parse().context("--duration: seconds")?;
                    options.duration = Duration::from_secs(secs.max(1));
                }
                "--no-litellm" => options.litellm = false,
                "--overhead" => options.overhead_only = true,
                "--hedging" => options.hedging_only = true,
                "--affinity" => options.affinity_only = true,
                "--baseline" => options.baseline = Some(PathBuf::from(value()?)),
                other => bail!("unknown bench option `{other}`; see `cargo xtask help`"),
            }
        }
        Ok(options)
    }
}

/// Everything one run measured, per target in the order they were started.
pub struct Results {
    pub options: Options,
    pub targets: Vec<measure::TargetFigures>,
    /// Requests that reached the always-failing upstream, against the number expected when
    /// every cooled entry was skipped after its first failure.
    pub fail_hits: usize,
    pub expected_fail_hits: usize,
    /// The overhead section (against nginx as a reverse proxy), in Markdown.
    pub overhead: String,
    /// Hedging against a stalling first candidate, in Markdown.
    pub hedging: String,
    /// Session affinity and the provider's prompt cache, in Markdown.
    pub affinity: String,
}

pub fn run(args: &[String]) -> Result<()> {
    let options = Options::parse(args)?;
    let only_one_part = options.overhead_only || options.hedging_only || options.affinity_only;
    let venv = setup::tools(options.litellm && !only_one_part)?;
    let binary = setup::release_binary()?;
    let work = root_dir().join("target/bench");
    std::fs::create_dir_all(&work)?;
    if options.affinity_only {
        let section = affinity::run(&binary, &work)?;
        report::splice_affinity(&options.markdown, &section)?;
        say(&format!(
            "wrote the affinity section of {}",
            options.markdown.display()
        ));
        return Ok(());
    }
    if options.hedging_only {
        let section = hedging::run(&binary, &work, options.hedging_requests)?;
        report::splice_hedging(&options.markdown, &section)?;
        say(&format!(
            "wrote the hedging section of {}",
            options.markdown.display()
        ));
        return Ok(());
    }
    let nginx = Nginx::start(&work)?;
    if options.overhead_only {
        let builds = overhead::Builds {
            current: &binary,
            baseline: options.baseline.as_deref(),
        };
        let section = overhead::run(builds, &work, &nginx, options.rounds, options.duration)?;
        report::splice_overhead(&options.markdown, &section)?;
        say(&format!(
            "wrote the overhead section of {}",
            options.markdown.display()
        ));
        return Ok(());
    }
    let upstream = StreamUpstream::start(options.stream)?;
    say(&format!(
        "upstreams: nginx on {}, streaming on {}",
        nginx.addr, upstream.addr
    ));
    let mut targets = vec![Target::direct(&nginx, &upstream)];
    let mut startups = vec![None];

    let one = SwitchSetup {
        binary: &binary,
        work: &work,
        label: "one-channel",
    };
    one.import(&targets::one_channel_config(nginx.addr, upstream.addr))?;
    let (service, addr, took) = one.serve()?;
    targets.push(switch_target("api-switch, 1 channel", service, addr));
    startups.push(Some(took));

    let large = SwitchSetup {
        binary: &binary,
        work: &work,
        label: "2000-entries",
    };
    large.import(&targets::large_config(nginx.addr, upstream.addr))?;
    let (service, addr, took) = measure::startup(&large, options.startup_runs)?;
    targets.push(switch_target(
        "api-switch, 2,000 entries, 3 cooling",
        service,
        addr,
    ));
    startups.push(Some(took));

    if let Some(venv) = &venv {
        let key = setup::litellm_master_key()?;
        say("starting LiteLLM (one worker); this takes a while");
        let (service, addr, took) =
            targets::start_litellm(venv, &work, &key, nginx.addr, upstream.addr)?;
        targets.push(Target {
            name: "LiteLLM".into(),
            chat: addr,
            stream: addr,
            bearer: key,
            service: Some(service),
        });
        startups.push(Some(took));
    }

    for target in &targets {
        say(&format!("warming up {}", target.name));
        targets::warm_up(target)?;
    }
    let figures = measure::all(&options, &targets, &startups, &work)?;
    // The other targets stop first, so they do not compete for the cores.
    let fail_hits = nginx.fail_hits();
    drop(targets);
    let builds = overhead::Builds {
        current: &binary,
        baseline: options.baseline.as_deref(),
    };
    let overhead = overhead::run(builds, &work, &nginx, options.rounds, options.duration)?;
    let hedging = hedging::run(&binary, &work, options.hedging_requests)?;
    let affinity = affinity::run(&binary, &work)?;
    let results = Results {
        options,
        targets: figures,
        fail_hits,
        expected_fail_hits: 2 * COOLING,
        overhead,
        hedging,
        affinity,
    };
    report::write(&results)?;
    chart::draw(&results)?;
    say(&format!(
        "wrote {} and {}",
        results.options.markdown.display(),
        results.options.chart.display()
    ));
    Ok(())
}

fn switch_target(name: &str, service: process::Service, addr: std::net::SocketAddr) -> Target {
    Target {
        name: name.into(),
        chat: addr,
        stream: addr,
        bearer: "bench".into(),
        service: Some(service),
    }
}
