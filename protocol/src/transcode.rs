//! Stream transcoding: upstream SSE bytes in one protocol -> SSE bytes in another, chunk by
//! chunk. A parser, a decoder (wire -> hub) and an encoder (hub -> wire) are chained; each output
//! event carries the failover [`Phase`] of the hub event that caused it.

use crate::hub::{Phase, StreamEvent};
use crate::sse::{SseEvent, SseParser};
use crate::{Protocol, anthropic, gemini, openai_chat, responses};
use bytes::Bytes;

/// Wire events of one protocol -> hub events.
#[derive(Debug)]
pub enum StreamDecoder {
    OpenAiChat(openai_chat::Decoder),
    Anthropic(anthropic::Decoder),
    Responses(responses::Decoder),
    Gemini(gemini::Decoder),
}

impl StreamDecoder {
    pub fn new(protocol: Protocol) -> StreamDecoder {
        match protocol {
            Protocol::OpenAiChat => StreamDecoder::OpenAiChat(openai_chat::Decoder::new()),
            Protocol::Anthropic => StreamDecoder::Anthropic(anthropic::Decoder::new()),
            Protocol::Responses => StreamDecoder::Responses(responses::Decoder::new()),
            Protocol::Gemini => StreamDecoder::Gemini(gemini::Decoder::new()),
        }
    }

    pub fn on_event(&mut self, event: &SseEvent) -> Vec<StreamEvent> {
        match self {
            StreamDecoder::OpenAiChat(decoder) => decoder.on_event(event),
            StreamDecoder::Anthropic(decoder) => decoder.on_event(event),
            StreamDecoder::Responses(decoder) => decoder.on_event(event),
            StreamDecoder::Gemini(decoder) => decoder.on_event(event),
        }
    }

    /// End of the upstream stream: flushes anything held back (tool calls still missing a name).
    pub fn finish(&mut self) -> Vec<StreamEvent> {
        match self {
            StreamDecoder::OpenAiChat(decoder) => decoder.finish(),
            StreamDecoder::Anthropic(decoder) => decoder.finish(),
            StreamDecoder::Responses(decoder) => decoder.finish(),
            StreamDecoder::Gemini(decoder) => decoder.finish(),
        }
    }
}

/// Hub events -> wire events of one protocol.
#[derive(Debug)]
pub enum StreamEncoder {
    OpenAiChat(openai_chat::Encoder),
    Anthropic(anthropic::Encoder),
    Responses(responses::Encoder),
    Gemini(gemini::Encoder),
}

impl StreamEncoder {
    /// `created`: unix seconds for the `created` fields; `include_usage`: the Chat client asked
    /// for a usage chunk (ignored by the other protocols, which always report usage).
    pub fn new(protocol: Protocol, created: u64, include_usage: bool) -> StreamEncoder {
        match protocol {
            Protocol::OpenAiChat => {
                StreamEncoder::OpenAiChat(openai_chat::Encoder::new(created, include_usage))
            }
            Protocol::Anthropic => StreamEncoder::Anthropic(anthropic::Encoder::new()),
            Protocol::Responses => StreamEncoder::Responses(responses::Encoder::new(created)),
            Protocol::Gemini => StreamEncoder::Gemini(gemini::Encoder::new()),
        }
    }

    /// The client's freeform tools (only a Responses client has them): their calls reach it as
    /// custom tool calls.
    pub fn set_freeform_tools(&mut self, names: Vec<String>) {
        if let StreamEncoder::Responses(encoder) = self {
            encoder.set_freeform_tools(names);
        }
    }

    pub fn on_event(&mut self, event: &StreamEvent) -> Vec<SseEvent> {
        match self {
            StreamEncoder::OpenAiChat(encoder) => encoder.on_event(event),
            StreamEncoder::Anthropic(encoder) => encoder.on_event(event),
            StreamEncoder::Responses(encoder) => encoder.on_event(event),
            StreamEncoder::Gemini(encoder) => encoder.on_event(event),
        }
    }

    /// End of stream: the protocol's closing events (`[DONE]`, `message_stop`, `response.completed`).
    pub fn finish(&mut self) -> Vec<SseEvent> {
        match self {
            StreamEncoder::OpenAiChat(encoder) => encoder.finish(),
            StreamEncoder::Anthropic(encoder) => encoder.finish(),
            StreamEncoder::Responses(encoder) => encoder.finish(),
            StreamEncoder::Gemini(encoder) => encoder.finish(),
        }
    }
}

/// One encoded event ready for the client, with its failover phase.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TranscodedEvent {
    pub phase: Phase,
    pub event: SseEvent,
}

impl TranscodedEvent {
    pub fn to_bytes(&self) -> Bytes {
        self.event.to_bytes()
    }
}

/// Upstream SSE bytes in `from` -> client SSE events in `to`.
///
/// Feed every network chunk to [`push`](Self::push) and call [`finish`](Self::finish) once when
/// the upstream closes. Until the first event whose phase is not [`Phase::Preamble`] the engine
/// may discard the output and retry elsewhere.
#[derive(Debug)]
pub struct StreamTranscoder {
    parser: SseParser,
    decoder: StreamDecoder,
    encoder: StreamEncoder,
}

impl StreamTranscoder {
    pub fn new(
        from: Protocol,
        to: Protocol,
        created: u64,
        include_usage: bool,
    ) -> StreamTranscoder {
        StreamTranscoder {
            parser: SseParser::new(),
            decoder: StreamDecoder::new(from),
            encoder: StreamEncoder::new(to, created, include_usage),
        }
    }

    pub fn push(&mut self, chunk: &[u8]) -> Vec<TranscodedEvent> {
        let mut out = Vec::new();
        for wire in self.parser.push(chunk) {
            let events = self.decoder.on_event(&wire);
            self.encode(&events, &mut out);
        }
        out
    }

    pub fn finish(&mut self) -> Vec<TranscodedEvent> {
        let mut out = Vec::new();
        if let Some(wire) = self.parser.finish() {
            let events = self.decoder.on_event(&wire);
            self.encode(&events, &mut out);
        }
        let events = self.decoder.finish();
        self.encode(&events, &mut out);
        let closing = self.encoder.finish();
        out.extend(closing.into_iter().map(|event| TranscodedEvent {
            phase: Phase::Content,
            event,
        }));
        out
    }

    fn encode(&mut self, events: &[StreamEvent], out: &mut Vec<TranscodedEvent>) {
        for hub_event in events {
            let phase = hub_event.phase();
            for event in self.encoder.on_event(hub_event) {
                out.push(TranscodedEvent { phase, event });
            }
        }
    }
}
