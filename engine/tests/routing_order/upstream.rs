//! A scripted upstream for the routing-order tests, on a real socket: Chat Completions (single
//! answers and streams) and `GET /v1/models`. Per upstream, a delay before the first content,
//! a stall (a stream that sends its role chunk and then never any content, recording when the
//! proxy closes the connection) and a forced status; every answer names the upstream.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU16, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use serde_json::{Value, json};

#[derive(Default)]
struct Inner {
    name: String,
    delay_ms: AtomicU64,
    stall: AtomicBool,
    forced: AtomicU16,
    chat_bodies: Mutex<Vec<Value>>,
    model_lists: AtomicUsize,
    disconnects: AtomicUsize,
}

#[derive(Clone)]
pub struct Scripted {
    inner: Arc<Inner>,
    pub addr: SocketAddr,
}

impl Scripted {
    pub async fn start(name: &str) -> Self {
        let inner = Arc::new(Inner {
            name: name.into(),
            ..Default::default()
        });
        let app = axum::Router::new()
            .route("/v1/chat/completions", axum::routing::post(chat))
            .route("/v1/models", axum::routing::get(models))
            .with_state(inner.clone());
        let addr = crate::common::serve_on_loopback(app).await;
        Self { inner, addr }
    }

    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Waits this long before answering (headers and all).
    pub fn delay(&self, ms: u64) {
        self.inner.delay_ms.store(ms, Ordering::SeqCst);
    }

    /// Streams send their role chunk, then nothing until the proxy closes the connection.
    pub fn stall(&self, on: bool) {
        self.inner.stall.store(on, Ordering::SeqCst);
    }

    /// Every request (chat and model list) gets this status (0: normal again).
    pub fn force_status(&self, status: u16) {
        self.inner.forced.store(status, Ordering::SeqCst);
    }

    /// Chat request bodies received, in order.
    pub fn chat_bodies(&self) -> Vec<Value> {
        self.inner.chat_bodies.lock().expect("bodies").clone()
    }

    pub fn chat_count(&self) -> usize {
        self.inner.chat_bodies.lock().expect("bodies").len()
    }

    pub fn model_lists(&self) -> usize {
        self.inner.model_lists.load(Ordering::SeqCst)
    }

    /// How many stalled streams saw the proxy close the connection.
    pub fn disconnects(&self) -> usize {
        self.inner.disconnects.load(Ordering::SeqCst)
    }
}

fn forced(inner: &Inner) -> Option<Response> {
    let code = inner.forced.load(Ordering::SeqCst);
    (code != 0).then(|| {
        let status = StatusCode::from_u16(code).expect("status");
        let body = json!({"error": {"message": format!("scripted {code}"), "type": "test"}});
        (status, Json(body)).into_response()
    })
}

async fn models(State(inner): State<Arc<Inner>>) -> Response {
    inner.model_lists.fetch_add(1, Ordering::SeqCst);
    if let Some(response) = forced(&inner) {
        return response;
    }
    Json(json!({"object": "list", "data": [{"id": "any", "object": "model"}]})).into_response()
}

fn chunk(delta: Value, finish: Option<&str>) -> String {
    let chunk = json!({"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": "m",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]});
    format!("data: {chunk}\n\n")
}

/// Counts the proxy closing a stalled stream.
struct OnDrop(Arc<Inner>);
impl Drop for OnDrop {
    fn drop(&mut self) {
        self.0.disconnects.fetch_add(1, Ordering::SeqCst);
    }
}

async fn chat(State(inner): State<Arc<Inner>>, Json(body): Json<Value>) -> Response {
    inner.chat_bodies.lock().expect("bodies").push(body.clone());
    if let Some(response) = forced(&inner) {
        return response;
    }
    let model = body["model"].as_str().unwrap_or_default().to_owned();
    let content = format!("{}:{model}", inner.name);
    let delay = Duration::from_millis(inner.delay_ms.load(Ordering::SeqCst));
    // Before the headers: a slow provider, for the proxy and for a speed test alike.
    tokio::time::sleep(delay).await;
    if body["stream"].as_bool() != Some(true) {
        return Json(json!({"id": "c1", "object": "chat.completion", "created": 1, "model": model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}))
        .into_response();
    }
    let stall = inner.stall.load(Ordering::SeqCst);
    let role = Bytes::from(chunk(json!({"role": "assistant", "content": ""}), None));
    let rest = [
        chunk(json!({"content": content}), None),
        chunk(json!({}), Some("stop")),
        "data: [DONE]\n\n".to_owned(),
    ];
    let head = futures::stream::once(async move { Ok::<_, std::io::Error>(role) });
    let tail = futures::stream::once(async move {
        if stall {
            let _closed = OnDrop(inner);
            std::future::pending::<()>().await;
        }
        Ok::<_, std::io::Error>(Bytes::from(rest.concat()))
    });
    use futures::StreamExt;
    Response::builder()
        .header("content-type", "text/event-stream")
        .body(Body::from_stream(head.chain(tail)))
        .expect("response")
}
