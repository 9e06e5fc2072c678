//! Test harness: scriptable upstreams and a proxy on real sockets. An upstream's behaviour is
//! chosen per request by the model name the proxy sends (`status-500`, `slow`, `badjson`,
//! `preamble-then-error`, `break-after-content`, `hang-after-content`, `hang-before-content`;
//! anything else succeeds)
//! or forced for every request with `force_status`. Replies name the upstream that answered.

#![allow(
    dead_code,
    reason = "each test file uses a different part of the harness"
)]

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU16, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use engine::AppState;
use engine::logs::{LogQuery, RequestRecord};
use engine::store::{ChannelId, EntryId, NewChannel, NewEntry, Settings, Store};
use engine::upstream::ChannelKind;
use serde_json::{Value, json};

#[derive(Clone)]
pub struct Upstream {
    pub name: String,
    pub addr: SocketAddr,
    inner: Arc<UpstreamInner>,
}

#[derive(Default)]
struct UpstreamInner {
    name: String,
    hits: Mutex<Vec<String>>,
    forced: AtomicU16,
    disconnected: AtomicBool,
}

impl Upstream {
    pub async fn start(name: &str) -> Self {
        let inner = Arc::new(UpstreamInner {
            name: name.into(),
            ..Default::default()
        });
        let app = axum::Router::new()
            .route("/v1/chat/completions", axum::routing::post(chat))
            .route("/v1/embeddings", axum::routing::post(embeddings))
            .with_state(inner.clone());
        let addr = serve_on_loopback(app).await;
        Self {
            name: name.into(),
            addr,
            inner,
        }
    }

    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Models requested so far, in order.
    pub fn hits(&self) -> Vec<String> {
        self.inner.hits.lock().expect("hits").clone()
    }

    /// Every request gets this status from now on (0 = back to normal).
    pub fn force_status(&self, status: u16) {
        self.inner.forced.store(status, Ordering::SeqCst);
    }

    /// Whether a hanging stream noticed that the proxy closed the connection.
    pub fn saw_disconnect(&self) -> bool {
        self.inner.disconnected.load(Ordering::SeqCst)
    }
}

fn completion(upstream: &str, model: &str) -> Value {
    json!({"id": "c1", "object": "chat.completion", "created": 1, "model": model,
           "choices": [{"index": 0, "message": {"role": "assistant", "content": format!("{upstream}:{model}")}, "finish_reason": "stop"}],
           "usage": {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5}})
}

fn chunk(delta: Value) -> String {
    format!(
        "data: {}\n\n",
        json!({"id": "c1", "object": "chat.completion.chunk", "choices": [{"index": 0, "delta": delta, "finish_reason": null}]})
    )
}

async fn embeddings(State(inner): State<Arc<UpstreamInner>>, Json(body): Json<Value>) -> Response {
    let model = body["model"].as_str().unwrap_or_default().to_owned();
    inner.hits.lock().expect("hits").push(model.clone());
    Json(json!({"object": "list", "data": [{"object": "embedding", "index": 0, "embedding": [0.1]}], "model": model})).into_response()
}

async fn chat(State(inner): State<Arc<UpstreamInner>>, Json(body): Json<Value>) -> Response {
    let model = body["model"].as_str().unwrap_or_default().to_owned();
    inner.hits.lock().expect("hits").push(model.clone());
    let forced = inner.forced.load(Ordering::SeqCst);
    if forced != 0 {
        return error_status(forced);
    }
    if let Some(code) = model
        .strip_prefix("status-")
        .and_then(|c| c.parse::<u16>().ok())
    {
        return error_status(code);
    }
    if model == "slow" {
        tokio::time::sleep(Duration::from_secs(5)).await;
    }
    if model == "badjson" {
        return (StatusCode::OK, "this is not json").into_response();
    }
    if body["stream"].as_bool() == Some(true) {
        return stream(inner, &model);
    }
    Json(completion(&inner.name, &model)).into_response()
}

