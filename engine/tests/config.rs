//! Import and export: a round trip keeps everything, keys are masked unless asked for, and a
//! bad file is rejected with every problem and its path, changing nothing.

use engine::AppState;
use engine::config::{self, ConfigError};
use serde_json::json;

fn open() -> (tempfile::TempDir, AppState) {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = AppState::open(dir.path().join("api-switch.db")).expect("open");
    (dir, state)
}

fn sample() -> serde_json::Value {
    json!({
        "version": 1,
        "settings": {"cooldown_secs": 900, "auto_disable_codes": [401, 403], "require_access_key": true},
        "access_keys": [{"name": "laptop", "key": "sk-local-0123456789"}],
        "channels": [
            {"name": "A", "api_type": "openai", "base_url": "https://api.example.com", "api_key": "sk-test-abcdefghijklmnop",
             "entries": [{"model": "gpt-4o", "group": "auto", "priority": 2},
                         {"model": "gpt-4o-mini", "priority": 0, "enabled": false}]},
            {"name": "Z", "api_type": "custom", "base_url": "https://z.example/api/paas/v4", "enabled": false,
             "entries": [{"model": "glm-4", "group": "coding"}]},
            {"name": "Az", "api_type": "azure", "base_url": "https://r.openai.azure.com", "api_version": "2025-04-01-preview",
             "entries": [{"model": "my-deployment"}]},
            {"name": "C", "api_type": "anthropic", "base_url": "https://api.anthropic.com"},
            {"name": "G", "api_type": "gemini", "base_url": "https://generativelanguage.googleapis.com"}
        ]
    })
}

#[test]
fn a_round_trip_keeps_everything_and_defaults_fill_the_gaps() {
    let (_dir, state) = open();
    state.import_config(&sample().to_string()).expect("import");
    let exported = config::export(state.store(), true).expect("export");
    assert_eq!(exported.settings.cooldown_secs, 900);
    assert_eq!(exported.settings.auto_disable_codes, vec![401, 403]);
    assert!(exported.settings.require_access_key);
    assert_eq!(
        exported.settings.connect_timeout_ms, 10_000,
        "a missing setting gets its default"
    );
    assert_eq!(exported.access_keys[0].key, "sk-local-0123456789");
    let a = &exported.channels[0];
    assert_eq!(
        (a.api_key.as_str(), a.enabled),
        ("sk-test-abcdefghijklmnop", true)
    );
    let models: Vec<_> = a
        .entries
        .iter()
        .map(|e| (e.model.as_str(), e.priority, e.enabled, e.group.as_str()))
        .collect();
    assert_eq!(
        models,
        vec![
            ("gpt-4o-mini", 0, false, "auto"),
            ("gpt-4o", 2, true, "auto")
        ]
    );
    // No priority given: after every given one.
    assert_eq!(exported.channels[1].entries[0].priority, 3);
    assert!(!exported.channels[1].enabled);
    let azure = &exported.channels[2];
    assert_eq!(
        (azure.api_type.as_str(), azure.api_version.as_str()),
        ("azure", "2025-04-01-preview")
    );
    let kinds: Vec<_> = exported.channels[3..]
        .iter()
        .map(|c| (c.api_type.as_str(), c.api_version.as_str()))
        .collect();
    assert_eq!(kinds, vec![("anthropic", ""), ("gemini", "")]);

    // Export -> import into a fresh database -> export gives the same document.
    let text = serde_json::to_string(&exported).expect("json");
    let (_dir2, other) = open();
    other.import_config(&text).expect("re-import");
    assert_eq!(
        config::export(other.store(), true).expect("export"),
        exported
    );
    // The running proxy sees it: the snapshot was reloaded.
    assert_eq!(other.snapshot().entries.len(), 4);
}

#[test]
fn export_masks_keys_unless_secrets_are_asked_for() {
    let (_dir, state) = open();
    state.import_config(&sample().to_string()).expect("import");
    let text = serde_json::to_string(&config::export(state.store(), false).expect("export"))
        .expect("json");
    assert!(
        !text.contains("sk-test-abcdefghijklmnop") && !text.contains("sk-local-0123456789"),
        "{text}"
    );
    assert!(text.contains("sk-***mnop"), "{text}");
}

#[test]
fn an_empty_settings_object_and_minimal_channels_are_valid() {
    let (_dir, state) = open();
    let minimal = json!({"settings": {}, "channels": [{"name": "A", "api_type": "openai", "base_url": "http://localhost:1", "entries": [{"model": "m"}]}]});
    state.import_config(&minimal.to_string()).expect("import");
    let entries = state.store().entries().expect("entries");
    assert_eq!(
        (entries[0].group.as_str(), entries[0].enabled),
        ("auto", true)
    );
}

#[test]
fn a_bad_import_lists_every_problem_with_its_path_and_changes_nothing() {
    let (_dir, state) = open();
    state.import_config(&sample().to_string()).expect("import");
    let before = config::export(state.store(), true).expect("export");
    let bad = json!({
        "version": 7,
        "settings": {"cooldown_secs": 5},
        "channels": [
            {"name": "ok", "api_type": "openai", "base_url": "https://fine.example"},
            {"name": "", "api_type": "martian", "base_url": "not a url",
             "entries": [{"group": "auto"}, {"model": "m", "priority": "first", "enabled": "yes"}]},
            "nonsense"
        ]
    });
    let Err(ConfigError::Invalid { problems }) = state.import_config(&bad.to_string()) else {
        panic!("a bad import was accepted");
    };
    for expected in [
        "version: must be 1",
        "settings.cooldown_secs: must be between 300 and 1800",
        "channels[1].name: must not be empty",
        "channels[1].api_type: unknown api_type `martian`",
        "channels[1].base_url: not a URL",
        "channels[1].entries[0].model: is required",
        "channels[1].entries[1].priority: must be a whole number",
        "channels[1].entries[1].enabled: must be true or false",
        "channels[2]: must be an object",
    ] {
        assert!(
            problems.iter().any(|p| p.starts_with(expected)),
            "missing `{expected}` in {problems:#?}"
        );
    }
    assert_eq!(
        config::export(state.store(), true).expect("export"),
        before,
        "a rejected import changed something"
    );
    assert!(matches!(
        state.import_config("{oops"),
        Err(ConfigError::Json { .. })
    ));
}
