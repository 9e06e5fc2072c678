//! Issue 11, Connect: each app's configuration file in a temporary home folder. Written files
//! parse as the app's format and point at the server; undo restores the previous file byte for
//! byte (or removes the one we created); a file with other settings keeps them; a file we
//! cannot parse is never touched.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use engine::AppState;
use engine::connect::{self, ConnectApp, ConnectError, Home, Target};
use serde_json::Value;

const BASE: &str = "http://127.0.0.1:9090";

fn target() -> Target {
    Target {
        base_url: BASE.into(),
        key: "sk-as-test-key".into(),
    }
}

/// Where Connect remembers the files it created: the data folder's database, here a real
/// SQLite file beside the test's home folder.
fn record(home: &Home) -> engine::store::Store {
    engine::store::Store::open(home.dir.join("api-switch.db")).expect("the record")
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path)
        .expect("metadata")
        .permissions()
        .mode()
        & 0o777
}

fn backups(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("read dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".api-switch-backup-"))
        .collect();
    names.sort();
    names
}

fn json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).expect("read")).expect("valid JSON")
}

fn toml(path: &Path) -> toml_edit::DocumentMut {
    std::fs::read_to_string(path)
        .expect("read")
        .parse()
        .expect("valid TOML")
}

#[test]
fn claude_code_in_a_fresh_home_is_created_private_and_undo_removes_it() {
    let home = tempfile::tempdir().expect("home");
    let home = Home::at(home.path());
    let before = connect::status(&home, ConnectApp::ClaudeCode, BASE, &record(&home));
    assert!(!before.exists && !before.points_at_us && before.latest_backup.is_none());

    let after = connect::connect(&home, ConnectApp::ClaudeCode, &target(), &record(&home))
        .expect("connect");
    let file = home.dir.join(".claude/settings.json");
    assert_eq!(after.config_path, file.display().to_string());
    assert!(after.exists && after.points_at_us, "{after:?}");
    assert_eq!(after.endpoint.as_deref(), Some(BASE));
    let written = json(&file);
    assert_eq!(written["env"]["ANTHROPIC_BASE_URL"], BASE);
    assert_eq!(written["env"]["ANTHROPIC_AUTH_TOKEN"], "sk-as-test-key");
    assert_eq!(mode(&file), 0o600, "the file holds a key");
    assert!(after.latest_backup.is_none(), "{after:?}");
    assert!(
        after.created_by_connect,
        "undo knows to remove it: {after:?}"
    );
    assert!(
        backups(&home.dir.join(".claude")).is_empty(),
        "no marker beside the file"
    );

    let undone = connect::undo(&home, ConnectApp::ClaudeCode, BASE, &record(&home)).expect("undo");
    assert!(!file.exists(), "the file we created is gone");
    assert!(!undone.exists && undone.latest_backup.is_none() && !undone.created_by_connect);
    assert!(backups(&home.dir.join(".claude")).is_empty());
    assert!(matches!(
        connect::undo(&home, ConnectApp::ClaudeCode, BASE, &record(&home)),
        Err(ConnectError::NoBackup { .. })
    ));
}

/// Issue 25 item 14: a file Connect created is removed by undo only while it holds what Connect
/// wrote; one the user replaced since is left alone, and one that already pointed at API Switch
/// before (so Connect wrote nothing) is not taken for Connect's.
#[test]
fn undo_never_removes_a_file_connect_did_not_write() {
    let dir = tempfile::tempdir().expect("home");
    let home = Home::at(dir.path());
    let file = dir.path().join(".claude/settings.json");
    connect::connect(&home, ConnectApp::ClaudeCode, &target(), &record(&home)).expect("connect");
    std::fs::write(&file, "{\"model\": \"mine now\"}").expect("the user's own file");
    let refused = connect::undo(&home, ConnectApp::ClaudeCode, BASE, &record(&home))
        .expect_err("a changed file is not removed");
    assert!(
        matches!(refused, ConnectError::ChangedSinceCreated { .. }),
        "{refused:?}"
    );
    assert_eq!(
        std::fs::read_to_string(&file).expect("still there"),
        "{\"model\": \"mine now\"}"
    );
    assert!(matches!(
        connect::undo(&home, ConnectApp::ClaudeCode, BASE, &record(&home)),
        Err(ConnectError::NoBackup { .. })
    ));

    // Already pointing at API Switch: connect writes nothing, so undo has nothing to do.
    let other = tempfile::tempdir().expect("another home");
    let other = Home::at(other.path());
    let written = other.dir.join(".claude/settings.json");
    connect::connect(&home, ConnectApp::ClaudeCode, &target(), &record(&home)).expect("again");
    std::fs::create_dir_all(written.parent().expect("parent")).expect("mkdir");
    std::fs::copy(&file, &written).expect("a file that already points at API Switch");
    connect::connect(&other, ConnectApp::ClaudeCode, &target(), &record(&other))
        .expect("no change");
    assert!(matches!(
        connect::undo(&other, ConnectApp::ClaudeCode, BASE, &record(&other)),
        Err(ConnectError::NoBackup { .. })
    ));
    assert!(written.exists(), "a file connect did not write stays");
}

