//! `GET /api/events`: the live event stream the UI listens to instead of polling. Server-sent
//! events (`text/event-stream`), one JSON `engine::events::Event` per `data:` line, and a
//! keep-alive comment every 15 s so proxies and browsers keep the connection open. A listener
//! that falls too far behind is sent a `config_changed` event in place of what it missed, so it
//! refetches. The stream ends when the server shuts down (`AppState::close_event_streams`).
//! The same-origin and session checks of every `/api/` path cover it.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::http::HeaderValue;
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use engine::AppState;
use engine::events::Event;
use futures::{Stream, StreamExt};
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::{broadcast, watch};

/// How often an idle stream sends a comment line.
pub const KEEP_ALIVE_EVERY: Duration = Duration::from_secs(15);

/// The handler: subscribes and streams until the client goes away.
pub async fn stream_events(State(app): State<AppState>) -> Response {
    let frames = live_events(app.events(), app.subscribe(), app.closing())
        .map(|event| Ok::<_, Infallible>(frame(&event)));
    let sse = Sse::new(frames).keep_alive(
        KeepAlive::new()
            .interval(KEEP_ALIVE_EVERY)
            .text("keep-alive"),
    );
    let mut response = sse.into_response();
    // Reverse proxies (nginx) would otherwise buffer the stream and delay every event.
    response
        .headers_mut()
        .insert("x-accel-buffering", HeaderValue::from_static("no"));
    response
}

/// The events to send, a refetch in place of any missed, until the server closes the streams.
/// Holds only receivers, so it never keeps the state alive.
fn live_events(
    events: broadcast::Receiver<Event>,
    version: watch::Receiver<u64>,
    closing: watch::Receiver<bool>,
) -> impl Stream<Item = Event> {
    futures::stream::unfold(
        (events, version, closing),
        |(mut events, version, mut closing)| async move {
            let received = tokio::select! {
                received = events.recv() => received,
                // Closed, or the state is gone: either way the stream is over.
                _ = closing.wait_for(|closing| *closing) => return None,
            };
            let event = match received {
                Ok(event) => event,
                Err(RecvError::Lagged(missed)) => {
                    tracing::debug!(
                        missed,
                        "an event listener fell behind; telling it to refetch"
                    );
                    Event::ConfigChanged {
                        version: *version.borrow(),
                    }
                }
                Err(RecvError::Closed) => return None,
            };
            Some((event, (events, version, closing)))
        },
    )
}

