//! Issue 25, the command line as a new user meets it: one data folder rule (created 0700 under
//! umask 022; only `serve` and `import` create a database), exit codes scripts can trust,
//! listen addresses as people write them, the key and channel commands, `probe --add`,
//! connect's default URL and key order, upstream errors in the client's shape, no colour codes
//! in a pipe.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use serde_json::{Value, json};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::cli_import::{import, run, said};
use super::support;

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_api-switch")
}

/// `api-switch ARGS` run by `sh` under `umask 022`, as a login shell usually has it.
fn run_umask_022(args: &[&str], stdin: &str) -> Output {
    use std::io::Write;
    let mut child = Command::new("sh")
        .arg("-c")
        .arg("umask 022; exec \"$0\" \"$@\"")
        .arg(bin())
        .args(args)
        .env_remove("API_SWITCH_DATA_DIR")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run sh");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("write stdin");
    child.wait_with_output().expect("wait")
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path)
        .expect("metadata")
        .permissions()
        .mode()
        & 0o777
}

/// Item 4: only `serve` and `import` create the data folder (0700 under umask 022) and its
/// database; every other command, the set-up ones included, says there is no configuration
/// and how to make one, and leaves nothing behind.
#[test]
fn issue_25_only_serve_and_import_create_a_private_data_folder() {
    let root = tempfile::tempdir().expect("temp dir");
    let port = support::free_port().to_string();
    let all_interfaces = format!("0.0.0.0:{port}");
    for (name, args, stdin, succeeds) in [
        ("import", vec!["import", "-"], "{\"channels\": []}", true),
        // Asked to listen remotely before it is locked down, `serve` refuses, but the database
        // it created is where the set-up commands it lists then write.
        (
            "serve",
            vec!["serve", "--listen", &all_interfaces],
            "",
            false,
        ),
    ] {
        let dir = root.path().join(name).join("data");
        let dir_text = dir.display().to_string();
        let mut args = args.clone();
        args.extend(["--data-dir", &dir_text]);
        let output = run_umask_022(&args, stdin);
        assert_eq!(
            output.status.success(),
            succeeds,
            "{name}: {}",
            said(&output)
        );
        assert_eq!(mode(&dir), 0o700, "{name} created {dir_text}");
        assert!(dir.join("api-switch.db").exists(), "{name}: no database");
    }
    let set_up = root.path().join("serve").join("data");
    let password = run(
        &set_up,
        &["password", "set"],
        Some("a long enough password\n"),
    );
    assert!(password.status.success(), "{}", said(&password));

    for (args, stdin) in [
        (vec!["keys", "add", "laptop"], None),
        (vec!["password", "set"], Some("a long enough password\n")),
        (
            vec![
                "channel",
                "add",
                "x",
                "--type",
                "openai",
                "--base-url",
                "http://127.0.0.1:9/v1",
                "--key",
                "sk-some-key-123456",
            ],
            None,
        ),
        (vec!["catalog", "status"], None),
        (vec!["metrics-token", "list"], None),
        (vec!["keys", "list"], None),
        (vec!["keys", "require"], None),
        (vec!["export"], None),
        (vec!["channel", "list"], None),
        (vec!["speedtest"], None),
        (vec!["connect", "claude-code"], None),
    ] {
        let typo = root.path().join("typo");
        let output = run(&typo, &args, stdin);
        assert_eq!(output.status.code(), Some(1), "{args:?}: {}", said(&output));
        let stderr = String::from_utf8_lossy(&output.stderr);
        for says in [
            "no configuration at",
            "api-switch serve --data-dir",
            "api-switch import FILE",
        ] {
            assert!(
                stderr.contains(says),
                "{args:?}: `{says}` in {}",
                said(&output)
            );
        }
        assert!(!typo.exists(), "{args:?} created {}", typo.display());
    }
}

/// Item 5 (and `probe`): a failed entry makes `speedtest` exit 1, `--json` included.
#[test]
fn issue_25_speedtest_exits_non_zero_when_an_entry_failed() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    let dead = format!("http://127.0.0.1:{}/v1", support::free_port());
    let document = json!({"channels": [{"name": "gone", "api_type": "openai",
        "base_url": dead, "api_key": "sk-anything-123456", "entries": [{"model": "gpt-4o"}]}]});
    assert!(import(&data, &document, &[]).status.success());
    for extra in [&[][..], &["--json"][..]] {
        let mut args = vec!["speedtest", "--timeout-secs", "3"];
        args.extend_from_slice(extra);
        let output = run(&data, &args, None);
        assert_eq!(
            output.status.code(),
            Some(1),
            "{extra:?}: {}",
            said(&output)
        );
    }
    let probe = Command::new(bin())
        .args(["probe", "--base-url", &dead, "--timeout-secs", "3"])
        .env("API_SWITCH_PROBE_KEY", "sk-anything-123456")
        .output()
        .expect("probe");
    assert_eq!(probe.status.code(), Some(1), "{}", said(&probe));
}

