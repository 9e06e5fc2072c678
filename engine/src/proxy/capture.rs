//! Capture: a request kept whole for diagnosis (`types::capture::Exchange`) while the capture
//! setting (`CaptureRule`) covers it. The switch is one atomic flag read per request, so with
//! capture off the request path does nothing else; a request it covers carries a `Capture`
//! that each phase fills: intake the client's request, "send" what went to each upstream (after
//! conversion), "judge"/"relay" each upstream's answer (a stream as its events and their arrival
//! times), and the answer the client received. The `Recorder` hands the finished exchange to the
//! background writer with the request's log row, which links the two.
//!
//! Masking: whatever an upstream sends is masked at the boundary already (`masked`); everything
//! else kept here (the client's request, what was sent upstream, its URL) passes through the
//! capture's own `SecretMask` (every access key and every channel's secrets), and headers that
//! carry credentials are masked by name. Each body and each stream is capped at `BODY_CAP`.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use axum::http::HeaderMap;
use types::capture::{
    CaptureRule, CapturedBody, CapturedEvent, CapturedHeader, CapturedStream, Exchange,
};

use super::snapshot::Snapshot;
use crate::secrets::SecretMask;

/// The most bytes kept of one body (or one stream's events); the rest is noted, not kept.
pub const BODY_CAP: usize = 256 * 1024;

/// Headers whose values are credentials: kept masked.
const CREDENTIAL_HEADERS: &[&str] = &[
    "authorization",
    "proxy-authorization",
    "x-api-key",
    "x-goog-api-key",
    "api-key",
    "cookie",
    "set-cookie",
];

/// The capture setting as the proxy reads it: `on` is the per-request check; the rule behind
/// it is read only when it is set.
#[derive(Default)]
pub struct CaptureSwitch {
    on: AtomicBool,
    rule: Mutex<CaptureRule>,
}

impl CaptureSwitch {
    fn rule(&self) -> MutexGuard<'_, CaptureRule> {
        self.rule.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Takes `rule` from now on (the store keeps it; the caller saved it).
    pub fn set(&self, rule: CaptureRule) {
        let mut current = self.rule();
        self.on.store(rule.enabled, Ordering::Release);
        *current = rule;
    }

    /// The rule as it stands (its count lowered by the requests captured since it was set).
    pub fn current(&self) -> CaptureRule {
        self.rule().clone()
    }

    /// A capture for a request by the access key `app` asking for `model`, when the rule
    /// covers it (each one counts against its `remaining`).
    pub fn begin(
        &self,
        snapshot: &Snapshot,
        app: &str,
        model: &str,
        now_ms: i64,
    ) -> Option<Capture> {
        if !self.on.load(Ordering::Acquire) {
            return None;
        }
        let mut rule = self.rule();
        if !rule.active(now_ms) {
            self.on.store(false, Ordering::Release);
            return None;
        }
        if !rule.scope.covers(app, model) {
            return None;
        }
        if let Some(remaining) = &mut rule.remaining {
            *remaining = remaining.saturating_sub(1);
        }
        drop(rule);
        Some(Capture::new(snapshot, now_ms))
    }
}

/// One request's exchange while it is served; clones share it (a stream outlives `serve`).
#[derive(Clone)]
pub struct Capture {
    inner: Arc<Inner>,
}

struct Inner {
    started: Instant,
    mask: SecretMask,
    draft: Mutex<Draft>,
}

#[derive(Default)]
struct Draft {
    exchange: Exchange,
    /// Per attempt, then the client's answer (last): stream bytes not yet a whole event.
    partial: Vec<Vec<u8>>,
    answer_partial: Vec<u8>,
}

impl Capture {
    fn new(snapshot: &Snapshot, now_ms: i64) -> Self {
        let access_keys = snapshot.access_keys.iter().map(|k| k.key.expose());
        let channel_keys = snapshot
            .channels
            .values()
            .flat_map(|c| c.keys.iter().map(|k| k.key.expose()));
        let passwords = snapshot
            .channels
            .values()
            .filter_map(|c| c.proxy.as_ref().map(|p| p.password.expose()));
        let exchange = Exchange {
            at_ms: now_ms,
            ..Exchange::default()
        };
        Capture {
            inner: Arc::new(Inner {
                started: Instant::now(),
                mask: SecretMask::new(access_keys.chain(channel_keys).chain(passwords)),
                draft: Mutex::new(Draft {
                    exchange,
                    ..Draft::default()
                }),
            }),
        }
    }