fn frame(event: &Event) -> SseEvent {
    match serde_json::to_string(event) {
        Ok(json) => SseEvent::default().data(json),
        Err(error) => {
            tracing::error!(%error, "cannot encode a live event");
            SseEvent::default().comment("an event could not be encoded")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::SocketAddr;

    use axum::Json;
    use engine::store::{NewChannel, NewEntry};
    use engine::upstream::ChannelKind;
    use serde_json::{Value, json};

    /// An OpenAI-like upstream that answers every chat request.
    async fn upstream() -> String {
        async fn chat(Json(body): Json<Value>) -> Json<Value> {
            Json(
                json!({"id": "c", "object": "chat.completion", "created": 1, "model": body["model"],
                "choices": [{"index": 0, "message": {"role": "assistant", "content": "hi"}, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5}}),
            )
        }
        let app = axum::Router::new().route("/v1/chat/completions", axum::routing::post(chat));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind upstream");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        tokio::spawn(async move { axum::serve(listener, app).await });
        url
    }

    /// The whole server on a real socket, with one channel on `upstream_url`.
    async fn server(upstream_url: &str) -> (tempfile::TempDir, SocketAddr, AppState) {
        let dir = tempfile::tempdir().expect("temp dir");
        let app = AppState::open(dir.path().join("api-switch.db")).expect("state");
        let channel = app
            .create_channel(&NewChannel {
                name: "A".into(),
                api_type: ChannelKind::Openai,
                base_url: upstream_url.into(),
                api_key: "sk-upstream".into(),
                enabled: true,
                api_version: String::new(),
            })
            .await
            .expect("channel");
        app.create_entry(&NewEntry::new(channel, "gpt-test"))
            .await
            .expect("entry");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let router = crate::http::router(app.clone(), addr);
        tokio::spawn(async move { axum::serve(listener, router).await });
        (dir, addr, app)
    }

    /// Reads SSE lines until a `data:` line satisfies `wanted`; returns that event.
    async fn next_data(
        lines: &mut (impl Stream<Item = reqwest::Result<axum::body::Bytes>> + Unpin),
        buffer: &mut String,
        wanted: impl Fn(&Value) -> bool,
    ) -> Value {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            while let Some(end) = buffer.find('\n') {
                let line: String = buffer.drain(..=end).collect();
                if let Some(data) = line.trim_end().strip_prefix("data:") {
                    let event: Value = serde_json::from_str(data.trim()).expect("JSON event");
                    if wanted(&event) {
                        return event;
                    }
                }
            }
            let chunk = tokio::time::timeout_at(deadline, lines.next())
                .await
                .expect("an event within 10 s")
                .expect("the stream stays open")
                .expect("bytes");
            buffer.push_str(std::str::from_utf8(&chunk).expect("UTF-8"));
        }
    }

    #[tokio::test]
    async fn a_proxied_request_appears_on_the_event_stream() {
        let (_dir, addr, _app) = server(&upstream().await).await;
        let http = reqwest::Client::new();
        let origin = format!("http://{addr}");
        let response = http
            .get(format!("{origin}/api/events"))
            .header("origin", &origin)
            .header("sec-fetch-site", "same-origin")
            .send()
            .await
            .expect("connect");
        assert_eq!(response.status(), 200);
        assert_eq!(
            response.headers()["content-type"],
            "text/event-stream",
            "an SSE stream"
        );
        let mut stream = response.bytes_stream();
        let chat = http
            .post(format!("{origin}/v1/chat/completions"))
            .json(&json!({"model": "gpt-test", "messages": [{"role": "user", "content": "hi"}]}))
            .send()
            .await
            .expect("chat");
        assert_eq!(chat.status(), 200);
        let mut buffer = String::new();
        let event = next_data(&mut stream, &mut buffer, |e| {
            e["type"] == "request_finished"
        })
        .await;
        assert_eq!(event["requested_model"], "gpt-test");
        assert_eq!(event["channel"], "A");
        assert_eq!(event["status"], 200);
        assert_eq!(event["prompt_tokens"], 3);
        assert_eq!(event["completion_tokens"], 2);
        assert!(event["id"].as_i64().expect("row id") > 0);
        assert_eq!(event["attempts"][0]["status"], 200);
        // The event decodes as the engine's own type.
        let typed: Event = serde_json::from_value(event).expect("an Event");
        assert!(matches!(typed, Event::RequestFinished(row) if row.model == "gpt-test"));
    }

    #[tokio::test]
    async fn a_lagging_listener_is_told_to_refetch() {
        let (events, receiver) = broadcast::channel(2);
        let (_version_tx, version) = watch::channel(41);
        let (_closing_tx, closing) = watch::channel(false);
        for entry in 1..=5 {
            events.send(Event::EntryRecovered { entry }).expect("send");
        }
        // Three events were missed: first a refetch, then the two kept follow.
        let received: Vec<Event> = live_events(receiver, version, closing)
            .take(3)
            .collect()
            .await;
        assert_eq!(
            received,
            [
                Event::ConfigChanged { version: 41 },
                Event::EntryRecovered { entry: 4 },
                Event::EntryRecovered { entry: 5 },
            ]
        );
    }

    #[tokio::test]
    async fn closing_ends_open_streams() {
        let (_dir, addr, app) = server(&upstream().await).await;
        let origin = format!("http://{addr}");
        let response = reqwest::Client::new()
            .get(format!("{origin}/api/events"))
            .header("origin", &origin)
            .header("sec-fetch-site", "same-origin")
            .send()
            .await
            .expect("connect");
        assert_eq!(response.status(), 200);
        let mut stream = response.bytes_stream();
        app.close_event_streams();
        let rest = tokio::time::timeout(Duration::from_secs(5), async {
            let mut rest = Vec::new();
            while let Some(chunk) = stream.next().await {
                rest.push(chunk.expect("a clean end"));
            }
            rest
        })
        .await
        .expect("the stream ends once closed");
        assert!(
            rest.iter().all(|chunk| !chunk.starts_with(b"data:")),
            "{rest:?}"
        );
    }
}
