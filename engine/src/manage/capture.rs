//! The capture setting as the Logs screen and the CLI change it, and the captured exchanges
//! they read (`proxy::capture` keeps them, `store::exchanges` stores them).

use types::capture::{CaptureRule, CaptureStatus, Exchange};

use crate::AppState;
use crate::clock::now_ms;
use crate::store::StoreError;

impl AppState {
    /// The capture setting as it stands, with what is kept.
    pub async fn capture_status(&self) -> Result<CaptureStatus, StoreError> {
        self.blocking(|state| {
            let mut status = state.store().capture_status(now_ms())?;
            // The proxy's count is ahead of the file's by what the writer has not saved yet.
            status.rule = state.runtime().capture_rule();
            status.active = status.rule.active(now_ms());
            Ok(status)
        })
        .await
    }

    /// Saves `rule` and captures by it from the next request on.
    pub async fn set_capture(&self, rule: CaptureRule) -> Result<CaptureStatus, StoreError> {
        self.blocking(move |state| {
            state.store().save_capture_rule(&rule)?;
            state.runtime().set_capture(rule);
            Ok::<_, StoreError>(())
        })
        .await?;
        self.capture_status().await
    }

    /// The exchange captured for the request-log row `request_log_id`, when one is kept.
    pub async fn exchange(&self, request_log_id: i64) -> Result<Option<Exchange>, StoreError> {
        self.blocking(move |state| state.store().exchange(request_log_id))
            .await
    }
}
