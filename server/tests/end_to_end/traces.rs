//! Issue 24, OpenTelemetry traces on the real binary: switched on by the standard
//! `OTEL_EXPORTER_OTLP_ENDPOINT` alone, a request that fails over from a dead channel to a live
//! one reaches a local OTLP/HTTP receiver as one server span with two attempt spans under it,
//! carrying the route, the models, the app, the tokens, each attempt's outcome and timings,
//! and no key, in the trace the client's `traceparent` named. The spans are sent when the
//! server stops (SIGTERM), not lost with it.

use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::routing::post;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::KeyValue;
use opentelemetry_proto::tonic::common::v1::any_value::Value as AnyValue;
use opentelemetry_proto::tonic::trace::v1::Span;
use opentelemetry_proto::tonic::trace::v1::span::SpanKind;
use opentelemetry_proto::tonic::trace::v1::status::StatusCode;
use prost::Message;
use serde_json::json;

use super::{
    config_with_editor_key, dead_url, run, serve_on_loopback, serve_with_env, start_upstream,
};

const APP_KEY: &str = "sk-as-editor-0123456789abcdef";
/// The client's own trace, which the request's span continues (W3C Trace Context).
const CLIENT_TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const CLIENT_SPAN: &str = "00f067aa0ba902b7";
const SECRETS: [&str; 3] = ["sk-live-0123456789", "sk-dead-0123456789", APP_KEY];

type Received = Arc<Mutex<Vec<Bytes>>>;

/// A local OTLP/HTTP receiver keeping every export body; returns its base URL.
async fn collector(received: Received) -> String {
    async fn traces(State(received): State<Received>, body: Bytes) -> &'static str {
        received.lock().expect("lock").push(body);
        ""
    }
    let app = Router::new()
        .route("/v1/traces", post(traces))
        .with_state(received);
    serve_on_loopback(app).await
}

fn attribute<'a>(attributes: &'a [KeyValue], key: &str) -> Option<&'a AnyValue> {
    attributes
        .iter()
        .find(|a| a.key == key)
        .and_then(|a| a.value.as_ref()?.value.as_ref())
}

fn text<'a>(span: &'a Span, key: &str) -> &'a str {
    match attribute(&span.attributes, key) {
        Some(AnyValue::StringValue(value)) => value,
        other => panic!("{key} of {} is {other:?}", span.name),
    }
}

fn int(span: &Span, key: &str) -> i64 {
    match attribute(&span.attributes, key) {
        Some(AnyValue::IntValue(value)) => *value,
        other => panic!("{key} of {} is {other:?}", span.name),
    }
}

fn hex(id: &[u8]) -> String {
    id.iter().map(|byte| format!("{byte:02x}")).collect()
}

fn status(span: &Span) -> i32 {
    span.status.as_ref().map_or(0, |s| s.code)
}

