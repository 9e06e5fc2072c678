//! The background writer: cooldowns, auto-disables and request-log rows go to a dedicated
//! thread that writes them in batches, one transaction each, so no request ever waits on disk.
//! Once a row is saved it is announced as a `RequestFinished` event (with its id), and the
//! request-log retention is applied at start and then hourly, on the same thread. Each row is
//! counted for `/metrics` here too, and turned into trace spans when traces are exported
//! (`traces`), so the request path pays nothing for either.

use std::sync::Arc;
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::time::{Duration, Instant};

use axum::http::HeaderValue;
use tokio::sync::broadcast;

use crate::events::Event;
use crate::logs::RequestRecord;
use crate::metrics::Metrics;
use crate::store::{CooldownWrite, EntryId, Store, StoredResponse};
use crate::traces::TraceExport;
use types::capture::{CaptureRule, Exchange};

/// How long the writer gathers more rows after the first before it writes.
const GATHER: Duration = Duration::from_millis(200);
/// How often it looks at the queue while gathering. Between looks it sleeps instead of
/// waiting on the channel: a thread waiting on the channel is woken by every send, which under
/// load meant a wake-up and two context switches per request (the profile in BENCHMARKS.md);
/// looking every few milliseconds costs a bounded number of wake-ups per batch instead, and a
/// `flush` waits at most this long.
const LOOK_EVERY: Duration = Duration::from_millis(5);
const MAX_BATCH: usize = 500;
/// How often old request-log rows are deleted.
const RETENTION_EVERY: Duration = Duration::from_secs(3600);

/// What travels to the writer beside a finished request's row without being part of it.
pub struct RowContext {
    /// The proxy route that served the request (`/metrics` labels by it).
    pub route: &'static str,
    /// The client's W3C `traceparent`, kept only while traces are exported: the request's
    /// span continues the client's trace.
    pub trace_parent: Option<HeaderValue>,
}

/// Rows move unboxed: one per request goes through the channel, and boxing would add an
/// allocation per request (a captured exchange, rare, is boxed).
enum Message {
    Change(CooldownWrite),
    /// A finished request's row and what travels beside it.
    Log(RequestRecord, RowContext),
    /// A row (and its context) with its captured exchange (`capture`), linked once the row
    /// has its id.
    Captured(RequestRecord, RowContext, Box<Exchange>),
    /// The capture setting's lowered count.
    CaptureRule(CaptureRule),
    /// A converted Responses answer's conversation (`conversation`).
    Conversation(StoredResponse),
    /// Spans of the rows from now on go to this exporter (`traces`).
    ExportTraces(Box<TraceExport>),
    /// Sends the spans still queued and stops exporting; answered once they are out.
    StopTraces(Sender<()>),
    Flush(Sender<()>),
}

/// The sending side; cheap to call from any thread or task. A clone sends to the same thread
/// (for a blocking task's `flush`).
#[derive(Clone)]
pub struct Writer {
    tx: Sender<Message>,
}

impl Writer {
    /// Starts the writer thread; it ends when the `Writer` is dropped.
    pub fn spawn(
        store: Arc<Store>,
        events: broadcast::Sender<Event>,
        metrics: Arc<Metrics>,
    ) -> Self {
        let (tx, rx) = channel();
        let spawned = std::thread::Builder::new()
            .name("api-switch-writer".into())
            .spawn(move || run(&store, &rx, &events, &metrics));
        if let Err(error) = spawned {
            tracing::error!(%error, "cannot start the background writer; cooldowns and the request log will not be saved");
        }
        Self { tx }
    }

    pub fn change(&self, change: CooldownWrite) {
        self.send(Message::Change(change));
    }

    pub fn log(&self, row: RequestRecord, context: RowContext) {
        self.send(Message::Log(row, context));
    }

    pub fn captured(&self, row: RequestRecord, context: RowContext, exchange: Exchange) {
        self.send(Message::Captured(row, context, Box::new(exchange)));
    }

    pub fn capture_rule(&self, rule: CaptureRule) {
        self.send(Message::CaptureRule(rule));
    }

    pub fn conversation(&self, stored: StoredResponse) {
        self.send(Message::Conversation(stored));
    }

    pub fn export_traces(&self, traces: TraceExport) {
        self.send(Message::ExportTraces(Box::new(traces)));
    }

    /// Waits until the spans of everything sent before this call are out (a stop).
    pub fn stop_traces(&self) {
        let (done_tx, done_rx) = channel();
        self.send(Message::StopTraces(done_tx));
        let _ = done_rx.recv();
    }

    /// Waits until everything sent before this call is on disk (tests, shutdown).
    pub fn flush(&self) {
        let (done_tx, done_rx) = channel();
        self.send(Message::Flush(done_tx));
        let _ = done_rx.recv();
    }

    fn send(&self, message: Message) {
        if self.tx.send(message).is_err() {
            tracing::warn!(
                "the background writer has stopped; a cooldown or log row was not saved"
            );
        }
    }
}

/// Appends `change`, replacing the previous change of the same entry when both are successes:
/// under load every request records one, and only the latest response time matters, so a
/// batch writes one row update per entry instead of one per request.
fn coalesce(changes: &mut Vec<CooldownWrite>, change: CooldownWrite) {
    let entry_of = |change: &CooldownWrite| -> Option<EntryId> {
        match change {
            CooldownWrite::Cooldown { entry, .. }
            | CooldownWrite::Success { entry, .. }
            | CooldownWrite::Disable { entry, .. } => Some(*entry),
            CooldownWrite::DisableKey { .. } => None,
        }
    };
    if let CooldownWrite::Success { entry, .. } = &change
        && let Some(last) = changes
            .iter_mut()
            .rev()
            .find(|c| entry_of(c) == Some(*entry))
        && matches!(last, CooldownWrite::Success { .. })
    {
        *last = change;
        return;
    }
    changes.push(change);
}

