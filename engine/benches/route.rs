//! Candidate selection over 10,000 entries (1,000 channels of 10), the work the proxy does
//! before every request: an exact model name matching one entry per channel with the first
//! three cooling, a name matched only fuzzily, and the whole `auto` group (the worst case,
//! every entry a candidate). Issue 6's goal is under 10 µs.

use criterion::{Criterion, criterion_group, criterion_main};
use engine::proxy::route::select;
use engine::proxy::snapshot::{Cooldowns, Snapshot};
use engine::store::Store;
use serde_json::{Value, json};

const CHANNELS: usize = 1_000;
const ENTRIES_PER_CHANNEL: usize = 10;

/// 1,000 channels; each offers `gpt-bench` plus nine models of its own, all in the `auto` group.
fn config() -> Value {
    let channels: Vec<Value> = (0..CHANNELS)
        .map(|c| {
            let entries: Vec<Value> = (0..ENTRIES_PER_CHANNEL)
                .map(|m| {
                    let model = if m == 0 {
                        "gpt-bench".to_owned()
                    } else {
                        format!("model-{c}-{m}")
                    };
                    json!({"model": model, "priority": c * ENTRIES_PER_CHANNEL + m})
                })
                .collect();
            json!({"name": format!("channel-{c}"), "api_type": "openai",
                   "base_url": "http://127.0.0.1:9", "api_key": "sk-bench",
                   "entries": entries})
        })
        .collect();
    json!({"version": 1, "settings": {}, "channels": channels})
}

fn candidate_selection(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let store = Store::open(dir.path().join("bench.db")).expect("open the store");
    engine::config::import(&store, &config().to_string()).expect("import 10,000 entries");
    let snapshot = Snapshot::load(&store, 1, &Default::default()).expect("load the snapshot");
    assert_eq!(snapshot.entries.len(), CHANNELS * ENTRIES_PER_CHANNEL);
    let now = engine::clock::now_ms();
    let cooldowns = Cooldowns::default();
    let exact: Vec<_> = snapshot
        .entries
        .iter()
        .filter(|e| e.model == "gpt-bench")
        .take(3)
        .collect();
    for entry in exact {
        cooldowns.set(entry.id, now + 600_000);
    }

    let mut group = c.benchmark_group("select over 10,000 entries");
    group.bench_function("exact model, 1,000 candidates, 3 cooling", |b| {
        b.iter(|| {
            select(
                &snapshot.route_index,
                &cooldowns,
                &Default::default(),
                std::hint::black_box("gpt-bench"),
                now,
            )
        })
    });
    group.bench_function("one exact match (model-500-5)", |b| {
        b.iter(|| {
            select(
                &snapshot.route_index,
                &cooldowns,
                &Default::default(),
                std::hint::black_box("model-500-5"),
                now,
            )
        })
    });
    group.bench_function("fuzzy match (-999-)", |b| {
        b.iter(|| {
            select(
                &snapshot.route_index,
                &cooldowns,
                &Default::default(),
                std::hint::black_box("-999-"),
                now,
            )
        })
    });
    group.bench_function("auto group, 10,000 candidates", |b| {
        b.iter(|| {
            select(
                &snapshot.route_index,
                &cooldowns,
                &Default::default(),
                std::hint::black_box("auto"),
                now,
            )
        })
    });
    group.finish();
}

criterion_group!(benches, candidate_selection);
criterion_main!(benches);
