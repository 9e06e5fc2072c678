//! The Dashboard's low-balance card: the channels whose last known relay balance is below the
//! threshold the user set, each with its figure and threshold, refetched when a balance is
//! looked up. It shows only while a channel is low; an unknown balance is never counted low.

use leptos::prelude::*;
use types::balance::ChannelBalance;

use crate::components::balance::{
    BalanceFigure, channel_balances, format_amount, is_balance_event,
};
use crate::components::layout::Section;
use crate::components::style::{TABLE, TD, TH};
use crate::errors::ErrorText;
use crate::i18n::{t, t_string, use_i18n};
use crate::shell::live::use_live;

#[component]
pub fn LowBalances() -> impl IntoView {
    let changed = use_live().changes(is_balance_event);
    let balances = Resource::new(move || changed.get(), |_| channel_balances());
    view! {
        <Transition fallback=|| ()>
            {move || balances.get().map(|result| match result {
                Err(error) => view! { <div class="mt-6"><ErrorText error=Some(error)/></div> }.into_any(),
                Ok(all) => {
                    let low: Vec<ChannelBalance> = all.into_iter().filter(ChannelBalance::is_low).collect();
                    (!low.is_empty()).then(|| view! { <LowBalanceCard low/> }).into_any()
                }
            })}
        </Transition>
    }
}

#[component]
fn LowBalanceCard(low: Vec<ChannelBalance>) -> impl IntoView {
    let i18n = use_i18n();
    let count = low.len();
    view! {
        <div class="mt-6" role="status">
            <Section id="low-balances" title=Signal::derive(move || t_string!(i18n, balance.low_title, count = count).to_string())
                intro=Signal::derive(move || t_string!(i18n, balance.low_intro).to_string())>
                <table class=TABLE>
                    <thead><tr>
                        <th scope="col" class=TH>{t!(i18n, channels.col_name)}</th>
                        <th scope="col" class=TH>{t!(i18n, balance.col)}</th>
                        <th scope="col" class=TH>{t!(i18n, balance.threshold)}</th>
                    </tr></thead>
                    <tbody>
                        {low.into_iter().map(|b| {
                            let threshold = b.settings.threshold.map(format_amount).unwrap_or_default();
                            let (channel, name) = (b.channel, b.name.clone());
                            view! {
                                <tr data-low-balance=channel>
                                    <td class=format!("{TD} font-medium") translate="no">{name}</td>
                                    <td class=TD><BalanceFigure balance=b/></td>
                                    <td class=format!("{TD} tabular-nums")>{threshold}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            </Section>
        </div>
    }
}
