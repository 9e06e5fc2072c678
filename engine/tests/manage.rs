//! The entry, group and channel operations the UI calls: each changes the store, refreshes the
//! routing snapshot and notifies watchers.

use engine::AppState;
use engine::store::{ChannelUpdate, NewChannel, NewEntry, StoreError, TopOf};
use engine::upstream::ChannelKind;

fn open() -> (tempfile::TempDir, AppState) {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = AppState::open(dir.path().join("api-switch.db")).expect("open");
    (dir, state)
}

async fn channel(state: &AppState, name: &str) -> i64 {
    state
        .create_channel(&NewChannel {
            name: name.into(),
            api_type: ChannelKind::Custom,
            base_url: "https://h.example/api".into(),
            api_key: "sk-x".into(),
            enabled: true,
            api_version: String::new(),
        })
        .await
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

#[tokio::test]
async fn every_mutation_refreshes_the_snapshot_and_notifies_watchers() {
    let (_dir, state) = open();
    let watcher = state.subscribe();
    let c = channel(&state, "A").await;
    let a = state.create_entry(&NewEntry::new(c, "a")).await.expect("a");
    let b = state.create_entry(&NewEntry::new(c, "b")).await.expect("b");
    let hand = state
        .create_entry(&NewEntry::new(c, "added-by-hand"))
        .await
        .expect("by hand");
    assert_eq!(models(&state), ["a", "b", "added-by-hand"]);
    assert!(watcher.has_changed().expect("watch"), "the UI was not told");

    state.reorder_entries(&[hand, a, b]).await.expect("reorder");
    assert_eq!(models(&state), ["added-by-hand", "a", "b"]);
    state.move_entry_to_group(b, "coding").await.expect("move");
    state
        .move_entry_to_top(b, TopOf::joining_auto())
        .await
        .expect("top");
    let first = &state.snapshot().entries[0];
    assert_eq!((first.model.as_str(), first.group.as_str()), ("b", "auto"));
    state.rename_entry(a, "Model A").await.expect("rename");
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
    state.set_entry_enabled(a, false).await.expect("disable");
    assert!(
        !state
            .snapshot()
            .entries
            .iter()
            .find(|e| e.id == a)
            .expect("a")
            .enabled
    );
    state.set_entry_enabled(a, true).await.expect("enable");
    assert!(
        state
            .snapshot()
            .entries
            .iter()
            .find(|e| e.id == a)
            .expect("a")
            .enabled
    );
    state.delete_entry(hand).await.expect("delete");
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

#[tokio::test]
async fn channels_can_be_edited_disabled_and_deleted_with_their_entries() {
    let (_dir, state) = open();
    let c = channel(&state, "A").await;
    state
        .create_entry(&NewEntry::new(c, "m"))
        .await
        .expect("entry");
    let update = ChannelUpdate {
        name: Some("Renamed".into()),
        base_url: Some("http://other.example".into()),
        ..Default::default()
    };
    state.update_channel(c, &update).await.expect("update");
    let snapshot = state.snapshot();
    let stored = &snapshot.channels[&c];
    assert_eq!(
        (
            stored.name.as_str(),
            stored.base_url.as_str(),
            stored.key_text().expose()
        ),
        ("Renamed", "http://other.example", "sk-x")
    );
    state.set_channel_enabled(c, false).await.expect("disable");
    assert_eq!(state.snapshot().routable().count(), 0);
    state.delete_channel(c).await.expect("delete");
    assert!(
        state.snapshot().entries.is_empty(),
        "entries outlived their channel"
    );
}

#[tokio::test]
async fn bad_input_and_missing_ids_are_refused_with_what_to_do() {
    let (_dir, state) = open();
    let c = channel(&state, "A").await;
    assert!(matches!(
        state.create_entry(&NewEntry::new(c, "  ")).await,
        Err(StoreError::Invalid { field: "model", .. })
    ));
    assert!(matches!(
        state.create_entry(&NewEntry::new(999, "m")).await,
        Err(StoreError::NotFound {
            what: "channel",
            ..
        })
    ));
    assert!(matches!(
        state.delete_entry(42).await,
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
        .await
        .expect_err("bad url accepted");
    assert_eq!(error.to_string(), "base_url: not a URL");
    let mut settings = state.store().settings().expect("settings");
    settings.cooldown_secs = 10;
    assert!(
        state.update_settings(&settings).await.is_err(),
        "an out-of-range cooldown was saved"
    );
}

/// Issue 20: one move-to-top taking the group. `TopOf::Its` reorders within the group and
/// refuses an entry of another group (the tray); `TopOf::Joining` moves the entry into the
/// group first (the Channels screen). Either way the others keep their relative order.
#[tokio::test]
async fn r20_one_move_to_top_either_refuses_or_moves_an_entry_of_another_group() {
    let (_dir, state) = open();
    let c = channel(&state, "A").await;
    let a = state.create_entry(&NewEntry::new(c, "a")).await.expect("a");
    let b = state.create_entry(&NewEntry::new(c, "b")).await.expect("b");
    let coder = state
        .create_entry(&NewEntry::new(c, "coder"))
        .await
        .expect("c");
    state
        .move_entry_to_group(coder, "coding")
        .await
        .expect("group");
    let places = |state: &AppState| {
        let snapshot = state.snapshot();
        let mut entries: Vec<_> = snapshot.entries.iter().collect();
        entries.sort_by_key(|e| e.priority);
        entries
            .iter()
            .map(|e| (e.model.clone(), e.group.clone()))
            .collect::<Vec<_>>()
    };
    let pair = |model: &str, group: &str| (model.to_owned(), group.to_owned());

    state
        .move_entry_to_top(b, TopOf::auto())
        .await
        .expect("b is in auto");
    assert_eq!(
        places(&state),
        [
            pair("b", "auto"),
            pair("a", "auto"),
            pair("coder", "coding")
        ]
    );

    let refused = state.move_entry_to_top(coder, TopOf::auto()).await;
    assert!(
        matches!(refused, Err(StoreError::Invalid { field: "group", .. })),
        "{refused:?}"
    );
    assert_eq!(
        places(&state),
        [
            pair("b", "auto"),
            pair("a", "auto"),
            pair("coder", "coding")
        ],
        "a refused move changed the order"
    );

    state
        .move_entry_to_top(coder, TopOf::joining_auto())
        .await
        .expect("joins auto");
    assert_eq!(
        places(&state),
        [pair("coder", "auto"), pair("b", "auto"), pair("a", "auto")]
    );
    assert!(matches!(
        state
            .move_entry_to_top(a + 100, TopOf::joining_auto())
            .await,
        Err(StoreError::NotFound { what: "entry", .. })
    ));
}

/// Issue 20: the engine builds the screens' listing in the shared `types::listing` shape:
/// entries in priority order with the catalog's facts, the channel's keys only as a hint.
#[tokio::test]
async fn r20_the_channel_listing_is_built_by_the_engine_in_the_shared_type() {
    let (_dir, state) = open();
    let c = channel(&state, "A").await;
    let unknown = state
        .create_entry(&NewEntry::new(c, "private-model-x"))
        .await
        .expect("unknown");
    let known = state
        .create_entry(&NewEntry::new(c, "gpt-4o"))
        .await
        .expect("known");
    state
        .reorder_entries(&[known, unknown])
        .await
        .expect("order");
    let rows: Vec<types::listing::ChannelRow> = state.channel_listing().await.expect("listing");
    let [row] = rows.as_slice() else {
        panic!("one channel expected: {rows:?}")
    };
    assert_eq!((row.name.as_str(), row.has_key), ("A", true));
    assert!(!row.key_hint.contains("sk-x"), "the key left the engine");
    let models: Vec<_> = row.entries.iter().map(|e| e.model.as_str()).collect();
    assert_eq!(models, ["gpt-4o", "private-model-x"]);
    let catalog = row.entries[0]
        .catalog
        .as_ref()
        .expect("gpt-4o is in the catalog");
    assert_eq!(catalog.provider, "openai");
    assert!(row.entries[1].catalog.is_none());
    let groups: Vec<types::listing::GroupRow> = state.groups().await.expect("groups");
    assert_eq!(groups.len(), 1);
    assert_eq!((groups[0].name.as_str(), groups[0].entries), ("auto", 2));
}
