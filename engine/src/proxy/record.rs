//! The "record" phase: the request-log row of one client request, and the end of each of its
//! attempts. `LogRow` gathers what the row says while the request is served (its attempts, a
//! race); once the answer is committed a `Recorder` owns the row and records it exactly once:
//! when the request ends (`finish`), or, when the client goes away first, on drop.
//! `Recorder::record` is the single place a row leaves the proxy (the background writer
//! stores it; anything that must happen per finished request hooks in there).
//!
//! Every attempt's end reaches the observe phase from here (`observe::attempt_ended`): a failed
//! attempt when `LogRow` notes it, the answering attempt when its `Recorder` ends (a client
//! that leaves changes nothing for the entry). The answering attempt's time to first content
//! is measured here too, for the `fastest` order and hedging's p90.
//!
//! Each attempt's timings go into its record, counted from its start (`at_ms`): how long a new
//! connection took to open (`http_client::timing_connect`), when its response headers arrived
//! (`LogRow::headers_arrived`, noted by the attempt as they come), its
//! first content and its end (the answering attempt's, noted by its `Recorder`). All are Unix
//! milliseconds read once at each moment: no timer runs, nothing is formatted.

use std::ops::Deref;
use std::time::{Duration, Instant};

use super::capture::Capture;
use super::error::AttemptFailure;
use super::observe::{self, AttemptEnd};
use super::request::ProxyRequest;
use super::route::Candidate;
use super::runtime::Runtime;
use super::sticky::Turn;
use super::writer::RowContext;
use crate::clock::now_ms;
use crate::logs::{AttemptRecord, ErrorKind, RequestRecord};
use types::EntryId;
use types::pricing::Usage;

/// An attempt's response headers: whose, when, and how long its new connection took to open.
#[derive(Clone, Copy)]
struct HeadersArrived {
    entry: EntryId,
    at_ms: i64,
    connect_ms: Option<i64>,
}

/// How a request ended, as its row says.
pub enum Ending {
    /// Answered with the status the row was made for, with the upstream's token counts (or
    /// their estimate).
    Answered { usage: Usage },
    /// No entry answered: the client got `status` for `error`.
    Failed { status: u16, error: String },
    /// The answering attempt failed after its answer was committed (a stream broke): 502, and
    /// the entry answers for it.
    Broke(AttemptFailure),
    /// The client went away before the answer ended: 499, nobody's fault.
    ClientLeft,
}

impl Ending {
    /// Answered, with the upstream's token counts (estimated from `sizes` when it reported
    /// none).
    pub fn answered(usage: Usage, sizes: TextSizes) -> Self {
        let usage = match usage.prompt.or(usage.completion) {
            Some(_) => usage,
            None => sizes.estimate(),
        };
        Self::Answered { usage }
    }

    /// What the row says: the status (`None`: the answer's own), the error, the usage.
    fn row_fields(&self) -> (Option<u16>, String, Usage) {
        match self {
            Self::Answered { usage } => (None, String::new(), *usage),
            Self::Failed { status, error } => (Some(*status), error.clone(), Usage::default()),
            Self::Broke(failure) => (Some(502), failure.to_string(), Usage::default()),
            Self::ClientLeft => (Some(499), "client disconnected".into(), Usage::default()),
        }
    }
}

/// How much text a request and its answer hold, for a token estimate when the provider
/// reports no usage.
#[derive(Clone, Copy, Debug, Default)]
pub struct TextSizes {
    /// The client's request body.
    pub request_bytes: usize,
    /// The answer's generated text, reasoning and tool arguments.
    pub answer_bytes: usize,
}

impl TextSizes {
    /// Bytes per token of the estimate: the figure `count_tokens` answers with (English averages
    /// about 4 characters a token; counting bytes makes CJK text, which tokenizes denser, count
    /// more). A real tokenizer's vocabulary would not fit the binary's size limit.
    const BYTES_PER_TOKEN: usize = 4;

