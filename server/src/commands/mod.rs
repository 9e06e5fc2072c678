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
pub mod password;
pub mod probe;
pub mod speedtest;

/// The configuration in the data folder, for the commands that set a headless machine up
/// before its first start (`keys add`, `password set`): a missing folder is created private
/// (0700), as `serve` creates it.
pub(crate) fn open_or_create(data: &DataDirArg) -> anyhow::Result<engine::AppState> {
    let dir = data.resolve()?;
    engine::store::files::create_data_dir(&dir)
        .with_context(|| format!("cannot create the data folder {}", dir.display()))?;
    engine::AppState::open(dir.join(DB_FILE_NAME)).context("cannot open the configuration")
}

/// The configuration in the data folder, for the commands that read what the user set up: a
/// folder without one is an error that says where to point them, never a new empty database.
pub(crate) fn open_existing(data: &DataDirArg) -> anyhow::Result<engine::AppState> {
    engine::AppState::open(existing_db(data)?).context("cannot open the configuration")
}

/// The database file of the data folder, which must exist.
pub(crate) fn existing_db(data: &DataDirArg) -> anyhow::Result<std::path::PathBuf> {
    let db = data.resolve()?.join(DB_FILE_NAME);
    anyhow::ensure!(
        db.exists(),
        "no configuration at {}; pass --data-dir or import one with `api-switch import FILE`",
        db.display()
    );
    Ok(db)
}
