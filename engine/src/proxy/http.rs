//! The proxy's HTTP handlers, kept thin: read and check the request (body limit, JSON, access
//! key and its limits, the fields routing needs, found in the raw bytes), then hand it to
//! `forward::serve`. Four inbound protocols share one path: OpenAI Chat
//! Completions, Anthropic Messages, OpenAI Responses and Gemini (`/v1beta`, in `gemini_http`);
//! the checks they share are in `intake`. Every error answers in the client's
//! protocol's shape, including a malformed body and a body over the limit; an unknown `/v1`
//! path answers in OpenAI's.

use std::sync::Arc;

use axum::Json;
use axum::extract::{FromRef, Request, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};

use protocol::{ModelField, Protocol};

use super::affinity::Session;
use super::count_tokens;
use super::error::ProxyError;
use super::forward;
use super::gemini_http;
use super::intake::{
    admit, authenticate, model_list, read_body, require_utf8, scan_head, snapshot_knowing_key,
};
use super::request::ProxyRequest;
use super::runtime::Runtime;
use crate::upstream::Endpoint;

/// The guard asks the same questions of a request for its rule about remote clients.
pub use super::intake::{known_access_key, presented_key};

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
    request.trace_parent = runtime.trace_parent(&request_headers);
    request.capture = runtime.begin_capture(&request.client_key_name, &request.model);
    if let Some(capture) = &request.capture {
        capture.client_request(parts.uri.path(), &request_headers, &request.body);
    }
    Ok(request)
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

/// `GET /v1/models`: every routable model name once, then every group (always `auto`).
async fn models(State(runtime): State<Arc<Runtime>>, headers: HeaderMap) -> Response {
    let snapshot = snapshot_knowing_key(&runtime, &headers).await;
    if let Err(error) = authenticate(&snapshot, &headers) {
        return error.into_response();
    }
    Json(model_list(&snapshot, runtime.speeds())).into_response()
}

async fn unknown_route(request: Request) -> Response {
    ProxyError::UnknownRoute {
        method: request.method().to_string(),
        path: request.uri().path().to_owned(),
    }
    .into_response()
}
