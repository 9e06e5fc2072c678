//! The one way a server function reaches the engine. The engine's store is synchronous
//! SQLite, so each call runs on Tokio's blocking pool (`spawn_blocking`), never on an async
//! worker that other requests (the proxy's streams) are waiting for; its error comes back as
//! the typed `UiError` the page translates.

use engine::AppState;
use leptos::prelude::use_context;

use crate::errors::UiError;

/// The engine state the server put in context for this request.
pub fn state() -> Result<AppState, UiError> {
    use_context::<AppState>().ok_or_else(|| UiError::Internal {
        detail: "the engine state is not in the request context".into(),
    })
}

/// Runs `work` with the engine state on the blocking pool and returns its answer.
pub async fn blocking<T, E>(
    work: impl FnOnce(&AppState) -> Result<T, E> + Send + 'static,
) -> Result<T, UiError>
where
    T: Send + 'static,
    E: Into<UiError> + Send + 'static,
{
    let state = state()?;
    tokio::task::spawn_blocking(move || work(&state).map_err(Into::into))
        .await
        .map_err(|error| UiError::Internal {
            detail: format!("the engine call did not finish: {error}"),
        })?
}
