//! The command line documents itself and honours its options.

use super::support;

use std::process::Command;

fn api_switch() -> Command {
    Command::new(env!("CARGO_BIN_EXE_api-switch"))
}

#[test]
fn help_describes_every_command() {
    let output = api_switch().arg("--help").output().expect("run --help");
    assert!(output.status.success());
    let help = String::from_utf8_lossy(&output.stdout);
    assert!(help.contains("serve"), "{help}");
    let serve = api_switch()
        .args(["serve", "--help"])
        .output()
        .expect("run serve --help");
    let serve_help = String::from_utf8_lossy(&serve.stdout);
    for option in ["--data-dir", "--listen", "API_SWITCH_DATA_DIR"] {
        assert!(
            serve_help.contains(option),
            "serve --help mentions {option}: {serve_help}"
        );
    }
}

#[test]
fn the_data_dir_environment_variable_works_like_the_flag() {
    let data = tempfile::tempdir().expect("temp dir");
    let cwd = tempfile::tempdir().expect("temp dir");
    let port = support::free_port();
    let child = api_switch()
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .env("API_SWITCH_DATA_DIR", data.path())
        .current_dir(cwd.path())
        .spawn()
        .expect("start api-switch");
    let _guard = support::KillOnDrop(child);
    support::wait_healthy(&format!("http://127.0.0.1:{port}"));
    assert!(data.path().join("api-switch.db").exists());
}
