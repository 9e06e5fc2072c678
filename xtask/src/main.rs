//! `cargo xtask`: the project's own build tool, so a fresh machine needs nothing but Rust.
//! `run`, `test` and `build` first make sure every tool the project needs is installed (saying
//! what they install, skipping what is already there), then build the UI bundle and the server.

mod bench;
mod builds;
mod bundle;
mod desktop_test;
mod dist;
mod fuzz;
mod run_data;
mod setup;
mod shell;
mod steps;

use anyhow::{Result, bail};

const USAGE: &str = "usage: cargo xtask <command> [args]

commands:
  run [ARGS]      set up, build the UI and the server, start api-switch on 127.0.0.1:9090
                  (ARGS go to `api-switch serve`, e.g. --listen 0.0.0.0:9090)
  test            set up, build, then every test, clippy and rustfmt
  build           a release target/release/api-switch with the whole UI embedded
  build-desktop   the Tauri desktop app (installs its Debian packages when run as root)
  dist            stripped release artefacts with the UI embedded, and their sizes:
                  target/dist/api-switch, api-switch-desktop, api-switch-windows-x64.exe
  test-desktop    the desktop app under Xvfb with D-Bus: window, proxy, hide on close,
                  single instance, tray (builds the release app first; `test` runs it on
                  an unoptimised build)
  build-ui        only the UI bundle (target/site/pkg)
  fuzz [SECONDS]  every cargo-fuzz target of the protocol crate, SECONDS each (default 60)
  setup           only install what is missing
  bench [--smoke] [--rounds N] [--duration SECS] [--no-litellm] [--overhead] [--hedging] [--affinity]
        [--baseline BIN]
                  api-switch against a direct call, LiteLLM and nginx as a reverse proxy
                  (CPU per request, small and 128 KB bodies): BENCHMARKS.md and
                  docs/bench-latency.svg (--smoke: a few seconds, into target/bench/smoke;
                  --overhead: only the nginx comparison, spliced into BENCHMARKS.md;
                  --hedging: only time to first content with and without hedging
                  against a stalling first candidate, spliced likewise;
                  --affinity: only the prompt cache hit rate of a 30-turn session with and
                  without session affinity, spliced likewise;
                  --baseline BIN: another api-switch build measured beside this one
                  in the overhead run, e.g. the commit before a request-path change)";

fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let command = args.next().unwrap_or_default();
    let rest: Vec<String> = args.collect();
    match command.as_str() {
        "run" => steps::run(&rest),
        "test" => steps::test(),
        "build" => builds::build_release(),
        "build-desktop" => builds::build_desktop(),
        "dist" => dist::run(),
        "test-desktop" => desktop_test::run(),
        "build-ui" => {
            setup::ui_tools()?;
            builds::build_ui()
        }
        "bench" => bench::run(&rest),
        "fuzz" => {
            let seconds = match rest.first() {
                Some(raw) => raw
                    .parse()
                    .map_err(|_| anyhow::anyhow!("fuzz takes a number of seconds, not `{raw}`"))?,
                None => 60,
            };
            fuzz::run(seconds)
        }
        "setup" => setup::ui_tools().and_then(|_| setup::test_tools()),
        "" | "help" | "--help" | "-h" => {
            eprintln!("{USAGE}");
            Ok(())
        }
        other => bail!("unknown command `{other}`\n\n{USAGE}"),
    }
}