#[test]
fn claude_code_keeps_other_settings_and_undo_restores_the_file_byte_for_byte() {
    let dir = tempfile::tempdir().expect("home");
    let home = Home::at(dir.path());
    let file = dir.path().join(".claude/settings.json");
    std::fs::create_dir_all(file.parent().expect("parent")).expect("mkdir");
    let original = "{\n    \"model\": \"opus\",\n    \"permissions\": {\"allow\": [\"Bash(ls:*)\"]},\n    \"env\": {\"MY_FLAG\": \"1\", \"ANTHROPIC_API_KEY\": \"sk-ant-real\", \"ANTHROPIC_BASE_URL\": \"https://api.anthropic.com\"}\n}\n";
    std::fs::write(&file, original).expect("write");
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let before = connect::status(&home, ConnectApp::ClaudeCode, BASE, &record(&home));
    assert_eq!(
        before.endpoint.as_deref(),
        Some("https://api.anthropic.com")
    );
    assert!(!before.points_at_us);

    connect::connect(&home, ConnectApp::ClaudeCode, &target(), &record(&home)).expect("connect");
    let written = json(&file);
    assert_eq!(written["model"], "opus");
    assert_eq!(written["permissions"]["allow"][0], "Bash(ls:*)");
    assert_eq!(written["env"]["MY_FLAG"], "1");
    assert_eq!(written["env"]["ANTHROPIC_BASE_URL"], BASE);
    assert!(
        written["env"].get("ANTHROPIC_API_KEY").is_none(),
        "a key that would override the token is removed (it is in the backup)"
    );
    assert_eq!(mode(&file), 0o600);
    let saved = backups(file.parent().expect("dir"));
    assert_eq!(saved.len(), 1, "{saved:?}");
    assert!(!saved[0].ends_with("-none"));

    connect::undo(&home, ConnectApp::ClaudeCode, BASE, &record(&home)).expect("undo");
    assert_eq!(std::fs::read(&file).expect("read"), original.as_bytes());
    assert_eq!(mode(&file), 0o644, "the original mode comes back too");
    assert!(backups(file.parent().expect("dir")).is_empty());
}

