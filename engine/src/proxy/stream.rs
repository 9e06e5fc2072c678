//! How a streaming response is judged and shaped while it is relayed. A `StreamJudge` turns the
//! upstream's bytes into pieces for the client, each sorted into preamble (held back), content
//! (the point of no return), an in-band error, or the end. When client and upstream speak the
//! same protocol the upstream's bytes pass untouched; otherwise `protocol`'s decoder and encoder
//! rewrite every event into the client's protocol. Either way the judge writes the error event
//! that closes a client's stream in the client's own protocol.

use bytes::Bytes;
use protocol::hub::StreamEvent;
use protocol::{
    ErrorKind, Phase, Protocol, SseParser, StreamDecoder, StreamEncoder, classify_wire_value,
    parse_error_body,
};
use serde_json::{Value, json};

use super::sse::{SseEvent, SseFramer};

/// What one piece of the stream means for failover.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EventClass {
    /// Sent before any content (a role-only chunk, `message_start`, `ping`, keep-alive):
    /// held back until content arrives, dropped if the attempt fails.
    Preamble,
    /// Real content: once one is sent, failover is no longer possible.
    Content,
    /// The upstream reported an error inside the stream.
    Error { message: String },
    /// The normal end of the stream.
    End,
}

/// Bytes for the client and what they mean.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Piece {
    pub class: EventClass,
    pub bytes: Bytes,
}

/// One attempt's stream: upstream bytes in, client pieces out.
pub struct StreamJudge {
    client: Protocol,
    mode: Mode,
    /// A pass-through stream's token counts so far (a transcoded one keeps them in the hub).
    usage: Option<protocol::hub::Usage>,
    /// Bytes of generated text, reasoning and tool arguments so far: what the completion is
    /// estimated from when the upstream reports no usage.
    text_bytes: usize,
    /// The proxy asked a pass-through Chat stream for the usage chunk the client did not: the
    /// chunk and the `"usage":null` the upstream adds to every other chunk are taken out.
    take_out_usage: bool,
    /// A pass-through Gemini stream sent its last chunk (see `Seen`).
    last_chunk: bool,
    /// A pass-through Responses stream's answer id (see `Seen`).
    response_id: Option<String>,
}

enum Mode {
    /// Same protocol: events are framed, classified and forwarded byte for byte.
    Passthrough(SseFramer),
    /// Different protocols: events are decoded to the hub and encoded for the client.
    Transcode(Box<Transcode>),
}

struct Transcode {
    parser: SseParser,
    decoder: StreamDecoder,
    encoder: StreamEncoder,
    /// The upstream said why it stopped; without that its end is a broken stream.
    finished: bool,
    /// The upstream's own token counts (the client's protocol may not carry them).
    usage: Option<protocol::hub::Usage>,
    /// The Responses object a Responses client's stream completed with (`conversation`).
    completed_response: Option<Value>,
}

impl StreamJudge {
    /// `include_usage`: the Chat Completions client asked for a usage chunk.
    pub fn new(upstream: Protocol, client: Protocol, include_usage: bool) -> StreamJudge {
        let mode = if upstream == client {
            Mode::Passthrough(SseFramer::default())
        } else {
            let created = jiff::Timestamp::now().as_second().max(0) as u64;
            Mode::Transcode(Box::new(Transcode {
                parser: SseParser::new(),
                decoder: StreamDecoder::new(upstream),
                encoder: StreamEncoder::new(client, created, include_usage),
                finished: false,
                usage: None,
                completed_response: None,
            }))
        };
        StreamJudge {
            client,
            mode,
            usage: None,
            text_bytes: 0,
            take_out_usage: false,
            last_chunk: false,
            response_id: None,
        }
    }

    /// The client's freeform tools, whose calls a converted stream gives back as custom tool
    /// calls (nothing changes for a pass-through stream).
    pub fn with_freeform_tools(mut self, names: Vec<String>) -> StreamJudge {
        if let Mode::Transcode(transcode) = &mut self.mode {
            transcode.encoder.set_freeform_tools(names);
        }
        self
    }

