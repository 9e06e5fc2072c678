//! The Channels screen: add a channel through live calibration, then one row per provider
//! account with its type, base URL (and outbound proxy), masked key (and key pool summary),
//! model count, relay balance, on/off switch and the summary of its last tests; each row opens
//! an edit form (name, base URL, Azure's api-version, the key pool, the outbound proxy, prices,
//! balance settings) or re-fetches its
//! models, tests the channel or deletes it after asking.

use leptos::prelude::*;

use super::add_channel::AddChannel;
use super::channel_balance::{BalanceCell, BalanceDraft, BalanceEditor, save_balance_settings};
use super::channel_keys::{
    KeyPoolDraft, KeyPoolEditor, KeyPoolSummary, KeyPools, channel_key_pools,
};
use super::channel_models::RefetchPanel;
use super::channel_pricing::{PricingDraft, PricingEditor, PricingSummary, save_channel_pricing};
use super::channel_proxy::{ProxyDraft, ProxyEditor, ProxySummary, ProxyView, channel_proxies};
use super::entries::{
    delete_channel, set_channel_api_version, set_channel_enabled, update_channel,
};
use super::speedtest::{SpeedTestButton, TestTarget};
use super::{ChannelRow, PageContext, list_channels};
use crate::components::balance::{channel_balances, is_balance_event};
use crate::components::confirm::ConfirmButton;
use crate::components::empty::EmptyState;
use crate::components::layout::PageHeader;
use crate::components::style::{BUTTON_PRIMARY, BUTTON_SMALL, CARD, INPUT, MUTED, TABLE, TD, TH};
use crate::errors::{ErrorText, UiError};
use crate::i18n::{t, t_string, use_i18n};
use crate::shell::live::{is_config_change, use_live};

/// What a channel row has opened below itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Panel {
    Edit,
    Models,
}

/// Which rows have a panel open. It lives above the table because a reload redraws every row:
/// kept inside a row, a save elsewhere or live traffic cooling a key closed the form the user
/// was typing in.
#[derive(Clone, Copy)]
struct OpenPanels(RwSignal<std::collections::HashMap<types::ChannelId, Panel>>);

impl OpenPanels {
    fn of(self, id: types::ChannelId) -> Option<Panel> {
        self.0.with(|open| open.get(&id).copied())
    }

    fn toggle(self, id: types::ChannelId, which: Panel) {
        self.0.update(|open| {
            if open.get(&id) == Some(&which) {
                open.remove(&id);
            } else {
                open.insert(id, which);
            }
        });
    }

    fn close(self, id: types::ChannelId) {
        self.0.update(|open| {
            open.remove(&id);
        });
    }
}

#[component]
pub fn ChannelsScreen() -> impl IntoView {
    let i18n = use_i18n();
    let page = PageContext {
        refresh: RwSignal::new(0),
        error: RwSignal::new(None),
    };
    provide_context(page);
    let open = OpenPanels(RwSignal::new(Default::default()));
    provide_context(open);
    let changed = use_live().changes(|e| is_config_change(e) || is_balance_event(e));
    // Live changes wait while a panel is open, so what the user has typed is not replaced by a
    // reload under them; closing the last panel applies the newest change.
    // `changed` is read every time: it only notices the events it is read after.
    let applied = Memo::new(move |previous: Option<&u64>| {
        let newest = changed.get();
        if open.0.with(|panels| panels.is_empty()) {
            newest
        } else {
            previous.copied().unwrap_or(0)
        }
    });
    let channels = Resource::new(
        move || (page.refresh.get(), applied.get()),
        |_| async {
            let rows = list_channels().await?;
            let pools = channel_key_pools().await?;
            let proxies = channel_proxies().await?;
            let balances = channel_balances().await?;
            Ok::<_, UiError>((rows, pools, proxies, balances))
        },
    );
    view! {
        <PageHeader title=Signal::derive(move || t_string!(i18n, channels.title).to_string())
            intro=Signal::derive(move || t_string!(i18n, channels.intro).to_string())/>
        <div id="page-error"><ErrorText error=page.error/></div>
        <AddChannel/>
        <Transition fallback=move || view! { <p class=MUTED>{t!(i18n, common.loading)}</p> }>
            {move || channels.get().map(|result| match result {
                Ok((rows, _, _, _)) if rows.is_empty() => view! {
                    <EmptyState title=Signal::derive(move || t_string!(i18n, channels.none_title).to_string())
                        hint=Signal::derive(move || t_string!(i18n, channels.none_hint).to_string())/>
                }.into_any(),
                Ok((rows, pools, proxies, balances)) => view! { <ChannelTable rows pools proxies balances/> }.into_any(),
                Err(error) => view! { <ErrorText error=Some(error)/> }.into_any(),
            })}
        </Transition>
    }
    .into_any()
}