fn error_status(code: u16) -> Response {
    let status = StatusCode::from_u16(code).expect("status");
    (
        status,
        Json(
            json!({"error": {"message": format!("scripted {code}"), "type": "test", "code": code}}),
        ),
    )
        .into_response()
}

/// How a scripted stream ends after its parts.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Ending {
    /// Cleanly (the parts end with `[DONE]` or an error event).
    Clean,
    /// The connection breaks.
    Break,
    /// Never: it waits until the proxy goes away, and records that it did.
    Hang,
}

/// Records that a hanging stream was dropped, i.e. the proxy closed the connection.
struct DropFlag(Arc<UpstreamInner>);
impl Drop for DropFlag {
    fn drop(&mut self) {
        self.0.disconnected.store(true, Ordering::SeqCst);
    }
}

fn stream(inner: Arc<UpstreamInner>, model: &str) -> Response {
    use futures::StreamExt;
    let name = inner.name.clone();
    let role = chunk(json!({"role": "assistant", "content": ""}));
    let content = chunk(json!({"content": format!("{name}:{model}")}));
    let (parts, ending) = match model {
        "preamble-then-error" => (
            vec![
                role,
                "data: {\"error\":{\"message\":\"overloaded\"}}\n\n".into(),
            ],
            Ending::Clean,
        ),
        "break-after-content" => (vec![role, content], Ending::Break),
        "hang-after-content" => (vec![role, content], Ending::Hang),
        "hang-before-content" => (vec![role], Ending::Hang),
        _ => (
            vec![
                role,
                content,
                chunk(json!({"content": " more"})),
                "data: [DONE]\n\n".into(),
            ],
            Ending::Clean,
        ),
    };
    // `slow-stream` spaces its events out (a slow but live reasoning model).
    let gap = if model == "slow-stream" {
        Duration::from_millis(150)
    } else {
        Duration::ZERO
    };
    let items = futures::stream::iter(parts).then(move |p| async move {
        tokio::time::sleep(gap).await;
        Ok::<_, std::io::Error>(Bytes::from(p))
    });
    let tail = futures::stream::once(async move {
        match ending {
            Ending::Clean => None,
            Ending::Break => {
                // Let the parts reach the proxy before the connection breaks.
                tokio::time::sleep(Duration::from_millis(50)).await;
                Some(Err(std::io::Error::other("scripted break")))
            }
            Ending::Hang => {
                let _flag = DropFlag(inner);
                std::future::pending::<()>().await;
                None
            }
        }
    });
    let body = items.chain(tail.filter_map(futures::future::ready));
    Response::builder()
        .header("content-type", "text/event-stream")
        .body(Body::from_stream(body))
        .expect("response")
}

/// Serves `app` on a fresh loopback port for the rest of the test; returns where.
pub async fn serve_on_loopback(app: axum::Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind a loopback port");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, app).await });
    addr
}

/// A port where nothing listens, and nothing can start listening while the test runs.
///
/// The port stays bound to a socket that never listens, so connecting to it is refused.
/// Binding and dropping a listener instead freed the port for any other test process's
/// `bind(0)`: in CI a mock upstream of another test once took it mid-run and answered
/// requests meant to fail over. The socket is leaked on purpose; the test process's exit
/// releases it.
pub async fn refused_addr() -> String {
    let socket = tokio::net::TcpSocket::new_v4().expect("socket");
    socket
        .bind("127.0.0.1:0".parse().expect("loopback"))
        .expect("bind a loopback port");
    let addr = socket.local_addr().expect("addr");
    std::mem::forget(socket);
    format!("http://{addr}")
}

/// A server that accepts and closes every connection at once (a reset, to the client).
pub async fn resetting_addr() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            // Zero linger turns the close into a TCP reset; with a zero timeout it never blocks.
            #[expect(
                deprecated,
                reason = "SO_LINGER 0 is exactly the reset this test needs"
            )]
            let _ = socket.set_linger(Some(Duration::ZERO));
            drop(socket);
        }
    });
    format!("http://{addr}")
}

/// A proxy with its own database and short timeouts, serving on a real socket.
pub struct Proxy {
    pub state: AppState,
    pub url: String,
    pub http: reqwest::Client,
    _dir: tempfile::TempDir,
}