#[test]
fn codex_gets_a_responses_provider_and_keeps_comments_profiles_and_other_providers() {
    let dir = tempfile::tempdir().expect("home");
    let home = Home::at(dir.path());
    let file = dir.path().join(".codex/config.toml");
    std::fs::create_dir_all(file.parent().expect("parent")).expect("mkdir");
    let original = r#"# my codex settings
model = "gpt-5-codex"
model_provider = "azure"
approval_policy = "on-request"

[model_providers.azure]
name = "Azure"
base_url = "https://me.openai.azure.com/openai"
env_key = "AZURE_OPENAI_API_KEY"
wire_api = "responses"

[profiles.fast]
model = "gpt-5-mini"
"#;
    std::fs::write(&file, original).expect("write");
    let before = connect::status(&home, ConnectApp::Codex, BASE, &record(&home));
    assert_eq!(
        before.endpoint.as_deref(),
        Some("https://me.openai.azure.com/openai")
    );

    let after =
        connect::connect(&home, ConnectApp::Codex, &target(), &record(&home)).expect("connect");
    assert!(after.points_at_us, "{after:?}");
    assert_eq!(after.endpoint.as_deref(), Some("http://127.0.0.1:9090/v1"));
    let text = std::fs::read_to_string(&file).expect("read");
    assert!(text.starts_with("# my codex settings\n"), "{text}");
    let doc = toml(&file);
    assert_eq!(doc["model_provider"].as_str(), Some("api-switch"));
    assert_eq!(
        doc["model"].as_str(),
        Some("gpt-5-codex"),
        "the model is kept"
    );
    assert_eq!(doc["approval_policy"].as_str(), Some("on-request"));
    let ours = &doc["model_providers"]["api-switch"];
    assert_eq!(ours["base_url"].as_str(), Some("http://127.0.0.1:9090/v1"));
    assert_eq!(ours["wire_api"].as_str(), Some("responses"));
    assert_eq!(
        ours["experimental_bearer_token"].as_str(),
        Some("sk-as-test-key")
    );
    assert_eq!(
        doc["model_providers"]["azure"]["env_key"].as_str(),
        Some("AZURE_OPENAI_API_KEY")
    );
    assert_eq!(
        doc["profiles"]["fast"]["model"].as_str(),
        Some("gpt-5-mini")
    );
    assert_eq!(mode(&file), 0o600);

    connect::undo(&home, ConnectApp::Codex, BASE, &record(&home)).expect("undo");
    assert_eq!(std::fs::read_to_string(&file).expect("read"), original);
}

#[test]
fn codex_in_a_fresh_home_names_the_auto_model_and_honours_codex_home() {
    let dir = tempfile::tempdir().expect("home");
    let mut home = Home::at(dir.path());
    home.codex_home = Some(dir.path().join("elsewhere"));
    connect::connect(&home, ConnectApp::Codex, &target(), &record(&home)).expect("connect");
    let file = dir.path().join("elsewhere/config.toml");
    let doc = toml(&file);
    assert_eq!(doc["model"].as_str(), Some("auto"));
    assert_eq!(doc["model_provider"].as_str(), Some("api-switch"));
    assert!(!dir.path().join(".codex").exists());
}

#[test]
fn opencode_gets_an_openai_compatible_provider_and_keeps_the_others() {
    let dir = tempfile::tempdir().expect("home");
    let home = Home::at(dir.path());
    let file = dir.path().join(".config/opencode/opencode.json");
    std::fs::create_dir_all(file.parent().expect("parent")).expect("mkdir");
    let original = r#"{"theme": "tokyonight", "model": "anthropic/claude-sonnet-4-5", "provider": {"ollama": {"options": {"baseURL": "http://localhost:11434/v1"}}}}"#;
    std::fs::write(&file, original).expect("write");
    let after =
        connect::connect(&home, ConnectApp::OpenCode, &target(), &record(&home)).expect("connect");
    assert!(after.points_at_us, "{after:?}");
    let written = json(&file);
    assert_eq!(written["theme"], "tokyonight");
    assert_eq!(written["model"], "api-switch/auto");
    assert_eq!(
        written["provider"]["api-switch"]["options"]["baseURL"],
        "http://127.0.0.1:9090/v1"
    );
    assert_eq!(
        written["provider"]["api-switch"]["options"]["apiKey"],
        "sk-as-test-key"
    );
    assert_eq!(
        written["provider"]["ollama"]["options"]["baseURL"],
        "http://localhost:11434/v1"
    );
    connect::undo(&home, ConnectApp::OpenCode, BASE, &record(&home)).expect("undo");
    assert_eq!(std::fs::read_to_string(&file).expect("read"), original);
}

#[test]
fn a_file_that_does_not_parse_is_reported_and_never_touched() {
    let dir = tempfile::tempdir().expect("home");
    let home = Home::at(dir.path());
    let file = dir.path().join(".codex/config.toml");
    std::fs::create_dir_all(file.parent().expect("parent")).expect("mkdir");
    std::fs::write(&file, "model = [unclosed").expect("write");
    let status = connect::status(&home, ConnectApp::Codex, BASE, &record(&home));
    assert!(status.exists && status.problem.is_some(), "{status:?}");
    let error =
        connect::connect(&home, ConnectApp::Codex, &target(), &record(&home)).expect_err("refused");
    assert!(matches!(error, ConnectError::Parse { .. }), "{error}");
    assert!(error.to_string().contains("fix or move it"), "{error}");
    assert_eq!(
        std::fs::read_to_string(&file).expect("read"),
        "model = [unclosed"
    );
    assert!(backups(file.parent().expect("dir")).is_empty());
}