    /// With `asked`, what the proxy's own request for usage added is taken out of a pass-through
    /// stream, so the client gets the bytes it would have got without it.
    pub fn taking_out_usage(mut self, asked: bool) -> StreamJudge {
        self.take_out_usage = asked && matches!(self.mode, Mode::Passthrough(_));
        self
    }

    /// Feeds one network chunk.
    pub fn push(&mut self, chunk: &[u8]) -> Vec<Piece> {
        let mut out = Vec::new();
        match &mut self.mode {
            Mode::Passthrough(framer) => {
                framer.push(chunk);
                while let Some(event) = framer.next_event() {
                    let piece = classify_passthrough(
                        self.client,
                        event,
                        &mut Seen {
                            usage: &mut self.usage,
                            text_bytes: &mut self.text_bytes,
                            response_id: &mut self.response_id,
                            last_chunk: &mut self.last_chunk,
                        },
                    );
                    out.extend(take_out_usage(piece, self.take_out_usage));
                }
            }
            Mode::Transcode(transcode) => {
                for wire in transcode.parser.push(chunk) {
                    let events = transcode.decoder.on_event(&wire);
                    self.text_bytes += text_len(&events);
                    transcode.encode(&events, &mut out);
                }
            }
        }
        out
    }

    /// The upstream closed the stream.
    pub fn finish(&mut self) -> Vec<Piece> {
        let mut out = Vec::new();
        match &mut self.mode {
            Mode::Passthrough(framer) => {
                if let Some(event) = framer.finish() {
                    let piece = classify_passthrough(
                        self.client,
                        event,
                        &mut Seen {
                            usage: &mut self.usage,
                            text_bytes: &mut self.text_bytes,
                            response_id: &mut self.response_id,
                            last_chunk: &mut self.last_chunk,
                        },
                    );
                    out.extend(take_out_usage(piece, self.take_out_usage));
                }
                // Gemini has no end marker: a stream that closes after its last chunk is whole.
                if self.last_chunk {
                    out.push(Piece {
                        class: EventClass::End,
                        bytes: Bytes::new(),
                    });
                }
            }
            Mode::Transcode(transcode) => {
                if let Some(wire) = transcode.parser.finish() {
                    let events = transcode.decoder.on_event(&wire);
                    self.text_bytes += text_len(&events);
                    transcode.encode(&events, &mut out);
                }
                let events = transcode.decoder.finish();
                transcode.encode(&events, &mut out);
                // Closing events only for a stream that really finished: a cut one must not
                // look complete to the client.
                if transcode.finished {
                    for event in transcode.encoder.finish() {
                        if event.event.as_deref() == Some("response.completed") {
                            transcode.completed_response =
                                serde_json::from_str::<Value>(&event.data)
                                    .ok()
                                    .and_then(|mut data| data.get_mut("response").map(Value::take));
                        }
                        out.push(Piece {
                            class: EventClass::End,
                            bytes: event.to_bytes(),
                        });
                    }
                }
            }
        }
        out
    }

    /// The id of the answer a Responses client's stream carried, passed through or converted
    /// (read before `completed_response` takes the converted one).
    pub fn response_id(&self) -> Option<String> {
        match &self.mode {
            Mode::Passthrough(_) => self.response_id.clone(),
            Mode::Transcode(transcode) => transcode
                .completed_response
                .as_ref()
                .and_then(|response| response.get("id")?.as_str().map(str::to_owned)),
        }
    }

    /// The Responses object a converted stream to a Responses client completed with.
    pub fn completed_response(&mut self) -> Option<Value> {
        match &mut self.mode {
            Mode::Transcode(transcode) => transcode.completed_response.take(),
            Mode::Passthrough(_) => None,
        }
    }

    /// The event that ends the client's stream after content, when the upstream broke.
    pub fn error_event(&self, message: &str) -> Bytes {
        error_event(self.client, message)
    }

