//! Issue 24, per-attempt timings: every attempt of a request's log row says when its response
//! headers arrived (time to first byte), when its first content arrived (the one that
//! answered) and its total, counted from its own start. An upstream that waits known times
//! before its headers and before its content makes the figures checkable: a failover, a
//! hedge (the cancelled leader and the hedge side by side), a stream and a single answer.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use bytes::Bytes;
use serde_json::{Value, json};

use super::common::{Proxy, log_rows};
use engine::logs::{AttemptRecord, ErrorKind};
use engine::routing::{GroupRouting, HedgeDelay, Hedging, OrderMode};

/// How an upstream paces its answer: the wait before its headers, then before its content
/// (`None`: never sends content, a stalled stream), and the status it answers.
#[derive(Clone, Copy)]
struct Pace {
    headers_ms: u64,
    content_ms: Option<u64>,
    status: u16,
}

/// Slack above a scripted wait: a shared CI machine schedules late, never early.
const SLACK_MS: i64 = 250;

async fn paced_upstream(pace: Pace) -> String {
    let app = axum::Router::new()
        .route("/v1/chat/completions", axum::routing::post(chat))
        .with_state(Arc::new(pace));
    format!("http://{}", super::common::serve_on_loopback(app).await)
}

async fn chat(State(pace): State<Arc<Pace>>, axum::Json(body): axum::Json<Value>) -> Response {
    tokio::time::sleep(Duration::from_millis(pace.headers_ms)).await;
    let status = StatusCode::from_u16(pace.status).expect("status");
    if !status.is_success() {
        let error = json!({"error": {"message": "scripted failure", "type": "server_error"}});
        return Response::builder()
            .status(status)
            .header("content-type", "application/json")
            .body(Body::from(error.to_string()))
            .expect("response");
    }
    let stream = body["stream"].as_bool() == Some(true);
    let content_ms = pace.content_ms;
    // The headers go out now; the body's first bytes only after the content wait.
    let content = futures::stream::once(async move {
        match content_ms {
            Some(ms) => tokio::time::sleep(Duration::from_millis(ms)).await,
            None => std::future::pending::<()>().await,
        }
        Ok::<_, Infallible>(Bytes::from(if stream {
            streamed_answer()
        } else {
            single_answer()
        }))
    });
    Response::builder()
        .header(
            "content-type",
            if stream {
                "text/event-stream"
            } else {
                "application/json"
            },
        )
        .body(Body::from_stream(content))
        .expect("response")
}

fn single_answer() -> String {
    json!({"id": "c1", "object": "chat.completion", "created": 1, "model": "m",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "hi"}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}})
    .to_string()
}

fn streamed_answer() -> String {
    let chunk = |delta: Value, finish: Option<&str>| {
        let chunk = json!({"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": "m",
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]});
        format!("data: {chunk}\n\n")
    };
    [
        chunk(json!({"role": "assistant", "content": "hi"}), None),
        chunk(json!({}), Some("stop")),
        "data: [DONE]\n\n".to_owned(),
    ]
    .concat()
}

/// `value` lies in `[at_least, at_least + SLACK_MS]`.
fn within(what: &str, value: Option<i64>, at_least: i64) -> i64 {
    let value = value.unwrap_or_else(|| panic!("{what}: no time recorded"));
    assert!(
        (at_least..=at_least + SLACK_MS).contains(&value),
        "{what}: {value} ms, expected {at_least}..{} ms",
        at_least + SLACK_MS
    );
    value
}

async fn ask(proxy: &Proxy, model: &str, stream: bool) -> Vec<AttemptRecord> {
    let response = proxy
        .http
        .post(format!("{}/v1/chat/completions", proxy.url))
        .json(&json!({"model": model, "stream": stream, "messages": [{"role": "user", "content": "hi"}]}))
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), 200);
    response.bytes().await.expect("body");
    proxy.state.flush();
    log_rows(proxy.state.store(), 1).remove(0).attempts
}

