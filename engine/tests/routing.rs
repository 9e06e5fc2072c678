//! Each routing rule of PRODUCT.md, through a real proxy and real upstreams.

mod common;

use common::{Proxy, Upstream};

#[tokio::test]
async fn auto_or_empty_model_goes_to_the_auto_group_in_priority_order() {
    let proxy = Proxy::start().await;
    let a = Upstream::start("A").await;
    let ca = proxy.channel("A", &a.base_url());
    proxy.entry(ca, "coder", "coding");
    proxy.entry(ca, "first", "auto");
    proxy.entry(ca, "second", "auto");
    assert_eq!(proxy.answered_by("auto").await, "A:first");
    assert_eq!(proxy.answered_by("").await, "A:first");
    assert_eq!(proxy.answered_by("AUTO").await, "A:first");
}

#[tokio::test]
async fn a_group_name_matches_case_insensitively() {
    let proxy = Proxy::start().await;
    let a = Upstream::start("A").await;
    let ca = proxy.channel("A", &a.base_url());
    proxy.entry(ca, "general", "auto");
    proxy.entry(ca, "coder", "Coding");
    assert_eq!(proxy.answered_by("coding").await, "A:coder");
}

#[tokio::test]
async fn exact_matches_on_every_channel_come_before_fuzzy_ones() {
    let proxy = Proxy::start().await;
    let (a, b) = (Upstream::start("A").await, Upstream::start("B").await);
    let (ca, cb) = (
        proxy.channel("A", &a.base_url()),
        proxy.channel("B", &b.base_url()),
    );
    proxy.entry(ca, "gpt-4o-mini", "auto");
    let exact_b = proxy.entry(cb, "GPT-4o", "auto");
    proxy.entry(ca, "gpt-4o", "auto");
    // Exact (case-insensitive) wins over the earlier fuzzy `gpt-4o-mini`; B is first by priority.
    assert_eq!(proxy.answered_by("gpt-4o").await, "B:GPT-4o");
    // With B's exact match gone, A's exact one serves.
    proxy
        .state
        .set_entry_enabled(exact_b, false)
        .await
        .expect("disable");
    assert_eq!(proxy.answered_by("gpt-4o").await, "A:gpt-4o");
}

#[tokio::test]
async fn a_fuzzy_match_is_used_when_no_name_is_exact() {
    let proxy = Proxy::start().await;
    let a = Upstream::start("A").await;
    let ca = proxy.channel("A", &a.base_url());
    proxy.entry(ca, "general", "auto");
    proxy.entry(ca, "claude-sonnet-4-5", "other");
    assert_eq!(proxy.answered_by("sonnet").await, "A:claude-sonnet-4-5");
}

#[tokio::test]
async fn an_unknown_model_falls_back_to_the_auto_group() {
    let proxy = Proxy::start().await;
    let a = Upstream::start("A").await;
    let ca = proxy.channel("A", &a.base_url());
    proxy.entry(ca, "general", "auto");
    assert_eq!(proxy.answered_by("no-such-model").await, "A:general");
}

#[tokio::test]
async fn disabled_entries_and_disabled_channels_are_not_candidates() {
    let proxy = Proxy::start().await;
    let (a, b) = (Upstream::start("A").await, Upstream::start("B").await);
    let (ca, cb) = (
        proxy.channel("A", &a.base_url()),
        proxy.channel("B", &b.base_url()),
    );
    let off = proxy.entry(ca, "m1", "auto");
    proxy.entry(cb, "m2", "auto");
    proxy.entry(ca, "m3", "auto");
    proxy
        .state
        .set_entry_enabled(off, false)
        .await
        .expect("disable entry");
    assert_eq!(proxy.answered_by("auto").await, "B:m2");
    proxy
        .state
        .set_channel_enabled(cb, false)
        .await
        .expect("disable channel");
    assert_eq!(proxy.answered_by("auto").await, "A:m3");
    assert!(
        a.hits().iter().all(|m| m != "m1"),
        "a disabled entry was tried"
    );
}

#[tokio::test]
async fn nothing_routable_is_a_404_naming_the_model() {
    let proxy = Proxy::start().await;
    let (status, body) = proxy.chat("gpt-9").await;
    assert_eq!(status, 404);
    assert_eq!(body["error"]["code"], "model_not_found");
    assert!(
        body["error"]["message"]
            .as_str()
            .expect("message")
            .contains("gpt-9")
    );
}

#[tokio::test]
async fn reordering_and_move_to_top_change_routing_live() {
    let proxy = Proxy::start().await;
    let a = Upstream::start("A").await;
    let ca = proxy.channel("A", &a.base_url());
    let first = proxy.entry(ca, "first", "auto");
    let second = proxy.entry(ca, "second", "auto");
    let third = proxy.entry(ca, "third", "coding");
    assert_eq!(proxy.answered_by("auto").await, "A:first");
    proxy
        .state
        .reorder_entries(&[second, first])
        .await
        .expect("reorder");
    assert_eq!(proxy.answered_by("auto").await, "A:second");
    proxy
        .state
        .move_entry_to_top(third, engine::store::TopOf::joining_auto())
        .await
        .expect("top");
    assert_eq!(proxy.answered_by("auto").await, "A:third");
    let groups = proxy.state.store().groups().expect("groups");
    assert_eq!(
        groups
            .iter()
            .map(|g| (g.name.as_str(), g.entries))
            .collect::<Vec<_>>(),
        vec![("auto", 3)]
    );
}
