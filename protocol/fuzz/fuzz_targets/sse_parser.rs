//! The SSE parser never panics and chunking never changes its output.
//! The check itself lives in `protocol::fuzzing::sse_parser`, shared with the stable corpus test.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| protocol::fuzzing::sse_parser(data));
