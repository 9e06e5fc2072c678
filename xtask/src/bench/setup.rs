//! What a bench run needs beyond Rust, installed when missing and said as it happens: nginx and
//! wrk from Debian, LiteLLM's proxy in its own virtualenv (`target/bench-venv`), and the release
//! build of `api-switch` being measured.

use std::io::Read;
use std::path::PathBuf;
use std::process::Command;

use anyhow::{Context, Result};

use crate::setup::{debian_packages, which};
use crate::shell::{cmd, root_dir, run_cmd, say, target_dir};

/// nginx and wrk, plus LiteLLM when it is measured; returns LiteLLM's virtualenv.
pub fn tools(with_litellm: bool) -> Result<Option<PathBuf>> {
    debian_packages(&[("nginx", "/usr/sbin/nginx"), ("wrk", "/usr/bin/wrk")])?;
    if with_litellm {
        return litellm_venv().map(Some);
    }
    Ok(None)
}

fn litellm_venv() -> Result<PathBuf> {
    let venv = root_dir().join("target/bench-venv");
    let stamp = venv.join(".litellm-installed");
    if stamp.exists() && venv.join("bin/litellm").exists() {
        return Ok(venv);
    }
    if !venv.join("bin/python").exists() {
        say("creating the virtualenv for LiteLLM (target/bench-venv)");
        let python = which("python3").context("python3 is needed to install LiteLLM")?;
        run_cmd(Command::new(python).args(["-m", "venv"]).arg(&venv))?;
    }
    say("installing litellm[proxy] from PyPI into target/bench-venv");
    run_cmd(
        Command::new(venv.join("bin/pip"))
            .args(["install", "--quiet", "litellm[proxy]"])
            .env("PIP_DISABLE_PIP_VERSION_CHECK", "1"),
    )?;
    std::fs::write(stamp, "")?;
    Ok(venv)
}

/// LiteLLM refuses to run its proxy without a master key; a strong random one per run unless
/// the caller set `LITELLM_MASTER_KEY`.
pub fn litellm_master_key() -> Result<String> {
    if let Ok(key) = std::env::var("LITELLM_MASTER_KEY")
        && !key.is_empty()
    {
        return Ok(key);
    }
    let mut bytes = [0u8; 24];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut random| random.read_exact(&mut bytes))
        .context("cannot read /dev/urandom for the LiteLLM master key")?;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    Ok(format!("sk-bench-{hex}"))
}

/// The `api-switch` release binary: `API_SWITCH_RELEASE_BIN` when set (the tests build one),
/// otherwise `cargo build --release` (a no-op when it is up to date).
pub fn release_binary() -> Result<PathBuf> {
    if let Some(binary) = std::env::var_os("API_SWITCH_RELEASE_BIN") {
        return Ok(PathBuf::from(binary));
    }
    let ui = root_dir().join("target/site/pkg");
    if !ui.exists() {
        // The server embeds this folder; the bench measures the proxy, so an empty one will do.
        say(
            "no UI bundle in target/site/pkg; building api-switch without it (the proxy is what is measured)",
        );
        std::fs::create_dir_all(&ui)?;
    }
    say("cargo build --release --package api-switch");
    run_cmd(cmd("cargo").args(["build", "--release", "--package", "api-switch"]))?;
    Ok(target_dir().join("release/api-switch"))
}
