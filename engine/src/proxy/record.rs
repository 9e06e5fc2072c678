//! The "record" phase: the request-log row of one client request, built by `LogRow::row` and
//! queued by `record_request`, the single place a row leaves the proxy (the background writer
//! stores it; anything that must happen per finished request hooks in there).

use std::time::Instant;

use super::error::AttemptFailure;
use super::request::ProxyRequest;
use super::route::Candidate;
use crate::AppState;
use crate::clock::now_ms;
use crate::logs::AttemptRecord;
use crate::store::RequestLogRow;

/// Queues the log row of a finished request. Every outcome (answered, refused, failed, cut,
/// abandoned by the client) ends here exactly once.
pub fn record_request(state: &AppState, row: RequestLogRow) {
    state.writer().log(row);
}

/// Which entry answered a request and the attempts that failed before it, put on every answer
/// `forward::serve` returns as a response extension: in-process callers (the test chat) read
/// it; HTTP clients never see extensions.
#[derive(Clone, Debug)]
pub struct Served {
    pub answered: AttemptRecord,
    pub failed: Vec<AttemptRecord>,
}

/// What every row of one request shares.
pub struct LogRow<'a> {
    pub request: &'a ProxyRequest,
    /// When the proxy started serving the request (the row's latency is measured from here).
    pub started: Instant,
    /// The failed attempts so far, in order, for the row's attempt list.
    pub failed: Vec<AttemptRecord>,
    /// When the current attempt started, Unix milliseconds.
    pub attempt_started_ms: i64,
}

impl<'a> LogRow<'a> {
    pub fn new(request: &'a ProxyRequest) -> Self {
        Self {
            request,
            started: Instant::now(),
            failed: Vec::new(),
            attempt_started_ms: now_ms(),
        }
    }

    /// Marks the start of the next attempt (its time in the attempt list).
    pub fn attempt_starts(&mut self) {
        self.attempt_started_ms = now_ms();
    }

    /// Notes that the current attempt on `candidate` failed.
    pub fn attempt_failed(&mut self, candidate: &Candidate, failure: &AttemptFailure) {
        let record = self.attempt(candidate, failure.status(), Some(failure.kind()));
        self.failed.push(record);
    }

    /// The answer of `candidate` with `status`, after the failed attempts so far.
    pub fn served(&self, candidate: &Candidate, status: u16) -> Served {
        Served {
            answered: self.attempt(candidate, Some(status), None),
            failed: self.failed.clone(),
        }
    }

    /// The current attempt on `candidate`, as the log keeps it.
    fn attempt(
        &self,
        candidate: &Candidate,
        status: Option<u16>,
        error_kind: Option<&str>,
    ) -> AttemptRecord {
        AttemptRecord {
            entry_id: candidate.entry.id,
            channel: candidate.channel.name.clone(),
            model: candidate.entry.model.clone(),
            at_ms: self.attempt_started_ms,
            elapsed_ms: now_ms() - self.attempt_started_ms,
            status,
            error_kind: error_kind.map(str::to_owned),
        }
    }

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
            attempt_log: self.attempt_log(candidate, status),
            ..RequestLogRow::default()
        }
    }

    /// The failed attempts, then the one that answered (when one did).
    fn attempt_log(&self, answered: Option<&Candidate>, status: u16) -> Vec<AttemptRecord> {
        let mut log = self.failed.clone();
        if let Some(candidate) = answered {
            log.push(self.attempt(candidate, Some(status), None));
        }
        log
    }
}
