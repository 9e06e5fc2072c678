//! The proxy's HTTP handlers, kept thin: read and check the request (body limit, JSON, access
//! key and its limits, the fields routing needs, found in the raw bytes), then hand it to
//! `forward::serve`. Four inbound protocols share one path: OpenAI Chat
//! Completions, Anthropic Messages, OpenAI Responses and Gemini (`/v1beta`, in `gemini_http`). Every error answers in the client's
//! protocol's shape, including a malformed body and a body over the limit; an unknown `/v1`
//! path answers in OpenAI's.

use std::sync::Arc;

use axum::Json;
use axum::body::{Body, to_bytes};
use axum::extract::{FromRef, Request, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use bytes::Bytes;
use serde_json::{Value, json};

use protocol::{ModelField, Protocol, RequestHead, ScanError};

use super::affinity::Session;
use super::count_tokens;
use super::error::ProxyError;
use super::forward;
use super::gemini_http;
use super::request::ProxyRequest;
use super::runtime::Runtime;
use super::snapshot::Snapshot;
use crate::store::AUTO_GROUP;
use crate::upstream::Endpoint;

/// The proxy's routes, for any router state the proxy's `Runtime` can be taken from.
pub fn proxy_routes<S>() -> axum::Router<S>
where
    S: Clone + Send + Sync + 'static,
    Arc<Runtime>: FromRef<S>,
{
    axum::Router::new()
        .route("/v1/chat/completions", post(chat_completions))
        .route("/v1/embeddings", post(embeddings))
        .route("/v1/messages", post(messages))
        .route("/v1/messages/count_tokens", post(count_tokens_handler))
        .route("/v1/responses", post(responses))
        .route("/v1/models", get(models))
        .route("/v1/{*rest}", any(unknown_route))
        .route("/v1", any(unknown_route))
        .route("/v1beta/models", get(gemini_http::models))
        .route("/v1beta/models/{*rest}", any(gemini_http::model_action))
        .route("/v1beta/{*rest}", any(gemini_http::unknown_route))
        .route("/v1beta", any(gemini_http::unknown_route))
        .method_not_allowed_fallback(crate::wrong_method::method_not_allowed)
}

async fn chat_completions(State(runtime): State<Arc<Runtime>>, request: Request) -> Response {
    respond(runtime, Endpoint::ChatCompletions, request).await
}

async fn embeddings(State(runtime): State<Arc<Runtime>>, request: Request) -> Response {
    respond(runtime, Endpoint::Embeddings, request).await
}

async fn messages(State(runtime): State<Arc<Runtime>>, request: Request) -> Response {
    respond(runtime, Endpoint::Messages, request).await
}

async fn responses(State(runtime): State<Arc<Runtime>>, request: Request) -> Response {
    respond(runtime, Endpoint::Responses, request).await
}

async fn count_tokens_handler(State(runtime): State<Arc<Runtime>>, request: Request) -> Response {
    match prepare(&runtime, Endpoint::CountTokens, request).await {
        Ok(request) => count_tokens::answer(&runtime, request).await,
        Err(error) => error.into_response_for(Protocol::Anthropic),
    }
}

/// The wire protocol a client of `endpoint` speaks.
fn client_protocol(endpoint: Endpoint) -> Protocol {
    match endpoint {
        Endpoint::Messages | Endpoint::CountTokens => Protocol::Anthropic,
        Endpoint::Responses => Protocol::Responses,
        Endpoint::GenerateContent | Endpoint::StreamGenerateContent => Protocol::Gemini,
        Endpoint::ChatCompletions | Endpoint::Embeddings | Endpoint::Models => Protocol::OpenAiChat,
    }
}

async fn respond(runtime: Arc<Runtime>, endpoint: Endpoint, request: Request) -> Response {
    let protocol = client_protocol(endpoint);
    match prepare(&runtime, endpoint, request).await {
        Ok(request) => forward::serve(&runtime, request)
            .await
            .unwrap_or_else(|error| error.into_response_for(protocol)),
        Err(error) => error.into_response_for(protocol),
    }
}

/// Checks the key, reads the body within the limit and checks the fields routing needs, in
/// one scan of the raw bytes: no JSON tree is built (a converted request is decoded later,
/// once, when the first candidate that needs it is tried).
async fn prepare(
    runtime: &Runtime,
    endpoint: Endpoint,
    request: Request,
) -> Result<ProxyRequest, ProxyError> {
    let snapshot = snapshot_knowing_key(runtime, request.headers()).await;
    let client_key = authenticate(&snapshot, request.headers())?;
    let headers = protocol_headers(request.headers());
    let (parts, body) = request.into_parts();
    let request_headers = parts.headers;
    let body = read_body(body, snapshot.settings.max_body_bytes).await?;
    require_utf8(&body)?;
    let (body, previous_response) = match endpoint {
        Endpoint::Responses => super::conversation::continue_stored(runtime, body).await?,
        _ => (body, None),
    };
    let head = scan_head(&body)?;
    let model = match head.model() {
        ModelField::Name(model) => model.into_owned(),
        ModelField::Missing => {
            return Err(ProxyError::MissingField {
                field: "model",
                hint: "use `auto` to let API Switch choose",
            });
        }
        ModelField::NotAString => {
            return Err(ProxyError::MissingField {
                field: "model",
                hint: "it must be a string",
            });
        }
    };
    let required = match endpoint {
        Endpoint::ChatCompletions | Endpoint::Messages | Endpoint::CountTokens => {
            ("messages", "send the conversation as an array of messages")
        }
        Endpoint::Responses => ("input", "send the conversation as `input`"),
        Endpoint::Embeddings => ("input", "send the text to embed"),
        // Gemini's requests are read by `gemini_http`, whose model is in the URL.
        Endpoint::Models | Endpoint::GenerateContent | Endpoint::StreamGenerateContent => ("", ""),
    };
    if !required.0.is_empty() && !head.has(required.0) {
        return Err(ProxyError::MissingField {
            field: required.0,
            hint: required.1,
        });
    }
    let streams = matches!(
        endpoint,
        Endpoint::ChatCompletions | Endpoint::Messages | Endpoint::Responses
    );
    let stream = streams && head.stream();
    // Last, so a request refused for its body does not count against the key's minute.
    let client_key_name = admit(runtime, endpoint, client_key)?;
    let session = Session::from_request(&client_key_name, head.session(), &request_headers)
        .or_else(|| {
            let previous = previous_response.as_deref()?;
            let now = crate::clock::now_ms();
            Some(
                runtime
                    .affinity()
                    .continuing(&client_key_name, previous, now),
            )
        });
    let mut request = ProxyRequest::new(
        endpoint,
        client_protocol(endpoint),
        body,
        headers,
        model,
        stream,
        client_key_name,
    );
    request.session = session;
    Ok(request)
}

/// The body's routing fields, found without a tree; a body that is not one JSON object is
/// the client's 400.
pub(super) fn scan_head(body: &[u8]) -> Result<RequestHead<'_>, ProxyError> {
    RequestHead::scan(body).map_err(|error| match error {
        ScanError::NotAnObject => ProxyError::NotAnObject,
        ScanError::InvalidJson { source } => ProxyError::MalformedJson { source },
    })
}

