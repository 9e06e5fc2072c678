//! Issue 25, imports that cannot destroy, as a user runs them: a masked export imported back
//! keeps the real keys (requests still reach the provider with them), a channel-only file
//! keeps access keys and settings, `--replace` and `--dry-run` do what they say and every
//! import sums up what changed; strict documents name every problem with its path, once.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::{Value, json};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::support;

const PROVIDER_KEY: &str = "sk-provider-real-key-0042";
const ACCESS_KEY: &str = "sk-as-laptop-0123456789abcdef";

/// `api-switch ARGS --data-dir DATA`, with `stdin` as standard input.
pub(super) fn run(data: &Path, args: &[&str], stdin: Option<&str>) -> Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_api-switch"))
        .args(args)
        .arg("--data-dir")
        .arg(data)
        .env_remove("API_SWITCH_DATA_DIR")
        .env_remove("NO_COLOR")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run api-switch");
    let mut input = child.stdin.take().expect("stdin");
    if let Some(text) = stdin {
        input.write_all(text.as_bytes()).expect("write stdin");
    }
    drop(input);
    child.wait_with_output().expect("wait for api-switch")
}

pub(super) fn said(output: &Output) -> String {
    format!(
        "status {}\nstdout: {}\nstderr: {}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Imports `document` (written to a file) with `extra` options.
pub(super) fn import(data: &Path, document: &Value, extra: &[&str]) -> Output {
    let file = data.with_extension("import.json");
    std::fs::write(&file, document.to_string()).expect("write the document");
    let mut args = vec!["import", file.to_str().expect("utf-8 path")];
    args.extend_from_slice(extra);
    run(data, &args, None)
}

fn export(data: &Path, secrets: bool) -> Value {
    let args: &[&str] = if secrets {
        &["export", "--include-secrets"]
    } else {
        &["export"]
    };
    let output = run(data, args, None);
    assert!(output.status.success(), "{}", said(&output));
    serde_json::from_slice(&output.stdout).expect("export is JSON")
}

/// A provider that answers chat completions only with the real key.
async fn provider() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .and(header(
            "authorization",
            format!("Bearer {PROVIDER_KEY}").as_str(),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": "c1", "object": "chat.completion", "created": 1, "model": "gpt-4o",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": "hi"},
                         "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}
        })))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(401).set_body_json(
            json!({"error": {"message": "bad key", "type": "invalid_request_error"}}),
        ))
        .mount(&server)
        .await;
    server
}

fn whole_document(upstream: &str) -> Value {
    json!({
        "version": 1,
        "settings": {"require_access_key": true, "cooldown_secs": 900},
        "access_keys": [{"name": "laptop", "key": ACCESS_KEY}],
        "channels": [{
            "name": "relay", "api_type": "openai", "base_url": format!("{upstream}/v1"),
            "api_key": PROVIDER_KEY, "enabled": true,
            "entries": [{"model": "gpt-4o", "group": "auto", "priority": 0, "enabled": true}]
        }]
    })
}

