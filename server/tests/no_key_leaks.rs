//! Issue 19, findings 1 and 10: no provider key leaves the server, whatever an upstream echoes.
//! One real router on a loopback socket, tracing captured at TRACE for the whole process, and
//! one mock upstream that puts the key it was sent into every error it answers (and into
//! content). A table of cases, each client protocol x each channel kind x each way an upstream
//! reports an error x one key or a pool, is sent through it; then the key must be nowhere in
//! the client's answers, the trace output, the request log, `/api/events` or Test chat. Every
//! failing case is named in the assertion.

use std::io::Write;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use api_switch::http::{DB_FILE_NAME, router};
use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, Uri};
use axum::response::Response;
use engine::AppState;
use engine::store::{NewChannel, NewEntry};
use engine::test_chat::ChatAsk;
use engine::upstream::ChannelKind;
use futures::StreamExt;
use serde_json::{Value, json};

/// Every way an upstream reports an error that the matrix covers; the entry's model name
/// carries the scenario, so one upstream serves them all.
const SCENARIOS: [&str; 8] = [
    // A 4xx in OpenAI's and in Anthropic's error shape.
    "e400-openai",
    "e400-anthropic",
    // A 200 whose body is an error.
    "ok-error-body",
    // A stream whose first event is an error, in each shape an upstream uses.
    "s-chat-error",
    "s-anthropic-error",
    "s-responses-error",
    "s-responses-failed",
    // A stream that sends content (quoting the key) and then breaks with an error.
    "s-mid-stream",
];

const KINDS: [ChannelKind; 5] = [
    ChannelKind::Openai,
    ChannelKind::Custom,
    ChannelKind::Anthropic,
    ChannelKind::Gemini,
    ChannelKind::Azure,
];

/// A key as long as real ones (so its masked form shows its ends), unique per channel.
fn key(kind: ChannelKind, pooled: bool, n: usize) -> String {
    let pool = if pooled { "pool" } else { "one" };
    format!("sk-{kind}-{pool}-{n}-Zq8vN3xLr7TgY2mKw9pB4hJd6sFc1aE5")
}

/// Which wire protocol the upstream's path speaks.
fn path_protocol(uri: &Uri) -> &'static str {
    let path = uri.path();
    if path.ends_with("/messages") {
        "anthropic"
    } else if path.ends_with("/responses") {
        "responses"
    } else {
        "chat"
    }
}

/// The key the proxy sent, from whichever header the channel kind uses.
fn received_key(headers: &HeaderMap) -> String {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    header("authorization")
        .map(|v| v.trim_start_matches("Bearer ").to_owned())
        .or_else(|| header("x-api-key").map(str::to_owned))
        .or_else(|| header("api-key").map(str::to_owned))
        .unwrap_or_default()
}

fn sse(events: &[(Option<&str>, Value)]) -> Response {
    let mut text = String::new();
    for (name, data) in events {
        if let Some(name) = name {
            text.push_str(&format!("event: {name}\n"));
        }
        text.push_str(&format!("data: {data}\n\n"));
    }
    Response::builder()
        .header("content-type", "text/event-stream")
        .body(Body::from(text))
        .expect("response")
}

fn json_status(status: u16, body: Value) -> Response {
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))
        .expect("response")
}