    /// Bytes of generated text so far (for an estimate when the upstream reports no usage).
    pub fn text_bytes(&self) -> usize {
        self.text_bytes
    }

    /// Token usage seen so far, for the request log; `None` when the upstream sent none.
    pub fn usage(&self) -> Option<&protocol::hub::Usage> {
        match &self.mode {
            Mode::Transcode(transcode) => transcode.usage.as_ref(),
            Mode::Passthrough(_) => self.usage.as_ref(),
        }
    }
}

impl Transcode {
    fn encode(&mut self, events: &[StreamEvent], out: &mut Vec<Piece>) {
        for event in events {
            let class = match (event, event.phase()) {
                (StreamEvent::Error { message, .. }, _) => {
                    out.push(Piece {
                        class: EventClass::Error {
                            message: message.clone(),
                        },
                        bytes: Bytes::new(),
                    });
                    continue;
                }
                // Usage arrives with Anthropic's `message_start`, before any content.
                // Streams report usage piecemeal (Anthropic: input with `message_start`,
                // output with `message_delta`), so later counts overlay earlier ones.
                (StreamEvent::Usage(usage), _) => {
                    self.usage.get_or_insert_with(Default::default).merge(usage);
                    EventClass::Preamble
                }
                (_, Phase::Preamble) => EventClass::Preamble,
                (StreamEvent::Finish(_), _) => {
                    self.finished = true;
                    EventClass::Content
                }
                _ => EventClass::Content,
            };
            for wire in self.encoder.on_event(event) {
                out.push(Piece {
                    class: class.clone(),
                    bytes: wire.to_bytes(),
                });
            }
        }
    }
}

/// Sorts one raw event of a same-protocol stream, parsing its data once: for its phase, its
/// end marker and (only when it mentions usage) its token counts, noted in `usage`.
/// What a pass-through stream has seen so far, beyond its pieces.
struct Seen<'a> {
    usage: &'a mut Option<protocol::hub::Usage>,
    text_bytes: &'a mut usize,
    /// A Responses stream's answer id, from its `response.created` (session affinity).
    response_id: &'a mut Option<String>,
    /// A Gemini chunk with a finish reason went by: the stream's close is then its end.
    last_chunk: &'a mut bool,
}

/// Bytes of text, reasoning and tool arguments in hub events.
fn text_len(events: &[StreamEvent]) -> usize {
    events
        .iter()
        .map(|event| match event {
            StreamEvent::TextDelta(text)
            | StreamEvent::ReasoningDelta(text)
            | StreamEvent::RefusalDelta(text) => text.len(),
            StreamEvent::ToolCallArguments { delta, .. } => delta.len(),
            _ => 0,
        })
        .sum()
}

/// Bytes of text, reasoning and tool arguments in one event of `protocol`: Chat's
/// `choices[].delta` (`content`, `refusal`, `reasoning_content`, tool call `arguments`), Anthropic's
/// `delta` (`text`, `thinking`, `partial_json`), Responses' `*.delta` strings.
fn delta_text_len(protocol: Protocol, value: &Value) -> usize {
    let len = |v: Option<&Value>| v.and_then(Value::as_str).map_or(0, str::len);
    match protocol {
        Protocol::OpenAiChat => value
            .get("choices")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|choice| choice.get("delta"))
            .map(|delta| {
                let calls = delta.get("tool_calls").and_then(Value::as_array);
                len(delta.get("content"))
                    + len(delta.get("refusal"))
                    + len(delta.get("reasoning_content"))
                    + calls
                        .into_iter()
                        .flatten()
                        .map(|call| len(call.pointer("/function/arguments")))
                        .sum::<usize>()
            })
            .sum(),
        Protocol::Anthropic => value.get("delta").map_or(0, |delta| {
            len(delta.get("text")) + len(delta.get("thinking")) + len(delta.get("partial_json"))
        }),
        Protocol::Responses => len(value.get("delta")),
        Protocol::Gemini => value
            .pointer("/candidates/0/content/parts")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|part| {
                len(part.get("text"))
                    + part
                        .pointer("/functionCall/args")
                        .map_or(0, |args| args.to_string().len())
            })
            .sum(),
    }
}