#[tokio::test]
async fn a_failover_records_each_attempts_time_to_headers_first_content_and_total() {
    let proxy = Proxy::start().await;
    let failing = paced_upstream(Pace {
        headers_ms: 80,
        content_ms: Some(0),
        status: 500,
    })
    .await;
    let slow = paced_upstream(Pace {
        headers_ms: 100,
        content_ms: Some(150),
        status: 200,
    })
    .await;
    let failing_channel = proxy.channel("FAILING", &failing);
    let slow_channel = proxy.channel("SLOW", &slow);
    // A group each: the first request cools the failing entry of its own.
    for (stream, group) in [(true, "streamed"), (false, "single")] {
        proxy.entry(failing_channel, &format!("a-{group}"), group);
        proxy.entry(slow_channel, &format!("b-{group}"), group);
        let attempts = ask(&proxy, group, stream).await;
        assert_eq!(attempts.len(), 2, "{attempts:?}");
        let (failed, answered) = (&attempts[0], &attempts[1]);
        assert_eq!(failed.error_kind, Some(ErrorKind::Status), "{failed:?}");
        within("failed attempt's headers", failed.ttfb_ms, 80);
        assert_eq!(failed.first_content_ms, None, "{failed:?}");
        within("failed attempt's total", Some(failed.elapsed_ms), 80);

        assert_eq!(answered.error_kind, None);
        within("answer's headers", answered.ttfb_ms, 100);
        let content = within("answer's first content", answered.first_content_ms, 250);
        assert!(answered.elapsed_ms >= content, "{answered:?}");
        assert!(
            answered.at_ms >= failed.at_ms + failed.elapsed_ms,
            "{attempts:?}"
        );
    }
}

#[tokio::test]
async fn a_hedge_and_its_cancelled_leader_are_timed_side_by_side() {
    let proxy = Proxy::start().await;
    // Headers at once, then never any content: the leader the hedge overtakes.
    let stalled = paced_upstream(Pace {
        headers_ms: 40,
        content_ms: None,
        status: 200,
    })
    .await;
    let quick = paced_upstream(Pace {
        headers_ms: 30,
        content_ms: Some(60),
        status: 200,
    })
    .await;
    let lead_channel = proxy.channel("LEAD", &stalled);
    let hedge_channel = proxy.channel("HEDGE", &quick);
    let lead = proxy.entry(lead_channel, "model-a", "h");
    let hedge = proxy.entry(hedge_channel, "model-b", "h");
    proxy
        .state
        .set_group_routing(&GroupRouting {
            group: "h".into(),
            affinity: true,
            order: OrderMode::Custom,
            hedging: Hedging {
                delay: HedgeDelay::Fixed { ms: 150 },
                max_per_minute: 10,
            },
        })
        .await
        .expect("hedging");

    let attempts = ask(&proxy, "h", true).await;
    assert_eq!(attempts.len(), 2, "{attempts:?}");
    let (leader, hedged) = (&attempts[0], &attempts[1]);
    assert_eq!(
        (leader.entry_id, leader.error_kind.clone()),
        (lead, Some(ErrorKind::HedgeCancelled))
    );
    assert_eq!((hedged.entry_id, hedged.error_kind.clone()), (hedge, None));
    // Side by side: the hedge started the delay after the leader, while it still ran.
    within(
        "hedge start after the leader's",
        Some(hedged.at_ms - leader.at_ms),
        150,
    );
    assert!(
        leader.at_ms + leader.elapsed_ms >= hedged.at_ms,
        "{attempts:?}"
    );
    within("leader's headers", leader.ttfb_ms, 40);
    assert_eq!(leader.first_content_ms, None, "{leader:?}");
    within("hedge's headers", hedged.ttfb_ms, 30);
    within("hedge's first content", hedged.first_content_ms, 90);
    within("hedge's total", Some(hedged.elapsed_ms), 90);
}
