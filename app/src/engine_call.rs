//! The one way a server function reaches the engine: the `AppState` the server put in the
//! request's context. Its front desk (`engine::manage`) is async and keeps its SQLite work off
//! the async workers itself, so a server function just awaits `state()?.operation(..)`; the
//! engine's error comes back as the typed `UiError` the page translates.

use engine::AppState;
use leptos::prelude::use_context;

use crate::errors::UiError;

/// The engine state the server put in context for this request.
pub fn state() -> Result<AppState, UiError> {
    use_context::<AppState>().ok_or_else(|| UiError::Internal {
        detail: "the engine state is not in the request context".into(),
    })
}
