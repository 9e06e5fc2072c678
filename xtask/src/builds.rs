//! The builds other commands need: the UI bundle (wasm, wasm-bindgen, Tailwind, compressed
//! and fingerprinted), the release server with that bundle embedded, and the desktop app.

use std::path::PathBuf;
use std::process::Command;

use anyhow::Result;

use crate::setup::{self, WasmRoute};
use crate::shell::{cargo, cmd, root_dir, run_cmd, say, target_dir};

/// Where the UI bundle goes; the server embeds this folder.
fn site_pkg_dir() -> PathBuf {
    root_dir().join("target/site/pkg")
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

/// `cargo xtask build-desktop`: the Tauri app, with its system libraries.
pub fn build_desktop() -> Result<()> {
    setup::desktop_packages()?;
    setup::ui_tools()?;
    build_ui()?;
    cargo(&["build", "--release", "--package", "api-switch-desktop"])
}