    fn draft(&self) -> MutexGuard<'_, Draft> {
        self.inner.draft.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn since_start_ms(&self) -> u64 {
        self.inner.started.elapsed().as_millis() as u64
    }

    fn headers(&self, headers: &HeaderMap) -> Vec<CapturedHeader> {
        headers
            .iter()
            .map(|(name, value)| {
                let value = String::from_utf8_lossy(value.as_bytes());
                let value = if CREDENTIAL_HEADERS.contains(&name.as_str()) {
                    mask_credential(&value)
                } else {
                    self.inner.mask.mask_text(&value).into_owned()
                };
                (name.as_str().to_owned(), value)
            })
            .collect()
    }

    fn body(&self, bytes: &[u8]) -> CapturedBody {
        capped_body(&self.inner.mask.mask(bytes))
    }

    /// The client's request as it arrived.
    pub fn client_request(&self, path: &str, headers: &HeaderMap, body: &[u8]) {
        let (headers, body) = (self.headers(headers), self.body(body));
        let mut draft = self.draft();
        draft.exchange.client_path = path.to_owned();
        draft.exchange.client_headers = headers;
        draft.exchange.client_body = body;
    }

    /// What is sent to an upstream; returns the attempt's index for its answer.
    pub fn attempt_sent(
        &self,
        channel: &str,
        model: &str,
        url: &str,
        headers: &HeaderMap,
        body: &[u8],
    ) -> usize {
        let attempt = types::capture::CapturedAttempt {
            channel: channel.to_owned(),
            model: model.to_owned(),
            started_ms: self.since_start_ms(),
            url: self.inner.mask.mask_text(url).into_owned(),
            request_headers: self.headers(headers),
            request_body: self.body(body),
            ..Default::default()
        };
        let mut draft = self.draft();
        draft.exchange.attempts.push(attempt);
        draft.partial.push(Vec::new());
        draft.exchange.attempts.len() - 1
    }

    /// The upstream's status and headers arrived.
    pub fn attempt_answered(&self, attempt: usize, status: u16, headers: &HeaderMap) {
        let headers = self.headers(headers);
        if let Some(kept) = self.draft().exchange.attempts.get_mut(attempt) {
            kept.status = Some(status);
            kept.response_headers = headers;
        }
    }

    /// The upstream's whole body (a single answer or an error), masked at the boundary.
    pub fn attempt_body(&self, attempt: usize, body: &[u8]) {
        let body = self.body(body);
        if let Some(kept) = self.draft().exchange.attempts.get_mut(attempt) {
            kept.response_body = body;
        }
    }

    /// A chunk of the upstream's stream arrived now (masked at the boundary).
    pub fn attempt_chunk(&self, attempt: usize, chunk: &[u8]) {
        let at_ms = self.since_start_ms();
        let mask = &self.inner.mask;
        let mut draft = self.draft();
        let Draft {
            exchange, partial, ..
        } = &mut *draft;
        if let (Some(kept), Some(partial)) =
            (exchange.attempts.get_mut(attempt), partial.get_mut(attempt))
        {
            push_events(&mut kept.response_stream, partial, chunk, at_ms, mask);
        }
    }

    /// The request ended with `status` for the client; a request that failed got `error`
    /// (in its protocol's shape) when no answer body was kept.
    pub fn ended(&self, status: u16, error: &str) {
        let mut draft = self.draft();
        let answer = &mut draft.exchange.answer;
        answer.status = status;
        let nothing_kept = answer.body.original_bytes == 0 && answer.stream.events.is_empty();
        if nothing_kept && !error.is_empty() {
            answer.body = capped_body(self.inner.mask.mask(error.as_bytes()).as_ref());
        }
    }

    /// The client's single answer (or the error it got).
    pub fn answer_body(&self, body: &[u8]) {
        let body = self.body(body);
        self.draft().exchange.answer.body = body;
    }

    /// Bytes of the client's stream, sent now.
    pub fn answer_chunk(&self, chunk: &[u8]) {
        let at_ms = self.since_start_ms();
        let mask = &self.inner.mask;
        let mut draft = self.draft();
        let Draft {
            exchange,
            answer_partial,
            ..
        } = &mut *draft;
        push_events(
            &mut exchange.answer.stream,
            answer_partial,
            chunk,
            at_ms,
            mask,
        );
    }

    /// The exchange as kept: streams' unfinished events closed.
    pub fn finish(&self) -> Exchange {
        let at_ms = self.since_start_ms();
        let mask = &self.inner.mask;
        let mut draft = self.draft();
        let Draft {
            exchange,
            partial,
            answer_partial,
        } = &mut *draft;
        for (kept, partial) in exchange.attempts.iter_mut().zip(partial.iter_mut()) {
            flush_event(&mut kept.response_stream, partial, at_ms, mask);
        }
        flush_event(&mut exchange.answer.stream, answer_partial, at_ms, mask);
        exchange.clone()
    }
}

