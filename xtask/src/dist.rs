//! `cargo xtask dist`: the release artefacts, each with the whole UI embedded and without
//! symbols, built with the `dist` profile (fat LTO, one codegen unit, the UI's rendering
//! optimised for size), copied into `target/dist/` with their sizes printed. Linux:
//! `api-switch` (headless) and `api-switch-desktop` (Tauri); Windows: the headless server
//! cross-built with MinGW-w64 as `api-switch-windows-x64.exe` (built, not run here). The Linux
//! headless server is started once and its UI fetched before anything is measured.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::bench::process::{Service, free_port, http_request, local};
use crate::builds::build_ui;
use crate::setup;
use crate::shell::{cmd, run_cmd, say, target_dir};

/// The Cargo profile of the artefacts (see the workspace `Cargo.toml`).
const PROFILE: &str = "dist";
/// The Windows target; MinGW-w64 links it from Linux.
const WINDOWS_TARGET: &str = "x86_64-pc-windows-gnu";
/// A headless server past this is a regression worth failing the build for.
const HEADLESS_LIMIT_BYTES: u64 = 15 * 1024 * 1024;

pub fn run() -> Result<()> {
    crate::setup::desktop_packages()?;
    setup::ui_tools()?;
    build_ui()?;
    let out = target_dir().join(PROFILE);
    // One package per build, so the headless server gets only the crate features it uses
    // (Cargo unifies features across the packages of one invocation).
    let headless = timed("the Linux headless server", || {
        build(&["--package", "api-switch"], &[])?;
        Ok(out.join("api-switch"))
    })?;
    serves_its_ui(&headless)?;
    let desktop = timed("the Linux desktop app", || {
        build(&["--package", "api-switch-desktop"], &[])?;
        Ok(out.join("api-switch-desktop"))
    })?;
    let windows = timed("the Windows headless server", || build_windows(&out))?;

    say("artefacts (no symbols, UI embedded):");
    let mut artefacts = Vec::new();
    for (path, headless) in [(headless, true), (desktop, false), (windows, true)] {
        let bytes = path
            .metadata()
            .with_context(|| format!("{} was not built", path.display()))?
            .len();
        say(&format!(
            "  {:>6.1} MiB  {}",
            mebibytes(bytes),
            path.display()
        ));
        artefacts.push(Artefact {
            path,
            bytes,
            headless,
        });
    }
    check_sizes(&artefacts)
}

