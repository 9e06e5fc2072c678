//! Issue 22, session affinity: a session's turns stay on one key of a pool and one entry of a
//! group; a failure moves it once and it sticks to where it moved; requests without a session
//! rotate as before; a group with affinity off rotates sessions too; the log row names the
//! session (a hash) and says why it moved.

use std::time::Duration;

use serde_json::{Value, json};
use types::routing::GroupRouting;

use crate::common::{Proxy, log_rows};
use crate::upstream::{KeyedUpstream, Reply};
use crate::{pooled, tag};

const POOL: [&str; 3] = [
    "sk-test-aff-one-1111111",
    "sk-test-aff-two-2222222",
    "sk-test-aff-three-333333",
];

/// The answer's content (`upstream:key tag:model`) for a Chat request with `extra` fields.
async fn chat_with(proxy: &Proxy, extra: Value) -> String {
    let mut body = json!({"model": "m", "messages": [{"role": "user", "content": "hi"}]});
    for (name, value) in extra.as_object().expect("object") {
        body[name] = value.clone();
    }
    let (status, answer) = proxy.post("/v1/chat/completions", body).await;
    assert_eq!(status, 200, "{answer}");
    answer["choices"][0]["message"]["content"]
        .as_str()
        .expect("content")
        .to_owned()
}

async fn in_session(proxy: &Proxy, session: &str) -> String {
    chat_with(proxy, json!({"prompt_cache_key": session})).await
}

#[tokio::test]
async fn a_session_stays_on_one_key_while_requests_without_one_rotate() {
    let proxy = Proxy::start().await;
    let a = KeyedUpstream::start("A").await;
    let channel = pooled(&proxy, &a, &POOL).await;
    proxy.entry(channel, "m", "auto");
    let mut session_answers = Vec::new();
    let mut other_answers = Vec::new();
    for _ in 0..6 {
        session_answers.push(in_session(&proxy, "conversation-1").await);
        other_answers.push(proxy.answered_by("m").await);
    }
    let first = session_answers[0].clone();
    assert!(
        session_answers.iter().all(|answer| *answer == first),
        "the session moved between keys: {session_answers:?}"
    );
    for key in POOL {
        assert!(
            other_answers.iter().any(|a| a.contains(&tag(key))),
            "requests without a session no longer rotate: {other_answers:?}"
        );
    }
    // A header names a session too, and the log row keeps only a hash of it.
    let mut by_header = Vec::new();
    for _ in 0..3 {
        let response = proxy
            .http
            .post(format!("{}/v1/chat/completions", proxy.url))
            .header("x-session-id", "header-session-42")
            .json(&json!({"model": "m", "messages": [{"role": "user", "content": "hi"}]}))
            .send()
            .await
            .expect("send");
        let body: Value = response.json().await.expect("json");
        by_header.push(body["choices"][0]["message"]["content"].clone());
    }
    assert!(
        by_header.iter().all(|a| *a == by_header[0]),
        "{by_header:?}"
    );
    proxy.state.flush();
    let rows = log_rows(proxy.state.store(), 20);
    let sessions: Vec<_> = rows.iter().map(|r| r.session.clone()).collect();
    assert_eq!(sessions[0].len(), 12, "{sessions:?}");
    assert!(rows.iter().all(|r| !r.session.contains("header-session")));
    assert_eq!(
        rows.iter().filter(|r| r.session.is_empty()).count(),
        6,
        "only the requests without a session have none: {sessions:?}"
    );
    assert!(rows.iter().all(|r| r.session_moved.is_empty()));
}

#[tokio::test]
async fn a_failing_key_moves_the_session_once_then_it_sticks_to_the_new_key() {
    let proxy = Proxy::start().await;
    let a = KeyedUpstream::start("A").await;
    let channel = pooled(&proxy, &a, &POOL).await;
    proxy.entry(channel, "m", "auto");
    let first = in_session(&proxy, "s").await;
    assert_eq!(first, format!("A:{}:m", tag(POOL[0])));
    a.on_key(
        POOL[0],
        Reply::Status {
            code: 429,
            message: "slow down".into(),
            retry_after: Some("1".into()),
        },
    );
    let moved = in_session(&proxy, "s").await;
    assert_eq!(moved, format!("A:{}:m", tag(POOL[1])));
    // The first key is back, but the session stays where it moved.
    a.on_key(POOL[0], Reply::Ok);
    engine::clock::advance(Duration::from_millis(1100));
    for _ in 0..4 {
        assert_eq!(in_session(&proxy, "s").await, moved);
    }
    proxy.state.flush();
    let rows = log_rows(proxy.state.store(), 6);
    let reasons: Vec<_> = rows
        .iter()
        .rev()
        .map(|r| r.session_moved.as_str())
        .collect();
    assert_eq!(
        reasons,
        ["", "key 1 of 3 failed; moved to key 2 of 3", "", "", "", ""]
    );
}

