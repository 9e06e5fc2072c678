//! Server-sent-event framing for relaying: splits a byte stream into whole events and keeps each
//! event's original bytes, so a pass-through stream is forwarded exactly as the upstream sent it
//! (no re-encoding). The fields of each event are read by `protocol::SseParser`, the one SSE
//! field parser of the workspace; only the framing (where an event's bytes end) lives here.

use bytes::{Bytes, BytesMut};
use protocol::SseParser;

/// One whole event: its raw bytes (including the blank line) and its parsed fields.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SseEvent {
    pub raw: Bytes,
    /// `event:` and `data:` fields; `data` is empty for comments (keep-alives).
    pub fields: protocol::SseEvent,
}

/// Accumulates bytes and yields whole events.
#[derive(Default)]
pub struct SseFramer {
    buf: BytesMut,
}

impl SseFramer {
    pub fn push(&mut self, chunk: &[u8]) {
        self.buf.extend_from_slice(chunk);
    }

    /// The next whole event, if the buffer holds one.
    pub fn next_event(&mut self) -> Option<SseEvent> {
        let end = find_event_end(&self.buf)?;
        let raw = self.buf.split_to(end).freeze();
        Some(parse(raw))
    }

    /// Whatever is left when the stream ends without a final blank line.
    pub fn finish(&mut self) -> Option<SseEvent> {
        if self.buf.iter().all(|b| b.is_ascii_whitespace()) {
            return None;
        }
        let mut raw = std::mem::take(&mut self.buf);
        raw.extend_from_slice(b"\n\n");
        Some(parse(raw.freeze()))
    }
}

/// The index just past the first blank line (`\n\n` or `\r\n\r\n`).
fn find_event_end(buf: &[u8]) -> Option<usize> {
    let mut i = 0;
    while i < buf.len() {
        if buf[i] == b'\n' {
            if buf.get(i + 1) == Some(&b'\n') {
                return Some(i + 2);
            }
            if buf.get(i + 1) == Some(&b'\r') && buf.get(i + 2) == Some(&b'\n') {
                return Some(i + 3);
            }
        }
        i += 1;
    }
    None
}

fn parse(raw: Bytes) -> SseEvent {
    let mut parser = SseParser::new();
    let fields = parser
        .push(&raw)
        .pop()
        .or_else(|| parser.finish())
        .unwrap_or_default();
    SseEvent { raw, fields }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_split_across_chunks_come_out_whole_with_their_bytes() {
        let mut framer = SseFramer::default();
        framer.push(b"data: {\"a\"");
        assert_eq!(framer.next_event(), None);
        framer.push(b":1}\n\n: ping\r\n\r\nevent: x\ndata: y");
        let first = framer.next_event().expect("first");
        assert_eq!(first.fields.data, "{\"a\":1}");
        assert_eq!(&first.raw[..], b"data: {\"a\":1}\n\n");
        let comment = framer.next_event().expect("comment");
        assert_eq!(comment.fields.data, "");
        assert_eq!(framer.next_event(), None);
        let last = framer.finish().expect("tail");
        assert_eq!(
            (last.fields.event.as_deref(), last.fields.data.as_str()),
            (Some("x"), "y")
        );
    }
}
