//! Issue 9, storage: the database and its companions are private to the user, a damaged
//! database is moved aside (never deleted), every configuration change is one transaction,
//! and a reload keeps the upstream connection pool.

mod common;

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use common::{Proxy, Upstream};
use engine::AppState;
use engine::store::{ChannelUpdate, NewChannel, Settings, Store};
use engine::upstream::ChannelKind;

fn new_channel(name: &str) -> NewChannel {
    NewChannel {
        name: name.into(),
        api_type: ChannelKind::Openai,
        base_url: "https://api.example.com".into(),
        api_key: format!("sk-secret-{name}").into(),
        enabled: true,
        api_version: String::new(),
    }
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

#[cfg(unix)]
#[tokio::test]
async fn database_files_are_private_to_the_user() {
    use std::os::unix::fs::PermissionsExt;
    let root = tempfile::tempdir().expect("temp dir");
    let data = root.path().join("new-data-folder");
    engine::store::files::create_data_dir(&data).expect("create the data folder");
    assert_eq!(mode(&data), 0o700, "a data folder API Switch creates");

    let db = data.join("api-switch.db");
    let state = AppState::open(db.clone()).expect("open");
    state
        .create_channel(&new_channel("A"))
        .await
        .expect("write");
    for file in ["api-switch.db", "api-switch.db-wal", "api-switch.db-shm"] {
        assert_eq!(mode(&data.join(file)), 0o600, "{file}");
    }
    drop(state);

    // A file an older version created with the umask's 0644 is made private on open.
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let _store = Store::open(db.clone()).expect("reopen");
    assert_eq!(
        mode(&db),
        0o600,
        "an existing readable database is tightened"
    );

    // An export with keys is written private, even over an existing readable file.
    let export = root.path().join("export.json");
    std::fs::write(&export, "old").expect("old file");
    std::fs::set_permissions(&export, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    engine::store::files::write_private(&export, b"{\"keys\":1}").expect("write");
    assert_eq!(mode(&export), 0o600);
    assert_eq!(std::fs::read(&export).expect("read"), b"{\"keys\":1}");
}

/// Every file in `dir` whose name starts with `api-switch.db.corrupt-`.
fn moved_aside_files(dir: &Path) -> Vec<std::path::PathBuf> {
    std::fs::read_dir(dir)
        .expect("read dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("api-switch.db.corrupt-"))
        })
        .collect()
}

#[test]
fn a_file_that_is_not_a_database_is_moved_aside_and_never_deleted() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("api-switch.db");
    let garbage: Vec<u8> = (0..50_000u32).map(|i| (i * 7919 % 251) as u8).collect();
    std::fs::write(&db, &garbage).expect("garbage");

    let store = Store::open(db.clone()).expect("a new database replaces the garbage");
    let moved = store.moved_aside().expect("the damage is reported").clone();
    assert_eq!(
        store.channel_count().expect("count"),
        0,
        "the new one is empty"
    );
    assert_eq!(
        std::fs::read(&moved.to).expect("the moved file is kept"),
        garbage,
        "the moved file is the original, byte for byte"
    );
    assert_eq!(moved_aside_files(dir.path()), vec![moved.to.clone()]);
    assert!(!moved.problem.is_empty());
    #[cfg(unix)]
    assert_eq!(mode(&moved.to), 0o600);
    drop(store);
    // The new database is healthy: opening it again moves nothing.
    let again = Store::open(db).expect("reopen");
    assert!(again.moved_aside().is_none());
}

#[test]
fn a_truncated_database_is_moved_aside_and_a_new_one_is_created() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("api-switch.db");
    {
        let store = Store::open(db.clone()).expect("open");
        for i in 0..400 {
            let name = format!("channel-{i:04}-{}", "x".repeat(400));
            let channel = store.create_channel(&new_channel(&name)).expect("channel");
            let models: Vec<String> = (0..5).map(|m| format!("model-{i}-{m}")).collect();
            store.add_entries(channel, &models).expect("entries");
        }
    }
    // Closing the last connection checkpointed the WAL into the file.
    let full = std::fs::read(&db).expect("read");
    assert!(
        full.len() > 100_000,
        "a database of many pages ({} bytes)",
        full.len()
    );
    let truncated = &full[..full.len() / 2];
    std::fs::write(&db, truncated).expect("truncate");

    let store = Store::open(db.clone()).expect("a new database replaces the damaged one");
    let moved = store.moved_aside().expect("the damage is reported").clone();
    assert_eq!(store.channel_count().expect("count"), 0);
    assert_eq!(std::fs::read(&moved.to).expect("kept"), truncated);
    #[cfg(unix)]
    assert_eq!(mode(&moved.to), 0o600);
}

/// Installs a trigger that makes SQLite refuse `statement`'s write with "injected failure".
fn inject_failure(db: &Path, name: &str, when: &str) {
    let conn = rusqlite::Connection::open(db).expect("second connection");
    conn.execute_batch(&format!(
        "CREATE TRIGGER {name} {when} BEGIN SELECT RAISE(ABORT, 'injected failure'); END;"
    ))
    .expect("trigger");
}

