//! One module per subcommand other than `serve`: each parses nothing itself (clap did), calls
//! the engine and hands what to show to `output`.

use anyhow::Context;

use crate::cli::DataDirArg;
use crate::http::DB_FILE_NAME;

pub mod balance;
pub mod catalog;
pub mod connect;
pub mod keys;
pub mod password;
pub mod probe;
pub mod speedtest;

/// The configuration in the data folder, for the commands that read what the user set up: a
/// folder without one is an error that says where to point them, never a new empty database.
fn open_existing(data: &DataDirArg) -> anyhow::Result<engine::AppState> {
    let db = data.resolve()?.join(DB_FILE_NAME);
    anyhow::ensure!(
        db.exists(),
        "no configuration at {}; pass --data-dir or import one with `api-switch import FILE`",
        db.display()
    );
    engine::AppState::open(db).context("cannot open the configuration")
}