#[tokio::test]
async fn a_session_stays_on_its_entry_of_a_group_and_moves_once_when_it_fails() {
    let proxy = Proxy::start().await;
    let (a, b) = (
        KeyedUpstream::start("A").await,
        KeyedUpstream::start("B").await,
    );
    let on_a = pooled(&proxy, &a, &["sk-test-entry-a-000001"]).await;
    let on_b = pooled(&proxy, &b, &["sk-test-entry-b-000002"]).await;
    proxy.entry(on_a, "m", "auto");
    proxy.entry(on_b, "m", "auto");
    // A fails the session's first turn: B serves it, and A cools.
    a.on_key("sk-test-entry-a-000001", Reply::status(500, "down"));
    assert!(in_session(&proxy, "s").await.starts_with("B:"));
    // A has recovered: new requests go to A (first in priority), the session stays on B.
    a.on_key("sk-test-entry-a-000001", Reply::Ok);
    engine::clock::advance(Duration::from_secs(601));
    assert!(proxy.answered_by("m").await.starts_with("A:"));
    for _ in 0..3 {
        assert!(in_session(&proxy, "s").await.starts_with("B:"));
    }
    // B fails: the session moves to A once, and stays there after B is back.
    b.on_key("sk-test-entry-b-000002", Reply::status(500, "down"));
    assert!(in_session(&proxy, "s").await.starts_with("A:"));
    b.on_key("sk-test-entry-b-000002", Reply::Ok);
    engine::clock::advance(Duration::from_secs(601));
    for _ in 0..3 {
        assert!(in_session(&proxy, "s").await.starts_with("A:"));
    }
    proxy.state.flush();
    let rows = log_rows(proxy.state.store(), 4);
    assert_eq!(
        rows[3].session_moved,
        "B/m failed (status HTTP 500); moved to A/m"
    );
    assert!(rows[..3].iter().all(|r| r.session_moved.is_empty()));
}

#[tokio::test]
async fn a_group_with_affinity_off_rotates_sessions_like_any_request() {
    let proxy = Proxy::start().await;
    let a = KeyedUpstream::start("A").await;
    let channel = pooled(&proxy, &a, &POOL).await;
    proxy.entry(channel, "m", "coding");
    proxy
        .state
        .store()
        .set_group_routing(&GroupRouting {
            group: "coding".into(),
            affinity: false,
            ..GroupRouting::default()
        })
        .expect("routing");
    proxy.state.reload().expect("reload");
    let mut answers = Vec::new();
    for _ in 0..3 {
        let body = json!({"model": "coding", "prompt_cache_key": "s",
            "messages": [{"role": "user", "content": "hi"}]});
        let (status, answer) = proxy.post("/v1/chat/completions", body).await;
        assert_eq!(status, 200, "{answer}");
        answers.push(answer["choices"][0]["message"]["content"].clone());
    }
    assert_ne!(answers[0], answers[1], "{answers:?}");
    assert_ne!(answers[1], answers[2], "{answers:?}");
    assert!(proxy.state.runtime().affinity().is_empty());
}

/// A Responses client that sends only `previous_response_id` (its id changes every turn)
/// stays on one key: each turn continues the session of the answer it names. Without it the
/// same requests rotate.
#[tokio::test]
async fn a_chain_of_previous_response_ids_is_one_session() {
    let proxy = Proxy::start().await;
    let a = KeyedUpstream::start("A").await;
    // A relay (Chat Completions): the Responses client is converted, the answer's id made.
    let channel = proxy.channel_of(
        "A",
        engine::upstream::ChannelKind::Custom,
        &format!("{}/v1", a.base_url()),
        "",
    );
    proxy
        .state
        .set_channel_keys(channel, &crate::keys(&POOL))
        .await
        .expect("keys");
    proxy.entry(channel, "m", "auto");
    let turn = |previous: Option<String>| {
        // Stored (the default), so a converted channel can continue the conversation.
        let mut body = json!({"model": "m", "input": "hi"});
        if let Some(previous) = previous {
            body["previous_response_id"] = json!(previous);
        }
        body
    };
    let (status, first) = proxy.post("/v1/responses", turn(None)).await;
    assert_eq!(status, 200, "{first}");
    let mut previous = first["id"].as_str().expect("id").to_owned();
    let mut served = Vec::new();
    let mut unrelated = Vec::new();
    for _ in 0..6 {
        let (status, answer) = proxy
            .post("/v1/responses", turn(Some(previous.clone())))
            .await;
        assert_eq!(status, 200, "{answer}");
        served.push(answer["output"][0]["content"][0]["text"].to_string());
        previous = answer["id"].as_str().expect("id").to_owned();
        let (_, other) = proxy.post("/v1/responses", turn(None)).await;
        unrelated.push(other["output"][0]["content"][0]["text"].to_string());
    }
    assert!(
        served.iter().all(|s| *s == served[0]),
        "the chain moved between keys: {served:?}"
    );
    for key in POOL {
        assert!(
            unrelated.iter().any(|a| a.contains(&tag(key))),
            "turns without a session no longer rotate: {unrelated:?}"
        );
    }
}
