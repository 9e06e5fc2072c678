//! Relay balances as the screens show them: the server functions that read and refresh the
//! engine's `ChannelBalance` list, and one channel's figure (`12.34 USD`, "unknown" with the
//! reason as its title, never 0, and a "low" badge under the channel's threshold). Channels
//! and the Dashboard's low-balance card both use these.

use leptos::prelude::*;
use types::balance::ChannelBalance;
use types::events::Event;

use crate::components::badge::{Badge, Tone};
use crate::components::style::MUTED;
use crate::errors::UiError;
use crate::i18n::{t, t_string, use_i18n};

/// Every channel's balance settings and last figure.
#[server(input = leptos::server_fn::codec::Json)]
pub async fn channel_balances() -> Result<Vec<ChannelBalance>, UiError> {
    Ok(crate::engine_call::state()?.channel_balances().await?)
}

/// Looks up one channel's balance now, or every channel's (`None`).
#[server(input = leptos::server_fn::codec::Json)]
pub async fn refresh_balances(channel: Option<i64>) -> Result<(), UiError> {
    let state = crate::engine_call::state()?;
    match channel {
        Some(channel) => state.refresh_balance(channel).await.map(|_| ())?,
        None => state.refresh_balances(None).await.map(|_| ())?,
    }
    Ok(())
}

/// Events after which a balance shown may have changed.
pub fn is_balance_event(event: &Event) -> bool {
    matches!(
        event,
        Event::BalanceChecked { .. } | Event::BalanceLow { .. } | Event::ConfigChanged { .. }
    )
}

/// `amount` with two decimals (a balance is money left, not a request's fraction of a cent).
pub fn format_amount(amount: f64) -> String {
    format!("{amount:.2}")
}

/// One channel's last figure: the amount and currency, unknown (never 0), not checked, or off.
#[component]
pub fn BalanceFigure(balance: ChannelBalance) -> impl IntoView {
    let i18n = use_i18n();
    let low = balance.is_low();
    let off = balance.asked_as.is_none();
    match balance.last {
        _ if off => view! { <span class=MUTED data-balance="off">{t!(i18n, balance.off)}</span> }
        .into_any(),
        None => view! { <span class=MUTED data-balance="never">{t!(i18n, balance.never)}</span> }
        .into_any(),
        Some(last) => match last.amount {
            None => {
                let why = last.error.unwrap_or_default();
                view! {
                    <span class="text-amber-800 dark:text-amber-300" data-balance="unknown" title=why>
                        {t!(i18n, balance.unknown)}
                    </span>
                }
                .into_any()
            }
            Some(amount) => view! {
                <span class="whitespace-nowrap tabular-nums" data-balance=amount.to_string()>
                    {format_amount(amount)}" "
                    <span class=format!("text-xs {MUTED}") translate="no">{last.currency}</span>
                </span>
                {low.then(|| view! {
                    <span class="ml-1" data-balance-low="">
                        <Badge tone=Tone::Warn text=Signal::derive(move || t_string!(i18n, balance.low).to_string())/>
                    </span>
                })}
            }
            .into_any(),
        },
    }
}
