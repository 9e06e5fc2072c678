//! What a pass-through request costs before it is sent: find `model` and `stream` in a 128 KB
//! coding-agent body and splice the entry's model in. Candidates measured side by side:
//! a `serde_json::Value` tree (what the proxy did), a map of borrowed `RawValue`s, a struct of
//! borrowed `RawValue`s (a full validating scan), `sonic-rs`'s lazy object iterator, and
//! `protocol::RequestHead` (the top level checked, nested values skipped by bracket and string
//! with `memchr`; the one chosen). Also the one decode a converted request pays, and the
//! conversion.

use std::collections::HashMap;
use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use protocol::fixtures::coding_agent_request;
use protocol::{EncodeOptions, Protocol, RequestHead, decode_request, encode_request};
use serde_json::value::RawValue;

/// The allocator `api-switch` and the desktop app use, so the figures are theirs.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn splice(body: &[u8], raw: &str, model: &str) -> Vec<u8> {
    let start = raw.as_ptr() as usize - body.as_ptr() as usize;
    let mut out = Vec::with_capacity(body.len() + 32);
    out.extend_from_slice(&body[..start]);
    serde_json::to_writer(&mut out, model).expect("write");
    out.extend_from_slice(&body[start + raw.len()..]);
    out
}

fn scan(c: &mut Criterion) {
    let body = coding_agent_request(Protocol::Anthropic, "auto");
    let mut group = c.benchmark_group("passthrough_128k");
    group.throughput(Throughput::Bytes(body.len() as u64));
    group.bench_function("value_tree_parse_and_serialise", |b| {
        b.iter(|| {
            let mut value: serde_json::Value =
                serde_json::from_slice(black_box(&body)).expect("json");
            let stream = value["stream"].as_bool();
            value["model"] = "claude-sonnet-4-5".into();
            black_box((stream, serde_json::to_vec(&value).expect("vec")))
        })
    });
    group.bench_function("rawvalue_map", |b| {
        b.iter(|| {
            let map: HashMap<&str, &RawValue> =
                serde_json::from_slice(black_box(&body)).expect("json");
            let stream = map.get("stream").map(|r| r.get() == "true");
            let model = map.get("model").expect("model").get();
            black_box((stream, splice(&body, model, "claude-sonnet-4-5")))
        })
    });
    group.bench_function("rawvalue_struct", |b| {
        #[derive(serde::Deserialize)]
        struct Fields<'a> {
            #[serde(borrow)]
            model: &'a RawValue,
            #[serde(borrow, default)]
            stream: Option<&'a RawValue>,
        }
        b.iter(|| {
            let fields: Fields = serde_json::from_slice(black_box(&body)).expect("json");
            let stream = fields.stream.map(|r| r.get() == "true");
            black_box((
                stream,
                splice(&body, fields.model.get(), "claude-sonnet-4-5"),
            ))
        })
    });
    group.bench_function("request_head", |b| {
        b.iter(|| {
            let head = RequestHead::scan(black_box(&body)).expect("scan");
            black_box((
                head.model(),
                head.stream(),
                head.with_model("claude-sonnet-4-5"),
            ))
        })
    });
    group.bench_function("sonic_rs_lazy_iter", |b| {
        b.iter(|| {
            let text = std::str::from_utf8(black_box(&body)).expect("utf8");
            let (mut model, mut stream) = (None, None);
            for pair in sonic_rs::to_object_iter(text) {
                let (key, value) = pair.expect("json");
                match &*key {
                    "model" => {
                        // The lazy value borrows from `text`: its address gives its place.
                        let raw = value.as_raw_str();
                        model = Some((raw.as_ptr() as usize - text.as_ptr() as usize, raw.len()));
                    }
                    "stream" => stream = Some(value.as_raw_str() == "true"),
                    _ => {}
                }
            }
            let (start, len) = model.expect("model");
            let raw = &text[start..start + len];
            black_box((stream, splice(&body, raw, "claude-sonnet-4-5")))
        })
    });
    group.finish();
}

fn convert(c: &mut Criterion) {
    let body = coding_agent_request(Protocol::Anthropic, "auto");
    let options = EncodeOptions {
        upstream_accepts_include_usage: true,
        ..EncodeOptions::default()
    };
    let mut group = c.benchmark_group("convert_128k");
    group.throughput(Throughput::Bytes(body.len() as u64));
    group.bench_function("decode_anthropic", |b| {
        b.iter(|| black_box(decode_request(Protocol::Anthropic, black_box(&body)).expect("decode")))
    });
    let hub = decode_request(Protocol::Anthropic, &body).expect("decode");
    group.bench_function("encode_chat_to_bytes", |b| {
        b.iter(|| {
            let value = encode_request(Protocol::OpenAiChat, black_box(&hub), &options);
            black_box(serde_json::to_vec(&value).expect("vec"))
        })
    });
    group.finish();
}

criterion_group!(benches, scan, convert);
criterion_main!(benches);
