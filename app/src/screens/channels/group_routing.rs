//! A group's routing as API management shows and edits it: its order mode (custom priority,
//! fastest measured time to first content, newest release), its hedging (race the next entry
//! after a fixed delay or the leading entry's p90, at most so many a minute), and its effective
//! order: the place each entry is tried at right now and what explains it (measured time,
//! release date, cooling). The engine computes the order; the screen only shows it.

use std::collections::HashMap;

use leptos::prelude::*;
use types::routing::{EffectiveOrder, GroupRouting, HedgeDelay, Hedging, OrderMode, OrderedEntry};

use super::PageContext;
use crate::components::style::{BUTTON_SMALL, INPUT, MUTED};
use crate::errors::UiError;
use crate::i18n::{t, t_string, use_i18n};

/// Every group's effective order (AUTO first): what a request for the group tries now.
#[server]
pub async fn effective_orders() -> Result<Vec<EffectiveOrder>, UiError> {
    Ok(crate::engine_call::state()?.effective_orders().await?)
}

/// Saves a group's order mode and hedging; routing, the tray and `/v1/models` follow at once.
#[server(input = leptos::server_fn::codec::Json)]
pub async fn set_group_routing(options: GroupRouting) -> Result<(), UiError> {
    Ok(crate::engine_call::state()?
        .set_group_routing(&options)
        .await?)
}

/// The effective order of `group` among `orders` (a group with no routable entry has none).
pub fn order_of(orders: &[EffectiveOrder], group: &str) -> EffectiveOrder {
    orders
        .iter()
        .find(|o| o.group.eq_ignore_ascii_case(group))
        .cloned()
        .unwrap_or_else(|| EffectiveOrder {
            group: group.to_owned(),
            ..EffectiveOrder::default()
        })
}

/// Where an entry is tried and why there.
#[derive(Clone, Debug, PartialEq)]
pub struct Rank {
    /// 1 for the entry tried first.
    pub place: usize,
    pub mode: OrderMode,
    pub entry: OrderedEntry,
}

/// Each routable entry's rank, by entry id (entries not listed are off and never tried).
pub fn ranks(order: &EffectiveOrder) -> HashMap<i64, Rank> {
    order
        .entries
        .iter()
        .enumerate()
        .map(|(i, entry)| {
            let rank = Rank {
                place: i + 1,
                mode: order.order,
                entry: entry.clone(),
            };
            (entry.entry_id, rank)
        })
        .collect()
}

/// The "Tried" cell: the place, and what explains it in the group's mode.
#[component]
pub fn RankCell(rank: Option<Rank>) -> impl IntoView {
    let i18n = use_i18n();
    let Some(rank) = rank else {
        return view! { <span class=format!("text-xs {MUTED}") data-rank="">{t!(i18n, routing.not_tried)}</span> }.into_any();
    };
    let place = rank.place;
    let entry = rank.entry;
    let why = move || {
        if entry.cooling_until_ms.is_some() {
            return t_string!(i18n, routing.cooling_last).to_string();
        }
        match rank.mode {
            OrderMode::Custom => String::new(),
            OrderMode::Fastest => match entry.avg_first_content_ms {
                Some(ms) => t_string!(i18n, routing.measured, ms = ms).to_string(),
                None => t_string!(i18n, routing.not_measured).to_string(),
            },
            OrderMode::Newest => match &entry.release_date {
                Some(date) => t_string!(i18n, routing.released, date = date.clone()).to_string(),
                None => t_string!(i18n, routing.unknown_date).to_string(),
            },
        }
    };
    view! {
        <div class="whitespace-nowrap" data-rank=place>
            <span class="font-semibold tabular-nums" aria-hidden="true">{move || t_string!(i18n, routing.rank, n = place).to_string()}</span>
            <span class="sr-only">{move || t_string!(i18n, routing.rank_label, n = place).to_string()}</span>
            <div class=format!("text-xs {MUTED}") data-rank-why="">{why}</div>
        </div>
    }
    .into_any()
}

/// The mode's name in the page's language.
pub fn mode_name(i18n: leptos_i18n::I18nContext<crate::i18n::Locale>, mode: OrderMode) -> String {
    match mode {
        OrderMode::Custom => t_string!(i18n, routing.mode_custom),
        OrderMode::Fastest => t_string!(i18n, routing.mode_fastest),
        OrderMode::Newest => t_string!(i18n, routing.mode_newest),
    }
    .to_string()
}

