//! Issue 24: captured exchanges in headless Chromium (`end2end/capture.mjs`) against the
//! release binary. The Logs screen's control starts capture; a streamed Anthropic Messages
//! request with a tool goes through the proxy to this test's OpenAI Chat upstream, which
//! streams a tool call; its row opens the Exchange view (the four bodies, the timeline, the
//! differences, curl with the key masked, the JSON download); search in captured bodies finds
//! it. Both languages and themes pass axe; the screenshots are looked at. The stored exchange
//! holds no provider key.

use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::response::Response;
use engine::store::{NewChannel, NewEntry, Store};
use engine::upstream::ChannelKind;
use futures::StreamExt;
use serde_json::json;

use super::support;

const PROVIDER_KEY: &str = "sk-capture-provider-secret-0042";

/// An OpenAI Chat upstream streaming a tool call, its events 30 ms apart.
async fn tool_call_upstream() -> String {
    async fn chat() -> Response {
        let chunk = |delta: serde_json::Value, finish: serde_json::Value| {
            format!(
                "data: {}\n\n",
                json!({"id": "c1", "object": "chat.completion.chunk", "model": "gpt-tools",
                       "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]})
            )
        };
        let events = vec![
            chunk(json!({"role": "assistant", "content": ""}), json!(null)),
            chunk(
                json!({"tool_calls": [{"index": 0, "id": "call_1", "type": "function",
                        "function": {"name": "get_weather", "arguments": ""}}]}),
                json!(null),
            ),
            chunk(
                json!({"tool_calls": [{"index": 0, "function": {"arguments": "{\"city\":\"Zanzibar\"}"}}]}),
                json!(null),
            ),
            chunk(json!({}), json!("tool_calls")),
            "data: [DONE]\n\n".to_owned(),
        ];
        let stream = futures::stream::iter(events).then(|event| async move {
            tokio::time::sleep(Duration::from_millis(30)).await;
            Ok::<_, std::io::Error>(Bytes::from(event))
        });
        Response::builder()
            .header("content-type", "text/event-stream")
            .body(Body::from_stream(stream))
            .expect("response")
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let app = axum::Router::new().route("/v1/chat/completions", axum::routing::post(chat));
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}/v1")
}

#[tokio::test(flavor = "multi_thread")]
async fn the_exchange_view_shows_a_captured_converted_tool_call() {
    let data = tempfile::tempdir().expect("temp dir");
    let store = Store::open(data.path().join("api-switch.db")).expect("store");
    let channel = store
        .create_channel(&NewChannel {
            name: "chat-relay".into(),
            api_type: ChannelKind::Custom,
            base_url: tool_call_upstream().await,
            api_key: PROVIDER_KEY.into(),
            enabled: true,
            api_version: String::new(),
        })
        .expect("channel");
    let mut entry = NewEntry::new(channel, "gpt-tools");
    entry.group = "tools".into();
    store.create_entry(&entry).expect("entry");
    drop(store);

    let stdout =
        support::run_browser_check(data.path(), "capture.mjs", &[PROVIDER_KEY.to_owned()]).await;
    assert!(stdout.contains("capture ok"), "{stdout}");

    let store = Store::open(data.path().join("api-switch.db")).expect("store");
    let rule = store.capture_rule().expect("rule");
    assert!(!rule.enabled, "stopped at the end: {rule:?}");
    let row = engine::logs::LogQuery::default();
    let page = store.log_page(&row).expect("log");
    assert_eq!(page.total, 1);
    let exchange = store
        .exchange(page.rows[0].id)
        .expect("read")
        .expect("captured");
    let stored = serde_json::to_string(&exchange).expect("json");
    assert!(
        !stored.contains(PROVIDER_KEY),
        "the provider key was stored"
    );
    assert!(exchange.attempts[0].response_stream.events.len() >= 5);
}
