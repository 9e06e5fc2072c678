//! Response conversion between every pair of protocols never panics.
//! The check itself lives in `protocol::fuzzing::convert_response_any`, shared with the stable corpus test.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| protocol::fuzzing::convert_response_any(data));
