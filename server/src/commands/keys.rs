//! `api-switch keys add|list|require`: the access keys clients present to the proxy, from the
//! command line, so remote access can be set up on a headless machine. A server running on the
//! same data folder picks each change up within a second.

use anyhow::Context;
use engine::AppState;

use crate::cli::{DataDirArg, KeysCommand, OnOff};
use crate::http::DB_FILE_NAME;
use crate::output;

/// Opens the state of the data folder, creating the folder when missing.
pub fn open_state(data: &DataDirArg) -> anyhow::Result<AppState> {
    let dir = data.resolve()?;
    std::fs::create_dir_all(&dir)
        .with_context(|| format!("cannot create the data folder {}", dir.display()))?;
    AppState::open(dir.join(DB_FILE_NAME)).context("cannot open the configuration")
}

pub async fn run(command: &KeysCommand) -> anyhow::Result<()> {
    match command {
        KeysCommand::Add { name, data } => {
            let state = open_state(data)?;
            let key = format!("sk-as-{}", engine::auth::random_token()?);
            state.create_access_key(name, &key).await?;
            output::line(&key)?;
            let required = state.snapshot().settings.require_access_key;
            if !required {
                tracing::warn!(
                    "access keys are not required yet; run `api-switch keys require on` so clients must present one"
                );
            }
            Ok(())
        }
        KeysCommand::List(data) => {
            let state = open_state(data)?;
            output::line(&format!("{:>4}  {:<24} KEY", "ID", "NAME"))?;
            for key in state.access_key_list().await? {
                output::line(&format!("{:>4}  {:<24} {}", key.id, key.name, key.masked))?;
            }
            Ok(())
        }
        KeysCommand::Require {
            state: on_off,
            data,
        } => {
            let state = open_state(data)?;
            state.set_access_key_required(*on_off == OnOff::On).await?;
            output::line(match on_off {
                OnOff::On => "Clients must now present an access key.",
                OnOff::Off => "Access keys are no longer required.",
            })
        }
    }
}