/// Item 7: `PORT`, `:PORT`, `localhost:PORT` and `HOST:PORT` all listen, and the serve options
/// work without the word `serve`.
#[test]
fn issue_25_listen_takes_the_forms_people_write() {
    let data = tempfile::tempdir().expect("temp dir");
    let dir = data.path().display().to_string();
    for form in ["{port}", ":{port}", "localhost:{port}", "127.0.0.1:{port}"] {
        for with_serve in [true, false] {
            let port = support::free_port();
            let listen = form.replace("{port}", &port.to_string());
            let mut args = vec![];
            if with_serve {
                args.push("serve");
            }
            args.extend(["--listen", &listen, "--data-dir", &dir]);
            let _server = support::start(Path::new(bin()), &args, data.path(), port);
        }
    }
    let refused = run(data.path(), &["serve", "--listen", "nowhere"], None);
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("has no port"),
        "{}",
        said(&refused)
    );
}

/// Item 9: keys are removed and renamed by name, empty and duplicate names are refused,
/// requiring keys with none is refused with the command that fixes it, and `keys require`
/// alone shows the state.
#[test]
fn issue_25_keys_remove_rename_and_require_guard_against_lockouts() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    assert!(import(&data, &json!({}), &[]).status.success());
    let ok = |args: &[&str]| {
        let output = run(&data, args, None);
        assert!(output.status.success(), "{args:?}: {}", said(&output));
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    let refused = |args: &[&str], why: &str| {
        let output = run(&data, args, None);
        assert_eq!(output.status.code(), Some(1), "{args:?}: {}", said(&output));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(why), "{args:?}: `{why}` in {stderr}");
    };
    refused(&["keys", "add", ""], "must not be empty");
    assert!(
        run(
            &data,
            &["password", "set"],
            Some("a long enough password\n")
        )
        .status
        .success()
    );
    refused(&["keys", "require", "on"], "api-switch keys add NAME");
    assert!(ok(&["keys", "require"]).starts_with("off"));
    let key = ok(&["keys", "add", "laptop"]).trim().to_owned();
    refused(
        &["keys", "add", "laptop"],
        "already the name of another key",
    );
    ok(&["keys", "rename", "laptop", "desk"]);
    refused(&["keys", "rename", "desk", " "], "must not be empty");
    assert!(ok(&["keys", "list"]).contains("desk"));
    ok(&["keys", "require", "on"]);
    assert!(
        ok(&["keys", "require"])
            .starts_with("on: clients must present an access key (1 access key)")
    );

    // Removal is seen by a running server: the key no longer opens the proxy.
    let port = support::free_port();
    let listen = format!("127.0.0.1:{port}");
    let data_text = data.display().to_string();
    let server = support::start(
        Path::new(bin()),
        &["--listen", &listen, "--data-dir", &data_text],
        &data,
        port,
    );
    let models = || {
        reqwest::blocking::Client::new()
            .get(format!("{}/v1/models", server.base_url))
            .bearer_auth(&key)
            .send()
            .expect("models")
            .status()
            .as_u16()
    };
    assert_eq!(models(), 200);
    ok(&["keys", "remove", "desk"]);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while models() != 401 && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert_eq!(models(), 401, "the removed key is refused");
    refused(&["keys", "remove", "desk"], "no access key is named 'desk'");
}

/// A provider whose model list `probe` finds.
async fn provider() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/models"))
        .and(header("authorization", "Bearer sk-probe-key-123456"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "object": "list", "data": [{"id": "gpt-4o"}, {"id": "gpt-4o-mini"}]
        })))
        .mount(&server)
        .await;
    server
}