#[tokio::test]
async fn a_failed_over_request_reaches_an_otlp_collector_as_a_span_per_attempt() {
    let received = Received::default();
    let collector = collector(Arc::clone(&received)).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("config.json");
    let config = config_with_editor_key(&start_upstream().await, &dead_url(), APP_KEY);
    std::fs::write(&file, config.to_string()).expect("write");
    run(&["import", file.to_str().expect("utf-8 path")], dir.path());
    // The general variable alone; the batch delay stays at its 5 s default, so what arrives
    // is what the stop sent.
    let mut server = serve_with_env(
        dir.path(),
        &[("OTEL_EXPORTER_OTLP_ENDPOINT", collector.as_str())],
    )
    .await;
    let response = reqwest::Client::new()
        .post(format!("{}/v1/chat/completions", server.url))
        .bearer_auth(APP_KEY)
        .header("traceparent", format!("00-{CLIENT_TRACE}-{CLIENT_SPAN}-01"))
        .json(&json!({"model": "gpt-test", "messages": [{"role": "user", "content": "hi"}]}))
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), 200);
    response.bytes().await.expect("body");

    let stopped = Command::new("kill")
        .args(["-TERM", &server.child.id().to_string()])
        .status()
        .expect("run kill");
    assert!(stopped.success());
    let deadline = Instant::now() + Duration::from_secs(20);
    while server.child.try_wait().expect("wait").is_none() {
        assert!(Instant::now() < deadline, "api-switch did not stop");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let bodies = received.lock().expect("lock").clone();
    assert!(!bodies.is_empty(), "no export reached the collector");
    for body in &bodies {
        let raw = String::from_utf8_lossy(body);
        for secret in SECRETS {
            assert!(!raw.contains(secret), "{secret} in an exported span");
        }
    }
    let mut spans = Vec::new();
    for body in &bodies {
        let export = ExportTraceServiceRequest::decode(body.as_ref()).expect("OTLP protobuf");
        for resource_spans in export.resource_spans {
            let resource = resource_spans.resource.expect("resource");
            match attribute(&resource.attributes, "service.name") {
                Some(AnyValue::StringValue(name)) => assert_eq!(name, "api-switch"),
                other => panic!("service.name is {other:?}"),
            }
            for scope in resource_spans.scope_spans {
                spans.extend(scope.spans);
            }
        }
    }
    assert_eq!(spans.len(), 3, "one request and two attempts: {spans:#?}");

    let request = spans
        .iter()
        .find(|s| s.kind == SpanKind::Server as i32)
        .expect("the request's span");
    assert_eq!(request.name, "chat_completions gpt-test");
    assert_eq!(hex(&request.trace_id), CLIENT_TRACE, "the client's trace");
    assert_eq!(
        hex(&request.parent_span_id),
        CLIENT_SPAN,
        "under the client's span"
    );
    assert_eq!(text(request, "api_switch.route"), "chat_completions");
    assert_eq!(text(request, "gen_ai.request.model"), "gpt-test");
    assert_eq!(text(request, "gen_ai.response.model"), "gpt-test");
    assert_eq!(text(request, "api_switch.channel"), "live");
    assert_eq!(text(request, "api_switch.app"), "editor");
    assert_eq!(int(request, "http.response.status_code"), 200);
    assert_eq!(int(request, "api_switch.attempts"), 2);
    assert_eq!(int(request, "gen_ai.usage.input_tokens"), 3);
    assert_eq!(int(request, "gen_ai.usage.output_tokens"), 2);
    assert_eq!(status(request), StatusCode::Ok as i32);

    let mut attempts: Vec<&Span> = spans
        .iter()
        .filter(|s| s.kind == SpanKind::Client as i32)
        .collect();
    attempts.sort_by_key(|s| s.start_time_unix_nano);
    for attempt in &attempts {
        assert_eq!(attempt.trace_id, request.trace_id, "one trace");
        assert_eq!(attempt.parent_span_id, request.span_id, "under the request");
        assert!(attempt.start_time_unix_nano >= request.start_time_unix_nano);
        assert!(attempt.end_time_unix_nano <= request.end_time_unix_nano);
    }
    let [dead, live] = attempts[..] else {
        panic!("two attempts: {attempts:#?}");
    };
    assert_eq!(dead.name, "attempt dead");
    assert_eq!(text(dead, "api_switch.outcome"), "connect");
    assert_eq!(text(dead, "error.type"), "connect");
    assert_eq!(status(dead), StatusCode::Error as i32);
    assert_eq!(live.name, "attempt live");
    assert_eq!(text(live, "api_switch.channel"), "live");
    assert_eq!(text(live, "api_switch.outcome"), "answered");
    assert_eq!(int(live, "http.response.status_code"), 200);
    assert_eq!(status(live), StatusCode::Ok as i32);
    let ttfb = int(live, "api_switch.ttfb_ms");
    let first_content = int(live, "api_switch.first_content_ms");
    assert!(ttfb <= first_content, "{ttfb} ms then {first_content} ms");
    let events: Vec<&str> = live.events.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(events, ["first byte", "first content"]);
    for event in &live.events {
        assert!(event.time_unix_nano >= live.start_time_unix_nano);
        assert!(event.time_unix_nano <= live.end_time_unix_nano);
    }
}
