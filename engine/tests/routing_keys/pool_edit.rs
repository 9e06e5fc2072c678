//! Editing a pool by key id, as the UI does (it only ever sees keys masked): kept keys keep
//! their state (a rejected key stays off with its reason, a cooling key keeps cooling), keys
//! left out are removed, pasted keys join at the end, and an id from another channel is
//! refused without changing anything; the proxy rotates across the edited pool at once. A key
//! the proxy has just switched off is listed off, with why, before the store has it.

use super::upstream::{KeyedUpstream, Reply};
use super::{key_state, keys, pooled};
use crate::common::Proxy;

#[tokio::test]
async fn editing_by_id_keeps_states_removes_the_rest_and_appends_pasted_keys() {
    let proxy = Proxy::start().await;
    let a = KeyedUpstream::start("A").await;
    let (bad, good, gone) = (
        "sk-test-edit-bad-111111",
        "sk-test-edit-good-22222",
        "sk-test-edit-gone-33333",
    );
    let channel = pooled(&proxy, &a, &[bad, good, gone]).await;
    proxy.entry(channel, "m", "auto");
    a.on_key(bad, Reply::status(401, "unauthorized"));
    proxy.answered_by("m").await;
    let before = proxy.state.channel_keys(channel);
    assert!(!before[0].enabled && before[0].disabled_reason.contains("401"));
    let (bad_id, good_id) = (before[0].id, before[1].id);

    // Keep good then bad (reordered), drop `gone`, paste two keys (one a duplicate of good).
    let pasted =
        "sk-test-edit-new-444444\n\n  sk-test-edit-good-22222  \nsk-test-edit-new2-55555\n";
    proxy
        .state
        .edit_channel_keys(channel, &[good_id, bad_id], pasted)
        .await
        .expect("edit");
    let after = proxy.state.channel_keys(channel);
    let masked: Vec<_> = after.iter().map(|k| k.masked.as_str()).collect();
    assert_eq!(
        masked,
        ["sk-***2222", "sk-***1111", "sk-***4444", "sk-***5555"]
    );
    assert_eq!(
        (after[0].id, after[1].id),
        (good_id, bad_id),
        "kept keys keep their ids"
    );
    let bad_now = key_state(&proxy, channel, bad);
    assert!(
        !bad_now.enabled && bad_now.disabled_reason.contains("401"),
        "a kept key keeps its state: {bad_now:?}"
    );
    assert!(after[2].enabled && after[3].enabled);

    // The proxy uses the edited pool at once: good, new, new2 rotate; bad and gone never.
    for _ in 0..6 {
        proxy.answered_by("m").await;
    }
    let used = a.keys();
    let recent = &used[used.len() - 6..];
    for key in [
        "sk-test-edit-good-22222",
        "sk-test-edit-new-444444",
        "sk-test-edit-new2-55555",
    ] {
        assert_eq!(recent.iter().filter(|k| *k == key).count(), 2, "{recent:?}");
    }
    assert!(!recent.contains(&gone.to_owned()) && !recent.contains(&bad.to_owned()));
}

#[tokio::test]
async fn a_key_id_of_another_channel_or_a_missing_channel_changes_nothing() {
    let proxy = Proxy::start().await;
    let a = KeyedUpstream::start("A").await;
    let b = KeyedUpstream::start("B").await;
    let first = pooled(
        &proxy,
        &a,
        &["sk-test-first-one-111111", "sk-test-first-two-222222"],
    )
    .await;
    let second = pooled(&proxy, &b, &["sk-test-second-one-33333"]).await;
    let foreign = proxy.state.channel_keys(second)[0].id;
    let own = proxy.state.channel_keys(first)[0].id;
    let refused = proxy
        .state
        .edit_channel_keys(first, &[own, foreign], "sk-test-added-never-4444")
        .await
        .expect_err("a key of another channel");
    assert!(refused.to_string().contains("key"), "{refused}");
    let pool: Vec<_> = proxy
        .state
        .channel_keys(first)
        .iter()
        .map(|k| k.masked.clone())
        .collect();
    assert_eq!(pool, ["sk-***1111", "sk-***2222"], "nothing changed");
    let missing = proxy
        .state
        .edit_channel_keys(9999, &[], "sk-test-added-never-4444")
        .await;
    assert!(missing.is_err());
    // Emptying a pool is allowed (a channel that needs no key).
    proxy
        .state
        .edit_channel_keys(second, &[], "")
        .await
        .expect("empty");
    assert!(proxy.state.channel_keys(second).is_empty());
    let stored = proxy.state.store().channels().expect("channels");
    let text = stored
        .iter()
        .find(|c| c.id == first)
        .expect("first")
        .key_text();
    assert_eq!(
        text.expose(),
        keys(&["sk-test-first-one-111111", "sk-test-first-two-222222"]).join("\n")
    );
}
