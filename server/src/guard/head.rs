//! The request head's hard size limit. hyper's `max_buf_size` bounds its read buffer, not the
//! head: a head somewhat over it can still parse whole (one 100,000-byte header passed a 64 KiB
//! buffer). So the head is measured again once parsed, as it came over the wire (request line,
//! every header line, the blank line), and anything over the limit, one header or all of them
//! together, gets 431 in the caller's error shape before any other check runs.

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::Response;

use super::{Area, reply};

/// The head's size in bytes as sent over HTTP/1.1.
pub fn size(request: &Request) -> usize {
    // "GET /path HTTP/1.1\r\n"
    let request_line = request.method().as_str().len()
        + 1
        + request.uri().to_string().len()
        + " HTTP/1.1\r\n".len();
    let header_lines: usize = request
        .headers()
        .iter()
        .map(|(name, value)| name.as_str().len() + 2 + value.len() + 2)
        .sum();
    request_line + header_lines + 2
}

/// The middleware: 431 when the head is over `max_head_bytes`.
pub async fn limit(State(max_head_bytes): State<usize>, request: Request, next: Next) -> Response {
    let size = size(&request);
    if size <= max_head_bytes {
        return next.run(request).await;
    }
    tracing::warn!(
        size,
        limit = max_head_bytes,
        "refused a request whose head is over the limit"
    );
    reply::refuse(
        Area::of(request.uri().path()),
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
        "head_too_large",
        &format!("the request line and headers are larger than {max_head_bytes} bytes"),
    )
}
