//! The real agent CLIs (npm `@anthropic-ai/claude-code`, `@openai/codex`) as test clients:
//! where the pinned binaries are, how to run one offline in a clean environment, and
//! `api-switch connect` as a user runs it.

use super::support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

pub fn node_bin(name: &str) -> PathBuf {
    let path = support::workspace_root()
        .join("node_modules/.bin")
        .join(name);
    assert!(
        path.exists(),
        "{} is missing: run `cargo xtask setup` (it installs the pinned npm packages)",
        path.display()
    );
    path
}

/// Runs `program` with nothing from this environment but `PATH`, a fresh `HOME`, and the
/// variables that keep the CLIs offline; fails the test after 120 s.
pub fn run_clean(program: &Path, args: &[&str], home: &Path, cwd: &Path) -> Output {
    run_clean_with(program, args, home, cwd, &[])
}

/// [`run_clean`] with more variables (a base URL and key the test chose).
pub fn run_clean_with(
    program: &Path,
    args: &[&str],
    home: &Path,
    cwd: &Path,
    env: &[(&str, &str)],
) -> Output {
    let child = Command::new(program)
        .args(args)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("DISABLE_TELEMETRY", "1")
        .env("DISABLE_ERROR_REPORTING", "1")
        .env("DISABLE_AUTOUPDATER", "1")
        .env("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1")
        .envs(env.iter().copied())
        .current_dir(cwd)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", program.display()));
    let id = child.id();
    let watchdog = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_secs(120));
        // Only our own child, by its id, if it is still running.
        let _ = Command::new("kill")
            .args(["-9", &id.to_string()])
            .stderr(Stdio::null())
            .status();
    });
    let output = child.wait_with_output().expect("wait");
    drop(watchdog);
    output
}

pub fn connect(home: &Path, data: &Path, base_url: &str, app: &str, undo: bool) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_api-switch"));
    command
        .args(["connect", app, "--url", base_url, "--data-dir"])
        .arg(data)
        .env("HOME", home)
        .env_remove("CODEX_HOME")
        .env_remove("CLAUDE_CONFIG_DIR")
        .env_remove("XDG_CONFIG_HOME");
    if undo {
        command.arg("--undo");
    }
    let output = command.output().expect("run api-switch connect");
    assert!(
        output.status.success(),
        "connect {app}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

pub fn text(output: &Output) -> String {
    format!(
        "status {}\nstdout: {}\nstderr: {}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}