/// The name of the client's access key (empty when unknown), once the key's limits let the
/// request through (`limits`). Counting tokens generates nothing: neither limited nor counted.
pub(super) fn admit(
    runtime: &Runtime,
    endpoint: Endpoint,
    key: Option<&crate::store::AccessKey>,
) -> Result<String, ProxyError> {
    let Some(key) = key else {
        return Ok(String::new());
    };
    if !matches!(endpoint, Endpoint::CountTokens) {
        runtime.key_meters().admit(&key.name, &key.limits)?;
    }
    Ok(key.name.clone())
}

/// A body must be UTF-8 before any upstream sees it (JSON is UTF-8; a provider's error for
/// anything else would cool every candidate it reached). SIMD-checked: a few GB/s, so a large
/// pass-through body pays next to nothing; the exact offset is found only for a bad body.
pub(super) fn require_utf8(body: &[u8]) -> Result<(), ProxyError> {
    if simdutf8::basic::from_utf8(body).is_ok() {
        return Ok(());
    }
    let valid_up_to = match simdutf8::compat::from_utf8(body) {
        Ok(_) => body.len(),
        Err(error) => error.valid_up_to(),
    };
    Err(ProxyError::NotUtf8 { valid_up_to })
}

/// The client headers an upstream of the client's own protocol needs.
fn protocol_headers(headers: &HeaderMap) -> HeaderMap {
    let mut kept = HeaderMap::new();
    for name in ["anthropic-version", "anthropic-beta"] {
        if let Some(value) = headers.get(name) {
            kept.insert(name, value.clone());
        }
    }
    kept
}

pub(super) async fn read_body(body: Body, limit: usize) -> Result<Bytes, ProxyError> {
    to_bytes(body, limit).await.map_err(|source| {
        let too_large = std::error::Error::source(&source)
            .is_some_and(|inner| inner.is::<http_body_util::LengthLimitError>());
        if too_large {
            ProxyError::TooLarge { limit }
        } else {
            ProxyError::BodyRead { source }
        }
    })
}