#[tokio::test]
async fn a_configuration_change_that_fails_midway_leaves_nothing_half_written() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("api-switch.db");
    let state = AppState::open(db.clone()).expect("open");
    let models = |names: &[&str]| names.iter().map(|n| n.to_string()).collect::<Vec<_>>();

    // Saving a channel: channel row, fetched list, then entries; the third entry fails.
    inject_failure(
        &db,
        "third_entry_fails",
        "BEFORE INSERT ON entries WHEN NEW.model = 'boom'",
    );
    let fetched = models(&["a", "b", "boom", "c"]);
    let failed = state
        .create_channel_with_models(&new_channel("half"), &fetched, &models(&["a", "b", "boom"]))
        .await;
    assert!(failed.is_err(), "the injected failure is reported");
    assert!(
        state.store().channels().expect("channels").is_empty(),
        "no channel"
    );
    assert!(
        state.store().entries().expect("entries").is_empty(),
        "no entry"
    );
    let conn = rusqlite::Connection::open(&db).expect("read");
    let lists: i64 = conn
        .query_row("SELECT COUNT(*) FROM channel_models", [], |r| r.get(0))
        .expect("count");
    assert_eq!(lists, 0, "no fetched model list");

    // The same save without the failing model lands whole.
    let id = state
        .create_channel_with_models(&new_channel("whole"), &fetched, &models(&["a", "b"]))
        .await
        .expect("save");
    assert_eq!(state.store().entries().expect("entries").len(), 2);

    // Adding picked models: one fails, none is added.
    let added = state.add_entries(id, &models(&["c", "boom"])).await;
    assert!(added.is_err());
    assert_eq!(state.store().entries().expect("entries").len(), 2);

    // Editing a channel: name, URL and key in one change; the key write fails.
    inject_failure(
        &db,
        "key_write_fails",
        "BEFORE UPDATE OF api_key ON channels",
    );
    let update = ChannelUpdate {
        name: Some("renamed".into()),
        base_url: Some("https://elsewhere.example.com".into()),
        api_key: Some("sk-new".into()),
        ..ChannelUpdate::default()
    };
    assert!(state.update_channel(id, &update).await.is_err());
    let channel = &state.store().channels().expect("channels")[0];
    assert_eq!(
        (
            channel.name.as_str(),
            channel.base_url.as_str(),
            channel.key_text().expose()
        ),
        ("whole", "https://api.example.com", "sk-secret-whole"),
        "no field of the failed edit landed"
    );

    // Settings: one row per field; a failure on a late field leaves the early ones.
    inject_failure(
        &db,
        "late_setting_fails",
        "BEFORE UPDATE ON settings WHEN NEW.key = 'total_timeout_ms'",
    );
    state.store().save_settings(&Settings::default()).ok();
    let before = state.store().settings().expect("settings");
    let changed = Settings {
        cooldown_secs: 900,
        require_access_key: true,
        total_timeout_ms: 1234,
        ..before.clone()
    };
    assert!(state.update_settings(&changed).await.is_err());
    assert_eq!(state.store().settings().expect("settings"), before);
}

/// A TCP relay in front of `target` that counts the connections it accepts.
async fn counting_relay(target: std::net::SocketAddr) -> (String, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let accepted = Arc::new(AtomicUsize::new(0));
    let counter = accepted.clone();
    tokio::spawn(async move {
        while let Ok((mut inbound, _)) = listener.accept().await {
            counter.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(async move {
                if let Ok(mut outbound) = tokio::net::TcpStream::connect(target).await {
                    let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                }
            });
        }
    });
    (url, accepted)
}

#[tokio::test]
async fn a_reload_keeps_the_upstream_connection_pool() {
    let proxy = Proxy::start().await;
    let upstream = Upstream::start("A").await;
    let (url, accepted) = counting_relay(upstream.addr).await;
    let channel = proxy.channel("A", &url);
    proxy.entry(channel, "gpt-4o", "auto");

    assert_eq!(proxy.answered_by("gpt-4o").await, "A:gpt-4o");
    assert_eq!(accepted.load(Ordering::SeqCst), 1);
    // Configuration changes reload the snapshot; the warm connection is reused.
    proxy
        .state
        .update_channel(
            channel,
            &ChannelUpdate {
                name: Some("A renamed".into()),
                ..ChannelUpdate::default()
            },
        )
        .await
        .expect("rename");
    proxy.entry(channel, "gpt-4o-mini", "auto");
    let mut settings = proxy.state.store().settings().expect("settings");
    settings.cooldown_secs = 900;
    proxy.apply_settings(&settings);
    for _ in 0..3 {
        assert_eq!(proxy.answered_by("gpt-4o").await, "A:gpt-4o");
    }
    assert_eq!(
        accepted.load(Ordering::SeqCst),
        1,
        "reloads kept the client and its pool"
    );
    // A setting the client is built from does rebuild it (and so opens a new connection).
    settings.connect_timeout_ms += 1;
    proxy.apply_settings(&settings);
    assert_eq!(proxy.answered_by("gpt-4o").await, "A:gpt-4o");
    assert_eq!(accepted.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_logged_channel_or_access_key_never_shows_its_key() {
    let dir = tempfile::tempdir().expect("temp dir");
    let state = AppState::open(dir.path().join("api-switch.db")).expect("open");
    let new = new_channel("debugged");
    state.create_channel(&new).await.expect("channel");
    state
        .create_access_key("laptop", "sk-client-debugged-0123")
        .await
        .expect("key");
    let snapshot = state.snapshot();
    let shown = format!(
        "{new:?} {:?} {:?} {:?}",
        snapshot.channels.values().collect::<Vec<_>>(),
        snapshot.access_keys,
        ChannelUpdate {
            api_key: Some("sk-secret-updated-key".into()),
            ..ChannelUpdate::default()
        }
    );
    for key in [
        "sk-secret-debugged",
        "sk-client-debugged-0123",
        "sk-secret-updated-key",
    ] {
        assert!(!shown.contains(key), "{key} shown in {shown}");
    }
    assert!(shown.contains("sk-***"), "{shown}");
}
