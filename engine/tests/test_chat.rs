//! Issue 11, Test chat: a prompt goes through the proxy's own path in process and comes back
//! as events: the entry that answered with the failed attempts before it, the text as it
//! streams, the time taken; a route nothing serves, an answer that breaks and an empty prompt
//! each end in their own failure; a stopped chat cancels its upstream request.

mod common;

use common::{Proxy, Upstream};
use engine::test_chat::{self, ChatAsk, ChatEvent, ChatFailure};
use futures::StreamExt;

async fn chat(proxy: &Proxy, route: &str, prompt: &str) -> Vec<ChatEvent> {
    let ask = ChatAsk {
        route: route.into(),
        prompt: prompt.into(),
    };
    test_chat::start(&proxy.state, ask).collect().await
}

fn text_of(events: &[ChatEvent]) -> String {
    events
        .iter()
        .filter_map(|e| match e {
            ChatEvent::Text { text } => Some(text.as_str()),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn a_group_route_streams_the_answer_and_names_the_entry_after_the_failed_one() {
    let flaky = Upstream::start("flaky").await;
    let good = Upstream::start("good").await;
    let proxy = Proxy::start().await;
    let a = proxy.channel("flaky", &flaky.base_url());
    let b = proxy.channel("good", &good.base_url());
    proxy.entry(a, "status-500", "coding");
    proxy.entry(b, "gpt-4o", "coding");

    let events = chat(&proxy, "coding", "Say hello").await;
    let ChatEvent::Answering { answered, failed } = &events[0] else {
        panic!("first event: {events:?}");
    };
    assert_eq!(
        (answered.channel.as_str(), answered.model.as_str()),
        ("good", "gpt-4o")
    );
    assert_eq!(answered.status, Some(200));
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert_eq!(failed[0].channel, "flaky");
    assert_eq!(failed[0].status, Some(500));
    assert_eq!(failed[0].error_kind, Some(engine::logs::ErrorKind::Status));
    assert_eq!(text_of(&events), "good:gpt-4o more");
    let ChatEvent::Finished {
        total_ms,
        first_text_ms,
    } = events.last().expect("last")
    else {
        panic!("last event: {events:?}");
    };
    assert!(first_text_ms.is_some_and(|first| first <= *total_ms));
    assert!(flaky.hits().len() == 1 && good.hits().len() == 1);

    // The same request is in the log like any client's, with both attempts.
    proxy.state.flush();
    let page = proxy
        .state
        .log_page(&engine::logs::LogQuery::default())
        .await
        .expect("log");
    assert_eq!(page.rows[0].requested_model, "coding");
    assert_eq!(page.rows[0].attempts.len(), 2);

    // The routes offered: auto, the group, then the models.
    let routes = test_chat::routes(&proxy.state);
    assert_eq!(routes, ["auto", "coding", "status-500", "gpt-4o"]);
}

#[tokio::test]
async fn every_failure_ends_the_chat_with_its_reason_and_attempts() {
    let up = Upstream::start("up").await;
    let proxy = Proxy::start().await;
    let events = chat(&proxy, "auto", "hi").await;
    assert!(
        matches!(&events[..], [ChatEvent::Failed { reason: ChatFailure::NoRoute { route }, .. }] if route == "auto"),
        "{events:?}"
    );

    let channel = proxy.channel("up", &up.base_url());
    proxy.entry(channel, "status-500", "auto");
    let events = chat(&proxy, "", "hi").await;
    let [ChatEvent::Failed { reason, failed, .. }] = &events[..] else {
        panic!("{events:?}");
    };
    assert_eq!(reason, &ChatFailure::AllFailed);
    assert_eq!(failed[0].channel, "up");
    assert_eq!(failed[0].status, Some(500));

    proxy.entry(channel, "break-after-content", "breaking");
    let events = chat(&proxy, "breaking", "hi").await;
    assert!(
        matches!(events[0], ChatEvent::Answering { .. }),
        "{events:?}"
    );
    assert_eq!(text_of(&events), "up:break-after-content");
    assert!(
        matches!(
            events.last(),
            Some(ChatEvent::Failed {
                reason: ChatFailure::Broken { .. },
                ..
            })
        ),
        "{events:?}"
    );

    let events = chat(&proxy, "auto", "   ").await;
    assert!(
        matches!(
            &events[..],
            [ChatEvent::Failed {
                reason: ChatFailure::EmptyPrompt,
                ..
            }]
        ),
        "{events:?}"
    );
}

#[tokio::test]
async fn stopping_a_chat_that_waits_for_content_cancels_the_upstream_request_at_once() {
    let up = Upstream::start("up").await;
    // Long waits, so only the stop can end the upstream request within the test's deadline.
    let proxy = Proxy::with_settings(engine::store::Settings {
        first_byte_timeout_ms: 60_000,
        stream_idle_timeout_ms: 60_000,
        total_timeout_ms: 120_000,
        ..common::test_settings()
    })
    .await;
    let channel = proxy.channel("up", &up.base_url());
    proxy.entry(channel, "hang-before-content", "stalling");
    let ask = ChatAsk {
        route: "stalling".into(),
        prompt: "hi".into(),
    };
    let events = test_chat::start(&proxy.state, ask);
    // The upstream has answered its headers and role chunk and sends nothing more.
    while up.hits().is_empty() {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert!(!up.saw_disconnect(), "the upstream request is open");
    // The Stop button drops the page's side of the stream.
    drop(events);
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(3);
    while !up.saw_disconnect() && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(
        up.saw_disconnect(),
        "the upstream request is still open after the chat was stopped"
    );
}
