//! The SSE parser against what real upstreams send: both line-end styles, UTF-8 split across
//! network chunks, comments and keep-alives, very long lines, and an unterminated last event.

mod common;

use common::{fixture, parse_all};
use protocol::{SseEvent, SseParser};

fn parse_in_chunks(input: &[u8], size: usize) -> Vec<SseEvent> {
    let mut parser = SseParser::new();
    let mut events = Vec::new();
    for chunk in input.chunks(size) {
        events.extend(parser.push(chunk));
    }
    events.extend(parser.finish());
    events
}

#[test]
fn crlf_and_lf_give_the_same_events() {
    let lf = fixture("anthropic/stream_tool_use.sse");
    let crlf = String::from_utf8(lf.clone())
        .expect("utf-8")
        .replace('\n', "\r\n");
    let expected = parse_all(&lf);
    assert_eq!(expected.len(), 19);
    assert_eq!(parse_all(crlf.as_bytes()), expected);
    // A `\r\n` split between two chunks must not produce an extra blank line.
    assert_eq!(parse_in_chunks(crlf.as_bytes(), 1), expected);
    let cr_only = String::from_utf8(lf).expect("utf-8").replace('\n', "\r");
    assert_eq!(parse_all(cr_only.as_bytes()), expected);
}

#[test]
fn multibyte_utf8_split_across_chunks_is_kept_whole() {
    let input = "data: {\"text\":\"こんにちは 👋 Bogotá\"}\n\n".as_bytes();
    for size in 1..8 {
        let events = parse_in_chunks(input, size);
        assert_eq!(
            events,
            vec![SseEvent::data("{\"text\":\"こんにちは 👋 Bogotá\"}")],
            "chunk size {size}"
        );
    }
}

#[test]
fn comments_keepalives_and_unknown_fields_are_ignored() {
    let input = b": OPENROUTER PROCESSING\n\n:keep-alive\nid: 7\nretry: 100\nevent: ping\ndata: {\"type\": \"ping\"}\n\n";
    assert_eq!(
        parse_all(input),
        vec![SseEvent::named("ping", "{\"type\": \"ping\"}")]
    );
}

#[test]
fn multi_line_data_is_joined_with_newlines() {
    let events = parse_all(b"data: first\ndata:second\n\n");
    assert_eq!(events, vec![SseEvent::data("first\nsecond")]);
    // Re-encoding keeps the two lines.
    assert_eq!(&events[0].to_bytes()[..], b"data: first\ndata: second\n\n");
}

#[test]
fn a_very_long_line_survives_small_chunks() {
    let image = "A".repeat(3 * 1024 * 1024);
    let input = format!("data: {{\"b64\":\"{image}\"}}\n\n");
    let events = parse_in_chunks(input.as_bytes(), 16 * 1024);
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].data.len(), image.len() + 10);
}

#[test]
fn an_event_without_final_blank_line_is_delivered_at_finish() {
    let mut parser = SseParser::new();
    assert!(parser.push(b"data: [DONE]").is_empty());
    assert_eq!(parser.finish(), Some(SseEvent::data("[DONE]")));
}
