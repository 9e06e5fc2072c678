//! Fuzzing entry points: one function per fuzz target, shared by the cargo-fuzz targets in
//! `fuzz/` and by the stable test that replays the seed corpus with mutations, so both exercise
//! exactly the same checks. Each takes raw bytes; leading bytes choose protocols and chunking.

use crate::{
    EncodeOptions, Protocol, SseParser, StreamTranscoder, convert_request, convert_response,
};

const ALL: [Protocol; 4] = [
    Protocol::OpenAiChat,
    Protocol::Anthropic,
    Protocol::Responses,
    Protocol::Gemini,
];

/// The (from, to) protocols a selector byte chooses: its low four bits, two per side, so the
/// two high bits stay free for options.
fn pair(selector: u8) -> (Protocol, Protocol) {
    (
        ALL[(selector % 4) as usize],
        ALL[((selector / 4) % 4) as usize],
    )
}

/// The SSE parser never panics, and where the input is split never changes what it parses.
pub fn sse_parser(data: &[u8]) {
    let Some((&split, input)) = data.split_first() else {
        return;
    };
    let mut whole = SseParser::new();
    let mut expected = whole.push(input);
    expected.extend(whole.finish());
    let at = (split as usize * input.len() / 255).min(input.len());
    let mut parts = SseParser::new();
    let mut actual = parts.push(&input[..at]);
    actual.extend(parts.push(&input[at..]));
    actual.extend(parts.finish());
    assert_eq!(expected, actual, "split at {at} changed the parse");
}

/// Request conversion between any pair of protocols never panics.
pub fn convert_request_any(data: &[u8]) {
    let Some((&selector, body)) = data.split_first() else {
        return;
    };
    let (from, to) = pair(selector);
    let options = EncodeOptions {
        default_max_tokens: Some(1024),
        upstream_accepts_include_usage: selector & 0x40 != 0,
        upstream_supports_reasoning: selector & 0x80 != 0,
        upstream_rejects_reasoning_input: selector & 0x20 != 0,
        upstream_lacks_reasoning: selector & 0x10 != 0,
        max_output_tokens: (selector & 0x08 != 0).then_some(512),
        model: None,
    };
    let _ = convert_request(from, to, body, &options);
}

/// Response conversion between any pair of protocols never panics.
pub fn convert_response_any(data: &[u8]) {
    let Some((&selector, body)) = data.split_first() else {
        return;
    };
    let (from, to) = pair(selector);
    let _ = convert_response(from, to, body);
}

/// Stream transcoding never panics, whatever the bytes and their chunking.
pub fn transcode_stream(data: &[u8]) {
    let [selector, chunk, input @ ..] = data else {
        return;
    };
    let (from, to) = pair(*selector);
    let mut transcoder = StreamTranscoder::new(from, to, 0, selector & 0x80 != 0);
    for piece in input.chunks((*chunk as usize).max(1)) {
        let _ = transcoder.push(piece);
    }
    let _ = transcoder.finish();
}

/// Reading an upstream error body never panics.
pub fn parse_error_body(data: &[u8]) {
    let status = data.first().map_or(500, |b| 400 + u16::from(*b));
    let _ = crate::parse_error_body(status, data);
}
