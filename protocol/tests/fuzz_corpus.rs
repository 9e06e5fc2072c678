//! A brief, deterministic stand-in for the cargo-fuzz run on stable Rust: every fuzz target's
//! check (`protocol::fuzzing`) is run on its seed corpus and on a few hundred mutations of each
//! seed (byte flips, truncations, insertions, splices). A panic here is a fuzz finding.

use std::path::PathBuf;

/// xorshift64: reproducible mutations without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn mutate(seed: &[u8], rng: &mut Rng) -> Vec<u8> {
    let mut data = seed.to_vec();
    for _ in 0..=rng.below(4) {
        match rng.below(5) {
            0 if !data.is_empty() => {
                let at = rng.below(data.len());
                data[at] ^= 1 << rng.below(8);
            }
            1 => data.truncate(rng.below(data.len() + 1)),
            2 => {
                let at = rng.below(data.len() + 1);
                const JUNK: [&[u8]; 7] = [
                    b"\r\n",
                    b"\n\n",
                    b"\xF0\x9F",
                    b"data: ",
                    b"{\"",
                    b"null",
                    b"[DONE]",
                ];
                let junk = JUNK[rng.below(JUNK.len())];
                data.splice(at..at, junk.iter().copied());
            }
            3 if data.len() > 2 => {
                let (a, b) = (rng.below(data.len()), rng.below(data.len()));
                let (start, end) = (a.min(b), a.max(b));
                let copy = data[start..end].to_vec();
                let at = rng.below(data.len());
                data.splice(at..at, copy);
            }
            _ if !data.is_empty() => {
                let at = rng.below(data.len());
                data[at] = rng.next() as u8;
            }
            _ => {}
        }
    }
    data
}

fn run(target: &str, check: fn(&[u8])) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let mut seeds: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("corpus {}: {e}", dir.display()))
        .map(|entry| entry.expect("entry").path())
        .filter(|path| {
            path.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("seed_"))
        })
        .collect();
    seeds.sort();
    assert!(!seeds.is_empty(), "no seeds in {}", dir.display());
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for path in seeds {
        let seed = std::fs::read(&path).expect("seed");
        check(&seed);
        for _ in 0..300 {
            check(&mutate(&seed, &mut rng));
        }
    }
}

#[test]
fn sse_parser_corpus() {
    run("sse_parser", protocol::fuzzing::sse_parser);
}

#[test]
fn convert_request_corpus() {
    run("convert_request", protocol::fuzzing::convert_request_any);
}

#[test]
fn convert_response_corpus() {
    run("convert_response", protocol::fuzzing::convert_response_any);
}

#[test]
fn transcode_stream_corpus() {
    run("transcode_stream", protocol::fuzzing::transcode_stream);
}

#[test]
fn parse_error_body_corpus() {
    run("parse_error_body", protocol::fuzzing::parse_error_body);
}
