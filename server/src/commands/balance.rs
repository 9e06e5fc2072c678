//! `api-switch balance [--refresh] [--json]`: each channel's relay balance, as the Channels
//! screen shows it: the last figure (or, with `--refresh`, one looked up now), unknown ones
//! with why, and LOW beside a figure under the channel's threshold. `--json` prints the
//! engine's own `ChannelBalance` list.

use anyhow::Context;
use engine::balance::ChannelBalance;

use crate::cli::BalanceArgs;
use crate::output;

pub async fn run(args: &BalanceArgs) -> anyhow::Result<()> {
    let state = super::open_existing(&args.data)?;
    let balances = if args.refresh {
        state.refresh_balances(None).await
    } else {
        state.channel_balances().await
    }
    .context("cannot read the balances")?;
    if args.json {
        return output::json(&balances);
    }
    if balances.is_empty() {
        return output::line("No channels.");
    }
    output::line(&format!(
        "{:<20} {:<15} {:>14} {:>10}  CHECKED",
        "CHANNEL", "ASKED AS", "BALANCE", "THRESHOLD"
    ))?;
    for balance in &balances {
        output::line(&human_row(balance))?;
    }
    Ok(())
}

fn human_row(b: &ChannelBalance) -> String {
    let asked = b.asked_as.map_or("off", |k| k.as_str());
    let (figure, note) = match &b.last {
        None => ("-".to_owned(), String::new()),
        Some(last) => match last.amount {
            Some(amount) => (format!("{amount:.2} {}", last.currency), String::new()),
            None => (
                "unknown".to_owned(),
                format!("  ({})", last.error.as_deref().unwrap_or("no figure")),
            ),
        },
    };
    let threshold = b
        .settings
        .threshold
        .map_or_else(|| "-".to_owned(), |t| format!("{t:.2}"));
    let checked = b.last.as_ref().map_or_else(
        || "never".to_owned(),
        |last| {
            jiff::Timestamp::from_millisecond(last.checked_ms).map_or_else(
                |_| "-".to_owned(),
                |t| t.strftime("%Y-%m-%d %H:%M UTC").to_string(),
            )
        },
    );
    let low = if b.is_low() { "  LOW" } else { "" };
    format!(
        "{:<20} {:<15} {:>14} {:>10}  {checked}{low}{note}",
        b.name, asked, figure, threshold
    )
}
