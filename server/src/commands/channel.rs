//! `api-switch channel add|list|remove|enable|disable`: one channel at a time, through the
//! engine's front desk like the Channels screen, so a server running on the same data folder
//! picks each change up within a second. `channel add --from-probe FILE` (and `probe --add`)
//! save what `probe` found.

use std::path::Path;

use anyhow::Context;
use engine::AppState;
use engine::discovery::ChannelKind;
use engine::store::NewChannel;

use crate::cli::{ChannelAddArgs, ChannelCommand};
use crate::output;

pub async fn run(command: &ChannelCommand) -> anyhow::Result<()> {
    match command {
        ChannelCommand::Add(args) => add(args).await,
        ChannelCommand::List { json, data } => {
            let state = super::open_existing(data)?;
            let channels = state.channel_listing().await?;
            if *json {
                return output::json(&channels);
            }
            output::line(&format!(
                "{:<20} {:<10} {:<8} {:<40} MODELS",
                "NAME", "TYPE", "STATE", "BASE URL"
            ))?;
            for channel in channels {
                let models: Vec<&str> = channel.entries.iter().map(|e| e.model.as_str()).collect();
                output::line(&format!(
                    "{:<20} {:<10} {:<8} {:<40} {}",
                    channel.name,
                    channel.api_type.to_string(),
                    if channel.enabled { "on" } else { "off" },
                    channel.base_url,
                    models.join(", ")
                ))?;
            }
            Ok(())
        }
        ChannelCommand::Remove { name, data } => {
            let state = super::open_existing(data)?;
            let id = channel_named(&state, name).await?;
            state.delete_channel(id).await?;
            output::line(&format!(
                "Channel '{}' removed with its entries.",
                name.trim()
            ))
        }
        ChannelCommand::Enable { name, data } | ChannelCommand::Disable { name, data } => {
            let on = matches!(command, ChannelCommand::Enable { .. });
            let state = super::open_existing(data)?;
            let id = channel_named(&state, name).await?;
            state.set_channel_enabled(id, on).await?;
            output::line(&format!(
                "Channel '{}' is {}.",
                name.trim(),
                if on { "on" } else { "off" }
            ))
        }
    }
}

/// What `channel add` reads of `probe`'s JSON.
#[derive(serde::Deserialize)]
struct ProbeFile {
    usable: Option<bool>,
    outcome: Option<String>,
    api_type: Option<ChannelKind>,
    base_url: Option<String>,
    #[serde(default)]
    models: Vec<String>,
}

async fn add(args: &ChannelAddArgs) -> anyhow::Result<()> {
    let (api_type, base_url, found) = match &args.from_probe {
        Some(file) => read_probe(file)?,
        None => (
            args.api_type
                .context("--type is required without --from-probe")?,
            args.base_url
                .clone()
                .context("--base-url is required without --from-probe")?,
            Vec::new(),
        ),
    };
    let api_type = args.api_type.unwrap_or(api_type);
    let base_url = args.base_url.clone().unwrap_or(base_url);
    let state = super::open_existing(&args.data)?;
    let chosen = (!args.models.is_empty()).then_some(args.models.as_slice());
    let found = if found.is_empty() {
        args.models.clone()
    } else {
        found
    };
    add_channel(
        &state, &args.name, api_type, &base_url, &args.key, &found, chosen,
    )
    .await
}

/// Saves a channel and says what it holds (`probe --add` too).
pub async fn add_channel(
    state: &AppState,
    name: &str,
    api_type: ChannelKind,
    base_url: &str,
    key: &str,
    found: &[String],
    chosen: Option<&[String]>,
) -> anyhow::Result<()> {
    let new = NewChannel {
        name: name.to_owned(),
        api_type,
        base_url: base_url.to_owned(),
        api_key: key.to_owned().into(),
        enabled: true,
        api_version: String::new(),
    };
    let id = state
        .add_named_channel(&new, found, chosen)
        .await
        .with_context(|| format!("cannot add the channel '{}'", name.trim()))?;
    state.flush();
    let listing = state.channel_listing().await?;
    let entries = listing
        .iter()
        .find(|c| c.id == id)
        .map(|c| c.entries.len())
        .unwrap_or(0);
    output::line(&format!(
        "Channel '{}' added ({api_type}, {base_url}) with {}.",
        name.trim(),
        match entries {
            1 => "1 entry".to_owned(),
            n => format!("{n} entries"),
        }
    ))?;
    if entries == 0 {
        tracing::warn!(
            "the channel has no entries yet; add models with `--model MODEL` or in the UI"
        );
    }
    Ok(())
}

/// The API type, base URL and models of a file `probe` wrote; one that found nothing usable
/// is refused.
fn read_probe(file: &Path) -> anyhow::Result<(ChannelKind, String, Vec<String>)> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let probe: ProbeFile = serde_json::from_str(&text)
        .with_context(|| format!("{} is not what `api-switch probe` prints", file.display()))?;
    let usable = probe.usable.unwrap_or(matches!(
        probe.outcome.as_deref(),
        Some("models_listed" | "chat_only")
    ));
    anyhow::ensure!(
        usable,
        "{}: the probe found nothing usable (outcome {}); nothing was added",
        file.display(),
        probe.outcome.as_deref().unwrap_or("unknown")
    );
    let api_type = probe
        .api_type
        .with_context(|| format!("{}: no api_type", file.display()))?;
    let base_url = probe
        .base_url
        .with_context(|| format!("{}: no base_url", file.display()))?;
    Ok((api_type, base_url, probe.models))
}

/// The id of the channel named `name`, or an error that says where to look.
async fn channel_named(state: &AppState, name: &str) -> anyhow::Result<engine::store::ChannelId> {
    state
        .channel_listing()
        .await?
        .into_iter()
        .find(|c| c.name == name.trim())
        .map(|c| c.id)
        .with_context(|| {
            format!(
                "no channel is named '{}'; see `api-switch channel list`",
                name.trim()
            )
        })
}
