//! The build and test steps `main` strings together. Each step says what it runs.

use std::path::PathBuf;
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::setup::{self, WasmRoute};

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

/// Where the UI bundle goes; the server embeds this folder.
fn site_pkg_dir() -> PathBuf {
    root_dir().join("target/site/pkg")
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

fn cargo(args: &[&str]) -> Result<()> {
    say(&format!("cargo {}", args.join(" ")));
    run_cmd(cmd("cargo").args(args))
}

/// How the UI's views are compiled. Server and wasm bundle must agree: the erased views
/// render extra hydration markers, so an erased server needs an erased bundle and the reverse.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ViewMode {
    /// Every view keeps its own type: what tests, `cargo xtask run` and `build` use.
    Typed,
    /// Leptos's `--cfg erase_components` (see `dist.rs`): the release artefacts.
    Erased,
}

impl ViewMode {
    /// The `RUSTFLAGS` this mode adds.
    pub fn rustflags(self) -> Option<&'static str> {
        match self {
            ViewMode::Typed => None,
            ViewMode::Erased => Some("--cfg erase_components"),
        }
    }

    /// The wasm build's Cargo profile: each mode has its own, so switching mode does not
    /// rebuild the other's cache.
    fn wasm_profile(self) -> &'static str {
        match self {
            ViewMode::Typed => "wasm-release",
            ViewMode::Erased => "wasm-dist",
        }
    }
}

/// `RUSTFLAGS` for a build in `mode`, keeping the caller's own.
pub fn rustflags_for(mode: ViewMode) -> String {
    let own = std::env::var("RUSTFLAGS").unwrap_or_default();
    match mode.rustflags() {
        Some(extra) if own.trim().is_empty() => extra.to_owned(),
        Some(extra) => format!("{own} {extra}"),
        None => own,
    }
}

/// Compiles `frontend` to wasm, runs wasm-bindgen on it and compiles the stylesheet.
pub fn build_ui() -> Result<()> {
    build_ui_in(ViewMode::Typed)
}

/// [`build_ui`] with the views compiled in `mode`.
pub fn build_ui_in(mode: ViewMode) -> Result<()> {
    let route = setup::wasm_target()?;
    setup::remember_wasm_route(route)?;
    let wasm_args = [
        "build",
        "--package",
        "frontend",
        "--target",
        "wasm32-unknown-unknown",
        "--profile",
        mode.wasm_profile(),
    ];
    match route {
        WasmRoute::Rustup => {
            say(&format!("cargo {} ({mode:?} views)", wasm_args.join(" ")));
            run_cmd(
                cmd("cargo")
                    .args(wasm_args)
                    .env("RUSTFLAGS", rustflags_for(mode)),
            )?;
        }
        WasmRoute::DebianBuildStd => {
            say("building the wasm bundle with Debian's rustc-web and -Zbuild-std");
            let path = format!("/usr/bin:{}", std::env::var("PATH").unwrap_or_default());
            run_cmd(
                Command::new("/usr/bin/cargo")
                    .current_dir(root_dir())
                    .args(wasm_args)
                    .arg("-Zbuild-std=std,panic_abort")
                    .env("PATH", path)
                    .env("RUSTC", "/usr/bin/rustc")
                    .env("RUSTC_BOOTSTRAP", "1")
                    .env("RUSTFLAGS", rustflags_for(mode))
                    .env("CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_LINKER", "wasm-ld"),
            )?;
        }
    }
    let wasm = target_dir().join(format!(
        "wasm32-unknown-unknown/{}/frontend.wasm",
        mode.wasm_profile()
    ));
    let pkg = site_pkg_dir();
    std::fs::create_dir_all(&pkg)?;
    say("wasm-bindgen: writing target/site/pkg/api_switch{.js,_bg.wasm}");
    run_cmd(
        cmd("wasm-bindgen")
            .args([
                "--target",
                "web",
                "--no-typescript",
                "--out-name",
                "api_switch",
            ])
            .arg("--out-dir")
            .arg(&pkg)
            .arg(&wasm),
    )?;
    say("tailwindcss: writing target/site/pkg/api_switch.css");
    run_cmd(
        cmd("node_modules/.bin/tailwindcss")
            .args(["--input", "style/main.css", "--minify", "--output"])
            .arg(pkg.join("api_switch.css")),
    )?;
    crate::bundle::fingerprint_and_compress(&pkg)
}

