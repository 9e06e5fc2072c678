//! Installing what the project needs, idempotently: each step checks first and says what it
//! installs. Debian packages are only installed when running as root (as on CI machines);
//! otherwise the message names the package to install.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::shell::{cmd, root_dir, run_cmd, say};

/// The wasm-bindgen CLI must match the `wasm-bindgen` crate exactly (pinned with `=`).
pub const WASM_BINDGEN_VERSION: &str = "0.2.130";

/// How the wasm32 standard library is available.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WasmRoute {
    /// `rustup target add wasm32-unknown-unknown` worked.
    Rustup,
    /// Offline: Debian's rustc-web and its library sources, std built from source.
    DebianBuildStd,
}

/// Everything needed to build the UI bundle.
pub fn ui_tools() -> Result<WasmRoute> {
    let route = wasm_target()?;
    wasm_bindgen_cli()?;
    npm_packages()?;
    Ok(route)
}

/// Everything the tests need on top of the UI tools.
pub fn test_tools() -> Result<()> {
    debian_packages(&[
        ("chromium", "/usr/bin/chromium"),
        // The reverse proxy the trust tests put in front of API Switch (run as a plain child
        // process with its own config; the package's service is not used).
        ("nginx", "/usr/sbin/nginx"),
        // A CJK font, or every Chinese screenshot the browser tests save shows empty boxes.
        (
            "fonts-wqy-microhei",
            "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
        ),
    ])?;
    python_venv()?;
    nextest()?;
    Ok(())
}

/// The test runner. It gives every test its own process, which the engine's tests rely on: a
/// test that moves the engine's clock (`clock::advance`) must not move it under another test.
fn nextest() -> Result<()> {
    let installed = Command::new("cargo")
        .args(["nextest", "--version"])
        .output()
        .map(|out| out.status.success())
        .unwrap_or(false);
    if installed {
        return Ok(());
    }
    say("installing cargo-nextest (the test runner) with cargo install");
    crate::shell::cargo(&["install", "cargo-nextest", "--locked"])
}

pub fn wasm_target() -> Result<WasmRoute> {
    if let Some(route) = cached_wasm_route() {
        return Ok(route);
    }
    let installed = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .map(|out| String::from_utf8_lossy(&out.stdout).contains("wasm32-unknown-unknown"))
        .unwrap_or(false);
    if installed {
        return Ok(WasmRoute::Rustup);
    }
    say("installing the wasm32-unknown-unknown target with rustup");
    let rustup_ok = Command::new("rustup")
        .args(["target", "add", "wasm32-unknown-unknown"])
        .status()
        .map(|status| status.success())
        .unwrap_or(false);
    if rustup_ok {
        return Ok(WasmRoute::Rustup);
    }
    say(
        "rustup could not download the wasm32 target; taking the offline route (Debian rustc-web, std built from source)",
    );
    debian_packages(&[
        ("rustc-web", "/usr/bin/rustc"),
        ("cargo-web", "/usr/bin/cargo"),
        ("rust-web-src", "/usr/src/rustc-src"),
        ("lld", "/usr/bin/wasm-ld"),
    ])?;
    Ok(WasmRoute::DebianBuildStd)
}

/// Once the offline route was taken, remember it so later runs skip the rustup attempt.
fn cached_wasm_route() -> Option<WasmRoute> {
    let marker = root_dir().join("target/.wasm-route-debian");
    marker.exists().then_some(WasmRoute::DebianBuildStd)
}

pub fn remember_wasm_route(route: WasmRoute) -> Result<()> {
    if route == WasmRoute::DebianBuildStd {
        std::fs::create_dir_all(root_dir().join("target"))?;
        std::fs::write(root_dir().join("target/.wasm-route-debian"), "")?;
    }
    Ok(())
}

fn wasm_bindgen_cli() -> Result<()> {
    let current = Command::new("wasm-bindgen")
        .arg("--version")
        .output()
        .map(|out| String::from_utf8_lossy(&out.stdout).trim().to_owned())
        .unwrap_or_default();
    if current.ends_with(WASM_BINDGEN_VERSION) {
        return Ok(());
    }
    say(&format!(
        "installing wasm-bindgen-cli {WASM_BINDGEN_VERSION} (found: {})",
        if current.is_empty() { "none" } else { &current }
    ));
    let locked = cmd("cargo")
        .args([
            "install",
            "wasm-bindgen-cli",
            "--version",
            WASM_BINDGEN_VERSION,
            "--locked",
        ])
        .status()?;
    if locked.success() {
        return Ok(());
    }
    // A registry mirror can lack one exact version from the CLI's lock file; the unlocked
    // install still honours every semver bound.
    say("the locked install failed; retrying without --locked");
    run_cmd(cmd("cargo").args([
        "install",
        "wasm-bindgen-cli",
        "--version",
        WASM_BINDGEN_VERSION,
    ]))
}

