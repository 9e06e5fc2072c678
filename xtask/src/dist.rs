//! `cargo xtask dist`: the release artefacts, each with the whole UI embedded and stripped of
//! symbols, and their sizes. Linux: `target/release/api-switch` (headless) and
//! `target/release/api-switch-desktop` (Tauri); Windows: the headless server cross-built with
//! MinGW-w64 as `target/release/api-switch-windows-x64.exe` (built, not run here).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, Result, bail};

use crate::setup;
use crate::steps::{cmd, run_cmd, say, target_dir};

/// The Windows target; MinGW-w64 links it from Linux.
const WINDOWS_TARGET: &str = "x86_64-pc-windows-gnu";
/// A headless server past this is a regression worth failing the build for.
const HEADLESS_LIMIT_BYTES: u64 = 15 * 1024 * 1024;

pub fn run() -> Result<()> {
    crate::steps::desktop_packages()?;
    setup::ui_tools()?;
    crate::steps::build_ui()?;
    let started = Instant::now();
    say("cargo build --release --package api-switch --package api-switch-desktop");
    run_cmd(cmd("cargo").args([
        "build",
        "--release",
        "--package",
        "api-switch",
        "--package",
        "api-switch-desktop",
    ]))?;
    say(&format!("Linux builds took {:.0?}", started.elapsed()));
    let release = target_dir().join("release");
    let headless = release.join("api-switch");
    let desktop = release.join("api-switch-desktop");
    strip("strip", &headless, &headless)?;
    strip("strip", &desktop, &desktop)?;

    let started = Instant::now();
    let windows = build_windows(&release)?;
    say(&format!("the Windows build took {:.0?}", started.elapsed()));

    let mut too_big = Vec::new();
    say("artefacts (stripped, UI embedded):");
    for (path, headless) in [(&headless, true), (&desktop, false), (&windows, true)] {
        let bytes = path.metadata()?.len();
        say(&format!(
            "  {:>6.1} MB  {}",
            bytes as f64 / (1024.0 * 1024.0),
            path.display()
        ));
        if headless && bytes > HEADLESS_LIMIT_BYTES {
            too_big.push(path.display().to_string());
        }
    }
    if !too_big.is_empty() {
        bail!("headless binaries over 15 MB: {}", too_big.join(", "));
    }
    Ok(())
}

/// Cross-builds the headless server for Windows, installing the target and linker first.
fn build_windows(release: &Path) -> Result<PathBuf> {
    rustup_target(WINDOWS_TARGET)?;
    setup::debian_packages(&[("gcc-mingw-w64-x86-64", "/usr/bin/x86_64-w64-mingw32-gcc")])?;
    say(&format!(
        "cargo build --release --target {WINDOWS_TARGET} --package api-switch"
    ));
    run_cmd(
        cmd("cargo")
            .args(["build", "--release", "--target", WINDOWS_TARGET])
            .args(["--package", "api-switch"])
            .env(
                "CARGO_TARGET_X86_64_PC_WINDOWS_GNU_LINKER",
                "x86_64-w64-mingw32-gcc",
            ),
    )?;
    let built = target_dir().join(format!("{WINDOWS_TARGET}/release/api-switch.exe"));
    let artefact = release.join("api-switch-windows-x64.exe");
    strip("x86_64-w64-mingw32-strip", &built, &artefact)?;
    Ok(artefact)
}

/// Adds a rustup target unless it is installed.
fn rustup_target(target: &str) -> Result<()> {
    let installed = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .map(|out| {
            String::from_utf8_lossy(&out.stdout)
                .lines()
                .any(|l| l == target)
        })
        .unwrap_or(false);
    if installed {
        return Ok(());
    }
    say(&format!("installing the {target} target with rustup"));
    run_cmd(Command::new("rustup").args(["target", "add", target]))
        .with_context(|| format!("the {target} target is needed for the Windows build"))
}

/// Writes `from` without symbols to `to` (the same path strips in place).
fn strip(strip: &str, from: &Path, to: &Path) -> Result<()> {
    run_cmd(
        Command::new(strip)
            .arg("--strip-all")
            .arg(from)
            .arg("-o")
            .arg(to),
    )
}