/// `cargo xtask run`: the product, started from a release build on 127.0.0.1:9090.
/// Its data lives outside `target/` (see `run_data`), so `cargo clean` never deletes it.
pub fn run(user_args: &[String]) -> Result<()> {
    build_release()?;
    let binary = target_dir().join("release/api-switch");
    let env = crate::run_data::Environment::from_process();
    let (serve_args, data_dir) = crate::run_data::serve_args(user_args, &env, &target_dir())?;
    if let Some(dir) = data_dir {
        say(&format!(
            "your channels, keys and settings are kept in {} (choose another with --data-dir)",
            dir.display()
        ));
    }
    say(&format!(
        "starting {} serve {}",
        binary.display(),
        serve_args.join(" ")
    ));
    run_cmd(Command::new(binary).arg("serve").args(&serve_args))
}

/// `cargo xtask build`: one self-contained release binary.
pub fn build_release() -> Result<()> {
    setup::ui_tools()?;
    build_ui()?;
    cargo(&["build", "--release", "--package", "api-switch"])?;
    say(&format!(
        "built {} (the UI is embedded; copy it anywhere)",
        target_dir().join("release/api-switch").display()
    ));
    Ok(())
}

/// Seconds per fuzz target during `cargo xtask test`.
const FUZZ_SECONDS_IN_TESTS: u32 = 5;

/// `cargo xtask test`: set-up, the builds the tests drive, then every check.
pub fn test() -> Result<()> {
    setup::ui_tools()?;
    setup::test_tools()?;
    cargo(&["fmt", "--all", "--check"])?;
    build_ui()?;
    cargo(&["build", "--release", "--package", "api-switch"])?;
    lint_every_crate()?;
    let release_bin = target_dir().join("release/api-switch");
    let has_nextest = Command::new("cargo")
        .args(["nextest", "--version"])
        .output()
        .map(|out| out.status.success())
        .unwrap_or(false);
    let mut test = cmd("cargo");
    if has_nextest {
        test.args(["nextest", "run", "--no-fail-fast"]);
    } else {
        test.args(["test", "--no-fail-fast"]);
    }
    test.env("API_SWITCH_RELEASE_BIN", &release_bin);
    say(&format!("{test:?}"));
    run_cmd(&mut test)?;
    if has_nextest {
        // nextest does not run doc tests.
        cargo(&["test", "--doc"])?;
    }
    crate::desktop_test::run_in_tests()?;
    // A short real fuzzing run keeps the targets building and catches shallow crashes; the
    // stable replay of the same checks already ran in `protocol`'s tests.
    crate::fuzz::run(FUZZ_SECONDS_IN_TESTS)?;
    say("all tests passed");
    Ok(())
}

/// Clippy, warnings denied, on every crate: the default members on this machine's target,
/// the browser half on wasm32 (the only target it builds for) and the desktop app (with the
/// GTK packages it compiles against).
fn lint_every_crate() -> Result<()> {
    cargo(&["clippy", "--all-targets", "--", "-D", "warnings"])?;
    cargo(&[
        "clippy",
        "--package",
        "frontend",
        "--target",
        "wasm32-unknown-unknown",
        "--",
        "-D",
        "warnings",
    ])?;
    desktop_packages()?;
    cargo(&[
        "clippy",
        "--package",
        "api-switch-desktop",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ])
}

/// `cargo xtask build-desktop`: the Tauri app, with its system libraries.
pub fn build_desktop() -> Result<()> {
    desktop_packages()?;
    setup::ui_tools()?;
    build_ui()?;
    cargo(&["build", "--release", "--package", "api-switch-desktop"])
}

/// The Debian packages the Tauri app compiles against (GTK, WebKitGTK, the tray library).
pub fn desktop_packages() -> Result<()> {
    setup::debian_packages(&[
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