#[component]
fn ChannelTable(
    rows: Vec<ChannelRow>,
    pools: KeyPools,
    proxies: Vec<ProxyView>,
    balances: Vec<types::balance::ChannelBalance>,
) -> impl IntoView {
    let i18n = use_i18n();
    let count = rows.len();
    view! {
        <section class=format!("{CARD} p-0") aria-labelledby="channel-list-heading">
            <h2 id="channel-list-heading" class="border-b border-slate-200 px-5 py-3 text-base font-semibold dark:border-slate-800">
                {move || t_string!(i18n, channels.list_title, count = count).to_string()}
            </h2>
            <div class="overflow-x-auto" tabindex="0">
                <table class=TABLE id="channel-table">
                    <thead><tr>
                        <th scope="col" class=TH>{t!(i18n, channels.col_name)}</th>
                        <th scope="col" class=TH>{t!(i18n, channels.api_type)}</th>
                        <th scope="col" class=TH>{t!(i18n, channels.base_url)}</th>
                        <th scope="col" class=TH>{t!(i18n, channels.api_key)}</th>
                        <th scope="col" class=TH>{t!(i18n, channels.col_models)}</th>
                        <th scope="col" class=TH>{t!(i18n, balance.col)}</th>
                        <th scope="col" class=TH>{t!(i18n, entries.col_on)}</th>
                        <th scope="col" class=TH>{t!(i18n, channels.col_last_test)}</th>
                        <th scope="col" class=TH>{t!(i18n, channels.col_actions)}</th>
                    </tr></thead>
                    {rows.into_iter().map(|channel| {
                        let access = ChannelAccess {
                            keys: pools.of(channel.id),
                            now_ms: pools.now_ms,
                            proxy: proxies.iter().find(|p| p.channel_id == channel.id).cloned(),
                            balance: balances.iter().find(|b| b.channel == channel.id).cloned(),
                        };
                        view! { <ChannelLine channel access/> }
                    }).collect_view()}
                </table>
            </div>
        </section>
    }
    .into_any()
}

/// How many of the channel's entries passed and failed their last test.
fn test_summary(channel: &ChannelRow) -> (usize, usize) {
    let tests = channel.entries.iter().filter_map(|e| e.last_test.as_ref());
    tests.fold(
        (0, 0),
        |(ok, bad), t| if t.ok { (ok + 1, bad) } else { (ok, bad + 1) },
    )
}

/// How requests reach one channel: its keys (masked) and its outbound proxy.
#[derive(Clone, Debug, PartialEq)]
struct ChannelAccess {
    keys: Vec<types::routing::KeyView>,
    now_ms: i64,
    proxy: Option<ProxyView>,
    balance: Option<types::balance::ChannelBalance>,
}

