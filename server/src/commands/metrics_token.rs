//! `api-switch metrics-token create|list|revoke`: the tokens a monitoring tool presents to read
//! `/metrics` from another machine. A token is printed once, when it is made; the data folder
//! keeps only its SHA-256.

use anyhow::Context;

use crate::cli::MetricsTokenCommand;
use crate::output;

pub fn run(command: &MetricsTokenCommand) -> anyhow::Result<()> {
    match command {
        MetricsTokenCommand::Create { name, data } => {
            let name = name.trim();
            anyhow::ensure!(!name.is_empty(), "a metrics token needs a name");
            let state = super::open_existing(data)?;
            let token = state
                .create_metrics_token(name)
                .context("cannot create the metrics token")?;
            output::line(&token)
        }
        MetricsTokenCommand::List(data) => {
            let state = super::open_existing(data)?;
            let names = state
                .store()
                .metrics_token_names()
                .context("cannot read the metrics tokens")?;
            if names.is_empty() {
                return output::line("No metrics tokens.");
            }
            for (name, created_ms) in names {
                let created = jiff::Timestamp::from_millisecond(created_ms)
                    .map(|t| t.to_string())
                    .unwrap_or_default();
                output::line(&format!("{name}\tcreated {created}"))?;
            }
            Ok(())
        }
        MetricsTokenCommand::Revoke { name, data } => {
            let state = super::open_existing(data)?;
            let deleted = state
                .store()
                .delete_metrics_token(name)
                .context("cannot revoke the metrics token")?;
            anyhow::ensure!(deleted, "no metrics token is named {name}");
            output::line(&format!("Metrics token {name} revoked."))
        }
    }
}
