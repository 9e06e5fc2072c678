//! The "record" phase: the request-log row of one client request, built by `LogRow::row` and
//! queued by `record_request`, the single place a row leaves the proxy (the background writer
//! stores it; anything that must happen per finished request hooks in there).

use std::time::Instant;

use super::request::ProxyRequest;
use super::route::Candidate;
use crate::AppState;
use crate::clock::now_ms;
use crate::store::RequestLogRow;

/// Queues the log row of a finished request. Every outcome (answered, refused, failed, cut,
/// abandoned by the client) ends here exactly once.
pub fn record_request(state: &AppState, row: RequestLogRow) {
    state.writer().log(row);
}

/// What every row of one request shares.
pub struct LogRow<'a> {
    pub request: &'a ProxyRequest,
    /// When the proxy started serving the request (the row's latency is measured from here).
    pub started: Instant,
}

impl LogRow<'_> {
    /// The row for this request as served by `candidate` (or by nobody) after `attempts` tries.
    pub fn row(
        &self,
        candidate: Option<&Candidate>,
        attempts: u32,
        status: u16,
        error: String,
    ) -> RequestLogRow {
        RequestLogRow {
            at_ms: now_ms(),
            requested_model: self.request.model.clone(),
            entry_id: candidate.map(|c| c.entry.id),
            channel_name: candidate
                .map(|c| c.channel.name.clone())
                .unwrap_or_default(),
            model: candidate.map(|c| c.entry.model.clone()).unwrap_or_default(),
            attempts,
            status,
            latency_ms: self.started.elapsed().as_millis() as i64,
            stream: self.request.stream,
            client_key_name: self.request.client_key_name.clone(),
            error,
            ..RequestLogRow::default()
        }
    }
}