/// Item 6: what `probe` finds becomes a channel (`probe --add`, `channel add --from-probe`);
/// channels are listed, switched off and on and removed by name; a taken name is refused.
#[tokio::test(flavor = "multi_thread")]
async fn issue_25_probe_findings_become_channels_and_channels_change_one_at_a_time() {
    let upstream = provider().await;
    let base = upstream.uri();
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    let data_text = data.display().to_string();
    assert!(import(&data, &json!({}), &[]).status.success());
    let probe = |extra: &[&str]| {
        Command::new(bin())
            .args(["probe", "--base-url", &base, "--timeout-secs", "5"])
            .args(extra)
            .env("API_SWITCH_PROBE_KEY", "sk-probe-key-123456")
            .env_remove("API_SWITCH_DATA_DIR")
            .output()
            .expect("probe")
    };
    let added = probe(&["--add", "found", "--data-dir", &data_text]);
    assert!(added.status.success(), "{}", said(&added));
    assert!(
        String::from_utf8_lossy(&added.stdout).contains("Channel 'found' added"),
        "{}",
        said(&added)
    );

    let printed = probe(&[]);
    let file = dir.path().join("probe.json");
    std::fs::write(&file, &printed.stdout).expect("write probe.json");
    let file_text = file.display().to_string();
    let key = ["--key", "sk-probe-key-123456"];
    let from_probe = |name: &str| {
        let mut args = vec!["channel", "add", name, "--from-probe", &file_text];
        args.extend(key);
        args.extend(["--model", "gpt-4o-mini"]);
        run(&data, &args, None)
    };
    let second = from_probe("second");
    assert!(second.status.success(), "{}", said(&second));
    let taken = from_probe("found");
    assert_eq!(taken.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&taken.stderr).contains("already the name of another channel"));

    let listed = run(&data, &["channel", "list", "--json"], None);
    let channels: Value = serde_json::from_slice(&listed.stdout).expect("JSON list");
    assert_eq!(channels[0]["name"], "found");
    assert_eq!(channels[0]["api_type"], "openai");
    assert_eq!(channels[1]["entries"][0]["model"], "gpt-4o-mini");
    assert!(
        run(&data, &["channel", "disable", "second"], None)
            .status
            .success()
    );
    let table =
        String::from_utf8_lossy(&run(&data, &["channel", "list"], None).stdout).into_owned();
    assert!(
        table
            .lines()
            .any(|l| l.starts_with("second") && l.contains(" off ")),
        "{table}"
    );
    assert!(
        run(&data, &["channel", "enable", "second"], None)
            .status
            .success()
    );
    assert!(
        run(&data, &["channel", "remove", "second"], None)
            .status
            .success()
    );
    let gone = run(&data, &["channel", "remove", "second"], None);
    assert!(String::from_utf8_lossy(&gone.stderr).contains("no channel is named 'second'"));
}

/// Items 8 and 14: `connect` writes the address the folder's server listens on (its stored
/// listen setting), warns when nothing answers there, keeps the user's key order and does not
/// claim a backup of a file that was not there.
#[test]
fn issue_25_connect_defaults_to_the_stored_listen_address_and_keeps_key_order() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    let home = tempfile::tempdir().expect("home");
    let port = support::free_port();
    let document = json!({"settings": {"listen_address": format!("127.0.0.1:{port}")}});
    assert!(import(&data, &document, &[]).status.success());
    let connect = |args: &[&str]| {
        Command::new(bin())
            .arg("connect")
            .args(args)
            .arg("--data-dir")
            .arg(&data)
            .env("HOME", home.path())
            .env_remove("CODEX_HOME")
            .env_remove("CLAUDE_CONFIG_DIR")
            .env_remove("XDG_CONFIG_HOME")
            .env_remove("API_SWITCH_DATA_DIR")
            .output()
            .expect("connect")
    };
    let first = connect(&["claude-code"]);
    assert!(first.status.success(), "{}", said(&first));
    let stderr = String::from_utf8_lossy(&first.stderr);
    assert!(
        stderr.contains("nothing answers at http://127.0.0.1:"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("backed up beside it"),
        "no file was there: {stderr}"
    );
    let settings = home.path().join(".claude/settings.json");
    let written = std::fs::read_to_string(&settings).expect("settings.json");
    assert!(
        written.contains(&format!("http://127.0.0.1:{port}")),
        "{written}"
    );
    let beside = |dir: &Path| -> Vec<String> {
        std::fs::read_dir(dir)
            .expect("the app's folder")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect()
    };
    let claude_dir = home.path().join(".claude");
    assert_eq!(
        beside(&claude_dir),
        ["settings.json"],
        "no empty backup beside it"
    );
    // Undo removes the file connect created (and only it), still with no marker needed.
    let undo = connect(&["claude-code", "--undo"]);
    assert!(undo.status.success(), "{}", said(&undo));
    assert!(beside(&claude_dir).is_empty(), "{:?}", beside(&claude_dir));
    assert!(connect(&["claude-code"]).status.success());

    // The user's own file, keys in their order: connect keeps it.
    std::fs::write(
        &settings,
        "{\n  \"zeta\": 1,\n  \"alpha\": 2,\n  \"model\": \"x\"\n}\n",
    )
    .expect("write settings");
    let server = support::start(
        Path::new(bin()),
        &["--data-dir", &data.display().to_string()],
        &data,
        port,
    );
    let again = connect(&["claude-code"]);
    assert!(again.status.success(), "{}", said(&again));
    assert!(
        !String::from_utf8_lossy(&again.stderr).contains("nothing answers"),
        "the server answers now: {}",
        said(&again)
    );
    let written = std::fs::read_to_string(&settings).expect("settings.json");
    let (zeta, alpha) = (written.find("\"zeta\""), written.find("\"alpha\""));
    assert!(zeta < alpha && zeta.is_some(), "key order kept:\n{written}");
    drop(server);
}