/// The client's key from `Authorization: Bearer`, `x-api-key` or (Gemini's) `x-goog-api-key`.
pub fn presented_key(headers: &HeaderMap) -> Option<&str> {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        });
    let named = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    bearer
        .or_else(|| named("x-api-key"))
        .or_else(|| named("x-goog-api-key"))
        .map(str::trim)
        .filter(|k| !k.is_empty())
}

/// The access key `presented` (see `presented_key`), when it is one of ours (compared in
/// constant time). The proxy's handlers and the guard's rule for remote clients both ask here.
pub fn known_access_key<'s>(
    snapshot: &'s Snapshot,
    presented: &str,
) -> Option<&'s crate::store::AccessKey> {
    snapshot
        .access_keys
        .iter()
        .find(|k| crate::secrets::keys_match(k.key.expose(), presented))
}

/// The snapshot to serve a request with. When keys are required and the one presented is not
/// in it, the access keys are re-read first (`key_recheck`): `api-switch connect` may have
/// created it a moment ago.
async fn snapshot_knowing_key(runtime: &Runtime, headers: &HeaderMap) -> Arc<Snapshot> {
    let arrived = std::time::Instant::now();
    let snapshot = runtime.snapshot();
    let unknown = snapshot.settings.require_access_key
        && presented_key(headers).is_some_and(|key| known_access_key(&snapshot, key).is_none());
    if !unknown {
        return snapshot;
    }
    runtime.recheck_access_keys(arrived).await;
    runtime.snapshot()
}

/// The client's access key (`None` when unknown), or 401 when keys are required.
fn authenticate<'s>(
    snapshot: &'s Snapshot,
    headers: &HeaderMap,
) -> Result<Option<&'s crate::store::AccessKey>, ProxyError> {
    authenticate_presented(snapshot, presented_key(headers))
}

/// [`authenticate`] for a key the caller found (Gemini clients may send it as `?key=`).
pub(super) fn authenticate_presented<'s>(
    snapshot: &'s Snapshot,
    presented: Option<&str>,
) -> Result<Option<&'s crate::store::AccessKey>, ProxyError> {
    let known = presented.and_then(|key| known_access_key(snapshot, key));
    match (known, presented, snapshot.settings.require_access_key) {
        (Some(key), _, _) => Ok(Some(key)),
        (None, _, false) => Ok(None),
        (None, None, true) => Err(ProxyError::MissingKey),
        (None, Some(_), true) => Err(ProxyError::InvalidKey),
    }
}

/// `GET /v1/models`: every routable model name once, then every group (always `auto`).
async fn models(State(runtime): State<Arc<Runtime>>, headers: HeaderMap) -> Response {
    let snapshot = snapshot_knowing_key(&runtime, &headers).await;
    if let Err(error) = authenticate(&snapshot, &headers) {
        return error.into_response();
    }
    Json(model_list(&snapshot, runtime.speeds())).into_response()
}

/// The model list: the `auto` group's models in its order mode, then every other routable
/// model in priority order, then aliases, then the groups (`auto` first).
pub fn model_list(snapshot: &Snapshot, speeds: &crate::ordering::Speeds) -> Value {
    let mut data: Vec<Value> = Vec::new();
    let mut seen: Vec<String> = Vec::new();
    let mut push = |id: &str, owned_by: &str, data: &mut Vec<Value>| {
        if !seen.iter().any(|s| s.eq_ignore_ascii_case(id)) {
            seen.push(id.to_owned());
            data.push(json!({"id": id, "object": "model", "created": 0, "owned_by": owned_by}));
        }
    };
    let index = &snapshot.route_index;
    for candidate in index.group_order(AUTO_GROUP, speeds) {
        push(&candidate.entry.model, &candidate.channel.name, &mut data);
    }
    for (entry, channel) in snapshot.routable() {
        push(&entry.model, &channel.name, &mut data);
    }
    for (entry, channel) in snapshot.routable() {
        for alias in &entry.aliases {
            push(alias, &channel.name, &mut data);
        }
    }
    push(AUTO_GROUP, "api-switch", &mut data);
    for (entry, _) in snapshot.routable() {
        push(&entry.group, "api-switch", &mut data);
    }
    json!({"object": "list", "data": data})
}

async fn unknown_route(request: Request) -> Response {
    ProxyError::UnknownRoute {
        method: request.method().to_string(),
        path: request.uri().path().to_owned(),
    }
    .into_response()
}