    /// Token counts estimated from the sizes, marked as estimated; unknown for an empty answer.
    fn estimate(self) -> Usage {
        if self.answer_bytes == 0 {
            return Usage::default();
        }
        let tokens = |bytes: usize| i64::try_from(bytes.div_ceil(Self::BYTES_PER_TOKEN)).ok();
        Usage {
            prompt: tokens(self.request_bytes),
            completion: tokens(self.answer_bytes),
            estimated: true,
            ..Usage::default()
        }
    }
}

/// The attempt whose answer a `Recorder` records: observed when the answer ends.
struct Answering {
    candidate: Candidate,
    /// When its attempt started (its response time and time to first content count from here).
    attempt_started: Instant,
    /// Its time to first content is in `Speeds` already.
    measured: bool,
}

/// The log row of a request whose answer is committed, recorded exactly once: by `finish`, or
/// on drop as the client leaving (499). `R` is how it holds the runtime: borrowed while the
/// request is served, an `Arc` when a stream outlives `forward::serve`.
pub struct Recorder<R: Deref<Target = Runtime>> {
    runtime: R,
    /// Until it is recorded: the row and what goes to the writer beside it (the route, the
    /// client's trace parent), taken together.
    row: Option<(RequestRecord, RowContext)>,
    /// When the proxy started serving the request (the row's latency counts from here).
    request_started: Instant,
    /// The attempt that answered, when its end means something for its entry (not for a
    /// request no entry answered, nor for the client's own error).
    answering: Option<Answering>,
    /// When the answering attempt's first content arrived, Unix milliseconds.
    first_content_at_ms: Option<i64>,
    /// The request's captured exchange, stored with the row (`capture`).
    capture: Option<Capture>,
}

impl<R: Deref<Target = Runtime>> Recorder<R> {
    pub fn new(
        runtime: R,
        row: RequestRecord,
        request_started: Instant,
        context: RowContext,
    ) -> Self {
        Self {
            runtime,
            row: Some((row, context)),
            request_started,
            answering: None,
            first_content_at_ms: None,
            capture: None,
        }
    }

    /// Stores `capture`'s exchange with the row.
    pub fn capturing(mut self, capture: Option<Capture>) -> Self {
        self.capture = capture;
        self
    }

    /// Records an answer of `candidate`'s attempt started at `attempt_started`, whose end is
    /// observed for its entry: success when it ends, failure when it breaks.
    pub fn answered_by(mut self, candidate: &Candidate, attempt_started: Instant) -> Self {
        self.answering = Some(Answering {
            candidate: candidate.clone(),
            attempt_started,
            measured: false,
        });
        self
    }

    /// The first content reached the client now: the row's time to first token, and the
    /// answering attempt's in `Speeds`.
    pub fn first_content(&mut self) {
        self.first_content_at_ms = Some(now_ms());
        let elapsed = self.request_started.elapsed().as_millis() as i64;
        if let Some((row, _)) = &mut self.row {
            row.first_token_ms = Some(elapsed);
        }
        self.measure_first_content();
    }

    /// A single answer's first body byte arrived at `at_ms` (Unix milliseconds): the
    /// answering attempt's first content. The row's time to first token stays a stream's.
    pub fn first_byte_at(mut self, at_ms: Option<i64>) -> Self {
        self.first_content_at_ms = at_ms;
        self
    }

    fn measure_first_content(&mut self) {
        if let Some(answering) = self.answering.as_mut().filter(|a| !a.measured) {
            answering.measured = true;
            let elapsed = answering.attempt_started.elapsed().as_millis() as u64;
            self.runtime
                .speeds()
                .record(answering.candidate.entry.id, elapsed);
        }
    }

    /// The request ended: its row is recorded (only the first ending counts).
    pub fn finish(&mut self, ending: Ending) {
        self.record(ending);
    }