/// Item 10: an upstream's plain-text 404 labelled JSON reaches an OpenAI client as OpenAI's
/// error and an Anthropic client as Anthropic's, with the upstream's status and text.
#[tokio::test(flavor = "multi_thread")]
async fn issue_25_an_upstream_plain_text_404_reaches_the_client_in_its_shape() {
    let upstream = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(404)
                .insert_header("content-type", "application/json")
                .set_body_string("404: Not Found"),
        )
        .mount(&upstream)
        .await;
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    let document = json!({"channels": [
        {"name": "oa", "api_type": "openai", "base_url": format!("{}/v1", upstream.uri()),
         "api_key": "sk-anything-123456", "entries": [{"model": "gpt-4o"}]},
        {"name": "an", "api_type": "anthropic", "base_url": upstream.uri(),
         "api_key": "sk-ant-anything-123456", "entries": [{"model": "claude-x"}]}
    ]});
    assert!(import(&data, &document, &[]).status.success());
    let answers = tokio::task::spawn_blocking(move || {
        let port = support::free_port();
        let listen = format!("127.0.0.1:{port}");
        let server = support::start(
            Path::new(bin()),
            &[
                "--listen",
                &listen,
                "--data-dir",
                &data.display().to_string(),
            ],
            &data,
            port,
        );
        let client = reqwest::blocking::Client::new();
        let openai = client
            .post(format!("{}/v1/chat/completions", server.base_url))
            .json(&json!({"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]}))
            .send()
            .expect("chat");
        let anthropic = client
            .post(format!("{}/v1/messages", server.base_url))
            .json(&json!({"model": "claude-x", "max_tokens": 5,
                          "messages": [{"role": "user", "content": "hi"}]}))
            .send()
            .expect("messages");
        [openai, anthropic].map(|r| (r.status().as_u16(), r.text().expect("body")))
    })
    .await
    .expect("requests");
    let [(openai_status, openai), (anthropic_status, anthropic)] = answers;
    assert_eq!(openai_status, 404);
    let openai: Value = serde_json::from_str(&openai).expect("OpenAI error is JSON");
    assert_eq!(openai["error"]["message"], "404: Not Found", "{openai}");
    assert_eq!(anthropic_status, 404);
    let anthropic: Value = serde_json::from_str(&anthropic).expect("Anthropic error is JSON");
    assert_eq!(anthropic["type"], "error", "{anthropic}");
    assert_eq!(
        anthropic["error"]["message"], "404: Not Found",
        "{anthropic}"
    );
}

/// Item 11: log lines written to a pipe carry no colour codes.
#[test]
fn issue_25_logs_in_a_pipe_carry_no_colour_codes() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    assert!(import(&data, &json!({}), &[]).status.success());
    let added = run(&data, &["keys", "add", "laptop"], None);
    assert!(added.status.success(), "{}", said(&added));
    let stderr = String::from_utf8_lossy(&added.stderr);
    assert!(stderr.contains("WARN"), "a warning was logged: {stderr}");
    assert!(!stderr.contains('\u{1b}'), "no ANSI codes: {stderr:?}");
}
