//! Hedging against a stalling first candidate: the same two-entry group (a channel that takes
//! `STALL` before its first content, then a fast one) served by two `api-switch` processes,
//! one without hedging and one hedging after `HEDGE_AFTER_MS`, measured alternately in the
//! same run. The figure is the client's time to the first content chunk; `--hedging` runs only
//! this part and splices its section into the report.

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use anyhow::Result;
use axum::Router;
use axum::routing::post;
use serde_json::{Value, json};

use super::measure::ms;
use super::stream::measure_body;
use super::targets::{SwitchSetup, Target};
use super::upstream::{STREAM_MODEL, StreamShape, stream_answer};
use crate::shell::say;

/// How long the first candidate takes before its first content.
const STALL: Duration = Duration::from_millis(1500);
/// The hedged group starts the next candidate after this long without content.
const HEDGE_AFTER_MS: u64 = 200;
/// The group both configurations route through.
const GROUP: &str = "hedged";
const SHAPE: StreamShape = StreamShape {
    chunks: 3,
    interval: Duration::from_millis(5),
};

/// Both upstreams in one small server: `/stall/...` waits `STALL`, the root answers at once.
struct Upstreams {
    addr: SocketAddr,
    _runtime: tokio::runtime::Runtime,
}

impl Upstreams {
    fn start() -> Result<Self> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()?;
        let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let app = Router::new()
            .route(
                "/stall/v1/chat/completions",
                post(|| async {
                    tokio::time::sleep(STALL).await;
                    stream_answer(SHAPE)
                }),
            )
            .route(
                "/v1/chat/completions",
                post(|| async { stream_answer(SHAPE) }),
            );
        runtime.spawn(async move {
            if let Ok(listener) = tokio::net::TcpListener::from_std(listener)
                && let Err(error) = axum::serve(listener, app).await
            {
                eprintln!("xtask: the hedging upstreams stopped: {error}");
            }
        });
        Ok(Self {
            addr,
            _runtime: runtime,
        })
    }
}

/// The stalling channel first, the fast one second, both in `GROUP`; hedging when `hedge`.
fn config(upstreams: SocketAddr, hedge: bool) -> Value {
    let channel = |name: &str, base: String, priority: u32| {
        json!({"name": name, "api_type": "openai", "base_url": base, "api_key": "sk-bench",
               "entries": [{"model": STREAM_MODEL, "group": GROUP, "priority": priority}]})
    };
    let hedging = if hedge {
        json!({"delay": {"mode": "fixed", "ms": HEDGE_AFTER_MS}, "max_per_minute": 10000})
    } else {
        json!({"delay": {"mode": "off"}, "max_per_minute": 0})
    };
    json!({"version": 1, "settings": {"cooldown_secs": 1800, "first_byte_timeout_ms": 10000},
           "channels": [channel("stalling", format!("http://{upstreams}/stall"), 0),
                        channel("fast", format!("http://{upstreams}"), 1)],
           "groups": [{"group": GROUP, "order": "custom", "hedging": hedging}]})
}

fn stream_request() -> String {
    json!({"model": GROUP, "stream": true, "messages": [{"role": "user", "content": "Count."}]})
        .to_string()
}

/// Measures both configurations `requests` times each, alternating; returns the section.
pub fn run(binary: &Path, work: &Path, requests: usize) -> Result<String> {
    let upstreams = Upstreams::start()?;
    let mut targets = Vec::new();
    for (label, hedge) in [("hedging-off", false), ("hedging-on", true)] {
        let setup = SwitchSetup {
            binary,
            work,
            label,
        };
        setup.import(&config(upstreams.addr, hedge))?;
        let (service, addr, _) = setup.serve()?;
        targets.push(Target {
            name: label.into(),
            chat: addr,
            stream: addr,
            bearer: "bench".into(),
            service: Some(service),
        });
    }
    let body = stream_request();
    let mut firsts: Vec<Vec<Duration>> = vec![Vec::new(); targets.len()];
    for round in 0..requests.max(1) {
        for t in 0..targets.len() {
            // Alternate who goes first, so neither always meets a cold machine.
            let t = (t + round) % targets.len();
            let run = measure_body(&targets[t], &body, SHAPE.chunks)?;
            firsts[t].extend(run.first_chunk());
        }
    }
    let medians: Vec<Duration> = firsts.iter_mut().map(|f| median(f)).collect();
    for (target, median) in targets.iter().zip(&medians) {
        say(&format!(
            "hedging {:<12} first content median {:>8.1} ms",
            target.name,
            ms(*median)
        ));
    }
    section(requests, &firsts, &medians)
}

fn median(values: &mut [Duration]) -> Duration {
    values.sort();
    values.get(values.len() / 2).copied().unwrap_or_default()
}

fn section(requests: usize, firsts: &[Vec<Duration>], medians: &[Duration]) -> Result<String> {
    let mut md = String::new();
    writeln!(md, "## Hedging against a stalling first candidate\n")?;
    writeln!(
        md,
        "A group of two entries: the first takes {} ms before its first content, the second \
         answers at once. Time to the first content chunk as the client sees it, {requests} \
         streamed requests per configuration, alternating, same run \
         (`cargo xtask bench --hedging`).\n",
        STALL.as_millis()
    )?;
    writeln!(md, "| Configuration | median | min | max |")?;
    writeln!(md, "|---|---:|---:|---:|")?;
    let labels = [
        "without hedging".to_owned(),
        format!("hedging after {HEDGE_AFTER_MS} ms"),
    ];
    for ((label, runs), median) in labels.iter().zip(firsts).zip(medians) {
        let min = runs.iter().min().copied().unwrap_or_default();
        let max = runs.iter().max().copied().unwrap_or_default();
        writeln!(
            md,
            "| {label} | {:.1} ms | {:.1} ms | {:.1} ms |",
            ms(*median),
            ms(min),
            ms(max)
        )?;
    }
    Ok(md)
}
