//! `api-switch catalog update|reset|status`: the model catalog from the command line. Like
//! `api-switch keys`, it works on the data folder's database through the engine's front desk
//! (the same methods the Settings screen calls); a server running on the same folder sees the
//! stored catalog change and reloads within a second.

use engine::catalog::{CatalogChanges, CatalogStatus};
use engine::manage::CatalogUpdateError;

use crate::cli::CatalogCommand;
use crate::commands::open_existing;
use crate::output;

/// How many model ids a summary names before it only counts.
const NAMES_SHOWN: usize = 10;

pub async fn run(command: &CatalogCommand) -> anyhow::Result<()> {
    match command {
        CatalogCommand::Update { from, json, data } => {
            let state = open_existing(data)?;
            let changes = state.update_catalog(from.clone()).await.map_err(explain)?;
            if *json {
                output::json(&changes)
            } else {
                summary("Catalog updated", &changes)
            }
        }
        CatalogCommand::Reset(data) => {
            let state = open_existing(data)?;
            let changes = state.reset_catalog().await?;
            summary("Using the built-in catalog again", &changes)
        }
        CatalogCommand::Status { json, data } => {
            let state = open_existing(data)?;
            let status = state.catalog_status().await?;
            if *json {
                output::json(&status)
            } else {
                output::line(&status_line(&status))
            }
        }
    }
}

/// A refused source as one problem per line, so a long list stays readable.
fn explain(error: CatalogUpdateError) -> anyhow::Error {
    match error {
        CatalogUpdateError::Invalid { from, problems } => {
            let lines: Vec<String> = problems.iter().map(|p| format!("  - {p}")).collect();
            anyhow::anyhow!(
                "the catalog from {from} was not used (nothing changed); {}:\n{}",
                engine::config::count(problems.len(), "problem"),
                lines.join("\n")
            )
        }
        other => other.into(),
    }
}

fn summary(head: &str, changes: &CatalogChanges) -> anyhow::Result<()> {
    output::line(&format!(
        "{head} from {}: {} models, {} with a price.",
        changes.source, changes.models, changes.priced
    ))?;
    output::line(&format!(
        "Added {}, removed {}, prices changed {}, other figures changed {}.",
        changes.added.len(),
        changes.removed.len(),
        changes.prices_changed,
        changes.details_changed
    ))?;
    for (label, ids) in [
        ("Added", &changes.added),
        ("Removed", &changes.removed),
        ("Skipped", &changes.skipped),
    ] {
        if !ids.is_empty() {
            output::line(&format!("{label}: {}", names(ids)))?;
        }
    }
    Ok(())
}

fn names(ids: &[String]) -> String {
    let shown = ids[..ids.len().min(NAMES_SHOWN)].join(", ");
    match ids.len().saturating_sub(NAMES_SHOWN) {
        0 => shown,
        more => format!("{shown} and {more} more"),
    }
}

fn status_line(status: &CatalogStatus) -> String {
    let origin = match (&status.source, status.updated_ms) {
        (Some(source), Some(ms)) => format!(
            "updated from {source} at {}",
            jiff::Timestamp::from_millisecond(ms)
                .map(|t| t.to_string())
                .unwrap_or_else(|_| ms.to_string())
        ),
        _ => "the built-in copy".to_owned(),
    };
    format!(
        "Model catalog: {origin}; compiled {}; {} models, {} with a price.",
        status.compiled.as_deref().unwrap_or("(no date)"),
        status.models,
        status.priced
    )
}
