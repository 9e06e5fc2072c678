//! Gemini's inbound routes: `POST /v1beta/models/{model}:generateContent`,
//! `:streamGenerateContent` (answered as SSE, as `alt=sse` asks), `:countTokens`,
//! `GET /v1beta/models` and `GET /v1beta/models/{model}`. The model and the wish to stream are
//! read from the URL, the access key from `x-goog-api-key` (or any header the other protocols
//! accept) or the `?key=` query parameter Google's own API also takes; the same key rules,
//! limits and routing as every other protocol then apply (`forward::serve`). Every error is in
//! Gemini's shape, `{"error":{"code","message","status"}}`.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, Method};
use axum::response::{IntoResponse, Response};
use protocol::Protocol;
use serde_json::{Value, json};

use super::error::ProxyError;
use super::forward;
use super::intake::{
    admit, authenticate_presented, model_list, presented_key, read_body, require_utf8, scan_head,
};
use super::request::ProxyRequest;
use super::runtime::Runtime;
use super::snapshot::Snapshot;
use crate::upstream::Endpoint;

/// What a `POST /v1beta/models/{model}:{action}` asks for.
enum Action {
    Generate { stream: bool },
    CountTokens,
}

/// `/v1beta/models/{rest}`: `rest` is `{model}:{action}` for a POST, `{model}` for a GET.
pub(super) async fn model_action(
    State(runtime): State<Arc<Runtime>>,
    Path(rest): Path<String>,
    request: Request,
) -> Response {
    let (model, action) = match rest.rsplit_once(':') {
        Some((model, action)) => (model.to_owned(), Some(action)),
        None => (rest.clone(), None),
    };
    let action = match (request.method(), action) {
        (&Method::GET, None) => return model_info(&runtime, &model, &request),
        (&Method::POST, Some("generateContent")) => Action::Generate { stream: false },
        (&Method::POST, Some("streamGenerateContent")) => Action::Generate { stream: true },
        (&Method::POST, Some("countTokens")) => Action::CountTokens,
        _ => return unknown(&request),
    };
    let answer = match action {
        Action::Generate { stream } => generate(&runtime, model, stream, request).await,
        Action::CountTokens => count_tokens(&runtime, request).await,
    };
    answer.unwrap_or_else(|error| error.into_response_for(Protocol::Gemini))
}

async fn generate(
    runtime: &Arc<Runtime>,
    model: String,
    stream: bool,
    request: Request,
) -> Result<Response, ProxyError> {
    let endpoint = if stream {
        Endpoint::StreamGenerateContent
    } else {
        Endpoint::GenerateContent
    };
    let snapshot = runtime.snapshot();
    let client_key = authenticate(&snapshot, &request)?;
    let (parts, body) = request.into_parts();
    let body = read_body(body, snapshot.settings.max_body_bytes).await?;
    require_utf8(&body)?;
    if !scan_head(&body)?.has("contents") {
        return Err(ProxyError::MissingField {
            field: "contents",
            hint: "send the conversation as `contents: [...]`",
        });
    }
    // Last, so a request refused for its body does not count against the key's minute.
    let client_key_name = admit(runtime, endpoint, client_key)?;
    let mut request = ProxyRequest::new(
        endpoint,
        Protocol::Gemini,
        body,
        HeaderMap::new(),
        model,
        stream,
        client_key_name,
    );
    request.trace_parent = runtime.trace_parent(&parts.headers);
    request.capture = runtime.begin_capture(&request.client_key_name, &request.model);
    if let Some(capture) = &request.capture {
        // The URL may carry the key as `?key=`: the path alone is kept.
        capture.client_request(parts.uri.path(), &parts.headers, &request.body);
    }
    forward::serve(runtime, request).await
}

/// `:countTokens`, estimated locally (as `/v1/messages/count_tokens` is when no Anthropic
/// channel counts): counting is advisory and generates nothing, so it is neither limited nor
/// logged.
async fn count_tokens(runtime: &Runtime, request: Request) -> Result<Response, ProxyError> {
    let snapshot = runtime.snapshot();
    authenticate(&snapshot, &request)?;
    let body = read_body(request.into_body(), snapshot.settings.max_body_bytes).await?;
    require_utf8(&body)?;
    scan_head(&body)?;
    let value: Value = serde_json::from_slice(&body).map_err(|_| ProxyError::NotAnObject)?;
    let hub =
        protocol::gemini::decode_count_tokens(&value).map_err(|source| ProxyError::Convert {
            source: Arc::new(source),
        })?;
    Ok(Json(protocol::gemini::count_tokens_body(&hub)).into_response())
}

/// The key as the other protocols present it, or Gemini's `?key=`.
fn authenticate<'s>(
    snapshot: &'s Snapshot,
    request: &Request,
) -> Result<Option<&'s crate::store::AccessKey>, ProxyError> {
    let query = query_key(request.uri().query());
    let presented = presented_key(request.headers()).or(query.as_deref());
    authenticate_presented(snapshot, presented)
}

/// The `key` parameter of a query string, decoded.
pub fn query_key(query: Option<&str>) -> Option<String> {
    url::form_urlencoded::parse(query?.as_bytes())
        .find(|(name, _)| name == "key")
        .map(|(_, value)| value.trim().to_owned())
        .filter(|key| !key.is_empty())
}

/// `GET /v1beta/models`: the same models as `/v1/models`, as Gemini lists them.
pub(super) async fn models(State(runtime): State<Arc<Runtime>>, request: Request) -> Response {
    let snapshot = runtime.snapshot();
    if let Err(error) = authenticate(&snapshot, &request) {
        return error.into_response_for(Protocol::Gemini);
    }
    let models: Vec<Value> = listed(&runtime, &snapshot)
        .map(|(id, owner)| protocol::gemini::model_entry(&id, &owner))
        .collect();
    Json(json!({"models": models})).into_response()
}

/// `GET /v1beta/models/{model}`: one model, or Gemini's 404.
fn model_info(runtime: &Runtime, model: &str, request: &Request) -> Response {
    let snapshot = runtime.snapshot();
    if let Err(error) = authenticate(&snapshot, request) {
        return error.into_response_for(Protocol::Gemini);
    }
    let model = model.strip_prefix("models/").unwrap_or(model);
    match listed(runtime, &snapshot).find(|(id, _)| id.eq_ignore_ascii_case(model)) {
        Some((id, owner)) => Json(protocol::gemini::model_entry(&id, &owner)).into_response(),
        None => ProxyError::NoRoute {
            model: model.to_owned(),
        }
        .into_response_for(Protocol::Gemini),
    }
}

/// Every model `/v1/models` lists, with its owner (channel or `api-switch` for a group).
fn listed(runtime: &Runtime, snapshot: &Snapshot) -> impl Iterator<Item = (String, String)> {
    let list = model_list(snapshot, runtime.speeds());
    let data = match list.get("data") {
        Some(Value::Array(data)) => data.clone(),
        _ => Vec::new(),
    };
    data.into_iter().map(|entry| {
        let text = |key: &str| entry[key].as_str().unwrap_or_default().to_owned();
        (text("id"), text("owned_by"))
    })
}

pub(super) async fn unknown_route(request: Request) -> Response {
    unknown(&request)
}

fn unknown(request: &Request) -> Response {
    ProxyError::UnknownRoute {
        method: request.method().to_string(),
        path: request.uri().path().to_owned(),
    }
    .into_response_for(Protocol::Gemini)
}
