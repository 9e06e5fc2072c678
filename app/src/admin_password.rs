//! Changing the admin password from the UI, on the server. The current password is checked
//! through the same throttle as the login (the guard leaves the request's `LoginAttempt` in its
//! extensions), so the change form cannot be used to guess the password faster than the login
//! page; and the answer's status says what happened: 401 for a wrong current password, 429
//! with `Retry-After` while the client is locked out, 400 for a new password that is too short.

use axum::http::{HeaderValue, StatusCode, header};
use engine::auth::{AuthError, LoginAttempt};
use leptos::prelude::use_context;
use leptos_axum::ResponseOptions;

use crate::errors::UiError;

/// Sets (first time) or changes the admin password; see the module doc.
pub async fn change(current: String, new: String) -> Result<(), UiError> {
    let attempt = use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<LoginAttempt>().cloned());
    let outcome = crate::engine_call::state()?
        .change_admin_password_as(attempt, &current, &new)
        .await;
    let Err(error) = outcome else {
        return Ok(());
    };
    let (status, answer) = refusal(error);
    if let Some(options) = use_context::<ResponseOptions>() {
        options.set_status(status);
        if let UiError::LockedOut { retry_after_secs } = &answer
            && let Ok(value) = HeaderValue::from_str(&retry_after_secs.to_string())
        {
            options.insert_header(header::RETRY_AFTER, value);
        }
    }
    Err(answer)
}

/// The status and the typed error (whose codes the Settings screen translates).
fn refusal(error: AuthError) -> (StatusCode, UiError) {
    match error {
        AuthError::WrongPassword => (
            StatusCode::UNAUTHORIZED,
            UiError::InvalidField {
                field: "current_password".into(),
                detail: "wrong".into(),
            },
        ),
        AuthError::LockedOut { retry_after_secs } => (
            StatusCode::TOO_MANY_REQUESTS,
            UiError::LockedOut { retry_after_secs },
        ),
        AuthError::TooShort { min } => (
            StatusCode::BAD_REQUEST,
            UiError::InvalidField {
                field: "password".into(),
                detail: min.to_string(),
            },
        ),
        AuthError::Store(error) => (StatusCode::INTERNAL_SERVER_ERROR, error.into()),
        other => (
            StatusCode::INTERNAL_SERVER_ERROR,
            UiError::Internal {
                detail: other.to_string(),
            },
        ),
    }
}
