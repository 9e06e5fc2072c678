//! Stream transcoding never panics on any bytes in any chunking.
//! The check itself lives in `protocol::fuzzing::transcode_stream`, shared with the stable corpus test.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| protocol::fuzzing::transcode_stream(data));
