//! The cost of each protocol conversion the proxy does per request: a typical request (tools
//! included) and a coding agent's long turn converted and written for every pair of protocols,
//! a response converted, and a text stream transcoded
//! event by event (reported per event, i.e. per forwarded chunk). Fixtures are the ones the
//! golden tests use, taken from the providers' documented examples.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use protocol::{EncodeOptions, Protocol, StreamTranscoder, convert_request, convert_response};

/// The allocator `api-switch` and the desktop app use, so the figures are theirs.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const PROTOCOLS: [(Protocol, &str); 4] = [
    (Protocol::OpenAiChat, "openai_chat"),
    (Protocol::Anthropic, "anthropic"),
    (Protocol::Responses, "responses"),
    (Protocol::Gemini, "gemini"),
];

fn fixture(protocol_dir: &str, file: &str) -> Vec<u8> {
    let path = format!(
        "{}/tests/fixtures/{protocol_dir}/{file}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn request_file(protocol: Protocol) -> &'static str {
    match protocol {
        Protocol::Responses => "request.json",
        _ => "request_tools.json",
    }
}

fn response_file(protocol: Protocol) -> &'static str {
    match protocol {
        Protocol::OpenAiChat => "response_tool_calls.json",
        Protocol::Anthropic => "response_tool_use.json",
        Protocol::Responses => "response.json",
        Protocol::Gemini => "response_function_call.json",
    }
}

/// Every ordered pair of different protocols.
fn pairs() -> impl Iterator<Item = ((Protocol, &'static str), (Protocol, &'static str))> {
    PROTOCOLS
        .into_iter()
        .flat_map(|from| PROTOCOLS.into_iter().map(move |to| (from, to)))
        .filter(|(from, to)| from.0 != to.0)
}

/// Every pair's conversion of the request `body_in(protocol, dir)`, parse and write included,
/// as the proxy does it for a candidate of another protocol.
fn request_group(c: &mut Criterion, name: &str, body_in: impl Fn(Protocol, &str) -> Vec<u8>) {
    let options = EncodeOptions {
        default_max_tokens: Some(8192),
        ..EncodeOptions::default()
    };
    let mut group = c.benchmark_group(name);
    for ((from, from_dir), (to, to_dir)) in pairs() {
        let body = body_in(from, from_dir);
        group.throughput(Throughput::Bytes(body.len() as u64));
        group.bench_function(format!("{from_dir}->{to_dir}"), |b| {
            b.iter(|| {
                let value = convert_request(from, to, black_box(&body), &options);
                protocol::json::to_vec(&value.expect("converts")).expect("writes")
            })
        });
    }
    group.finish();
}

fn requests(c: &mut Criterion) {
    request_group(c, "request", |from, dir| fixture(dir, request_file(from)));
}

/// A coding agent's 107 KB turn (`protocol::fixtures::coding_agent_request`): the conversion
/// `cargo xtask bench --overhead` sends through the proxy.
fn coding_agent_requests(c: &mut Criterion) {
    request_group(c, "coding_agent_request", |from, _| {
        protocol::fixtures::coding_agent_request(from, "bench-model")
    });
}

fn responses(c: &mut Criterion) {
    let mut group = c.benchmark_group("response");
    for ((from, from_dir), (to, to_dir)) in pairs() {
        let body = fixture(from_dir, response_file(from));
        group.bench_function(format!("{from_dir}->{to_dir}"), |b| {
            b.iter(|| convert_response(from, to, black_box(&body)))
        });
    }
    group.finish();
}

fn stream_chunks(c: &mut Criterion) {
    let mut group = c.benchmark_group("stream_chunk");
    for ((from, from_dir), (to, to_dir)) in pairs() {
        let stream = fixture(from_dir, "stream_text.sse");
        let events = String::from_utf8_lossy(&stream).matches("data:").count();
        group.throughput(Throughput::Elements(events as u64));
        group.bench_function(format!("{from_dir}->{to_dir}"), |b| {
            b.iter(|| {
                let mut transcoder = StreamTranscoder::new(from, to, 1_700_000_000, true);
                let mut out = transcoder.push(black_box(&stream));
                out.extend(transcoder.finish());
                out
            })
        });
    }
    group.finish();
}

criterion_group!(
    benches,
    requests,
    coding_agent_requests,
    responses,
    stream_chunks
);
criterion_main!(benches);
