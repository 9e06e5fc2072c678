//! The request log as the Logs screen reads it: filtered pages, newest first, each row with
//! the attempts that led to it, and the values the filters offer. Rows are saved by the
//! background writer; retention (`Settings::log_retention_days` / `log_retention_rows`) is
//! applied by it at start and hourly.

pub use types::logs::{
    AttemptRecord, ErrorKind, LogFilterOptions, LogPage, LogQuery, RequestRecord, StatusFilter,
};

use crate::AppState;
use crate::store::StoreError;

impl AppState {
    /// One page of the log (see `LogQuery`); its SQLite work runs on the blocking pool.
    pub async fn log_page(&self, query: &LogQuery) -> Result<LogPage, StoreError> {
        let query = query.clone();
        self.blocking(move |state| state.store().log_page(&query))
            .await
    }

    /// The models, channels, key names and statuses the log holds, for the filters.
    pub async fn log_filter_options(&self) -> Result<LogFilterOptions, StoreError> {
        self.blocking(|state| state.store().log_filter_options())
            .await
    }
}
