//! A proxy path called with the wrong method (`GET /v1/chat/completions`, `POST /v1/models`)
//! gets 405 with an `Allow` header and a body in the path's protocol's error shape, like every
//! other proxy error, instead of the framework's empty 405 that clients cannot read.

use axum::Json;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use protocol::{ErrorKind, Protocol};

/// The 405 answer for `request`.
pub async fn method_not_allowed(request: Request) -> Response {
    let path = request.uri().path();
    let allowed = if path == "/v1/models" { "GET" } else { "POST" };
    let message = format!(
        "{} is not allowed on {path}; use {allowed}",
        request.method()
    );
    let protocol = if path.starts_with("/v1/messages") {
        Protocol::Anthropic
    } else {
        Protocol::OpenAiChat
    };
    let body = protocol::error_body(
        protocol,
        StatusCode::METHOD_NOT_ALLOWED.as_u16(),
        &message,
        ErrorKind::InvalidRequest,
    );
    let mut response = (StatusCode::METHOD_NOT_ALLOWED, Json(body)).into_response();
    response
        .headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static(allowed));
    response
}
