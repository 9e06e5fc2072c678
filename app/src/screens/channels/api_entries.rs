//! API management: every entry, grouped by group with AUTO first, in the order the proxy tries
//! them. Each group has its order mode (custom, fastest, newest) and hedging above its table,
//! and every row shows the place it is tried at now. In custom order rows are reordered by
//! drag and drop or by the arrow keys on their handle (the new order is saved at once, so the
//! next request uses it); in the other modes the rows follow the mode and the handles are off.
//! Entries carry aliases, are switched on and off,
//! moved to another or a new group, tested alone or all together ("Test all"), and models the
//! channel does not list are added by hand with the catalog's names suggested as you type.

use leptos::prelude::*;

use super::entries::{add_entry, move_entry_to_group, moved_within_group, reorder_entries};
use super::entry_row::{EntryLine, Reorder};
use super::group_routing::{GroupRoutingControls, effective_orders, order_of, ranks};
use super::test_all::{TestAll, TestAllBar};
use super::{ChannelRow, EntryRow, PageContext, catalog_model_ids, list_channels};
use crate::components::empty::EmptyState;
use crate::components::layout::{PageHeader, Section};
use crate::components::style::{BUTTON_PRIMARY, CARD, INPUT, MUTED, TABLE, TH};
use crate::errors::{ErrorText, UiError};
use crate::i18n::{t, t_string, use_i18n};
use crate::shell::live::{is_config_change, use_live};
use types::routing::{EffectiveOrder, OrderMode};

/// The entries of one group, in priority order.
#[derive(Clone, Debug, PartialEq)]
struct GroupView {
    name: String,
    entries: Vec<EntryRow>,
}

/// Every entry by group: `auto` first, the others in the order of their first entry.
fn by_group(channels: &[ChannelRow]) -> Vec<GroupView> {
    let mut all: Vec<EntryRow> = channels.iter().flat_map(|c| c.entries.clone()).collect();
    all.sort_by_key(|e| (e.priority, e.id));
    let mut groups: Vec<GroupView> = Vec::new();
    for entry in all {
        let key = entry.group.to_lowercase();
        match groups.iter_mut().find(|g| g.name.to_lowercase() == key) {
            Some(group) => group.entries.push(entry),
            None => groups.push(GroupView {
                name: entry.group.clone(),
                entries: vec![entry],
            }),
        }
    }
    groups.sort_by_key(|g| !g.name.eq_ignore_ascii_case("auto"));
    groups
}

/// Every entry id in priority order, across groups (what a reorder sends back).
fn global_order(channels: &[ChannelRow]) -> Vec<i64> {
    let mut all: Vec<(i64, i64)> = channels
        .iter()
        .flat_map(|c| c.entries.iter().map(|e| (e.priority, e.id)))
        .collect();
    all.sort();
    all.into_iter().map(|(_, id)| id).collect()
}

const GROUPS_LIST: &str = "known-groups";

#[component]
pub fn EntriesScreen() -> impl IntoView {
    let i18n = use_i18n();
    let page = PageContext {
        refresh: RwSignal::new(0),
        error: RwSignal::new(None),
    };
    provide_context(page);
    TestAll::provide();
    let changed = use_live().changes(is_config_change);
    // The entries and every group's effective order, read together so they agree.
    let channels = Resource::new(
        move || (page.refresh.get(), changed.get()),
        |_| async { Ok::<_, UiError>((list_channels().await?, effective_orders().await?)) },
    );
    let latest = RwSignal::new(Vec::<ChannelRow>::new());
    let announce = RwSignal::new(String::new());
    let reorder = Reorder {
        dragging: RwSignal::new(None),
        focus_after: RwSignal::new(None),
        move_to: Callback::new(move |(moved, to): (i64, usize)| {
            let rows = latest.get_untracked();
            let Some(group) = by_group(&rows)
                .into_iter()
                .find(|g| g.entries.iter().any(|e| e.id == moved))
            else {
                return;
            };
            let members: Vec<i64> = group.entries.iter().map(|e| e.id).collect();
            let order = moved_within_group(&global_order(&rows), &members, moved, to);
            announce.set(
                t_string!(
                    i18n,
                    channels.moved_to,
                    position = to + 1,
                    group = group.name.clone()
                )
                .to_string(),
            );
            page.run(reorder_entries(order));
        }),
    };
    provide_context(reorder);
    view! {
        <PageHeader title=Signal::derive(move || t_string!(i18n, entries.title).to_string())
            intro=Signal::derive(move || t_string!(i18n, entries.intro).to_string())>
            <TestAllBar/>
        </PageHeader>
        <div id="page-error"><ErrorText error=page.error/></div>
        <p class="sr-only" aria-live="polite" id="reorder-status">{move || announce.get()}</p>
        <Transition fallback=move || view! { <p class=MUTED>{t!(i18n, common.loading)}</p> }>
            {move || channels.get().map(|result| match result {
                Ok((rows, _)) if rows.iter().all(|c| c.entries.is_empty()) => {
                    latest.set(rows.clone());
                    view! {
                        <EmptyState title=Signal::derive(move || t_string!(i18n, entries.none_title).to_string())
                            hint=Signal::derive(move || t_string!(i18n, entries.none_text).to_string())/>
                        <AddByHand channels=rows/>
                    }.into_any()
                }
                Ok((rows, orders)) => {
                    latest.set(rows.clone());
                    let groups = by_group(&rows);
                    let names: Vec<String> = groups.iter().map(|g| g.name.clone()).collect();
                    view! {
                        <datalist id=GROUPS_LIST>{names.into_iter().map(|n| view! { <option value=n></option> }).collect_view()}</datalist>
                        {groups.into_iter().map(|group| {
                            let order = order_of(&orders, &group.name);
                            view! { <GroupTable group order/> }
                        }).collect_view()}
                        <AddByHand channels=rows/>
                    }.into_any()
                }
                Err(error) => view! { <ErrorText error=Some(error)/> }.into_any(),
            })}
        </Transition>
    }
    .into_any()
}

