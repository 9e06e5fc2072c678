//! Leptos answers every server-function error with 500, including a request it could not even
//! read (a field of the wrong type, a missing field, a malformed body). Those are the caller's
//! mistakes, so this layer turns them into 400: a bad request never looks like a server fault,
//! and monitoring that counts 5xx sees only real ones.

use axum::body::{Body, to_bytes};
use axum::http::StatusCode;
use axum::response::Response;
use leptos::server_fn::error::SERVER_FN_ERROR_HEADER;

/// How server_fn encodes the errors it raises before the function runs: the request could not
/// be decoded into the function's arguments.
const REQUEST_ERRORS: [&str; 3] = ["Args|", "MissingArg|", "Deserialization|"];

/// The same failures as server functions with the UI's error type report them: a
/// `UiError::Request` whose detail is server_fn's own wording for an undecodable request.
const UI_REQUEST_ERRORS: [&str; 2] = [
    "error deserializing server function arguments",
    "missing argument",
];

/// Whether `body` is a `UiError` saying the request could not be decoded.
fn is_undecodable_ui_request(body: &[u8]) -> bool {
    matches!(
        serde_json::from_slice::<engine::ui_error::UiError>(body),
        Ok(engine::ui_error::UiError::Request { detail })
            if UI_REQUEST_ERRORS.iter().any(|prefix| detail.starts_with(prefix))
    )
}

/// Longest error body inspected; server-function errors are one line.
const LONGEST_ERROR: usize = 64 * 1024;

/// A server function's 500 that reports an undecodable request, as 400; anything else as is.
pub async fn request_errors_are_400(response: Response) -> Response {
    if response.status() != StatusCode::INTERNAL_SERVER_ERROR
        || !response.headers().contains_key(SERVER_FN_ERROR_HEADER)
    {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = to_bytes(body, LONGEST_ERROR).await else {
        return Response::from_parts(parts, Body::empty());
    };
    if REQUEST_ERRORS
        .iter()
        .any(|prefix| bytes.starts_with(prefix.as_bytes()))
        || is_undecodable_ui_request(&bytes)
    {
        parts.status = StatusCode::BAD_REQUEST;
    }
    Response::from_parts(parts, Body::from(bytes))
}