fn npm_packages() -> Result<()> {
    let root = root_dir();
    let stamp = root.join("node_modules/.api-switch-installed");
    let lock = root.join("package-lock.json");
    if is_newer(&stamp, &[&root.join("package.json"), &lock]) {
        return Ok(());
    }
    if which("npm").is_none() {
        debian_packages(&[("nodejs", "/usr/bin/node"), ("npm", "/usr/bin/npm")])?;
    }
    // The Claude Code and Codex CLIs ship native binaries inside their npm packages (no
    // download at install time); the connect tests run them offline against api-switch.
    say(
        "installing npm packages (Tailwind CSS compiler, playwright-core, axe-core, the Claude Code and Codex CLIs)",
    );
    let verb = if lock.exists() { "ci" } else { "install" };
    run_cmd(
        cmd("npm")
            .args([verb, "--no-audit", "--no-fund"])
            .current_dir(&root),
    )?;
    std::fs::write(stamp, "")?;
    Ok(())
}

fn python_venv() -> Result<()> {
    let root = root_dir();
    let venv = root.join("target/venv");
    let requirements = root.join("end2end/requirements.txt");
    let stamp = venv.join(".api-switch-installed");
    if is_newer(&stamp, &[&requirements]) {
        return Ok(());
    }
    if !venv.join("bin/python").exists() {
        say("creating the Python virtualenv for the SDK tests (target/venv)");
        let python = which("python3").context("python3 is needed for the SDK tests")?;
        run_cmd(Command::new(python).args(["-m", "venv"]).arg(&venv))?;
    }
    say("installing the official openai and anthropic SDKs into target/venv");
    run_cmd(
        Command::new(venv.join("bin/pip"))
            .args(["install", "--quiet", "-r"])
            .arg(&requirements),
    )?;
    std::fs::write(stamp, "")?;
    Ok(())
}

/// Installs the Debian packages whose marker file is missing, when running as root.
pub fn debian_packages(packages: &[(&str, &str)]) -> Result<()> {
    let missing: Vec<&str> = packages
        .iter()
        .filter(|(_, marker)| !Path::new(marker).exists())
        .map(|(name, _)| *name)
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    if !is_root() {
        bail!(
            "missing Debian packages: {}; install them with `sudo apt-get install -y {}`",
            missing.join(", "),
            missing.join(" ")
        );
    }
    say(&format!(
        "installing Debian packages: {}",
        missing.join(" ")
    ));
    let update = Command::new("apt-get").arg("update").arg("-qq").status()?;
    if !update.success() {
        say("apt-get update failed; trying the install with the current package lists");
    }
    run_cmd(
        Command::new("apt-get")
            .args(["install", "-y", "-qq", "--no-install-recommends"])
            .args(&missing)
            .env("DEBIAN_FRONTEND", "noninteractive"),
    )
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|out| String::from_utf8_lossy(&out.stdout).trim() == "0")
        .unwrap_or(false)
}

pub fn which(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file())
}

/// True when `stamp` exists and is newer than every existing input.
fn is_newer(stamp: &Path, inputs: &[&Path]) -> bool {
    let Ok(stamp_time) = stamp.metadata().and_then(|m| m.modified()) else {
        return false;
    };
    inputs.iter().all(|input| {
        input
            .metadata()
            .and_then(|m| m.modified())
            .map(|t| t <= stamp_time)
            .unwrap_or(true)
    })
}

/// The Debian packages the Tauri app compiles against (GTK, WebKitGTK, the tray library).
pub fn desktop_packages() -> Result<()> {
    debian_packages(&[
        (
            "libwebkit2gtk-4.1-dev",
            "/usr/lib/x86_64-linux-gnu/pkgconfig/webkit2gtk-4.1.pc",
        ),
        (
            "libayatana-appindicator3-dev",
            "/usr/lib/x86_64-linux-gnu/pkgconfig/ayatana-appindicator3-0.1.pc",
        ),
        (
            "librsvg2-dev",
            "/usr/lib/x86_64-linux-gnu/pkgconfig/librsvg-2.0.pc",
        ),
        ("libxdo-dev", "/usr/include/xdo.h"),
        ("libssl-dev", "/usr/include/openssl/ssl.h"),
        ("build-essential", "/usr/share/doc/build-essential"),
    ])
}