/// Content (quoting the key) in the upstream's own protocol, then an error event.
fn mid_stream(protocol: &str, key: &str) -> Response {
    let said = format!("your key is {key}");
    let error = format!("stream broke for key {key}");
    match protocol {
        "anthropic" => sse(&[
            (
                Some("message_start"),
                json!({"type": "message_start", "message": {"id": "msg_1", "type": "message", "role": "assistant", "content": [], "model": "m", "usage": {"input_tokens": 1, "output_tokens": 0}}}),
            ),
            (
                Some("content_block_start"),
                json!({"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}}),
            ),
            (
                Some("content_block_delta"),
                json!({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": said}}),
            ),
            (
                Some("error"),
                json!({"type": "error", "error": {"type": "api_error", "message": error}}),
            ),
        ]),
        "responses" => sse(&[
            (
                Some("response.created"),
                json!({"type": "response.created", "response": {"id": "resp_1", "object": "response", "status": "in_progress", "output": []}}),
            ),
            (
                Some("response.output_item.added"),
                json!({"type": "response.output_item.added", "output_index": 0, "item": {"id": "msg_1", "type": "message", "role": "assistant", "content": []}}),
            ),
            (
                Some("response.output_text.delta"),
                json!({"type": "response.output_text.delta", "item_id": "msg_1", "output_index": 0, "content_index": 0, "delta": said}),
            ),
            (
                Some("error"),
                json!({"type": "error", "code": "server_error", "message": error}),
            ),
        ]),
        _ => sse(&[
            (
                None,
                json!({"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": "m", "choices": [{"index": 0, "delta": {"role": "assistant", "content": said}}]}),
            ),
            (
                None,
                json!({"error": {"message": error, "type": "server_error"}}),
            ),
        ]),
    }
}

/// The mock upstream: what it answers depends on the scenario in the model name; every
/// answer quotes the key it was sent.
async fn upstream(uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    let key = received_key(&headers);
    let request: Value = serde_json::from_slice(&body).unwrap_or_default();
    // Azure names the deployment in the path, the others in the body.
    let model = request["model"]
        .as_str()
        .map(str::to_owned)
        .unwrap_or_else(|| uri.path().to_owned());
    let incorrect = format!("Incorrect API key provided: {key}. Find your key on the dashboard.");
    let scenario = SCENARIOS
        .iter()
        .find(|s| model.contains(*s))
        .copied()
        .unwrap_or("none");
    match scenario {
        "e400-openai" => json_status(
            400,
            json!({"error": {"message": incorrect, "type": "invalid_request_error", "param": null, "code": "invalid_api_key"}}),
        ),
        "e400-anthropic" => json_status(
            400,
            json!({"type": "error", "error": {"type": "invalid_request_error", "message": incorrect}}),
        ),
        "ok-error-body" => json_status(
            200,
            json!({"error": {"message": incorrect, "type": "invalid_request_error"}}),
        ),
        "s-chat-error" => sse(&[(
            None,
            json!({"error": {"message": incorrect, "type": "invalid_request_error"}}),
        )]),
        "s-anthropic-error" => sse(&[(
            Some("error"),
            json!({"type": "error", "error": {"type": "invalid_request_error", "message": incorrect}}),
        )]),
        "s-responses-error" => sse(&[(
            Some("error"),
            json!({"type": "error", "code": "invalid_api_key", "message": incorrect, "param": null}),
        )]),
        "s-responses-failed" => sse(&[(
            Some("response.failed"),
            json!({"type": "response.failed", "response": {"id": "resp_1", "status": "failed", "error": {"code": "invalid_api_key", "message": incorrect}}}),
        )]),
        "s-mid-stream" => mid_stream(path_protocol(&uri), &key),
        _ => json_status(
            500,
            json!({"error": {"message": format!("unknown case {model}")}}),
        ),
    }
}

/// Starts the mock upstream on its own thread and runtime, with tracing switched off there:
/// what the test captures is the server's output, and the mock's own requests carry the key.
fn start_upstream() -> String {
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _quiet = tracing::subscriber::set_default(tracing::subscriber::NoSubscriber::default());
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("bind");
            let addr = listener.local_addr().expect("addr");
            sender.send(format!("http://{addr}")).expect("send url");
            let app = axum::Router::new().fallback(upstream);
            axum::serve(listener, app).await.expect("serve");
        });
    });
    receiver.recv().expect("upstream url")
}

/// Everything written to the trace output, for the whole process.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("capture").extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().expect("capture")).into_owned()
    }
}

/// One request of the matrix: who sends what, and what came back.
struct Case {
    name: String,
    answer: String,
}

/// The endpoint and body a client of `protocol` sends for `model`.
fn client_request(protocol: &str, model: &str, stream: bool) -> (&'static str, Value) {
    match protocol {
        "messages" => (
            "/v1/messages",
            json!({"model": model, "max_tokens": 16, "stream": stream, "messages": [{"role": "user", "content": "hi"}]}),
        ),
        "responses" => (
            "/v1/responses",
            json!({"model": model, "stream": stream, "input": "hi"}),
        ),
        _ => (
            "/v1/chat/completions",
            json!({"model": model, "stream": stream, "messages": [{"role": "user", "content": "hi"}]}),
        ),
    }
}

