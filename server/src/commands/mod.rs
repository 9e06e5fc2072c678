//! One module per subcommand other than `serve`: each parses nothing itself (clap did), calls
//! the engine and hands what to show to `output`.

use anyhow::Context;

use crate::cli::DataDirArg;
use crate::http::DB_FILE_NAME;

pub mod balance;
pub mod capture;
pub mod catalog;
pub mod channel;
pub mod connect;
pub mod keys;
pub mod metrics_token;
pub mod password;
pub mod probe;
pub mod speedtest;

/// The configuration in the data folder, for every command but `serve` and `import` (the two
/// that create one): a folder without one is an error that says how to make it, never a new
/// empty database, so a mistyped `--data-dir` leaves nothing behind. A headless machine starts
/// with `serve` (which, asked to listen remotely before it is locked down, creates the database
/// and then lists the set-up commands to run) or with `import`.
pub(crate) fn open_existing(data: &DataDirArg) -> anyhow::Result<engine::AppState> {
    engine::AppState::open(existing_db(data)?).context("cannot open the configuration")
}

/// The database file of the data folder, which must exist.
pub(crate) fn existing_db(data: &DataDirArg) -> anyhow::Result<std::path::PathBuf> {
    let db = data.resolve()?.join(DB_FILE_NAME);
    if !db.exists() {
        let dir = data.resolve()?;
        anyhow::bail!(
            "no configuration at {}; start API Switch on that folder once \
             (`api-switch serve --data-dir \"{dir}\"`) or import one \
             (`api-switch import FILE --data-dir \"{dir}\"`), or pass the right --data-dir",
            db.display(),
            dir = dir.display()
        );
    }
    Ok(db)
}