/// The group's rows in the order routing tries them when its mode decides (entries that are
/// off last); in custom order the rows keep the priority order the handles move.
fn rows_in_effective_order(mut entries: Vec<EntryRow>, order: &EffectiveOrder) -> Vec<EntryRow> {
    if order.order != OrderMode::Custom {
        let place = |id: i64| order.entries.iter().position(|e| e.entry_id == id);
        entries.sort_by_key(|e| place(e.id).unwrap_or(usize::MAX));
    }
    entries
}

#[component]
fn GroupTable(group: GroupView, order: EffectiveOrder) -> impl IntoView {
    let i18n = use_i18n();
    let count = group.entries.len();
    let manual = order.order == OrderMode::Custom;
    let ranks = ranks(&order);
    let entries = rows_in_effective_order(group.entries, &order);
    let heading = format!(
        "group-{}-heading",
        group
            .name
            .to_lowercase()
            .replace(|c: char| !c.is_ascii_alphanumeric(), "-")
    );
    let heading_ref = heading.clone();
    let is_auto = group.name.eq_ignore_ascii_case("auto");
    let title = if is_auto {
        "AUTO".to_string()
    } else {
        group.name.clone()
    };
    view! {
        <section class=format!("mb-6 {CARD} p-0") data-group=group.name.to_lowercase() aria-labelledby=heading_ref>
            <header class="flex flex-wrap items-baseline gap-3 border-b border-slate-200 px-5 py-3 dark:border-slate-800">
                <h2 id=heading class="font-mono text-base font-semibold" translate="no">{title}</h2>
                <span class=format!("text-sm {MUTED}")>{move || if count == 1 {
                    t_string!(i18n, entries.group_count_single).to_string()
                } else {
                    t_string!(i18n, entries.group_count, count = count).to_string()
                }}</span>
                {is_auto.then(|| view! { <span class=format!("text-xs {MUTED}")>{t!(i18n, entries.auto_hint)}</span> })}
            </header>
            <GroupRoutingControls group=group.name.clone() order=order.order hedging=order.hedging affinity=order.affinity/>
            <div class="overflow-x-auto" tabindex="0">
                <table class=TABLE>
                    <thead><tr>
                        <th scope="col" class=TH><span class="sr-only">{t!(i18n, entries.col_order)}</span></th>
                        <th scope="col" class=TH>{t!(i18n, routing.col_rank)}</th>
                        <th scope="col" class=TH>{t!(i18n, channels.col_model)}</th>
                        <th scope="col" class=TH>{t!(i18n, entries.col_channel)}</th>
                        <th scope="col" class=TH>{t!(i18n, entries.col_on)}</th>
                        <th scope="col" class=TH>{t!(i18n, channels.col_group)}</th>
                        <th scope="col" class=TH>{t!(i18n, channels.col_state)}</th>
                        <th scope="col" class=TH>{t!(i18n, channels.col_last_test)}</th>
                        <th scope="col" class=TH>{t!(i18n, channels.col_actions)}</th>
                    </tr></thead>
                    <tbody class="divide-y divide-slate-100 dark:divide-slate-800">
                        {entries.into_iter().enumerate().map(|(index, entry)| {
                            let rank = ranks.get(&entry.id).cloned();
                            view! { <EntryLine entry index count groups_list=GROUPS_LIST rank manual/> }
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
    }
    .into_any()
}

/// A model the channel does not list (relays without a models endpoint), with the catalog's
/// names suggested while typing.
#[component]
fn AddByHand(channels: Vec<ChannelRow>) -> impl IntoView {
    let i18n = use_i18n();
    let page = expect_context::<PageContext>();
    let suggestions = OnceResource::new(catalog_model_ids());
    let channel = RwSignal::new(
        channels
            .first()
            .map(|c| c.id.to_string())
            .unwrap_or_default(),
    );
    let model = RwSignal::new(String::new());
    let group = RwSignal::new("auto".to_string());
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (channel, name, group) = (
            channel.get_untracked(),
            model.get_untracked(),
            group.get_untracked(),
        );
        let Ok(channel) = channel.parse::<i64>() else {
            return;
        };
        model.set(String::new());
        page.run(async move {
            let id = add_entry(channel, name).await?;
            if !group.trim().is_empty() && !group.eq_ignore_ascii_case("auto") {
                move_entry_to_group(id, group).await?;
            }
            Ok::<(), UiError>(())
        });
    };
    let label = "block text-sm font-medium text-slate-800 dark:text-slate-200";
    view! {
        <Section id="add-model" title=Signal::derive(move || t_string!(i18n, entries.add_title).to_string())
            intro=Signal::derive(move || t_string!(i18n, entries.add_intro).to_string())>
            <form class="grid gap-3 md:grid-cols-[1fr_1.5fr_1fr_auto] md:items-end" on:submit=add>
                <div class="space-y-1">
                    <label for="add-model-channel" class=label>{t!(i18n, entries.col_channel)}</label>
                    <select id="add-model-channel" class=INPUT on:change=move |ev| channel.set(event_target_value(&ev))>
                        {channels.iter().map(|c| view! { <option value=c.id.to_string() translate="no">{c.name.clone()}</option> }).collect_view()}
                    </select>
                </div>
                <div class="space-y-1">
                    <label for="add-model-name" class=label>{t!(i18n, channels.model_name)}</label>
                    <input id="add-model-name" class=INPUT list="catalog-models" autocomplete="off" required=true
                        prop:value=move || model.get() on:input=move |ev| model.set(event_target_value(&ev))/>
                    <datalist id="catalog-models">
                        <Suspense>{move || suggestions.get().and_then(Result::ok).map(|ids| {
                            ids.into_iter().map(|id| view! { <option value=id></option> }).collect_view()
                        })}</Suspense>
                    </datalist>
                </div>
                <div class="space-y-1">
                    <label for="add-model-group" class=label>{t!(i18n, channels.col_group)}</label>
                    <input id="add-model-group" class=INPUT list=GROUPS_LIST prop:value=move || group.get()
                        on:input=move |ev| group.set(event_target_value(&ev))/>
                </div>
                <button type="submit" class=BUTTON_PRIMARY>{t!(i18n, channels.add_model)}</button>
            </form>
        </Section>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: i64, priority: i64, group: &str) -> EntryRow {
        EntryRow {
            id,
            model: format!("m{id}"),
            display_name: String::new(),
            group: group.into(),
            priority,
            enabled: true,
            disabled_reason: String::new(),
            cooling: false,
            cooldown_until_ms: 0,
            cooldown_left_ms: 0,
            channel_id: 1,
            channel: "c".into(),
            last_response_ms: None,
            catalog: None,
            last_test: None,
            aliases: Vec::new(),
            last_probe_ok_ms: None,
        }
    }

    #[test]
    fn auto_comes_first_and_each_group_keeps_priority_order() {
        let channel = ChannelRow {
            id: 1,
            name: "c".into(),
            api_type: types::channel_kind::ChannelKind::Openai,
            base_url: String::new(),
            enabled: true,
            has_key: true,
            key_hint: String::new(),
            api_version: String::new(),
            pricing: Default::default(),
            entries: vec![
                entry(1, 1, "coding"),
                entry(2, 5, "auto"),
                entry(3, 3, "AUTO"),
                entry(4, 2, "coding"),
            ],
        };
        let groups = by_group(std::slice::from_ref(&channel));
        let names: Vec<_> = groups.iter().map(|g| g.name.as_str()).collect();
        assert_eq!(names, ["AUTO", "coding"]);
        let ids: Vec<Vec<i64>> = groups
            .iter()
            .map(|g| g.entries.iter().map(|e| e.id).collect())
            .collect();
        assert_eq!(ids, [vec![3, 2], vec![1, 4]]);
        assert_eq!(global_order(&[channel]), [1, 4, 3, 2]);
    }

    #[test]
    fn a_mode_other_than_custom_shows_the_engines_order_with_entries_that_are_off_last() {
        let rows = vec![
            entry(1, 1, "auto"),
            entry(2, 2, "auto"),
            entry(3, 3, "auto"),
        ];
        let placed = |id| types::routing::OrderedEntry {
            entry_id: id,
            ..Default::default()
        };
        let mut order = EffectiveOrder {
            group: "auto".into(),
            order: OrderMode::Fastest,
            entries: vec![placed(3), placed(1)],
            ..Default::default()
        };
        let ids = |rows: Vec<EntryRow>| rows.iter().map(|e| e.id).collect::<Vec<_>>();
        assert_eq!(
            ids(rows_in_effective_order(rows.clone(), &order)),
            [3, 1, 2]
        );
        order.order = OrderMode::Custom;
        assert_eq!(ids(rows_in_effective_order(rows, &order)), [1, 2, 3]);
    }
}
