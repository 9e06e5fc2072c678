//! The commands that string builds and checks together: `run` (the product on
//! 127.0.0.1:9090) and `test` (every check CI runs).

use std::process::Command;

use anyhow::Result;

use crate::builds::{build_release, build_ui};
use crate::setup::{self, desktop_packages};
use crate::shell::{cargo, cmd, run_cmd, say, target_dir};

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
    let mut test = cmd("cargo");
    test.args(["nextest", "run", "--no-fail-fast"]);
    test.env("API_SWITCH_RELEASE_BIN", &release_bin);
    say(&format!("{test:?}"));
    run_cmd(&mut test)?;
    // nextest does not run doc tests.
    cargo(&["test", "--doc"])?;
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