/// A group's order mode (three radios, each explained), its session affinity and its hedging
/// form.
#[component]
pub fn GroupRoutingControls(
    group: String,
    order: OrderMode,
    hedging: Hedging,
    affinity: bool,
) -> impl IntoView {
    let i18n = use_i18n();
    let page = expect_context::<PageContext>();
    let slug = group
        .to_lowercase()
        .replace(|c: char| !c.is_ascii_alphanumeric(), "-");
    let group_for_mode = group.clone();
    let save_mode = move |mode: OrderMode| {
        let options = GroupRouting {
            group: group_for_mode.clone(),
            order: mode,
            hedging,
            affinity,
        };
        page.run(set_group_routing(options));
    };
    let group_for_affinity = group.clone();
    let save_affinity = move |on: bool| {
        let options = GroupRouting {
            group: group_for_affinity.clone(),
            order,
            hedging,
            affinity: on,
        };
        page.run(set_group_routing(options));
    };
    let affinity_id = format!("affinity-{slug}");
    let affinity_for = affinity_id.clone();
    let modes = [
        (OrderMode::Custom, "custom"),
        (OrderMode::Fastest, "fastest"),
        (OrderMode::Newest, "newest"),
    ];
    let radio_name = format!("order-mode-{slug}");
    view! {
        <div class="grid gap-4 border-b border-slate-200 px-5 py-3 lg:grid-cols-[minmax(0,1fr)_minmax(0,1.4fr)] dark:border-slate-800">
            <fieldset data-order-mode=order.as_str()>
                <legend class="text-sm font-medium text-slate-800 dark:text-slate-200">{t!(i18n, routing.order_legend)}</legend>
                <div class="mt-1 flex flex-wrap gap-x-4 gap-y-1">
                    {modes.into_iter().map(|(mode, key)| {
                        let id = format!("{radio_name}-{key}");
                        let save = save_mode.clone();
                        view! {
                            <label class="inline-flex cursor-pointer items-baseline gap-1.5 text-sm">
                                <input id=id type="radio" name=radio_name.clone() value=key class="accent-indigo-600"
                                    prop:checked=mode == order
                                    on:change=move |_| save(mode)/>
                                <span class="font-medium">{move || mode_name(i18n, mode)}</span>
                                <span class=format!("text-xs {MUTED}")>{move || match mode {
                                    OrderMode::Custom => t_string!(i18n, routing.mode_custom_hint),
                                    OrderMode::Fastest => t_string!(i18n, routing.mode_fastest_hint),
                                    OrderMode::Newest => t_string!(i18n, routing.mode_newest_hint),
                                }}</span>
                            </label>
                        }
                    }).collect_view()}
                </div>
                {(order != OrderMode::Custom).then(|| view! {
                    <p class="mt-2 text-xs text-amber-800 dark:text-amber-300" data-locked-note="">
                        {move || t_string!(i18n, routing.locked_note, mode = mode_name(i18n, order)).to_string()}
                    </p>
                })}
                <div class="mt-3" data-affinity=if affinity { "on" } else { "off" }>
                    <label for=affinity_for class="inline-flex cursor-pointer items-center gap-2 text-sm font-medium text-slate-800 dark:text-slate-200">
                        <input id=affinity_id type="checkbox" class="h-4 w-4 accent-indigo-600"
                            prop:checked=affinity
                            on:change=move |ev| save_affinity(event_target_checked(&ev))/>
                        {t!(i18n, routing.affinity_on)}
                    </label>
                    <p class=format!("text-xs {MUTED}")>
                        {t!(i18n, routing.affinity_hint)}" "
                        <code class="font-mono" translate="no">"prompt_cache_key, conversation, metadata.user_id, x-session-id"</code>
                    </p>
                </div>
            </fieldset>
            <HedgingForm group slug order hedging affinity/>
        </div>
    }
    .into_any()
}

/// Parses a whole number a user typed.
fn whole(text: &str) -> Option<u64> {
    text.trim().parse().ok()
}

