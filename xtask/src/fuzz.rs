//! `cargo xtask fuzz`: every cargo-fuzz target of the `protocol` crate (the converters and the
//! SSE parser), each for a fixed time. `cargo xtask test` runs it briefly; run it longer by
//! hand when changing a converter. Only stable Rust is installed, so `RUSTC_BOOTSTRAP=1` lets
//! cargo-fuzz pass its sanitizer flags.

use std::process::Command;

use anyhow::{Result, bail};

use crate::shell::{cmd, run_cmd, say, target_dir};

/// The targets in `protocol/fuzz/fuzz_targets`.
const TARGETS: &[&str] = &[
    "sse_parser",
    "convert_request",
    "convert_response",
    "transcode_stream",
    "parse_error_body",
];

/// Installs cargo-fuzz when missing.
fn cargo_fuzz() -> Result<()> {
    let present = Command::new("cargo")
        .args(["fuzz", "--version"])
        .output()
        .map(|out| out.status.success())
        .unwrap_or(false);
    if present {
        return Ok(());
    }
    say("installing cargo-fuzz");
    let locked = cmd("cargo")
        .args(["install", "cargo-fuzz", "--locked"])
        .status()?;
    if locked.success() {
        return Ok(());
    }
    say("the locked install failed; retrying without --locked");
    run_cmd(cmd("cargo").args(["install", "cargo-fuzz"]))
}

/// Runs every target for `seconds` seconds; any crash fails the run.
pub fn run(seconds: u32) -> Result<()> {
    if seconds == 0 {
        bail!("fuzzing for 0 seconds would prove nothing; pass --seconds N with N > 0");
    }
    cargo_fuzz()?;
    let fuzz_target_dir = target_dir().join("fuzz");
    for target in TARGETS {
        say(&format!("fuzzing {target} for {seconds} s"));
        run_cmd(
            cmd("cargo")
                .current_dir(crate::shell::root_dir().join("protocol/fuzz"))
                .args(["fuzz", "run", target, "--"])
                .arg(format!("-max_total_time={seconds}"))
                .env("RUSTC_BOOTSTRAP", "1")
                .env("CARGO_TARGET_DIR", &fuzz_target_dir),
        )?;
    }
    Ok(())
}