#[test]
fn connecting_again_unchanged_takes_no_backup_and_each_undo_steps_back_once() {
    let dir = tempfile::tempdir().expect("home");
    let home = Home::at(dir.path());
    let file = dir.path().join(".claude/settings.json");
    std::fs::create_dir_all(file.parent().expect("parent")).expect("mkdir");
    std::fs::write(&file, "{\"model\": \"haiku\"}").expect("write");
    connect::connect(&home, ConnectApp::ClaudeCode, &target(), &record(&home)).expect("first");
    connect::connect(&home, ConnectApp::ClaudeCode, &target(), &record(&home)).expect("same again");
    assert_eq!(
        backups(file.parent().expect("dir")).len(),
        1,
        "nothing new to save"
    );
    let other = Target {
        base_url: "http://127.0.0.1:9191".into(),
        key: "sk-as-other".into(),
    };
    connect::connect(&home, ConnectApp::ClaudeCode, &other, &record(&home))
        .expect("another server");
    assert_eq!(backups(file.parent().expect("dir")).len(), 2);
    connect::undo(&home, ConnectApp::ClaudeCode, BASE, &record(&home)).expect("undo once");
    assert_eq!(json(&file)["env"]["ANTHROPIC_BASE_URL"], BASE);
    connect::undo(&home, ConnectApp::ClaudeCode, BASE, &record(&home)).expect("undo twice");
    assert_eq!(
        std::fs::read_to_string(&file).expect("read"),
        "{\"model\": \"haiku\"}"
    );
}

#[test]
fn a_symlinked_config_is_written_through_the_link() {
    let dir = tempfile::tempdir().expect("home");
    let home = Home::at(dir.path());
    let dotfiles = dir.path().join("dotfiles/claude.json");
    std::fs::create_dir_all(dotfiles.parent().expect("parent")).expect("mkdir");
    std::fs::write(&dotfiles, "{}").expect("write");
    std::fs::create_dir_all(dir.path().join(".claude")).expect("mkdir");
    let link = dir.path().join(".claude/settings.json");
    std::os::unix::fs::symlink(&dotfiles, &link).expect("symlink");
    connect::connect(&home, ConnectApp::ClaudeCode, &target(), &record(&home)).expect("connect");
    assert!(link.is_symlink(), "the link stays a link");
    assert_eq!(json(&dotfiles)["env"]["ANTHROPIC_BASE_URL"], BASE);
}

#[tokio::test]
async fn each_app_gets_its_own_access_key_reused_on_the_next_connect() {
    let data = tempfile::tempdir().expect("data");
    let state = AppState::open(data.path().join("api-switch.db")).expect("state");
    let home = tempfile::tempdir().expect("home");
    let home = Home::at(home.path());
    state
        .connect_app(&home, ConnectApp::Codex, BASE)
        .await
        .expect("connect");
    let keys = state.store().access_keys().expect("keys");
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0].name, "Codex");
    let doc = toml(&home.dir.join(".codex/config.toml"));
    assert_eq!(
        doc["model_providers"]["api-switch"]["experimental_bearer_token"].as_str(),
        Some(keys[0].key.expose())
    );
    state
        .connect_app(&home, ConnectApp::Codex, BASE)
        .await
        .expect("again");
    state
        .connect_app(&home, ConnectApp::ClaudeCode, BASE)
        .await
        .expect("claude");
    let names: Vec<String> = state
        .store()
        .access_keys()
        .expect("keys")
        .into_iter()
        .map(|k| k.name)
        .collect();
    assert_eq!(names, ["Codex", "Claude Code"]);

    state
        .set_access_key_enabled(keys[0].id, false)
        .await
        .expect("switch off");
    let error = state
        .connect_app(&home, ConnectApp::Codex, BASE)
        .await
        .expect_err("a switched-off key is not switched back on");
    assert!(matches!(error, ConnectError::KeyDisabled { .. }), "{error}");
}

