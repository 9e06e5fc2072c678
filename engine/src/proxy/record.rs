//! The "record" phase: the request-log row of one client request, built by `LogRow::row` and
//! queued by `record_request`, the single place a row leaves the proxy (the background writer
//! stores it; anything that must happen per finished request hooks in there).

use std::time::Instant;

use super::error::AttemptFailure;
use super::request::ProxyRequest;
use super::route::Candidate;
use super::runtime::Runtime;
use crate::clock::now_ms;
use crate::logs::{AttemptRecord, ErrorKind, RequestRecord};

/// Queues the log row of a finished request. Every outcome (answered, refused, failed, cut,
/// abandoned by the client) ends here exactly once.
pub fn record_request(runtime: &Runtime, row: RequestRecord) {
    runtime.writer().log(row);
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
    /// Attempts running side by side (a hedge), as a row written now would list them: the one
    /// not answering is cancelled (`hedge_cancelled`) unless it already failed. Empty, and
    /// never allocated, when hedging is off.
    pub racing: std::sync::Mutex<Vec<AttemptRecord>>,
}

impl<'a> LogRow<'a> {
    pub fn new(request: &'a ProxyRequest) -> Self {
        Self {
            request,
            started: Instant::now(),
            failed: Vec::new(),
            attempt_started_ms: now_ms(),
            racing: std::sync::Mutex::new(Vec::new()),
        }
    }

    fn racing(&self) -> std::sync::MutexGuard<'_, Vec<AttemptRecord>> {
        // Plain pushes and field updates only; a poisoned list is still a valid list.
        self.racing.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Notes that `candidate` runs side by side with the others noted since `race_ends`.
    pub fn race_joined(&self, candidate: &Candidate, at_ms: i64) {
        let mut record = self.attempt(candidate, None, Some(ErrorKind::HedgeCancelled));
        record.at_ms = at_ms;
        self.racing().push(record);
    }

    /// Notes that a racing attempt failed (a row written now lists its failure).
    pub fn race_failed(&self, candidate: &Candidate, failure: &AttemptFailure) {
        let now = now_ms();
        for record in self.racing().iter_mut() {
            if record.entry_id == candidate.entry.id
                && record.error_kind == Some(ErrorKind::HedgeCancelled)
            {
                record.elapsed_ms = now - record.at_ms;
                record.status = failure.status();
                record.error_kind = Some(failure.kind());
            }
        }
    }

    /// The race is over: its failures move to the failed list, in the order they started.
    pub fn race_ends(&mut self) {
        let racing = std::mem::take(&mut *self.racing());
        self.failed.extend(
            racing
                .into_iter()
                .filter(|r| r.error_kind != Some(ErrorKind::HedgeCancelled)),
        );
    }

    /// Marks the start of the next attempt (its time in the attempt list).
    pub fn attempt_starts(&mut self) {
        self.attempt_started_ms = now_ms();
    }

    /// Notes that the current attempt on `candidate` failed.
    pub fn attempt_failed(&mut self, candidate: &Candidate, failure: &AttemptFailure) {
        let mut record = self.attempt(candidate, failure.status(), Some(failure.kind()));
        record.rule = failure.rule().map(str::to_owned);
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
        error_kind: Option<ErrorKind>,
    ) -> AttemptRecord {
        AttemptRecord {
            entry_id: candidate.entry.id,
            channel: candidate.channel.name.clone(),
            model: candidate.entry.model.clone(),
            at_ms: self.attempt_started_ms,
            elapsed_ms: now_ms() - self.attempt_started_ms,
            status,
            error_kind,
            rule: None,
        }
    }

    /// The row for this request as served by `candidate` (or by nobody) after `attempts` tries.
    pub fn row(
        &self,
        candidate: Option<&Candidate>,
        attempts: u32,
        status: u16,
        error: String,
    ) -> RequestRecord {
        RequestRecord {
            at_ms: now_ms(),
            requested_model: self.request.model.clone(),
            entry_id: candidate.map(|c| c.entry.id),
            channel: candidate
                .map(|c| c.channel.name.clone())
                .unwrap_or_default(),
            model: candidate.map(|c| c.entry.model.clone()).unwrap_or_default(),
            attempt_count: attempts,
            status,
            latency_ms: self.started.elapsed().as_millis() as i64,
            stream: self.request.stream,
            client_key_name: self.request.client_key_name.clone(),
            error,
            attempts: self.attempt_log(candidate, status),
            ..RequestRecord::default()
        }
    }

    /// The failed attempts, any racing ones (cancelled unless they failed), then the one that
    /// answered (when one did).
    fn attempt_log(&self, answered: Option<&Candidate>, status: u16) -> Vec<AttemptRecord> {
        let mut log = self.failed.clone();
        let racing = self.racing();
        let now = now_ms();
        let mut answered_at = None;
        for record in racing.iter() {
            if answered.is_some_and(|c| c.entry.id == record.entry_id) {
                answered_at = Some(record.at_ms);
                continue;
            }
            let mut record = record.clone();
            if record.error_kind == Some(ErrorKind::HedgeCancelled) {
                record.elapsed_ms = now - record.at_ms;
            }
            log.push(record);
        }
        if let Some(candidate) = answered {
            let mut record = self.attempt(candidate, Some(status), None);
            if let Some(at_ms) = answered_at {
                record.at_ms = at_ms;
                record.elapsed_ms = now - at_ms;
            }
            log.push(record);
        }
        log
    }
}
