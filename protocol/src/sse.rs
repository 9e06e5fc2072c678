//! Server-sent events: an incremental parser fed raw network chunks, and the event type every
//! stream codec reads and writes. Hand-written rather than `eventsource-stream` because the codecs
//! are push-based state machines (bytes in, events out) with no async runtime, and the parser must
//! keep multi-byte UTF-8 split across chunks, which only a byte-level buffer does.

use bytes::Bytes;

/// One server-sent event. `event` is the `event:` field (absent for Chat Completions).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SseEvent {
    pub event: Option<String>,
    pub data: String,
}

impl SseEvent {
    /// The event's type as the OpenAI and Anthropic streams carry it: the `type` field of its
    /// JSON data (`value`, parsed by the caller), else the SSE `event:` name, else empty.
    pub(crate) fn kind<'a>(&'a self, value: &'a serde_json::Value) -> &'a str {
        value
            .get("type")
            .and_then(serde_json::Value::as_str)
            .or(self.event.as_deref())
            .unwrap_or("")
    }

    pub fn data(data: impl Into<String>) -> SseEvent {
        SseEvent {
            event: None,
            data: data.into(),
        }
    }

    pub fn named(event: &str, data: impl Into<String>) -> SseEvent {
        SseEvent {
            event: Some(event.to_owned()),
            data: data.into(),
        }
    }

    /// The wire form, `event: x\ndata: y\n\n`; multi-line data becomes several `data:` lines.
    pub fn to_bytes(&self) -> Bytes {
        let mut out = String::with_capacity(self.data.len() + 32);
        if let Some(event) = &self.event {
            out.push_str("event: ");
            out.push_str(event);
            out.push('\n');
        }
        for line in self.data.split('\n') {
            out.push_str("data: ");
            out.push_str(line);
            out.push('\n');
        }
        out.push('\n');
        Bytes::from(out)
    }
}

/// Incremental SSE parser. Accepts `\n`, `\r\n` and `\r` line ends, ignores comment lines
/// (`: keep-alive`) and unknown fields, and has no line-length limit (base64 images arrive as
/// one multi-megabyte line). Bytes are buffered until a line is complete, so UTF-8 sequences
/// split across chunks are decoded whole.
#[derive(Debug, Default)]
pub struct SseParser {
    buffer: Vec<u8>,
    /// Where the scan for the next line end resumes, so a long line is not rescanned per chunk.
    scanned: usize,
    /// A `\r` ended the previous chunk: a `\n` starting the next one belongs to it.
    pending_cr: bool,
    event: Option<String>,
    data: Option<String>,
}

impl SseParser {
    pub fn new() -> SseParser {
        SseParser::default()
    }

    /// Feeds one network chunk, returning every event it completes.
    pub fn push(&mut self, chunk: &[u8]) -> Vec<SseEvent> {
        if chunk.is_empty() {
            return Vec::new();
        }
        let mut chunk = chunk;
        if self.pending_cr && chunk.first() == Some(&b'\n') {
            chunk = &chunk[1..];
        }
        self.pending_cr = false;
        self.buffer.extend_from_slice(chunk);
        let mut events = Vec::new();
        let mut start = 0;
        let mut index = self.scanned;
        while index < self.buffer.len() {
            let byte = self.buffer[index];
            if byte == b'\n' || byte == b'\r' {
                let line = String::from_utf8_lossy(&self.buffer[start..index]).into_owned();
                let mut next = index + 1;
                if byte == b'\r' {
                    if next < self.buffer.len() {
                        if self.buffer[next] == b'\n' {
                            next += 1;
                        }
                    } else {
                        self.pending_cr = true;
                    }
                }
                if let Some(event) = self.line(&line) {
                    events.push(event);
                }
                start = next;
                index = next;
            } else {
                index += 1;
            }
        }
        self.buffer.drain(..start);
        self.scanned = self.buffer.len();
        events
    }

    /// Ends the stream: an event not yet closed by a blank line is still delivered, since some
    /// upstreams close the connection right after the last `data:` line.
    pub fn finish(&mut self) -> Option<SseEvent> {
        if !self.buffer.is_empty() {
            let line = String::from_utf8_lossy(&self.buffer).into_owned();
            self.buffer.clear();
            self.scanned = 0;
            if let Some(event) = self.line(&line) {
                return Some(event);
            }
        }
        self.dispatch()
    }

    fn line(&mut self, line: &str) -> Option<SseEvent> {
        if line.is_empty() {
            return self.dispatch();
        }
        if line.starts_with(':') {
            return None;
        }
        let (field, value) = match line.split_once(':') {
            Some((field, value)) => (field, value.strip_prefix(' ').unwrap_or(value)),
            None => (line, ""),
        };
        match field {
            "event" => self.event = Some(value.to_owned()),
            "data" => match &mut self.data {
                Some(data) => {
                    data.push('\n');
                    data.push_str(value);
                }
                None => self.data = Some(value.to_owned()),
            },
            _ => {}
        }
        None
    }

    fn dispatch(&mut self) -> Option<SseEvent> {
        let event = self.event.take();
        // Per the SSE spec an event without data is not dispatched.
        let data = self.data.take()?;
        Some(SseEvent { event, data })
    }
}