#[test]
fn snippets_are_the_same_settings_for_pasting() {
    let snippet = connect::snippet(ConnectApp::Codex, &target());
    assert_eq!(snippet.path, "~/.codex/config.toml");
    let doc: toml_edit::DocumentMut = snippet.text.parse().expect("TOML");
    assert_eq!(
        doc["model_providers"]["api-switch"]["base_url"].as_str(),
        Some("http://127.0.0.1:9090/v1")
    );
    let claude = connect::snippet(ConnectApp::ClaudeCode, &target());
    let value: Value = serde_json::from_str(&claude.text).expect("JSON");
    assert_eq!(value["env"]["ANTHROPIC_BASE_URL"], BASE);
}

#[test]
fn gemini_cli_env_and_settings_are_written_together_and_undone_together() {
    let dir = tempfile::tempdir().expect("home");
    let home = Home::at(dir.path());
    let gemini = dir.path().join(".gemini");
    std::fs::create_dir_all(&gemini).expect("mkdir");
    let env = gemini.join(".env");
    let settings = gemini.join("settings.json");
    let env_before = "# my keys\nGEMINI_API_KEY=AIza-mine\nOTHER_TOOL=1\n";
    let settings_before = "{\n  \"ui\": {\"theme\": \"Dracula\"},\n  \"security\": {\"auth\": {\"selectedType\": \"oauth-personal\"}},\n  \"general\": {\"vimMode\": true}\n}\n";
    std::fs::write(&env, env_before).expect("env");
    std::fs::write(&settings, settings_before).expect("settings");
    let before = connect::status(&home, ConnectApp::GeminiCli, BASE, &record(&home));
    assert!(before.exists && before.endpoint.is_none() && !before.points_at_us);

    let after =
        connect::connect(&home, ConnectApp::GeminiCli, &target(), &record(&home)).expect("connect");
    assert!(after.points_at_us, "{after:?}");
    assert_eq!(after.config_path, env.display().to_string());
    let written = std::fs::read_to_string(&env).expect("env");
    assert_eq!(
        written,
        "# my keys\nGEMINI_API_KEY=sk-as-test-key\nOTHER_TOOL=1\nGOOGLE_GEMINI_BASE_URL=http://127.0.0.1:9090\n"
    );
    assert_eq!(mode(&env), 0o600);
    let merged = std::fs::read_to_string(&settings).expect("settings");
    let value: Value = serde_json::from_str(&merged).expect("valid JSON");
    assert_eq!(value["security"]["auth"]["selectedType"], "gemini-api-key");
    assert_eq!(value["ui"]["theme"], "Dracula");
    let (ui, security, general) = (
        merged.find("\"ui\"").expect("ui"),
        merged.find("\"security\"").expect("security"),
        merged.find("\"general\"").expect("general"),
    );
    assert!(
        ui < security && security < general,
        "key order kept:\n{merged}"
    );
    assert_eq!(backups(&gemini).len(), 2, "{:?}", backups(&gemini));

    connect::undo(&home, ConnectApp::GeminiCli, BASE, &record(&home)).expect("undo");
    assert_eq!(std::fs::read_to_string(&env).expect("env"), env_before);
    assert_eq!(
        std::fs::read_to_string(&settings).expect("settings"),
        settings_before
    );
}

#[test]
fn gemini_cli_settings_that_cannot_be_parsed_stop_the_connection_before_any_file_changes() {
    let dir = tempfile::tempdir().expect("home");
    let home = Home::at(dir.path());
    let gemini = dir.path().join(".gemini");
    std::fs::create_dir_all(&gemini).expect("mkdir");
    std::fs::write(gemini.join("settings.json"), "{ not json").expect("settings");
    let error = connect::connect(&home, ConnectApp::GeminiCli, &target(), &record(&home))
        .expect_err("refused");
    assert!(matches!(error, ConnectError::Parse { .. }), "{error}");
    assert!(!gemini.join(".env").exists(), "nothing written");
    assert!(backups(&gemini).is_empty());
}
