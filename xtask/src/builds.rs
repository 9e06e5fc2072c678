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

/// The wasm bundle's Cargo profile (see the workspace `Cargo.toml`).
const WASM_PROFILE: &str = "wasm-release";

/// Compiles `frontend` to wasm, runs wasm-bindgen on it and compiles the stylesheet. The views
/// are type-erased like the server's (`.cargo/config.toml`), so any server built here
/// hydrates it.
pub fn build_ui() -> Result<()> {
    let route = setup::wasm_target()?;
    setup::remember_wasm_route(route)?;
    let wasm_args = [
        "build",
        "--package",
        "frontend",
        "--target",
        "wasm32-unknown-unknown",
        "--profile",
        WASM_PROFILE,
    ];
    match route {
        WasmRoute::Rustup => {
            say(&format!("cargo {}", wasm_args.join(" ")));
            run_cmd(cmd("cargo").args(wasm_args))?;
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
                    .env("CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_LINKER", "wasm-ld"),
            )?;
        }
    }
    let wasm = target_dir().join(format!(
        "wasm32-unknown-unknown/{WASM_PROFILE}/frontend.wasm"
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
