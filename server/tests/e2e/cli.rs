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

/// `keys limit`: sets the limits given and keeps the others, shows them with the key's use,
/// refuses a zero limit and an unknown key, and `--clear` removes them; `keys list` shows them.
#[test]
fn keys_limit_sets_shows_and_clears_a_keys_limits() {
    let data = tempfile::tempdir().expect("temp dir");
    let run = |args: &[&str]| {
        api_switch()
            .args(args)
            .arg("--data-dir")
            .arg(data.path())
            .env_remove("API_SWITCH_DATA_DIR")
            .output()
            .expect("run api-switch")
    };
    let text = |output: &std::process::Output| String::from_utf8_lossy(&output.stdout).into_owned();
    let empty = data.path().join("empty.json");
    std::fs::write(&empty, "{}").expect("write an empty document");
    assert!(
        run(&["import", empty.to_str().expect("utf-8")])
            .status
            .success()
    );
    assert!(run(&["keys", "add", "agent"]).status.success());

    let set = run(&[
        "keys",
        "limit",
        "agent",
        "--rpm",
        "60",
        "--usd-per-day",
        "5",
    ]);
    assert!(
        set.status.success(),
        "{}",
        String::from_utf8_lossy(&set.stderr)
    );
    assert!(
        text(&set).contains("per minute       0 / 60 requests"),
        "{}",
        text(&set)
    );
    assert!(
        text(&set).contains("spent today      $0.00 / $5.00"),
        "{}",
        text(&set)
    );
    let more = run(&["keys", "limit", "agent", "--usd-per-month", "50"]);
    assert!(
        text(&more).contains("0 / 60 requests"),
        "kept: {}",
        text(&more)
    );
    assert!(text(&more).contains("$0.00 / $50.00"), "{}", text(&more));
    let listed = text(&run(&["keys", "list"]));
    assert!(
        listed.contains("60 rpm, $5.00/day, $50.00/month"),
        "{listed}"
    );

    let zero = run(&["keys", "limit", "agent", "--rpm", "0"]);
    assert!(!zero.status.success());
    assert!(
        String::from_utf8_lossy(&zero.stderr).contains("requests_per_minute: must be at least 1")
    );
    let unknown = run(&["keys", "limit", "nobody", "--rpm", "5"]);
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("no access key is named 'nobody'"));

    let cleared = run(&["keys", "limit", "agent", "--clear"]);
    assert!(!text(&cleared).contains(" / 60"), "{}", text(&cleared));
    assert!(text(&run(&["keys", "list"])).contains("none"));
}
