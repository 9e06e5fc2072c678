//! Running commands from xtask: where the checkout and Cargo's target folder are, how a
//! command is started in the checkout and checked, and how xtask tells the user what it does.
//! Every other xtask module builds on these; this one imports none of them.

use std::path::PathBuf;
use std::process::Command;

use anyhow::{Context, Result, bail};

pub fn say(message: &str) {
    eprintln!("xtask: {message}");
}

/// The workspace root (xtask lives one level below it).
pub fn root_dir() -> PathBuf {
    // `cargo run` sets it for the process too. It names the checkout actually being worked
    // on even when this binary was built from another clone sharing `CARGO_TARGET_DIR`
    // (Cargo then reuses the binary, and the compile-time value names that other clone).
    let manifest = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    manifest.parent().map(PathBuf::from).unwrap_or(manifest)
}

/// Cargo's target folder, honouring `CARGO_TARGET_DIR` (CI keeps it outside the clone).
pub fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => root_dir().join("target"),
    }
}

pub fn cmd(program: &str) -> Command {
    let mut command = Command::new(program);
    command.current_dir(root_dir());
    command
}

pub fn run_cmd(command: &mut Command) -> Result<()> {
    let shown = format!("{command:?}");
    let status = command
        .status()
        .with_context(|| format!("cannot start {shown}"))?;
    if !status.success() {
        bail!("{shown} failed ({status})");
    }
    Ok(())
}

/// Runs `cargo ARGS` in the checkout, saying so first.
pub fn cargo(args: &[&str]) -> Result<()> {
    say(&format!("cargo {}", args.join(" ")));
    run_cmd(cmd("cargo").args(args))
}