#[component]
fn ChannelLine(channel: ChannelRow, access: ChannelAccess) -> impl IntoView {
    let i18n = use_i18n();
    let page = expect_context::<PageContext>();
    let open = expect_context::<OpenPanels>();
    let id = channel.id;
    let panel = move || open.of(id);
    let (passed, failed) = test_summary(&channel);
    let switch_id = format!("channel-enabled-{id}");
    let name_for_switch = channel.name.clone();
    let toggle = move |which: Panel| open.toggle(id, which);
    let row = channel.clone();
    view! {
        <tbody class="border-t border-slate-200 dark:border-slate-800" data-channel=id>
            <tr>
                <td class=format!("{TD} font-medium") translate="no">{channel.name.clone()}</td>
                <td class=TD>
                    <span class="rounded bg-slate-100 px-1.5 py-0.5 font-mono text-xs dark:bg-slate-800" translate="no">{channel.api_type.as_str()}</span>
                    <PricingSummary pricing=channel.pricing.clone()/>
                </td>
                <td class=format!("{TD} max-w-xs text-xs")>
                    <span class="break-all font-mono">{channel.base_url.clone()}</span>
                    <ProxySummary proxy=access.proxy.clone()/>
                </td>
                <td class=format!("{TD} text-xs")>
                    <span class="font-mono" data-key-hint="">{if channel.has_key { channel.key_hint.clone() } else { "—".into() }}</span>
                    <KeyPoolSummary keys=access.keys.clone() now_ms=access.now_ms/>
                </td>
                <td class=format!("{TD} tabular-nums") data-model-count="">{channel.entries.len()}</td>
                <td class=format!("{TD} text-sm")>
                    <BalanceCell channel_id=id name=channel.name.clone() balance=access.balance.clone()/>
                </td>
                <td class=TD>
                    <input id=switch_id type="checkbox" role="switch"
                        class="relative h-5 w-9 cursor-pointer appearance-none rounded-full bg-slate-300 transition-colors before:absolute before:left-0.5 before:top-0.5 before:h-4 before:w-4 before:rounded-full before:bg-white before:shadow before:transition-transform checked:bg-indigo-600 checked:before:translate-x-4 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600 dark:bg-slate-600 dark:checked:bg-indigo-500"
                        prop:checked=channel.enabled
                        aria-label=move || t_string!(i18n, channels.channel_enabled_label, name = name_for_switch.clone()).to_string()
                        on:change=move |ev| page.run(set_channel_enabled(id, event_target_checked(&ev)))/>
                </td>
                <td class=format!("{TD} whitespace-nowrap text-sm") data-test-summary="">
                    {(passed > 0).then(|| view! { <span class="mr-2 font-medium text-emerald-700 dark:text-emerald-400">{format!("✓ {passed}")}</span> })}
                    {(failed > 0).then(|| view! { <span class="font-medium text-red-700 dark:text-red-400">{format!("✗ {failed}")}</span> })}
                    {(passed + failed == 0).then(|| view! { <span class=MUTED>"—"</span> })}
                </td>
                <td class=TD>
                    <div class="flex flex-wrap gap-1">
                        <button type="button" class=BUTTON_SMALL data-edit-button="" aria-expanded=move || (panel() == Some(Panel::Edit)).to_string()
                            on:click=move |_| toggle(Panel::Edit)>{t!(i18n, channels.edit)}</button>
                        <button type="button" class=BUTTON_SMALL aria-expanded=move || (panel() == Some(Panel::Models)).to_string()
                            on:click=move |_| toggle(Panel::Models)>{t!(i18n, channels.fetch_models)}</button>
                        <SpeedTestButton target=TestTarget::Channel(id) label=Signal::derive(move || t_string!(i18n, channels.test_channel).to_string())/>
                        <ConfirmButton
                            label=Signal::derive(move || t_string!(i18n, common.delete).to_string())
                            question=Signal::derive(move || t_string!(i18n, channels.delete_channel_question).to_string())
                            confirm_label=Signal::derive(move || t_string!(i18n, common.delete).to_string())
                            on_confirm=move || page.run(delete_channel(id))
                        />
                    </div>
                </td>
            </tr>
            {move || panel().map(|shown| {
                let row = row.clone();
                let access = access.clone();
                view! {
                    <tr class="bg-slate-50 dark:bg-slate-950">
                        <td colspan="9" class="px-5 py-4">
                            {match shown {
                                Panel::Edit => view! { <EditChannel channel=row access on_close=Callback::new(move |_| open.close(id))/> }.into_any(),
                                Panel::Models => view! { <RefetchPanel channel_id=id on_close=Callback::new(move |_| open.close(id))/> }.into_any(),
                            }}
                        </td>
                    </tr>
                }
            })}
        </tbody>
    }
    .into_any()
}

