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
    /// One page of the log (see `LogQuery`). Runs SQLite: call it off the async workers.
    pub fn log_page(&self, query: &LogQuery) -> Result<LogPage, StoreError> {
        self.store().log_page(query)
    }

    /// The models, channels, key names and statuses the log holds, for the filters.
    pub fn log_filter_options(&self) -> Result<LogFilterOptions, StoreError> {
        self.store().log_filter_options()
    }
}