/// The status of one chat request through a server on `data`, with `key` as access key.
fn chat_status(data: &Path, key: Option<&str>) -> u16 {
    let port = support::free_port();
    let dir = data.display().to_string();
    let listen = format!("127.0.0.1:{port}");
    let server = support::start(
        Path::new(env!("CARGO_BIN_EXE_api-switch")),
        &["serve", "--listen", &listen, "--data-dir", &dir],
        data,
        port,
    );
    let mut request = reqwest::blocking::Client::new()
        .post(format!("{}/v1/chat/completions", server.base_url))
        .json(&json!({"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]}));
    if let Some(key) = key {
        request = request.bearer_auth(key);
    }
    request.send().expect("chat request").status().as_u16()
}

/// Items 1 and 11: a masked export imported back keeps the stored keys, and the import says
/// what it changed; a masked key with nothing stored to keep is refused with its path.
#[tokio::test(flavor = "multi_thread")]
async fn issue_25_a_masked_export_imported_back_keeps_working_keys() {
    let upstream = provider().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    let first = import(&data, &whole_document(&upstream.uri()), &[]);
    assert!(first.status.success(), "{}", said(&first));
    let summary = String::from_utf8_lossy(&first.stdout).into_owned();
    for line in [
        "channels     1 added, 0 changed, 0 removed",
        "entries      1 added, 0 changed, 0 removed",
        "access keys  1 added, 0 changed, 0 removed",
        "settings     0 added, 2 changed, 0 removed",
    ] {
        assert!(summary.contains(line), "`{line}` in:\n{summary}");
    }

    // A pool whose keys share their mask (`sk-***7890`): each keeps its own key and state.
    let pool = json!({"channels": [{"name": "pool", "api_type": "openai",
        "base_url": "https://example.com/v1",
        "keys": ["sk-pool-a-0000007890", {"key": "sk-pool-b-0000007890", "enabled": false}],
        "entries": [{"model": "gpt-4o-mini"}]}]});
    assert!(import(&data, &pool, &[]).status.success());

    let masked = export(&data, false);
    assert_eq!(masked["channels"][1]["keys"][0]["key"], "sk-***7890");
    assert_eq!(masked["channels"][1]["keys"][1]["key"], "sk-***7890");
    let shown = masked["channels"][0]["api_key"].as_str().expect("api_key");
    assert!(
        shown.contains("***") && !shown.contains(PROVIDER_KEY),
        "{shown}"
    );
    let again = import(&data, &masked, &[]);
    assert!(again.status.success(), "{}", said(&again));
    assert!(
        String::from_utf8_lossy(&again.stdout)
            .contains("channels     0 added, 0 changed, 0 removed"),
        "{}",
        said(&again)
    );
    let stored = export(&data, true);
    assert_eq!(stored["channels"][0]["api_key"], PROVIDER_KEY);
    assert_eq!(
        stored["channels"][1]["keys"],
        json!([{"key": "sk-pool-a-0000007890", "enabled": true},
               {"key": "sk-pool-b-0000007890", "enabled": false}])
    );
    assert_eq!(stored["access_keys"][0]["key"], ACCESS_KEY);
    let data_for_chat = data.clone();
    let status = tokio::task::spawn_blocking(move || chat_status(&data_for_chat, Some(ACCESS_KEY)))
        .await
        .expect("chat");
    assert_eq!(status, 200, "the provider got the real key");

    // A masked key for a channel that is not stored has nothing to keep.
    let mut unknown = masked.clone();
    unknown["channels"][0]["name"] = json!("elsewhere");
    let refused = import(&data, &unknown, &[]);
    assert!(!refused.status.success(), "{}", said(&refused));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("channels[0].api_key: `sk-***0042` is a masked secret"),
        "{stderr}"
    );
    assert!(stderr.contains("1 problem,"), "singular: {stderr}");
    assert_eq!(
        export(&data, true)["channels"].as_array().map(Vec::len),
        Some(2),
        "nothing changed"
    );
}

/// Item 2: a channel-only file adds its channel and touches no access key or setting; a dry
/// run changes nothing; `--replace` keeps today's whole-configuration meaning.
#[tokio::test(flavor = "multi_thread")]
async fn issue_25_a_channel_only_import_keeps_access_keys_and_settings() {
    let upstream = provider().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    assert!(
        import(&data, &whole_document(&upstream.uri()), &[])
            .status
            .success()
    );
    let channel_only = json!({"channels": [{
        "name": "second", "api_type": "openai", "base_url": format!("{}/v1", upstream.uri()),
        "api_key": "sk-second-key-0001", "entries": [{"model": "gpt-4o-mini"}]
    }]});

    let dry = import(&data, &channel_only, &["--dry-run"]);
    assert!(dry.status.success(), "{}", said(&dry));
    let text = String::from_utf8_lossy(&dry.stdout);
    assert!(text.contains("Dry run: nothing was changed"), "{text}");
    assert!(
        text.contains("channels     1 added, 0 changed, 0 removed"),
        "{text}"
    );
    assert!(
        text.contains("access keys  0 added, 0 changed, 0 removed"),
        "{text}"
    );
    assert_eq!(
        export(&data, false)["channels"].as_array().map(Vec::len),
        Some(1)
    );

    let merged = import(&data, &channel_only, &[]);
    assert!(merged.status.success(), "{}", said(&merged));
    let after = export(&data, true);
    assert_eq!(after["channels"].as_array().map(Vec::len), Some(2));
    assert_eq!(after["access_keys"][0]["key"], ACCESS_KEY);
    assert_eq!(after["settings"]["require_access_key"], true);
    assert_eq!(after["settings"]["cooldown_secs"], 900);
    let data_for_chat = data.clone();
    let statuses = tokio::task::spawn_blocking(move || {
        (
            chat_status(&data_for_chat, None),
            chat_status(&data_for_chat, Some(ACCESS_KEY)),
        )
    })
    .await
    .expect("chat");
    assert_eq!(statuses, (401, 200), "keys are still required and known");

    let replaced = import(&data, &channel_only, &["--replace"]);
    assert!(replaced.status.success(), "{}", said(&replaced));
    let text = String::from_utf8_lossy(&replaced.stdout);
    assert!(
        text.contains("access keys  0 added, 0 changed, 1 removed"),
        "{text}"
    );
    assert!(
        text.contains("channels     0 added, 0 changed, 1 removed"),
        "{text}"
    );
    let after = export(&data, false);
    assert_eq!(after["access_keys"], json!([]));
    assert_eq!(after["settings"]["require_access_key"], false);
}

/// Items 3, 12 and 13: misspelled fields and wrong types are refused, every one named with its
/// full path; a placeholder access key is refused; nothing is stored; a JSON error's cause is
/// said once.
#[test]
fn issue_25_a_misspelled_field_is_refused_with_its_path() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    let document = json!({
        "setings": {},
        "settings": {"cooldown_secs": "600", "login_on_loopback": "yes"},
        "access_keys": [{"name": "ci", "key": "sk-..."}],
        "groups": [{"group": "fast", "order": "quickest"}],
        "channels": [{
            "name": "relay", "api_type": "openai", "base_url": "https://example.com/v1",
            "apikey": "sk-real-key-000000",
            "entries": [{"model": "gpt-4o", "modle_alias": ["four"]}]
        }]
    });
    let refused = import(&data, &document, &[]);
    assert_eq!(refused.status.code(), Some(1), "{}", said(&refused));
    let stderr = String::from_utf8_lossy(&refused.stderr).into_owned();
    for problem in [
        "the configuration has 7 problems, nothing was changed",
        "\nsetings: unknown field",
        "\nsettings.cooldown_secs: expected a whole number, got string \"600\"",
        "\nsettings.login_on_loopback: expected a boolean, got string \"yes\"",
        "\naccess_keys[0].key: must be at least 16 characters",
        "\ngroups[0].order: unknown variant `quickest`",
        "\nchannels[0].apikey: unknown field",
        "\nchannels[0].entries[0].modle_alias: unknown field",
    ] {
        assert!(stderr.contains(problem), "`{problem}` in:\n{stderr}");
    }
    let listed = run(&data, &["channel", "list"], None);
    assert!(
        String::from_utf8_lossy(&listed.stdout).lines().count() <= 1,
        "nothing stored: {}",
        said(&listed)
    );

    let placeholder = json!({"access_keys": [{"name": "ci", "key": "sk-...placeholder-xx"}]});
    let refused = import(&data, &placeholder, &[]);
    assert!(
        String::from_utf8_lossy(&refused.stderr)
            .contains("access_keys[0].key: looks like a placeholder"),
        "{}",
        said(&refused)
    );

    let file = dir.path().join("broken.json");
    std::fs::write(&file, "{\n").expect("write");
    let broken = run(&data, &["import", file.to_str().expect("utf-8")], None);
    assert!(!broken.status.success());
    let stderr = String::from_utf8_lossy(&broken.stderr).into_owned();
    assert!(stderr.contains("not valid JSON"), "{stderr}");
    assert_eq!(
        stderr.matches("line 2 column").count(),
        1,
        "said once: {stderr}"
    );
    assert!(!stderr.contains("Caused by"), "{stderr}");
}
