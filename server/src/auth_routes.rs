//! `/api/auth/*`: the login API the UI's login page and logout control call. The guard has
//! already checked the Host and that the call came from our own origin; these handlers check
//! the password (Argon2id, off the async workers), set or clear the session cookie and apply
//! the login throttle per client address (the TCP peer, or the client a trusted proxy names:
//! see `guard::place`).

use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use engine::auth::AuthError;
use serde::Deserialize;
use serde_json::json;

use crate::guard::{Guard, login, place};

/// The routes, for a router whose state can hand out the `Guard`.
pub fn routes<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Guard: axum::extract::FromRef<S>,
{
    Router::new()
        .route("/api/auth/login", post(log_in))
        .route("/api/auth/logout", post(log_out))
        .route("/api/auth/status", get(status))
}

fn error(status: StatusCode, code: &str) -> Response {
    (status, Json(json!({"error": {"code": code}}))).into_response()
}

#[derive(Deserialize)]
struct LoginBody {
    password: String,
}

/// `POST /api/auth/login` `{"password"}` -> 200 `{"ok":true}` and the session cookie.
async fn log_in(State(guard): State<Guard>, request: Request) -> Response {
    let client = place::client_address(&request, &guard.app.snapshot().settings.trusted_proxies);
    let secure = login::over_https(
        request.headers(),
        request.uri().scheme_str() == Some("https"),
    );
    if let Err(wait) = guard.throttle.check(client) {
        return locked_out(wait.as_secs().max(1));
    }
    let body = match axum::body::to_bytes(request.into_body(), 64 * 1024).await {
        Ok(body) => body,
        Err(_) => return error(StatusCode::BAD_REQUEST, "invalid_body"),
    };
    let Ok(LoginBody { password }) = serde_json::from_slice::<LoginBody>(&body) else {
        return error(StatusCode::BAD_REQUEST, "invalid_body");
    };
    let app = guard.app.clone();
    let opened = tokio::task::spawn_blocking(move || app.open_session(&password)).await;
    match opened {
        Ok(Ok(session)) => {
            guard.throttle.succeeded(client);
            let cookie = login::set_cookie(Some(&session.token), session.max_age_secs, secure);
            ([(header::SET_COOKIE, cookie)], Json(json!({"ok": true}))).into_response()
        }
        Ok(Err(AuthError::WrongPassword)) => {
            let lockout = guard.throttle.failed(client);
            tracing::warn!(%client, locked_for = ?lockout, "a UI login failed: wrong password");
            error(StatusCode::UNAUTHORIZED, "wrong_password")
        }
        Ok(Err(AuthError::NoPassword)) => error(StatusCode::CONFLICT, "password_not_set"),
        Ok(Err(other)) => {
            tracing::error!(error = %other, "a UI login could not be checked");
            error(StatusCode::INTERNAL_SERVER_ERROR, "internal")
        }
        Err(join) => {
            tracing::error!(error = %join, "the login check stopped");
            error(StatusCode::INTERNAL_SERVER_ERROR, "internal")
        }
    }
}

fn locked_out(retry_after_secs: u64) -> Response {
    (
        StatusCode::TOO_MANY_REQUESTS,
        [(header::RETRY_AFTER, retry_after_secs.to_string())],
        Json(json!({"error": {"code": "locked_out", "retry_after_secs": retry_after_secs}})),
    )
        .into_response()
}

/// `POST /api/auth/logout` -> 204, the session ended and its cookie cleared.
async fn log_out(State(guard): State<Guard>, headers: HeaderMap) -> Response {
    if let Some(token) = login::session_token(&headers) {
        let app = guard.app.clone();
        let closed = tokio::task::spawn_blocking(move || app.close_session(&token)).await;
        if !matches!(closed, Ok(Ok(()))) {
            tracing::error!("cannot end a login session");
        }
    }
    let secure = login::over_https(&headers, false);
    (
        StatusCode::NO_CONTENT,
        [(header::SET_COOKIE, login::set_cookie(None, 0, secure))],
    )
        .into_response()
}

/// `GET /api/auth/status` -> `{"login_required","logged_in","password_set"}`.
async fn status(State(guard): State<Guard>, request: Request) -> Response {
    let required = login::required(&guard.app.snapshot().settings, place::of(&request));
    let logged_in = login::has_live_session(&guard.app, request.headers()).await;
    let app = guard.app.clone();
    let password_set = tokio::task::spawn_blocking(move || app.admin_password_is_set())
        .await
        .ok()
        .and_then(Result::ok)
        .unwrap_or(false);
    Json(json!({
        "login_required": required,
        "logged_in": logged_in,
        "password_set": password_set,
    }))
    .into_response()
}
