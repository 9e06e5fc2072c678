//! Reading an upstream error body never panics.
//! The check itself lives in `protocol::fuzzing::parse_error_body`, shared with the stable corpus test.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| protocol::fuzzing::parse_error_body(data));