/// The newest `limit` rows of the request log, newest first, read page by page through the
/// one reader the Logs screen uses.
pub fn log_rows(store: &Store, limit: usize) -> Vec<RequestRecord> {
    let mut rows: Vec<RequestRecord> = Vec::new();
    let mut before_id = None;
    while rows.len() < limit {
        let query = LogQuery {
            before_id,
            limit: LogQuery::MAX_LIMIT,
            ..LogQuery::default()
        };
        let page = store.log_page(&query).expect("log page");
        rows.extend(page.rows);
        match page.next_before_id {
            Some(next) => before_id = Some(next),
            None => break,
        }
    }
    rows.truncate(limit);
    rows
}

pub fn test_settings() -> Settings {
    Settings {
        cooldown_secs: 600,
        connect_timeout_ms: 1000,
        first_byte_timeout_ms: 500,
        stream_idle_timeout_ms: 500,
        total_timeout_ms: 2000,
        max_body_bytes: 64 * 1024,
        ..Settings::default()
    }
}

impl Proxy {
    pub async fn start() -> Self {
        Self::with_settings(test_settings()).await
    }

    pub async fn with_settings(settings: Settings) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let state = AppState::open(dir.path().join("api-switch.db")).expect("open");
        state.store().save_settings(&settings).expect("settings");
        state.reload().expect("reload");
        let app = engine::proxy::proxy_routes::<AppState>().with_state(state.clone());
        let url = format!("http://{}", serve_on_loopback(app).await);
        Self {
            state,
            url,
            http: reqwest::Client::new(),
            _dir: dir,
        }
    }

    /// A channel of any kind; its key is `sk-secret-{name}`.
    /// Stores `settings` as they are (a test may go below the user's ranges, which only the
    /// screens and import check) and applies them.
    pub fn apply_settings(&self, settings: &Settings) {
        self.state
            .store()
            .save_settings(settings)
            .expect("settings");
        self.state.reload().expect("reload");
    }

    pub fn channel_of(
        &self,
        name: &str,
        api_type: ChannelKind,
        base_url: &str,
        api_version: &str,
    ) -> ChannelId {
        let id = self
            .state
            .store()
            .create_channel(&NewChannel {
                name: name.into(),
                api_type,
                base_url: base_url.into(),
                api_key: format!("sk-secret-{name}").into(),
                enabled: true,
                api_version: api_version.into(),
            })
            .expect("channel");
        self.state.reload().expect("reload");
        id
    }

    pub fn channel(&self, name: &str, base_url: &str) -> ChannelId {
        self.channel_of(name, ChannelKind::Openai, base_url, "")
    }

    pub fn entry(&self, channel: ChannelId, model: &str, group: &str) -> EntryId {
        let mut new = NewEntry::new(channel, model);
        new.group = group.into();
        let id = self.state.store().create_entry(&new).expect("entry");
        self.state.reload().expect("reload");
        id
    }

    pub async fn chat(&self, model: &str) -> (u16, Value) {
        self.post(
            "/v1/chat/completions",
            json!({"model": model, "messages": [{"role": "user", "content": "hi"}]}),
        )
        .await
    }

    pub async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        let response = self
            .http
            .post(format!("{}{path}", self.url))
            .json(&body)
            .send()
            .await
            .expect("send");
        let status = response.status().as_u16();
        let text = response.text().await.expect("body");
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    /// The content of a successful chat answer: `upstream:model`.
    pub async fn answered_by(&self, model: &str) -> String {
        let (status, body) = self.chat(model).await;
        assert_eq!(status, 200, "expected success for {model}, got {body}");
        body["choices"][0]["message"]["content"]
            .as_str()
            .expect("content")
            .to_owned()
    }

    pub fn entry_state(&self, id: EntryId) -> engine::store::Entry {
        self.state.flush();
        self.state
            .store()
            .entries()
            .expect("entries")
            .into_iter()
            .find(|e| e.id == id)
            .expect("entry")
    }
}