/// Starts the built headless server on a throwaway data folder and fetches its UI the way a
/// browser without brotli does: the page, then the script it names. The bundle is embedded at
/// compile time from `target/site/pkg`, so a build that picked up a missing or stale bundle
/// would otherwise ship without a working UI and still look fine here.
fn serves_its_ui(binary: &Path) -> Result<()> {
    let work = target_dir().join("dist-check");
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work)?;
    let port = free_port()?;
    let log = work.join("server.log");
    let mut server = Service::start(
        "the built headless server",
        Command::new(binary)
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .arg("--data-dir")
            .arg(&work),
        &log,
    )?;
    let started = Instant::now();
    while http_request(local(port), "GET", "/health", "", "").is_err() {
        server.ensure_running(&log)?;
        if started.elapsed() > Duration::from_secs(20) {
            bail!(
                "{} did not answer within 20 s; see {}",
                binary.display(),
                log.display()
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let (status, page) = http_request(local(port), "GET", "/", "", "")?;
    let page = String::from_utf8_lossy(&page);
    let script = page
        .split('"')
        .find(|part| part.starts_with("/pkg/api_switch-") && part.ends_with(".js"))
        .with_context(|| format!("GET / ({status}) names no bundle script: {page:.400}"))?;
    let (status, body) = http_request(local(port), "GET", script, "", "")?;
    if status != 200 || !String::from_utf8_lossy(&body).contains("wasm") {
        bail!(
            "{} embeds no working UI: GET {script} answered {status}",
            binary.display()
        );
    }
    say(&format!("{} serves its UI ({script})", binary.display()));
    Ok(())
}

/// One built executable and its size.
struct Artefact {
    path: PathBuf,
    bytes: u64,
    /// Headless servers are held to [`HEADLESS_LIMIT_BYTES`]; the desktop app carries GTK
    /// bindings and WebKit glue and has no limit.
    headless: bool,
}

/// Fails when a headless server has grown past [`HEADLESS_LIMIT_BYTES`].
fn check_sizes(artefacts: &[Artefact]) -> Result<()> {
    let too_big: Vec<String> = artefacts
        .iter()
        .filter(|a| a.headless && a.bytes > HEADLESS_LIMIT_BYTES)
        .map(|a| format!("{} ({:.1} MiB)", a.path.display(), mebibytes(a.bytes)))
        .collect();
    if !too_big.is_empty() {
        bail!(
            "headless binaries over {:.0} MiB: {}; `nm --size-sort` on an unstripped dist build shows what grew",
            mebibytes(HEADLESS_LIMIT_BYTES),
            too_big.join(", ")
        );
    }
    Ok(())
}

fn mebibytes(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

/// Runs `build` and says how long it took.
fn timed(what: &str, build: impl FnOnce() -> Result<PathBuf>) -> Result<PathBuf> {
    let started = Instant::now();
    let built = build()?;
    say(&format!("{what} took {:.0?}", started.elapsed()));
    Ok(built)
}

/// `cargo build --profile dist ARGS` with the environment `envs`.
fn build(args: &[&str], envs: &[(&str, &str)]) -> Result<()> {
    say(&format!(
        "cargo build --profile {PROFILE} {}",
        args.join(" ")
    ));
    run_cmd(
        cmd("cargo")
            .args(["build", "--profile", PROFILE])
            .args(args)
            .envs(envs.iter().copied()),
    )
}

/// Cross-builds the headless server for Windows, installing the target and linker first.
fn build_windows(out: &Path) -> Result<PathBuf> {
    rustup_target(WINDOWS_TARGET)?;
    setup::debian_packages(&[("gcc-mingw-w64-x86-64", "/usr/bin/x86_64-w64-mingw32-gcc")])?;
    build(
        &["--target", WINDOWS_TARGET, "--package", "api-switch"],
        &[
            (
                "CARGO_TARGET_X86_64_PC_WINDOWS_GNU_LINKER",
                "x86_64-w64-mingw32-gcc",
            ),
            // The C code (SQLite, ring) is compiled with the MinGW compiler too.
            ("CC_x86_64_pc_windows_gnu", "x86_64-w64-mingw32-gcc"),
            ("AR_x86_64_pc_windows_gnu", "x86_64-w64-mingw32-ar"),
            ("CARGO_TARGET_DIR", &windows_target_dir().to_string_lossy()),
        ],
    )?;
    let built = windows_target_dir().join(format!("{WINDOWS_TARGET}/{PROFILE}/api-switch.exe"));
    let artefact = out.join("api-switch-windows-x64.exe");
    std::fs::copy(&built, &artefact)
        .with_context(|| format!("cannot copy {} to {}", built.display(), artefact.display()))?;
    Ok(artefact)
}

/// The Windows build's own target folder: its host tools (build scripts, macros) are built
/// with different flags, and a folder of its own lets it run beside a Linux build instead of
/// waiting for that one's lock.
fn windows_target_dir() -> PathBuf {
    target_dir().join("windows")
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

#[cfg(test)]
mod tests {
    use super::*;

    fn artefact(name: &str, bytes: u64, headless: bool) -> Artefact {
        Artefact {
            path: PathBuf::from(name),
            bytes,
            headless,
        }
    }

    #[test]
    fn a_headless_server_over_the_limit_fails_the_dist_build() {
        let fine = [
            artefact("api-switch", HEADLESS_LIMIT_BYTES, true),
            artefact("api-switch-desktop", 3 * HEADLESS_LIMIT_BYTES, false),
        ];
        assert!(
            check_sizes(&fine).is_ok(),
            "at the limit, and the desktop app has none"
        );

        let grown = [
            artefact("api-switch", HEADLESS_LIMIT_BYTES - 1, true),
            artefact("api-switch-windows-x64.exe", HEADLESS_LIMIT_BYTES + 1, true),
        ];
        let error = check_sizes(&grown).expect_err("one headless binary is too big");
        let message = error.to_string();
        assert!(
            message.contains("api-switch-windows-x64.exe (15.0 MiB)"),
            "{message}"
        );
        assert!(!message.contains("api-switch ("), "{message}");
    }
}
