//! A scripted upstream that knows which key it was sent: every request's `Authorization`
//! key and model are recorded, and a reply can be scripted per key or per model (a status
//! with a body and a `Retry-After`, a 200 whose body is an error, a stream whose first event
//! is an error). Unscripted requests succeed with `name:key:model` as the content.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// What the upstream answers.
#[derive(Clone, Debug)]
pub enum Reply {
    Ok,
    /// This status with `{"error":{"message": message}}`, and `Retry-After` when given.
    Status {
        code: u16,
        message: String,
        retry_after: Option<String>,
    },
    /// 200 with this JSON body.
    OkBody(Value),
    /// 200 `text/event-stream` whose first event carries this data.
    StreamFirst(String),
}

impl Reply {
    pub fn status(code: u16, message: &str) -> Self {
        Self::Status {
            code,
            message: message.into(),
            retry_after: None,
        }
    }
}

#[derive(Default)]
struct Script {
    by_key: HashMap<String, Reply>,
    by_model: HashMap<String, Reply>,
    hits: Vec<(String, String)>,
}

#[derive(Clone)]
pub struct KeyedUpstream {
    pub addr: SocketAddr,
    name: String,
    script: Arc<Mutex<Script>>,
}

type Shared = (String, Arc<Mutex<Script>>);

impl KeyedUpstream {
    pub async fn start(name: &str) -> Self {
        let script = Arc::new(Mutex::new(Script::default()));
        let app = axum::Router::new()
            .route("/v1/chat/completions", axum::routing::post(chat))
            .with_state((name.to_owned(), script.clone()));
        let addr = crate::common::serve_on_loopback(app).await;
        Self {
            addr,
            name: name.into(),
            script,
        }
    }

    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn on_key(&self, key: &str, reply: Reply) {
        self.script
            .lock()
            .expect("script")
            .by_key
            .insert(key.into(), reply);
    }

    pub fn on_model(&self, model: &str, reply: Reply) {
        self.script
            .lock()
            .expect("script")
            .by_model
            .insert(model.into(), reply);
    }

    /// The keys requests came with, in order.
    pub fn keys(&self) -> Vec<String> {
        let script = self.script.lock().expect("script");
        script.hits.iter().map(|(key, _)| key.clone()).collect()
    }

    /// The models requested, in order.
    pub fn models(&self) -> Vec<String> {
        let script = self.script.lock().expect("script");
        script.hits.iter().map(|(_, model)| model.clone()).collect()
    }
}

async fn chat(
    State((name, script)): State<Shared>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    let key = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default()
        .to_owned();
    let model = body["model"].as_str().unwrap_or_default().to_owned();
    let reply = {
        let mut script = script.lock().expect("script");
        script.hits.push((key.clone(), model.clone()));
        script
            .by_key
            .get(&key)
            .or_else(|| script.by_model.get(&model))
            .cloned()
            .unwrap_or(Reply::Ok)
    };
    // The key that served, by a tag that is not the key: since issue 19 every byte an
    // upstream sends is masked, an answer quoting the key itself included.
    let content = format!("{name}:{}:{model}", key.replacen("sk-", "tag-", 1));
    match reply {
        Reply::Ok if body["stream"].as_bool() == Some(true) => sse(vec![
            chunk(json!({"role": "assistant", "content": ""})),
            chunk(json!({"content": content})),
            "data: [DONE]\n\n".into(),
        ]),
        Reply::Ok => Json(json!({"id": "c1", "object": "chat.completion", "created": 1, "model": model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5}}))
        .into_response(),
        Reply::Status {
            code,
            message,
            retry_after,
        } => {
            let status = StatusCode::from_u16(code).expect("status");
            let mut response =
                (status, Json(json!({"error": {"message": message, "type": "test"}}))).into_response();
            if let Some(wait) = retry_after {
                response
                    .headers_mut()
                    .insert("retry-after", wait.parse().expect("header"));
            }
            response
        }
        Reply::OkBody(body) => Json(body).into_response(),
        Reply::StreamFirst(data) => sse(vec![format!("data: {data}\n\n"), "data: [DONE]\n\n".into()]),
    }
}

fn chunk(delta: Value) -> String {
    format!(
        "data: {}\n\n",
        json!({"id": "c1", "object": "chat.completion.chunk", "choices": [{"index": 0, "delta": delta, "finish_reason": null}]})
    )
}

fn sse(parts: Vec<String>) -> Response {
    let stream = futures::stream::iter(
        parts
            .into_iter()
            .map(|p| Ok::<_, std::io::Error>(bytes::Bytes::from(p))),
    );
    Response::builder()
        .header("content-type", "text/event-stream")
        .body(Body::from_stream(stream))
        .expect("response")
}
