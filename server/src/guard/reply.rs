//! Refusals in the caller's own error shape: a proxy client gets its protocol's error body
//! (OpenAI's `{"error":{...}}` or Anthropic's `{"type":"error",...}`), the UI's API and pages
//! get `{"error":{"code","message"}}` with a code the UI translates.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use protocol::ErrorKind;
use serde_json::json;

use super::Area;

pub fn refuse(area: Area, status: StatusCode, code: &str, message: &str) -> Response {
    let body = match area {
        Area::Proxy(protocol) => {
            let mut body = protocol::error_body(
                protocol,
                status.as_u16(),
                message,
                ErrorKind::from_status(status.as_u16()),
            );
            // Gemini's `code` is the HTTP status; OpenAI's carries the reason.
            if body["error"].is_object()
                && body.get("type").is_none()
                && protocol != protocol::Protocol::Gemini
            {
                body["error"]["code"] = json!(code);
            }
            body
        }
        Area::Auth | Area::Api | Area::Metrics | Area::Public | Area::Page => {
            json!({"error": {"code": code, "message": message}})
        }
    };
    (status, Json(body)).into_response()
}