/// Where a key was found, named for the assertion.
fn leaks(keys: &[String], place: &str, text: &str) -> Vec<String> {
    keys.iter()
        .filter(|key| text.contains(key.as_str()))
        .map(|key| format!("{place} holds {key}"))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue_19_finding_1_no_key_leaves_in_any_exit_for_any_protocol_channel_or_error() {
    let captured = Captured::default();
    let writer = captured.clone();
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .init();

    let upstream_url = start_upstream();
    let dir = tempfile::tempdir().expect("temp dir");
    let state = AppState::open(dir.path().join(DB_FILE_NAME)).expect("state");
    let mut keys = Vec::new();
    let mut models = Vec::new();
    for kind in KINDS {
        for pooled in [false, true] {
            let pool: Vec<String> = (0..if pooled { 3 } else { 1 })
                .map(|n| key(kind, pooled, n))
                .collect();
            keys.extend(pool.iter().cloned());
            let channel = state
                .create_channel(&NewChannel {
                    name: format!("{kind}-{}", if pooled { "pool" } else { "one" }),
                    api_type: kind,
                    base_url: upstream_url.clone(),
                    api_key: pool.join("\n").into(),
                    enabled: true,
                    api_version: String::new(),
                })
                .await
                .expect("channel");
            for scenario in SCENARIOS {
                let model = format!("{kind}-{}-{scenario}", if pooled { "pool" } else { "one" });
                state
                    .create_entry(&NewEntry::new(channel, &model))
                    .await
                    .expect("entry");
                models.push((kind, model, scenario));
            }
        }
    }

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let app = router(state.clone(), addr);
    tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
    });
    let base = format!("http://{addr}");
    let http = reqwest::Client::new();

    // `/api/events` as the UI's page reads it, from before the first request to the end.
    let events_text = Arc::new(Mutex::new(String::new()));
    let events = http
        .get(format!("{base}/api/events"))
        .header("sec-fetch-site", "same-origin")
        .send()
        .await
        .expect("events");
    assert_eq!(events.status(), 200, "the event stream opens");
    let sink = Arc::clone(&events_text);
    let reader = tokio::spawn(async move {
        let mut stream = events.bytes_stream();
        while let Some(Ok(chunk)) = stream.next().await {
            sink.lock()
                .expect("events")
                .push_str(&String::from_utf8_lossy(&chunk));
        }
    });

    let mut cases = Vec::new();
    for protocol in ["chat", "messages", "responses"] {
        for (kind, model, scenario) in &models {
            let streams: &[bool] = if scenario.starts_with("s-") {
                &[true]
            } else {
                &[false, true]
            };
            for &stream in streams {
                let (path, body) = client_request(protocol, model, stream);
                let response = http
                    .post(format!("{base}{path}"))
                    .json(&body)
                    .send()
                    .await
                    .expect("send");
                let status = response.status().as_u16();
                let answer = response.text().await.unwrap_or_default();
                cases.push(Case {
                    name: format!("{protocol} client, {kind} channel {model}, stream {stream}"),
                    answer: format!("{status} {answer}"),
                });
            }
        }
    }

    // Test chat, through the same path as the Test chat screen, for every channel and case.
    let mut chats = Vec::new();
    for (_, model, _) in &models {
        let ask = ChatAsk {
            route: model.clone(),
            prompt: "hi".into(),
        };
        let events: Vec<_> = engine::test_chat::start(&state, ask).collect().await;
        chats.push((model.clone(), format!("{events:?}")));
    }

    state.flush();
    tokio::time::sleep(Duration::from_millis(300)).await;
    reader.abort();

    let mut found = Vec::new();
    for case in &cases {
        found.extend(leaks(
            &keys,
            &format!("the answer to {}", case.name),
            &case.answer,
        ));
    }
    for (model, events) in &chats {
        found.extend(leaks(&keys, &format!("Test chat of {model}"), events));
    }
    let rows = every_log_row(state.store());
    assert!(
        rows.len() >= cases.len(),
        "every request has its row: {} of {}",
        rows.len(),
        cases.len()
    );
    for row in &rows {
        let text = format!("{row:?}");
        found.extend(leaks(
            &keys,
            &format!("the log row of {}", row.requested_model),
            &text,
        ));
    }
    let events_seen = events_text.lock().expect("events").clone();
    assert!(
        events_seen.contains("request_finished"),
        "the event stream carried the requests"
    );
    found.extend(leaks(&keys, "/api/events", &events_seen));
    let trace = captured.text();
    assert!(
        trace.contains("attempt failed"),
        "the trace output was captured"
    );
    for line in trace.lines() {
        found.extend(leaks(&keys, &format!("the trace line `{line}`"), line));
    }

    assert!(
        found.is_empty(),
        "{} leaks, the first 40:\n{}",
        found.len(),
        found
            .iter()
            .take(40)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    // The upstream did echo the keys, and what reached the client says so, masked.
    let masked = cases
        .iter()
        .filter(|c| c.answer.contains("Incorrect API key provided: sk-***"))
        .count();
    assert!(
        masked > cases.len() / 3,
        "the upstream's message reached the clients masked in only {masked} of {} answers",
        cases.len()
    );
}

/// Every row of the request log, read page by page through the Logs screen's reader.
fn every_log_row(store: &engine::store::Store) -> Vec<engine::logs::RequestRecord> {
    let mut rows = Vec::new();
    let mut query = engine::logs::LogQuery {
        limit: engine::logs::LogQuery::MAX_LIMIT,
        ..engine::logs::LogQuery::default()
    };
    loop {
        let page = store.log_page(&query).expect("log");
        rows.extend(page.rows);
        match page.next_before_id {
            Some(next) => query.before_id = Some(next),
            None => return rows,
        }
    }
}