/// A credential header's value, masked (`Bearer sk-***abcd`).
fn mask_credential(value: &str) -> String {
    match value.split_once(' ') {
        Some((scheme, secret)) => format!("{scheme} {}", types::secret::mask(secret)),
        None => types::secret::mask(value),
    }
}

/// `bytes` as kept: at most `BODY_CAP` bytes (cut at a character boundary), noted when cut.
fn capped_body(bytes: &[u8]) -> CapturedBody {
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(BODY_CAP)]);
    let mut text = text.into_owned();
    if bytes.len() > BODY_CAP && text.ends_with('\u{FFFD}') {
        // The cut split a character.
        text.pop();
    }
    CapturedBody {
        text,
        truncated: bytes.len() > BODY_CAP,
        original_bytes: bytes.len() as u64,
    }
}

/// Adds `chunk` to `stream`: each whole event (ended by a blank line) is kept with `at_ms`.
fn push_events(
    stream: &mut CapturedStream,
    partial: &mut Vec<u8>,
    chunk: &[u8],
    at_ms: u64,
    mask: &SecretMask,
) {
    stream.original_bytes += chunk.len() as u64;
    partial.extend_from_slice(chunk);
    while let Some((end, gap)) = event_end(partial) {
        let rest = partial.split_off(end + gap);
        let mut event = std::mem::replace(partial, rest);
        event.truncate(end);
        keep_event(stream, &event, at_ms, mask);
    }
}

/// Where the first whole event in `bytes` ends, and the blank line's length.
fn event_end(bytes: &[u8]) -> Option<(usize, usize)> {
    let lf = bytes
        .windows(2)
        .position(|w| w == b"\n\n")
        .map(|at| (at, 2));
    let crlf = bytes
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|at| (at, 4));
    match (lf, crlf) {
        (Some(a), Some(b)) => Some(if a.0 <= b.0 { a } else { b }),
        (a, b) => a.or(b),
    }
}

fn flush_event(stream: &mut CapturedStream, partial: &mut Vec<u8>, at_ms: u64, mask: &SecretMask) {
    let event = std::mem::take(partial);
    if !event.iter().all(u8::is_ascii_whitespace) {
        keep_event(stream, &event, at_ms, mask);
    }
}

fn keep_event(stream: &mut CapturedStream, event: &[u8], at_ms: u64, mask: &SecretMask) {
    if stream.truncated {
        return;
    }
    let kept: usize = stream.events.iter().map(|e| e.text.len()).sum();
    if kept + event.len() > BODY_CAP {
        stream.truncated = true;
        return;
    }
    let text = String::from_utf8_lossy(&mask.mask(event)).into_owned();
    stream.events.push(CapturedEvent { at_ms, text });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_split_on_blank_lines_across_chunks() {
        let mut stream = CapturedStream::default();
        let mut partial = Vec::new();
        let mask = SecretMask::new(["sk-secret-123456"]);
        push_events(
            &mut stream,
            &mut partial,
            b"data: {\"a\":1}\n\nda",
            3,
            &mask,
        );
        push_events(
            &mut stream,
            &mut partial,
            b"ta: sk-secret-123456\r\n\r\n",
            7,
            &mask,
        );
        flush_event(&mut stream, &mut partial, 9, &mask);
        assert_eq!(stream.events.len(), 2);
        assert_eq!(stream.events[0].text, "data: {\"a\":1}");
        assert_eq!(stream.events[0].at_ms, 3);
        assert_eq!(stream.events[1].at_ms, 7);
        assert!(!stream.events[1].text.contains("sk-secret-123456"));
    }

    #[test]
    fn a_long_body_is_capped_and_says_so() {
        let body = vec![b'x'; BODY_CAP + 10];
        let kept = capped_body(&body);
        assert!(kept.truncated);
        assert_eq!(kept.text.len(), BODY_CAP);
        assert_eq!(kept.original_bytes, (BODY_CAP + 10) as u64);
    }

    #[test]
    fn credential_headers_are_masked() {
        assert_eq!(
            mask_credential("Bearer sk-abcdefghijklmnop"),
            format!("Bearer {}", types::secret::mask("sk-abcdefghijklmnop"))
        );
        assert!(!mask_credential("sk-abcdefghijklmnop").contains("efghijkl"));
    }
}
