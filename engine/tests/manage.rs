//! The entry, group and channel operations the UI calls: each changes the store, refreshes the
//! routing snapshot and notifies watchers.

use engine::AppState;
use engine::store::{ChannelUpdate, NewChannel, NewEntry, StoreError};
use engine::upstream::ChannelKind;

fn open() -> (tempfile::TempDir, AppState) {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = AppState::open(dir.path().join("api-switch.db")).expect("open");
    (dir, state)
}

fn channel(state: &AppState, name: &str) -> i64 {
    state
        .create_channel(&NewChannel {
            name: name.into(),
            api_type: ChannelKind::Custom,
            base_url: "https://h.example/api".into(),
            api_key: "sk-x".into(),
            enabled: true,
            api_version: String::new(),
        })
        .expect("channel")
}

fn models(state: &AppState) -> Vec<String> {
    state
        .snapshot()
        .entries
        .iter()
        .map(|e| e.model.clone())
        .collect()
}

#[test]
fn every_mutation_refreshes_the_snapshot_and_notifies_watchers() {
    let (_dir, state) = open();
    let watcher = state.subscribe();
    let c = channel(&state, "A");
    let a = state.create_entry(&NewEntry::new(c, "a")).expect("a");
    let b = state.create_entry(&NewEntry::new(c, "b")).expect("b");
    let hand = state
        .create_entry(&NewEntry::new(c, "added-by-hand"))
        .expect("by hand");
    assert_eq!(models(&state), ["a", "b", "added-by-hand"]);
    assert!(watcher.has_changed().expect("watch"), "the UI was not told");

    state.reorder_entries(&[hand, a, b]).expect("reorder");
    assert_eq!(models(&state), ["added-by-hand", "a", "b"]);
    state.move_entry_to_group(b, "coding").expect("move");
    state.move_entry_to_top_of_auto(b).expect("top");
    let first = &state.snapshot().entries[0];
    assert_eq!((first.model.as_str(), first.group.as_str()), ("b", "auto"));
    state.rename_entry(a, "Model A").expect("rename");
    assert_eq!(
        state
            .snapshot()
            .entries
            .iter()
            .find(|e| e.id == a)
            .expect("a")
            .display_name,
        "Model A"
    );
    state.set_entry_enabled(a, false).expect("disable");
    assert!(
        !state
            .snapshot()
            .entries
            .iter()
            .find(|e| e.id == a)
            .expect("a")
            .enabled
    );
    state.set_entry_enabled(a, true).expect("enable");
    assert!(
        state
            .snapshot()
            .entries
            .iter()
            .find(|e| e.id == a)
            .expect("a")
            .enabled
    );
    state.delete_entry(hand).expect("delete");
    assert_eq!(models(&state), ["b", "a"]);
    let groups = state.store().groups().expect("groups");
    assert_eq!(
        groups
            .iter()
            .map(|g| (g.name.as_str(), g.entries))
            .collect::<Vec<_>>(),
        [("auto", 2)]
    );
}

#[test]
fn channels_can_be_edited_disabled_and_deleted_with_their_entries() {
    let (_dir, state) = open();
    let c = channel(&state, "A");
    state.create_entry(&NewEntry::new(c, "m")).expect("entry");
    let update = ChannelUpdate {
        name: Some("Renamed".into()),
        base_url: Some("http://other.example".into()),
        ..Default::default()
    };
    state.update_channel(c, &update).expect("update");
    let snapshot = state.snapshot();
    let stored = &snapshot.channels[&c];
    assert_eq!(
        (
            stored.name.as_str(),
            stored.base_url.as_str(),
            stored.api_key.expose()
        ),
        ("Renamed", "http://other.example", "sk-x")
    );
    state.set_channel_enabled(c, false).expect("disable");
    assert_eq!(state.snapshot().routable().count(), 0);
    state.delete_channel(c).expect("delete");
    assert!(
        state.snapshot().entries.is_empty(),
        "entries outlived their channel"
    );
}

#[test]
fn bad_input_and_missing_ids_are_refused_with_what_to_do() {
    let (_dir, state) = open();
    let c = channel(&state, "A");
    assert!(matches!(
        state.create_entry(&NewEntry::new(c, "  ")),
        Err(StoreError::Invalid { field: "model", .. })
    ));
    assert!(matches!(
        state.create_entry(&NewEntry::new(999, "m")),
        Err(StoreError::NotFound {
            what: "channel",
            ..
        })
    ));
    assert!(matches!(
        state.delete_entry(42),
        Err(StoreError::NotFound {
            what: "entry",
            id: 42
        })
    ));
    let bad_url = ChannelUpdate {
        base_url: Some("nope".into()),
        ..Default::default()
    };
    let error = state
        .update_channel(c, &bad_url)
        .expect_err("bad url accepted");
    assert_eq!(error.to_string(), "base_url: not a URL");
    let mut settings = state.store().settings().expect("settings");
    settings.cooldown_secs = 10;
    assert!(
        state.update_settings(&settings).is_err(),
        "an out-of-range cooldown was saved"
    );
}
