//! The one place the command line writes results to stdout; logs go to stderr, so stdout stays
//! machine-readable for scripts.

use std::io::Write;

use serde::Serialize;

/// Prints `value` as pretty JSON followed by a newline.
pub fn json<T: Serialize>(value: &T) -> anyhow::Result<()> {
    let text = serde_json::to_string_pretty(value)?;
    print(&text)
}

/// Prints one line of human-readable output.
pub fn line(text: &str) -> anyhow::Result<()> {
    print(text)
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

/// Prints an error and its causes on stderr as one line each (`error: ...`, `  because: ...`),
/// leaving out a cause whose text the line above already holds, so nothing is said twice.
#[expect(
    clippy::print_stderr,
    reason = "the one place a failed command's error is written"
)]
pub fn error(error: &anyhow::Error) {
    let mut said = String::new();
    for (depth, cause) in error.chain().enumerate() {
        let text = cause.to_string();
        if depth > 0 && said.contains(text.trim()) {
            continue;
        }
        if depth == 0 {
            eprintln!("error: {text}");
        } else {
            eprintln!("  because: {text}");
        }
        said = text;
    }
}