fn run(
    store: &Store,
    rx: &Receiver<Message>,
    events: &broadcast::Sender<Event>,
    metrics: &Metrics,
) {
    let mut retained_at = Instant::now();
    let mut traces: Option<Box<TraceExport>> = None;
    apply_retention(store);
    loop {
        let first = match rx.recv_timeout(RETENTION_EVERY) {
            Ok(first) => first,
            Err(RecvTimeoutError::Timeout) => {
                retained_at = Instant::now();
                apply_retention(store);
                continue;
            }
            Err(RecvTimeoutError::Disconnected) => return,
        };
        let mut changes = Vec::new();
        let mut log = Vec::new();
        let mut conversations = Vec::new();
        // Each exchange with its row's place in `log`.
        let mut exchanges = Vec::new();
        let mut capture_rule = None;
        let mut waiting = Vec::new();
        let gathered_until = Instant::now() + GATHER;
        let mut next = Some(first);
        loop {
            while let Some(message) = next.take() {
                match message {
                    Message::Change(change) => coalesce(&mut changes, change),
                    Message::Log(row, context) => {
                        observe(metrics, traces.as_deref(), &row, &context);
                        log.push(row);
                    }
                    Message::Captured(row, context, exchange) => {
                        observe(metrics, traces.as_deref(), &row, &context);
                        exchanges.push((log.len(), *exchange));
                        log.push(row);
                    }
                    Message::ExportTraces(exporter) => traces = Some(exporter),
                    Message::StopTraces(done) => {
                        // Dropping the exporter sends what it holds.
                        drop(traces.take());
                        let _ = done.send(());
                    }
                    Message::CaptureRule(rule) => capture_rule = Some(rule),
                    Message::Conversation(stored) => conversations.push(stored),
                    Message::Flush(done) => waiting.push(done),
                }
                next = rx.try_recv().ok();
            }
            // Someone waits, the batch is full, or the window is over: write what we have.
            let now = Instant::now();
            if !waiting.is_empty()
                || changes.len() + log.len() >= MAX_BATCH
                || now >= gathered_until
            {
                break;
            }
            std::thread::sleep(LOOK_EVERY.min(gathered_until - now));
            match rx.try_recv() {
                Ok(message) => next = Some(message),
                Err(std::sync::mpsc::TryRecvError::Empty) => {}
                // Closed: write what we have (the outer `recv` then ends the thread).
                Err(std::sync::mpsc::TryRecvError::Disconnected) => break,
            }
        }
        match store.write_batch(&changes, &mut log) {
            Ok(()) => {
                save_exchanges(store, &log, exchanges);
                for row in log {
                    // Nobody listening is fine.
                    let _ = events.send(Event::RequestFinished(row));
                }
            }
            Err(error) => {
                tracing::error!(%error, rows = log.len(), "cannot save cooldowns and request log rows")
            }
        }
        if !conversations.is_empty()
            && let Err(error) = store.save_stored_responses(&conversations)
        {
            tracing::warn!(%error, "cannot store Responses conversations; previous_response_id will not find them");
        }
        if let Some(rule) = capture_rule
            && let Err(error) = store.save_capture_rule(&rule)
        {
            tracing::warn!(%error, "cannot save the capture setting's count");
        }
        for done in waiting {
            let _ = done.send(());
        }
        if retained_at.elapsed() >= RETENTION_EVERY {
            retained_at = Instant::now();
            apply_retention(store);
        }
    }
}

/// What a finished row feeds besides the log: `/metrics`, and the trace exporter when on.
fn observe(
    metrics: &Metrics,
    traces: Option<&TraceExport>,
    row: &RequestRecord,
    context: &RowContext,
) {
    metrics.observe(row, context.route);
    if let Some(traces) = traces {
        traces.export(row, context.route, context.trace_parent.as_ref());
    }
}

/// Saves each captured exchange under its row's id (the rows were just written).
fn save_exchanges(store: &Store, log: &[RequestRecord], exchanges: Vec<(usize, Exchange)>) {
    if exchanges.is_empty() {
        return;
    }
    let exchanges: Vec<Exchange> = exchanges
        .into_iter()
        .filter_map(|(at, mut exchange)| {
            exchange.request_log_id = log.get(at)?.id;
            Some(exchange)
        })
        .collect();
    if let Err(error) = store.save_exchanges(&exchanges) {
        tracing::warn!(%error, "cannot store captured exchanges");
    }
    // The total cap holds at once, not only at the hourly retention.
    if let Err(error) = store.prune_exchanges(crate::clock::now_ms()) {
        tracing::warn!(%error, "cannot prune captured exchanges");
    }
}

/// Deletes request-log rows beyond the retention settings, and stored Responses conversations
/// past theirs; a failure only delays it.
fn apply_retention(store: &Store) {
    if let Err(error) = store.prune_stored_responses(crate::clock::now_ms()) {
        tracing::warn!(%error, "cannot prune stored Responses conversations");
    }
    let result = store.settings().and_then(|settings| {
        store.enforce_log_retention(
            settings.log_retention_days,
            settings.log_retention_rows,
            crate::clock::now_ms(),
        )
    });
    match result {
        Ok(0) => {}
        Ok(deleted) => tracing::info!(deleted, "old request-log rows deleted (retention)"),
        Err(error) => tracing::warn!(%error, "cannot apply the request-log retention"),
    }
    // After the log's own: an exchange whose row went goes too.
    if let Err(error) = store.prune_exchanges(crate::clock::now_ms()) {
        tracing::warn!(%error, "cannot prune captured exchanges");
    }
}