/// Name, base URL, Azure's api-version, the key pool and the outbound proxy, saved together.
/// The type is fixed once a channel exists; stored keys and the proxy's password never reach
/// the browser.
#[component]
fn EditChannel(
    channel: ChannelRow,
    access: ChannelAccess,
    on_close: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    let page = expect_context::<PageContext>();
    let id = channel.id;
    let azure = channel.api_type == types::channel_kind::ChannelKind::Azure;
    let name = RwSignal::new(channel.name.clone());
    let base_url = RwSignal::new(channel.base_url.clone());
    let api_version = RwSignal::new(channel.api_version.clone());
    let keys = KeyPoolDraft::new(access.keys);
    let proxy = ProxyDraft::new(access.proxy);
    let pricing = PricingDraft::new(&channel.pricing);
    let balance = BalanceDraft::new(access.balance.as_ref());
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if proxy.problem().is_some() {
            proxy.show_problem();
            return;
        }
        let new_pricing = match pricing.read() {
            Ok(new_pricing) => new_pricing,
            Err(problem) => return pricing.show(Some(problem)),
        };
        let (balance_settings, access_token) = match balance.read() {
            Ok(read) => read,
            Err(problem) => return balance.show(Some(problem)),
        };
        let (n, b, v) = (
            name.get_untracked(),
            base_url.get_untracked(),
            api_version.get_untracked(),
        );
        let (save_keys, save_proxy) = (keys.save(id), proxy.save(id));
        on_close.run(());
        page.run(async move {
            update_channel(id, n, b, String::new()).await?;
            if azure {
                set_channel_api_version(id, v).await?;
            }
            save_keys.await?;
            save_proxy.await?;
            save_channel_pricing(id, new_pricing).await?;
            save_balance_settings(id, balance_settings, access_token).await
        });
    };
    let label = "block text-sm font-medium text-slate-800 dark:text-slate-200";
    let field = |suffix: &str| format!("edit-{suffix}-{id}");
    view! {
        <form class="grid gap-3 md:grid-cols-2" on:submit=save data-edit=id>
            <div class="space-y-1">
                <label for=field("name") class=label>{t!(i18n, channels.channel_name)}</label>
                <input id=field("name") class=INPUT prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev))/>
            </div>
            <div class="space-y-1">
                <label for=field("url") class=label>{t!(i18n, channels.base_url)}</label>
                <input id=field("url") class=INPUT type="url" prop:value=move || base_url.get() on:input=move |ev| base_url.set(event_target_value(&ev))/>
            </div>
            {azure.then(|| view! {
                <div class="space-y-1">
                    <label for=field("version") class=label>{t!(i18n, channels.api_version)}</label>
                    <input id=field("version") class=INPUT placeholder="2024-10-21" prop:value=move || api_version.get()
                        on:input=move |ev| api_version.set(event_target_value(&ev))/>
                </div>
            })}
            <KeyPoolEditor channel_id=id draft=keys now_ms=access.now_ms/>
            <ProxyEditor channel_id=id draft=proxy/>
            <PricingEditor channel_id=id draft=pricing/>
            <BalanceEditor channel_id=id draft=balance/>
            <div class="flex gap-2 md:col-span-2">
                <button type="submit" class=BUTTON_PRIMARY>{t!(i18n, common.save)}</button>
                <button type="button" class=BUTTON_SMALL on:click=move |_| on_close.run(())>{t!(i18n, common.cancel)}</button>
            </div>
        </form>
    }
    .into_any()
}