fn classify_passthrough(protocol: Protocol, event: SseEvent, seen: &mut Seen<'_>) -> Piece {
    let fields = &event.fields;
    let data = fields.data.trim();
    let class = if data.is_empty() {
        EventClass::Preamble
    } else if protocol == Protocol::OpenAiChat && data == "[DONE]" {
        EventClass::End
    } else {
        match serde_json::from_str::<Value>(data) {
            Err(_) => EventClass::Error {
                message: "invalid JSON in the stream".into(),
            },
            Ok(value) => {
                // Cheap filter first: most events carry no usage.
                if (data.contains("\"usage\"") || data.contains("\"usageMetadata\""))
                    && let Some(reported) = usage_of(protocol, &value)
                {
                    seen.usage
                        .get_or_insert_with(Default::default)
                        .merge(&reported);
                }
                *seen.text_bytes += delta_text_len(protocol, &value);
                if protocol == Protocol::Responses
                    && seen.response_id.is_none()
                    && data.contains("\"response.created\"")
                {
                    *seen.response_id = value
                        .pointer("/response/id")
                        .and_then(Value::as_str)
                        .map(str::to_owned);
                }
                if protocol == Protocol::Gemini && protocol::gemini::is_last_chunk(&value) {
                    *seen.last_chunk = true;
                }
                classify_value(protocol, fields.event.as_deref(), &value, data)
            }
        }
    };
    Piece {
        class,
        bytes: event.raw,
    }
}

fn classify_value(protocol: Protocol, name: Option<&str>, value: &Value, data: &str) -> EventClass {
    if is_end(protocol, name, value) {
        return EventClass::End;
    }
    match classify_wire_value(protocol, name, value) {
        Phase::Preamble => EventClass::Preamble,
        Phase::Content => EventClass::Content,
        Phase::Error => EventClass::Error {
            message: parse_error_body(200, data.as_bytes()).message,
        },
    }
}

/// The normal last event of an Anthropic or Responses stream. They name it in the `event:`
/// field and again in the data's `type`; either is enough, since some relays drop `event:`
/// lines.
fn is_end(protocol: Protocol, name: Option<&str>, value: &Value) -> bool {
    let kind = name
        .or_else(|| value.get("type").and_then(Value::as_str))
        .unwrap_or_default();
    match protocol {
        Protocol::OpenAiChat => false,
        Protocol::Anthropic => kind == "message_stop",
        Protocol::Responses => matches!(kind, "response.completed" | "response.incomplete"),
        // Its last chunk may carry content too: the end is noted when the stream closes.
        Protocol::Gemini => false,
    }
}

/// The token counts an event of `protocol` carries: Chat `usage`, Anthropic `message.usage`
/// (`message_start`) or `usage` (`message_delta`), Responses `response.usage`.
fn usage_of(protocol: Protocol, value: &Value) -> Option<protocol::hub::Usage> {
    let usage = value
        .get("usage")
        .or_else(|| value.get("usageMetadata"))
        .or_else(|| value.pointer("/message/usage"))
        .or_else(|| value.pointer("/response/usage"))?;
    protocol::decode_usage(protocol, usage)
}

/// A pass-through Chat piece without what the proxy's own request for usage added: the usage
/// chunk itself (no choices) is dropped, and `"usage":null` taken out of the others, so the
/// client gets the bytes the upstream sends a client that did not ask.
fn take_out_usage(piece: Piece, asked: bool) -> Option<Piece> {
    if !asked || piece.class == EventClass::End {
        return Some(piece);
    }
    let Ok(text) = std::str::from_utf8(&piece.bytes) else {
        return Some(piece);
    };
    if !text.contains("\"usage\"") {
        return Some(piece);
    }
    let nulled = USAGE_NULL.iter().any(|null| text.contains(null));
    if !nulled && USAGE_CHUNK.iter().any(|marker| text.contains(marker)) {
        return None;
    }
    let mut out = text.to_owned();
    for null in USAGE_NULL {
        out = out.replace(null, "");
    }
    Some(Piece {
        class: piece.class,
        bytes: Bytes::from(out),
    })
}

