//! Import and export with key pools and outbound proxies: a round trip keeps the pool, each
//! key's state and the proxy; without `include_secrets` keys and the proxy password are
//! masked; a database from before pools opens with its key as the first of the pool.

use engine::AppState;
use engine::config;
use serde_json::json;

fn open() -> (tempfile::TempDir, AppState) {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = AppState::open(dir.path().join("api-switch.db")).expect("open");
    (dir, state)
}

fn document() -> serde_json::Value {
    json!({
        "version": 1,
        "channels": [
            {"name": "pool", "api_type": "openai", "base_url": "https://api.example.com",
             "keys": ["sk-test-pool-first-0001", {"key": "sk-test-pool-second-002", "enabled": false, "disabled_reason": "upstream answered HTTP 401"},
                      {"key": "sk-test-pool-third-0003"}],
             "proxy": {"url": "socks5://127.0.0.1:1080", "username": "me", "password": "proxy-secret-pw"},
             "entries": [{"model": "m"}]},
            {"name": "old-style", "api_type": "openai", "base_url": "https://b.example.com",
             "api_key": "sk-test-comma-one-00001, sk-test-comma-two-00002", "entries": [{"model": "m"}]},
            {"name": "plain", "api_type": "anthropic", "base_url": "https://c.example.com",
             "api_key": "sk-test-plain-key-00003"}
        ]
    })
}

#[test]
fn a_round_trip_keeps_pools_key_states_and_proxies() {
    let (_dir, state) = open();
    state
        .import_config(&document().to_string())
        .expect("import");
    let exported = config::export(state.store(), true).expect("export");
    let pool = &exported.channels[0];
    let keys: Vec<_> = pool
        .keys
        .iter()
        .map(|k| (k.key.as_str(), k.enabled, k.disabled_reason.as_str()))
        .collect();
    assert_eq!(
        keys,
        vec![
            ("sk-test-pool-first-0001", true, ""),
            (
                "sk-test-pool-second-002",
                false,
                "upstream answered HTTP 401"
            ),
            ("sk-test-pool-third-0003", true, "")
        ]
    );
    let proxy = pool.proxy.as_ref().expect("proxy");
    assert_eq!(
        (
            proxy.url.as_str(),
            proxy.username.as_str(),
            proxy.password.expose()
        ),
        ("socks5://127.0.0.1:1080", "me", "proxy-secret-pw")
    );
    assert_eq!(
        exported.channels[1].keys.len(),
        2,
        "an api_key with several keys is a pool"
    );
    assert_eq!(
        exported.channels[2].api_key, "sk-test-plain-key-00003",
        "one key stays a plain api_key"
    );
    assert!(exported.channels[2].keys.is_empty() && exported.channels[2].proxy.is_none());

    let text = serde_json::to_string(&exported).expect("json");
    let (_dir2, other) = open();
    other.import_config(&text).expect("re-import");
    assert_eq!(
        config::export(other.store(), true).expect("export"),
        exported
    );
    // The running proxy has the pool at once: a switched-off key is off in the snapshot too.
    let snapshot = other.snapshot();
    let channel = snapshot
        .channels
        .values()
        .find(|c| c.name == "pool")
        .expect("channel");
    assert_eq!(channel.keys.iter().filter(|k| k.enabled).count(), 2);
    assert!(channel.proxy.is_some());
}

#[test]
fn without_secrets_every_key_and_the_proxy_password_are_masked() {
    let (_dir, state) = open();
    state
        .import_config(&document().to_string())
        .expect("import");
    let text = serde_json::to_string(&config::export(state.store(), false).expect("export"))
        .expect("json");
    for secret in [
        "sk-test-pool-first-0001",
        "sk-test-pool-second-002",
        "sk-test-comma-two-00002",
        "sk-test-plain-key-00003",
        "proxy-secret-pw",
    ] {
        assert!(!text.contains(secret), "{secret} exported: {text}");
    }
    assert!(
        text.contains("sk-***0001") && text.contains("127.0.0.1:1080"),
        "{text}"
    );
}

#[test]
fn a_bad_proxy_is_refused_with_its_path() {
    let (_dir, state) = open();
    let bad = json!({"channels": [{"name": "p", "api_type": "openai", "base_url": "https://a.example",
        "proxy": {"url": "ftp://proxy.example:21"}}]});
    let Err(config::ConfigError::Invalid { problems }) = state.import_config(&bad.to_string())
    else {
        panic!("a bad proxy was accepted");
    };
    assert!(
        problems
            .iter()
            .any(|p| p.starts_with("channels[0].proxy.url: `ftp`")),
        "{problems:?}"
    );
}

#[test]
fn a_database_from_before_pools_keeps_its_key_as_the_first_of_the_pool() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("api-switch.db");
    {
        let conn = rusqlite::Connection::open(&path).expect("open");
        for sql in [
            include_str!("../../src/store/sql/001_initial.sql"),
            include_str!("../../src/store/sql/002_routing.sql"),
            include_str!("../../src/store/sql/003_channel_models.sql"),
            include_str!("../../src/store/sql/004_channel_options.sql"),
            include_str!("../../src/store/sql/005_speedtest.sql"),
            include_str!("../../src/store/sql/006_ui.sql"),
            include_str!("../../src/store/sql/007_auth.sql"),
        ] {
            conn.execute_batch(sql).expect("old schema");
        }
        conn.pragma_update(None, "user_version", 7)
            .expect("version");
        conn.execute(
            "INSERT INTO channels (name, api_type, base_url, api_key) VALUES ('old', 'openai', 'https://a.example', 'sk-test-from-before-pools')",
            [],
        )
        .expect("channel");
    }
    let state = AppState::open(path).expect("migrate");
    let channels = state.store().channels().expect("channels");
    let keys: Vec<_> = channels[0]
        .keys
        .iter()
        .map(|k| (k.key.expose(), k.enabled))
        .collect();
    assert_eq!(keys, vec![("sk-test-from-before-pools", true)]);
    assert_eq!(channels[0].key_text().expose(), "sk-test-from-before-pools");
    assert!(channels[0].proxy.is_none());
}

/// Issue 19, finding 13: the mask showed 7 characters of a short secret (a proxy password
/// `PROXYPASSWORDsecret` was exported as `PRO***cret`); a short secret now shows none.
#[test]
fn issue_19_finding_13_a_short_secret_is_exported_with_no_characters_shown() {
    let (_dir, state) = open();
    let mut document = document();
    document["channels"][0]["proxy"]["password"] = json!("PROXYPASSWORDsecret");
    document["channels"][2]["api_key"] = json!("sk-short-key-01");
    state.import_config(&document.to_string()).expect("import");
    let exported = config::export(state.store(), false).expect("export");
    let text = serde_json::to_string(&exported).expect("json");
    for shown in [
        "PRO***cret",
        "PROXYPASSWORDsecret",
        "sk-***y-01",
        "sk-short-key-01",
    ] {
        assert!(!text.contains(shown), "{shown} in {text}");
    }
    let proxy = exported.channels[0].proxy.as_ref().expect("proxy");
    assert_eq!(proxy.password.expose(), "***");
    assert!(
        text.contains("sk-***0001"),
        "a long key keeps its ends: {text}"
    );
}
