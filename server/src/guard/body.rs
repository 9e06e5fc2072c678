//! Request bodies within bounds. A body declared (`Content-Length`) larger than
//! `max_body_bytes` is refused with 413 before a byte of it is read; any other body must arrive
//! whole within the limit and the read deadline, so a client trickling bytes cannot hold a
//! connection and a buffer forever (408). Handlers then get the body already in memory.

use std::time::Duration;

use axum::body::Body;
use axum::extract::Request;
use axum::http::{Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use engine::proxy::ProxyError;
use http_body_util::{BodyExt, LengthLimitError, Limited};

use super::{Area, reply};

fn too_large(area: Area, limit: usize) -> Response {
    match area {
        Area::Proxy(protocol) => ProxyError::TooLarge { limit }.into_response_for(protocol),
        _ => reply::refuse(
            area,
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
            &format!("the request body is larger than {limit} bytes"),
        ),
    }
}

/// 413 at once when the declared length is over `limit`.
pub fn refuse_declared_size(request: &Request, area: Area, limit: usize) -> Option<Response> {
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .trim()
        .parse::<u64>()
        .ok()?;
    (declared > limit as u64).then(|| too_large(area, limit))
}

/// Whether a request of this method carries a body worth reading here; GET and friends are
/// passed on untouched (`/api/events` streams its answer, not its request).
fn has_body(request: &Request) -> bool {
    matches!(
        *request.method(),
        Method::POST | Method::PUT | Method::PATCH | Method::DELETE
    )
}

/// Reads the whole body within `limit` bytes and `deadline`, or answers 413 / 408 / 400.
pub async fn read_within(
    request: Request,
    area: Area,
    limit: usize,
    deadline: Duration,
) -> Result<Request, Response> {
    if !has_body(&request) {
        return Ok(request);
    }
    let (parts, body) = request.into_parts();
    let collected = tokio::time::timeout(deadline, Limited::new(body, limit).collect()).await;
    let bytes = match collected {
        Ok(Ok(collected)) => collected.to_bytes(),
        Ok(Err(error)) if error.is::<LengthLimitError>() => return Err(too_large(area, limit)),
        Ok(Err(error)) => {
            tracing::debug!(%error, "cannot read a request body");
            return Err(reply::refuse(
                area,
                StatusCode::BAD_REQUEST,
                "body_unreadable",
                "the request body could not be read",
            ));
        }
        Err(_elapsed) => {
            tracing::warn!(
                path = parts.uri.path(),
                "a request body did not arrive within {deadline:?}; closing"
            );
            let mut response = reply::refuse(
                area,
                StatusCode::REQUEST_TIMEOUT,
                "body_timeout",
                &format!(
                    "the request body did not arrive within {} seconds",
                    deadline.as_secs()
                ),
            );
            response.headers_mut().insert(
                header::CONNECTION,
                header::HeaderValue::from_static("close"),
            );
            return Err(response.into_response());
        }
    };
    Ok(Request::from_parts(parts, Body::from(bytes)))
}