/// How the usage chunk's empty choice list is written (compact and spaced JSON).
const USAGE_CHUNK: [&str; 2] = ["\"choices\":[]", "\"choices\": []"];
/// How the `usage` the upstream adds to every other chunk is written, with its comma.
const USAGE_NULL: [&str; 4] = [
    ",\"usage\":null",
    ", \"usage\": null",
    "\"usage\":null,",
    "\"usage\": null, ",
];

/// A stream error event in `protocol`'s own shape.
pub fn error_event(protocol: Protocol, message: &str) -> Bytes {
    let text = match protocol {
        Protocol::OpenAiChat => {
            let body = json!({"error": {"message": message, "type": "upstream_error", "code": "stream_interrupted"}});
            format!("data: {body}\n\n")
        }
        Protocol::Anthropic => {
            let body = protocol::error_body(protocol, 502, message, ErrorKind::Api);
            format!("event: error\ndata: {body}\n\n")
        }
        Protocol::Responses => {
            let body = json!({"type": "error", "code": "stream_interrupted", "message": message, "param": null});
            format!("event: error\ndata: {body}\n\n")
        }
        Protocol::Gemini => {
            let body = protocol::error_body(protocol, 502, message, ErrorKind::Api);
            format!("data: {body}\n\n")
        }
    };
    Bytes::from(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn class(data: &str) -> EventClass {
        let mut judge = StreamJudge::new(Protocol::OpenAiChat, Protocol::OpenAiChat, false);
        let pieces = judge.push(format!("data: {data}\n\n").as_bytes());
        pieces.into_iter().next().expect("one piece").class
    }

    #[test]
    fn role_only_chunks_are_preamble_and_text_is_content() {
        assert_eq!(
            class(r#"{"choices":[{"delta":{"role":"assistant","content":""}}]}"#),
            EventClass::Preamble
        );
        assert_eq!(
            class(r#"{"choices":[{"delta":{"content":"Hi"}}]}"#),
            EventClass::Content
        );
        assert_eq!(class("[DONE]"), EventClass::End);
        assert!(matches!(
            class(r#"{"error":{"message":"overloaded"}}"#),
            EventClass::Error { .. }
        ));
        assert!(matches!(class("{not json"), EventClass::Error { .. }));
    }

    #[test]
    fn anthropic_preamble_is_held_and_a_cut_transcoded_stream_has_no_clean_end() {
        let mut judge = StreamJudge::new(Protocol::Anthropic, Protocol::OpenAiChat, false);
        let start = judge.push(b"event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"model\":\"claude\",\"usage\":{\"input_tokens\":5}}}\n\n");
        assert!(start.iter().all(|p| p.class == EventClass::Preamble));
        let text = judge.push(b"event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hi\"}}\n\n");
        assert!(text.iter().any(|p| p.class == EventClass::Content));
        assert!(judge.finish().iter().all(|p| p.class != EventClass::End));
        assert_eq!(judge.usage().map(|u| u.total_input()), Some(5));
    }

    #[test]
    fn the_end_is_found_with_or_without_an_event_line() {
        for wire in [
            "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n",
            "data: {\"type\":\"message_stop\"}\n\n",
        ] {
            let mut judge = StreamJudge::new(Protocol::Anthropic, Protocol::Anthropic, false);
            let pieces = judge.push(wire.as_bytes());
            assert_eq!(pieces[0].class, EventClass::End, "{wire}");
            assert_eq!(
                &pieces[0].bytes[..],
                wire.as_bytes(),
                "forwarded byte for byte"
            );
        }
    }
}
