//! The "record" phase: the request-log row of one client request. `LogRow` gathers what the
//! row says while the request is served (its attempts, a race); once the answer is committed
//! a `Recorder` owns the row and records it exactly once: when the request ends (`finish`),
//! or, when the client goes away first, on drop. `Recorder::record` is the single place a row
//! leaves the proxy (the background writer stores it; anything that must happen per finished
//! request hooks in there).

use std::ops::Deref;
use std::time::Instant;

use super::error::AttemptFailure;
use super::request::ProxyRequest;
use super::route::Candidate;
use super::runtime::Runtime;
use crate::clock::now_ms;
use crate::logs::{AttemptRecord, ErrorKind, RequestRecord};

/// How a request ended, as its row says.
pub struct Ending {
    /// What the client got (499: it left first; 502: every entry failed or a stream broke);
    /// `None`: the status of the answer the row was made for.
    pub status: Option<u16>,
    /// Why it failed, in English for logs (empty on success).
    pub error: String,
    /// Prompt and completion tokens, when the upstream reported them.
    pub usage: (Option<i64>, Option<i64>),
}

impl Ending {
    /// Answered with the status the row was made for, with the upstream's token counts.
    pub fn answered(usage: (Option<i64>, Option<i64>)) -> Self {
        Self {
            status: None,
            error: String::new(),
            usage,
        }
    }

    /// Failed with `status` for `error`.
    pub fn failed(status: u16, error: String) -> Self {
        Self {
            status: Some(status),
            error,
            usage: (None, None),
        }
    }
}

/// The log row of a request whose answer is committed, recorded exactly once: by `finish`, or
/// on drop as the client leaving (499). `R` is how it holds the runtime: borrowed while the
/// request is served, an `Arc` when a stream outlives `forward::serve`.
pub struct Recorder<R: Deref<Target = Runtime>> {
    runtime: R,
    /// Until it is recorded.
    row: Option<RequestRecord>,
    /// When the proxy started serving the request (the row's latency counts from here).
    request_started: Instant,
}

impl<R: Deref<Target = Runtime>> Recorder<R> {
    pub fn new(runtime: R, row: RequestRecord, request_started: Instant) -> Self {
        Self {
            runtime,
            row: Some(row),
            request_started,
        }
    }

    pub fn runtime(&self) -> &Runtime {
        &self.runtime
    }

    /// The first content reached the client now.
    pub fn first_content(&mut self) {
        let elapsed = self.request_started.elapsed().as_millis() as i64;
        if let Some(row) = &mut self.row {
            row.first_token_ms = Some(elapsed);
        }
    }

    /// The request ended: its row is recorded (only the first ending counts).
    pub fn finish(&mut self, ending: Ending) {
        self.record(ending);
    }

    fn record(&mut self, ending: Ending) {
        let Some(mut row) = self.row.take() else {
            return;
        };
        if let Some(status) = ending.status {
            row.status = status;
        }
        row.error = ending.error;
        (row.prompt_tokens, row.completion_tokens) = ending.usage;
        row.latency_ms = self.request_started.elapsed().as_millis() as i64;
        self.runtime.writer().log(row);
    }
}

impl<R: Deref<Target = Runtime>> Drop for Recorder<R> {
    /// Dropped before `finish`: the client went away mid-answer (the entry did nothing wrong).
    fn drop(&mut self) {
        self.record(Ending::failed(499, "client disconnected".into()));
    }
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

    /// The recorder of this request as served by `candidate` with `status` (or by nobody)
    /// after `attempts` tries: call it once the answer is committed.
    pub fn recorder<R: Deref<Target = Runtime>>(
        &self,
        runtime: R,
        candidate: Option<&Candidate>,
        attempts: u32,
        status: u16,
    ) -> Recorder<R> {
        Recorder::new(runtime, self.row(candidate, attempts, status), self.started)
    }

    /// The row for this request as served by `candidate` (or by nobody) after `attempts` tries
    /// (a stream's is taken when its headers arrive, recorded once it is committed).
    pub fn row(&self, candidate: Option<&Candidate>, attempts: u32, status: u16) -> RequestRecord {
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
            stream: self.request.stream,
            client_key_name: self.request.client_key_name.clone(),
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
