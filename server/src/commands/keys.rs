//! `api-switch keys add|list|limit|require`: the access keys clients present to the proxy, and
//! their limits, from the command line, so remote access can be set up on a headless machine.
//! A server running on the same data folder picks each change up within a second.

use anyhow::Context;
use engine::AppState;

use crate::cli::{DataDirArg, KeyLimitArgs, KeysCommand, OnOff};
use crate::output;
use engine::manage::{AccessKeyInfo, KeyLimits};

pub async fn run(command: &KeysCommand) -> anyhow::Result<()> {
    match command {
        KeysCommand::Add { name, data } => {
            let state = super::open_existing(data)?;
            let created = state
                .generate_access_key(name)
                .await
                .with_context(|| format!("cannot add the access key '{}'", name.trim()))?;
            output::line(&created.key)?;
            let required = state.snapshot().settings.require_access_key;
            if !required {
                tracing::warn!(
                    "access keys are not required yet; run `api-switch keys require on` so clients must present one"
                );
            }
            Ok(())
        }
        KeysCommand::List(data) => {
            let state = super::open_existing(data)?;
            output::line(&format!("{:>4}  {:<24} {:<16} LIMITS", "ID", "NAME", "KEY"))?;
            for key in state.access_key_list().await? {
                output::line(&format!(
                    "{:>4}  {:<24} {:<16} {}",
                    key.id,
                    key.name,
                    key.masked,
                    limits_text(&key.limits)
                ))?;
            }
            Ok(())
        }
        KeysCommand::Remove { name, data } => {
            let state = super::open_existing(data)?;
            let id = key_named(&state, name).await?;
            state.delete_access_key(id).await?;
            state.flush();
            output::line(&format!(
                "Access key '{}' removed; clients using it are refused.",
                name.trim()
            ))?;
            if state.snapshot().settings.require_access_key
                && state.access_key_list().await?.is_empty()
            {
                tracing::warn!(
                    "no access key is left while keys are required: every client is refused until `api-switch keys add NAME`"
                );
            }
            Ok(())
        }
        KeysCommand::Rename {
            name,
            new_name,
            data,
        } => {
            let state = super::open_existing(data)?;
            let id = key_named(&state, name).await?;
            state
                .rename_access_key(id, new_name)
                .await
                .with_context(|| {
                    format!("cannot rename '{}' to '{}'", name.trim(), new_name.trim())
                })?;
            output::line(&format!(
                "Access key '{}' is now named '{}'.",
                name.trim(),
                new_name.trim()
            ))
        }
        KeysCommand::Limit(args) => limit(args).await,
        KeysCommand::Require {
            state: on_off,
            data,
        } => require(*on_off, data).await,
    }
}

/// `keys require [on|off]`: alone it shows the state; `on` with no key is refused, since it
/// would lock every client out.
async fn require(on_off: Option<OnOff>, data: &DataDirArg) -> anyhow::Result<()> {
    let Some(on_off) = on_off else {
        let state = super::open_existing(data)?;
        let count = state.access_key_list().await?.len();
        let keys = engine::config::count(count, "access key");
        return output::line(
            if state.snapshot().settings.require_access_key {
                format!("on: clients must present an access key ({keys}).")
            } else {
                format!("off: clients need no access key ({keys}).")
            }
            .as_str(),
        );
    };
    let state = super::open_existing(data)?;
    if on_off == OnOff::On {
        anyhow::ensure!(
            !state.access_key_list().await?.is_empty(),
            "there is no access key yet, so requiring one would refuse every client; \
             create one first with `api-switch keys add NAME`"
        );
    }
    state.set_access_key_required(on_off == OnOff::On).await?;
    output::line(match on_off {
        OnOff::On => "Clients must now present an access key.",
        OnOff::Off => "Access keys are no longer required.",
    })
}

/// The id of the key named `name`, or an error that says where to look.
async fn key_named(state: &AppState, name: &str) -> anyhow::Result<i64> {
    state.access_key_id(name).await?.with_context(|| {
        format!(
            "no access key is named '{}'; see `api-switch keys list`",
            name.trim()
        )
    })
}

/// `keys limit`: changes the limits given, then shows the key's limits and use.
async fn limit(args: &KeyLimitArgs) -> anyhow::Result<()> {
    let state = super::open_existing(&args.data)?;
    let find = |keys: Vec<AccessKeyInfo>| keys.into_iter().find(|k| k.name == args.name.trim());
    let key = find(state.access_key_list().await?).with_context(|| {
        format!(
            "no access key is named '{}'; see `api-switch keys list`",
            args.name
        )
    })?;
    let changes = args.rpm.is_some()
        || args.tokens_per_day.is_some()
        || args.usd_per_day.is_some()
        || args.usd_per_month.is_some();
    if changes || args.clear {
        let mut limits = if args.clear {
            KeyLimits::default()
        } else {
            key.limits
        };
        limits.requests_per_minute = args.rpm.or(limits.requests_per_minute);
        limits.tokens_per_day = args.tokens_per_day.or(limits.tokens_per_day);
        limits.usd_per_day = args.usd_per_day.or(limits.usd_per_day);
        limits.usd_per_month = args.usd_per_month.or(limits.usd_per_month);
        state.set_access_key_limits(key.id, limits).await?;
    }
    let key = find(state.access_key_list().await?).context("the key was deleted meanwhile")?;
    let (limits, used) = (key.limits, key.used);
    let show = |what: &str, used: String, limit: Option<String>| {
        output::line(&format!(
            "{what:<16} {used} / {}",
            limit.unwrap_or_else(|| "no limit".into())
        ))
    };
    show(
        "per minute",
        used.requests_this_minute.to_string(),
        limits.requests_per_minute.map(|n| format!("{n} requests")),
    )?;
    show(
        "tokens today",
        used.tokens_today.to_string(),
        limits.tokens_per_day.map(|n| n.to_string()),
    )?;
    show(
        "spent today",
        format!("${:.2}", used.usd_today),
        limits.usd_per_day.map(|usd| format!("${usd:.2}")),
    )?;
    show(
        "spent this month",
        format!("${:.2}", used.usd_this_month),
        limits.usd_per_month.map(|usd| format!("${usd:.2}")),
    )
}

/// The limits as `keys list` shows them: `60 rpm, 1000000 tokens/day, $5.00/day, $50.00/month`.
fn limits_text(limits: &KeyLimits) -> String {
    let mut parts = Vec::new();
    if let Some(n) = limits.requests_per_minute {
        parts.push(format!("{n} rpm"));
    }
    if let Some(n) = limits.tokens_per_day {
        parts.push(format!("{n} tokens/day"));
    }
    if let Some(usd) = limits.usd_per_day {
        parts.push(format!("${usd:.2}/day"));
    }
    if let Some(usd) = limits.usd_per_month {
        parts.push(format!("${usd:.2}/month"));
    }
    if parts.is_empty() {
        "none".into()
    } else {
        parts.join(", ")
    }
}
