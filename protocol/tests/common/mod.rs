//! Test helpers: fixture loading and golden-file comparison. Set `UPDATE_GOLDEN=1` to rewrite
//! the golden files from the current output, then review the diff.

#![allow(dead_code)]

use protocol::{Protocol, StreamTranscoder};
use std::path::PathBuf;

pub fn fixture(path: &str) -> Vec<u8> {
    let full = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(path);
    std::fs::read(&full).unwrap_or_else(|e| panic!("fixture {}: {e}", full.display()))
}

pub fn golden(name: &str, actual: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, actual).expect("write golden");
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("golden {}: {e}; run with UPDATE_GOLDEN=1", path.display()));
    assert_eq!(actual, expected, "output differs from golden {name}");
}

pub fn golden_json(name: &str, value: &serde_json::Value) {
    let text = serde_json::to_string_pretty(value).expect("serialise") + "\n";
    golden(name, &text);
}

/// Transcodes a whole stream, feeding it in chunks of `chunk` bytes.
pub fn transcode(
    from: Protocol,
    to: Protocol,
    input: &[u8],
    chunk: usize,
    include_usage: bool,
) -> Vec<protocol::TranscodedEvent> {
    let mut transcoder = StreamTranscoder::new(from, to, 1_700_000_000, include_usage);
    let mut out = Vec::new();
    for piece in input.chunks(chunk.max(1)) {
        out.extend(transcoder.push(piece));
    }
    out.extend(transcoder.finish());
    out
}

pub fn to_text(events: &[protocol::TranscodedEvent]) -> String {
    events
        .iter()
        .map(|e| String::from_utf8(e.to_bytes().to_vec()).expect("utf-8"))
        .collect()
}

pub fn parse_all(input: &[u8]) -> Vec<protocol::SseEvent> {
    let mut parser = protocol::SseParser::new();
    let mut events = parser.push(input);
    events.extend(parser.finish());
    events
}
