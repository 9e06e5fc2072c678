//! End-to-end tests: each drives a real `api-switch` process (the debug build, or the release
//! build where the test is about the shipped binary). One test binary, several modules, so the
//! suite links once.

mod browser;
mod cli;
mod probe_cli;
mod release_binary;
mod support;
