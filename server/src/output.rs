//! The one place the command line writes results to stdout; logs go to stderr, so stdout stays
//! machine-readable for scripts.

use std::io::Write;

use serde::Serialize;

/// Prints `value` as pretty JSON followed by a newline.
pub fn json<T: Serialize>(value: &T) -> anyhow::Result<()> {
    let text = serde_json::to_string_pretty(value)?;
    print(&text)
}

#[expect(
    clippy::print_stdout,
    reason = "CLI results go to stdout; this module is the only writer"
)]
fn print(text: &str) -> anyhow::Result<()> {
    println!("{text}");
    std::io::stdout().flush()?;
    Ok(())
}