    fn record(&mut self, ending: Ending) {
        let Some((mut row, context)) = self.row.take() else {
            return;
        };
        let (status, error, usage) = ending.row_fields();
        if let Some(status) = status {
            row.status = status;
        }
        row.error = error;
        self.price(&mut row, &usage);
        let tokens = usage.prompt.unwrap_or(0) + usage.completion.unwrap_or(0);
        self.runtime.key_meters().spent(
            &row.client_key_name,
            u64::try_from(tokens).unwrap_or(0),
            row.cost_usd.unwrap_or(0.0),
        );
        // The row's time is its end, as the log and the traces read it (a stream's row is
        // made when its headers arrive).
        row.at_ms = now_ms();
        row.latency_ms = self.request_started.elapsed().as_millis() as i64;
        self.time_answering_attempt(&mut row);
        match self.capture.take() {
            None => self.runtime.writer().log(row, context),
            Some(capture) => {
                capture.ended(row.status, &row.error);
                row.captured = true;
                self.runtime
                    .writer()
                    .captured(row, context, capture.finish());
            }
        }
        self.answer_ended(&ending);
    }

    /// The answering attempt's first content and end, in its record (the last one; a stream's
    /// row was taken when its headers arrived, before either).
    fn time_answering_attempt(&self, row: &mut RequestRecord) {
        if self.answering.is_none() {
            return;
        }
        if let Some(attempt) = row.attempts.last_mut().filter(|a| a.error_kind.is_none()) {
            attempt.first_content_ms = self.first_content_at_ms.map(|at| at - attempt.at_ms);
            attempt.elapsed_ms = now_ms() - attempt.at_ms;
        }
    }

    /// The row's token counts and what they cost at the answering entry's price (from the
    /// runtime's snapshot, priced when the configuration was loaded: no catalog lookup here).
    fn price(&self, row: &mut RequestRecord, usage: &Usage) {
        row.prompt_tokens = usage.prompt;
        row.completion_tokens = usage.completion;
        row.cache_read_tokens = usage.cache_read;
        row.cache_write_tokens = usage.cache_write;
        row.reasoning_tokens = usage.reasoning;
        row.tokens_estimated = usage.estimated;
        row.cost_usd = row
            .entry_id
            .and_then(|entry| self.runtime.snapshot().price_of(entry)?.cost(usage));
    }

    /// The answering attempt's end, for its entry. A single answer's time to first content is
    /// the whole answer's.
    fn answer_ended(&mut self, ending: &Ending) {
        let end = match ending {
            Ending::Answered { .. } => {
                self.measure_first_content();
                let Some(answering) = &self.answering else {
                    return;
                };
                AttemptEnd::Answered {
                    attempt_started: answering.attempt_started,
                }
            }
            Ending::Broke(failure) => AttemptEnd::Failed(failure),
            Ending::Failed { .. } | Ending::ClientLeft => return,
        };
        if let Some(answering) = &self.answering {
            observe::attempt_ended(&self.runtime, &answering.candidate, end);
        }
    }
}

impl<R: Deref<Target = Runtime>> Drop for Recorder<R> {
    /// Dropped before `finish`: the client went away mid-answer (the entry did nothing wrong).
    fn drop(&mut self) {
        self.record(Ending::ClientLeft);
    }
}