/// Hedging on or off, its delay (fixed or the leading entry's p90) and the per-minute cap.
#[component]
fn HedgingForm(
    group: String,
    slug: String,
    order: OrderMode,
    hedging: Hedging,
    affinity: bool,
) -> impl IntoView {
    let i18n = use_i18n();
    let page = expect_context::<PageContext>();
    let (p90, ms) = match hedging.delay {
        HedgeDelay::Off => (false, 1500),
        HedgeDelay::Fixed { ms } => (false, ms),
        HedgeDelay::P90 { fallback_ms } => (true, fallback_ms),
    };
    let on = RwSignal::new(hedging.is_on());
    let p90 = RwSignal::new(p90);
    let ms = RwSignal::new(ms.to_string());
    let cap = RwSignal::new(hedging.max_per_minute.max(1).to_string());
    let problem = RwSignal::new(None::<String>);
    let state = move || match hedging.delay {
        _ if !hedging.is_on() => t_string!(i18n, routing.hedge_state_off).to_string(),
        HedgeDelay::Fixed { ms } => t_string!(
            i18n,
            routing.hedge_state_fixed,
            ms = ms,
            cap = hedging.max_per_minute
        )
        .to_string(),
        HedgeDelay::P90 { fallback_ms } => t_string!(
            i18n,
            routing.hedge_state_p90,
            ms = fallback_ms,
            cap = hedging.max_per_minute
        )
        .to_string(),
        HedgeDelay::Off => String::new(),
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(delay_ms) = whole(&ms.get_untracked()) else {
            let field = t_string!(i18n, routing.hedge_ms).to_string();
            problem.set(Some(
                t_string!(i18n, routing.bad_number, field = field).to_string(),
            ));
            return;
        };
        let Some(per_minute) = whole(&cap.get_untracked()).and_then(|c| u32::try_from(c).ok())
        else {
            let field = t_string!(i18n, routing.hedge_cap).to_string();
            problem.set(Some(
                t_string!(i18n, routing.bad_number, field = field).to_string(),
            ));
            return;
        };
        problem.set(None);
        let delay = match (on.get_untracked(), p90.get_untracked()) {
            (false, _) => HedgeDelay::Off,
            (true, false) => HedgeDelay::Fixed { ms: delay_ms },
            (true, true) => HedgeDelay::P90 {
                fallback_ms: delay_ms,
            },
        };
        let options = GroupRouting {
            group: group.clone(),
            order,
            hedging: Hedging {
                delay,
                max_per_minute: per_minute,
            },
            affinity,
        };
        page.run(set_group_routing(options));
    };
    let id = move |what: &str| format!("hedge-{slug}-{what}");
    let label = "block text-xs font-medium text-slate-700 dark:text-slate-300";
    view! {
        <form class="space-y-2" on:submit=submit data-hedging=if hedging.is_on() { "on" } else { "off" }>
            <fieldset>
                <legend class="text-sm font-medium text-slate-800 dark:text-slate-200">
                    {t!(i18n, routing.hedge_legend)}
                    <span class=format!("ml-2 text-xs font-normal {MUTED}") data-hedge-state="">{state}</span>
                </legend>
                <p class=format!("text-xs {MUTED}")>{t!(i18n, routing.hedge_hint)}</p>
                <div class="mt-2 flex flex-wrap items-end gap-3">
                    <label for=id("on") class="inline-flex items-center gap-2 text-sm">
                        <input id=id("on") type="checkbox" class="h-4 w-4 accent-indigo-600"
                            prop:checked=move || on.get() on:change=move |ev| on.set(event_target_checked(&ev))/>
                        {t!(i18n, routing.hedge_on)}
                    </label>
                    <div class:hidden=move || !on.get()>
                        <label for=id("kind") class=label>{t!(i18n, routing.hedge_delay)}</label>
                        <select id=id("kind") class=format!("{INPUT} py-1 text-xs") prop:disabled=move || !on.get()
                            on:change=move |ev| p90.set(event_target_value(&ev) == "p90")>
                            <option value="fixed" selected=move || !p90.get()>{t!(i18n, routing.hedge_fixed)}</option>
                            <option value="p90" selected=move || p90.get()>{t!(i18n, routing.hedge_p90)}</option>
                        </select>
                    </div>
                    <div class:hidden=move || !on.get()>
                        <label for=id("ms") class=label>{move || if p90.get() {
                            t_string!(i18n, routing.hedge_fallback_ms)
                        } else {
                            t_string!(i18n, routing.hedge_ms)
                        }}</label>
                        <input id=id("ms") type="number" min="10" max="60000" step="10" class=format!("{INPUT} w-28 py-1 text-xs")
                            prop:disabled=move || !on.get()
                            prop:value=move || ms.get() on:input=move |ev| ms.set(event_target_value(&ev))/>
                    </div>
                    <div class:hidden=move || !on.get()>
                        <label for=id("cap") class=label>{t!(i18n, routing.hedge_cap)}</label>
                        <input id=id("cap") type="number" min="1" max="10000" class=format!("{INPUT} w-24 py-1 text-xs")
                            prop:disabled=move || !on.get()
                            prop:value=move || cap.get() on:input=move |ev| cap.set(event_target_value(&ev))/>
                    </div>
                    <button type="submit" class=BUTTON_SMALL>{t!(i18n, common.save)}</button>
                </div>
                {move || problem.get().map(|p| view! { <p class="text-xs text-red-700 dark:text-red-300" role="alert">{p}</p> })}
            </fieldset>
        </form>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ordered(id: i64) -> OrderedEntry {
        OrderedEntry {
            entry_id: id,
            ..OrderedEntry::default()
        }
    }

    #[test]
    fn ranks_follow_the_effective_order_and_a_missing_group_has_none() {
        let orders = vec![EffectiveOrder {
            group: "auto".into(),
            order: OrderMode::Fastest,
            hedging: Hedging::default(),
            affinity: true,
            entries: vec![ordered(7), ordered(3)],
        }];
        let auto = order_of(&orders, "AUTO");
        let ranks = ranks(&auto);
        assert_eq!(ranks[&7].place, 1);
        assert_eq!(ranks[&3].place, 2);
        assert_eq!(ranks[&3].mode, OrderMode::Fastest);
        assert!(order_of(&orders, "coding").entries.is_empty());
        assert_eq!(whole(" 250 "), Some(250));
        assert_eq!(whole("2.5"), None);
    }
}