/// The token counts of an upstream's `usage`, in the log's terms; all unknown when it reported
/// none (a usage of all zeros is a relay's placeholder, not a free answer).
pub fn usage_from(reported: Option<&protocol::hub::Usage>) -> Usage {
    let Some(hub) = reported.filter(|u| u.total_input() + u.output > 0) else {
        return Usage::default();
    };
    let count = |n: u64| i64::try_from(n).ok();
    let part = |n: u64| (n > 0).then(|| count(n)).flatten();
    Usage {
        prompt: count(hub.total_input()),
        completion: count(hub.output),
        cache_read: part(hub.cache_read),
        cache_write: part(hub.cache_creation),
        reasoning: part(hub.reasoning),
        estimated: false,
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
    /// The request's session turn, when it names a session (session affinity).
    pub turn: Option<Turn>,
    /// When the running attempts' response headers arrived (Unix milliseconds), by entry, with
    /// how long opening a new connection took: at most two run at once (a lead and its
    /// hedge), and a failed one is recorded before the next starts. A fixed pair, so noting a
    /// time allocates nothing.
    headers_at: std::sync::Mutex<[Option<HeadersArrived>; 2]>,
}

impl<'a> LogRow<'a> {
    pub fn new(request: &'a ProxyRequest) -> Self {
        Self {
            request,
            started: Instant::now(),
            failed: Vec::new(),
            attempt_started_ms: now_ms(),
            racing: std::sync::Mutex::new(Vec::new()),
            turn: None,
            headers_at: std::sync::Mutex::new([None; 2]),
        }
    }

    fn racing(&self) -> std::sync::MutexGuard<'_, Vec<AttemptRecord>> {
        // Plain pushes and field updates only; a poisoned list is still a valid list.
        self.racing.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The response headers of the attempt on `entry` arrived now (its time to first byte),
    /// after `connect` spent opening a new connection (`None`: a kept-alive one).
    pub fn headers_arrived(&self, entry: EntryId, connect: Option<Duration>) {
        let arrived = HeadersArrived {
            entry,
            at_ms: now_ms(),
            connect_ms: connect.map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX)),
        };
        // Field updates only; a poisoned pair is still a valid pair.
        let mut headers_at = self.headers_at.lock().unwrap_or_else(|p| p.into_inner());
        let slot = headers_at
            .iter()
            .position(|slot| slot.is_none_or(|s| s.entry == entry))
            .unwrap_or(0);
        headers_at[slot] = Some(arrived);
    }

    /// The time to first byte and the connection of the attempt in `record` (its entry and
    /// start), into it, if its headers arrived.
    fn note_timings(&self, record: &mut AttemptRecord) {
        let headers_at = self.headers_at.lock().unwrap_or_else(|p| p.into_inner());
        let arrived = headers_at
            .iter()
            .flatten()
            .find(|s| s.entry == record.entry_id);
        record.ttfb_ms = arrived.map(|s| (s.at_ms - record.at_ms).max(0));
        record.connect_ms = arrived.and_then(|s| s.connect_ms);
        record.reused_connection = arrived.is_some_and(|s| s.connect_ms.is_none());
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
                self.note_timings(record);
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
        *self.headers_at.get_mut().unwrap_or_else(|p| p.into_inner()) = [None; 2];
    }

    /// An attempt on `candidate` failed before its answer was committed: observed for its
    /// entry, and noted as the current attempt unless a race (`race_failed`) noted it already.
    pub fn attempt_failed(
        &mut self,
        runtime: &Runtime,
        candidate: &Candidate,
        failure: &AttemptFailure,
        raced: bool,
    ) {
        observe::attempt_ended(runtime, candidate, AttemptEnd::Failed(failure));
        if raced {
            return;
        }
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
        let mut record = AttemptRecord {
            entry_id: candidate.entry.id,
            channel: candidate.channel.name.clone(),
            model: candidate.entry.model.clone(),
            at_ms: self.attempt_started_ms,
            elapsed_ms: now_ms() - self.attempt_started_ms,
            status,
            error_kind,
            ..AttemptRecord::default()
        };
        self.note_timings(&mut record);
        record
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
        Recorder::new(
            runtime,
            self.row(candidate, attempts, status),
            self.started,
            self.request.row_context(),
        )
        .capturing(self.request.capture.clone())
    }

    /// The row for this request as served by `candidate` (or by nobody) after `attempts` tries
    /// (a stream's is taken when its headers arrive, recorded once it is committed). Its time
    /// (`at_ms`) is the request's end: its `Recorder` sets it.
    pub fn row(&self, candidate: Option<&Candidate>, attempts: u32, status: u16) -> RequestRecord {
        RequestRecord {
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
            session: self
                .turn
                .as_ref()
                .map(|t| t.session.label())
                .unwrap_or_default(),
            session_moved: match (&self.turn, candidate) {
                (Some(turn), Some(candidate)) => turn.moved(candidate, &self.failed),
                _ => String::new(),
            },
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
                self.note_timings(&mut record);
            }
            log.push(record);
        }
        if let Some(candidate) = answered {
            let mut record = self.attempt(candidate, Some(status), None);
            if let Some(at_ms) = answered_at {
                record.at_ms = at_ms;
                record.elapsed_ms = now - at_ms;
                self.note_timings(&mut record);
            }
            log.push(record);
        }
        log
    }
}
