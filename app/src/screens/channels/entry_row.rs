//! One row of API management: a drag handle that also takes the arrow keys (off, with the
//! reason, when the group's order mode decides), the place the entry is tried at and why, the
//! model with its catalog facts and aliases, the channel, an on/off switch, the group (move to
//! another or a new one), the state (cooling down with the time left, or why it is off, and
//! "the last probe succeeded" when a recovery probe says it works again), the last test and
//! its actions.

use leptos::html::Button;
use leptos::prelude::*;

use super::entries::{delete_entry, move_entry_to_group, set_entry_enabled};
use super::entry_aliases::EntryAliases;
use super::group_routing::{Rank, RankCell};
use super::speedtest::{SpeedTestButton, TestTarget};
use super::test_all::TestCell;
use super::{CatalogWords, EntryRow, PageContext};
use crate::components::badge::{Badge, Tone};
use crate::components::confirm::ConfirmButton;
use crate::components::style::{BUTTON_SMALL, INPUT, MUTED, TD};
use crate::i18n::{t, t_string, use_i18n};
use crate::shell::time::use_clock;

/// How a row asks its table to move it (drag and drop, or the arrow keys on its handle).
#[derive(Clone, Copy)]
pub struct Reorder {
    /// The entry being dragged.
    pub dragging: RwSignal<Option<i64>>,
    /// The handle to focus after the list reloads (the entry just moved by keyboard) and
    /// when it moved (browser ms): only a row mounted soon after the move takes the focus.
    pub focus_after: RwSignal<Option<(i64, f64)>>,
    /// Moves `entry` to place `to` within its group.
    pub move_to: Callback<(i64, usize)>,
}

#[component]
pub fn EntryLine(
    entry: EntryRow,
    index: usize,
    count: usize,
    groups_list: &'static str,
    /// Where routing tries the entry now (`None`: off, never tried).
    rank: Option<Rank>,
    /// The group is in custom order: dragging and the arrow keys reorder it.
    manual: bool,
) -> impl IntoView {
    let i18n = use_i18n();
    let page = expect_context::<PageContext>();
    let reorder = expect_context::<Reorder>();
    let clock = use_clock();
    let id = entry.id;
    let enabled = entry.enabled;
    let model = entry.model.clone();
    let model_for_switch = entry.model.clone();
    let handle = NodeRef::<Button>::new();
    // Runs once the row is mounted (nothing tracked but the handle): the list is re-rendered
    // after each move, so the moved row's new handle takes the focus back.
    Effect::new(move || {
        let recent = reorder.focus_after.with_untracked(|f| {
            f.is_some_and(|(moved, at)| moved == id && js_sys::Date::now() - at < 5000.0)
        });
        if recent && let Some(button) = handle.get() {
            let _ = button.focus();
        }
    });
    let group = RwSignal::new(entry.group.clone());
    let until = entry.cooldown_until_ms;
    let listed_left = entry.cooldown_left_ms;
    let left = move || {
        let ms = (until - clock.now_or(until - listed_left)).max(0);
        let secs = (ms + 999) / 1000;
        format!("{}:{:02}", secs / 60, secs % 60)
    };
    let reason = entry.disabled_reason.clone();
    let cooling = entry.cooling;
    let catalog = entry.catalog.clone();
    let catalog_name = catalog.as_ref().map(|c| c.name.clone());
    let facts = move || {
        catalog
            .as_ref()
            .map(|c| c.details(i18n.get_locale()))
            .unwrap_or_else(|| t_string!(i18n, channels.not_in_catalog).to_string())
    };
    let label = if entry.display_name.is_empty() {
        entry.model.clone()
    } else {
        entry.display_name.clone()
    };
    let aliases = entry.aliases.clone();
    // Only a switch-off by the system or a cooldown is something a probe can speak to.
    let probe_ok = entry
        .last_probe_ok_ms
        .filter(|_| (!enabled && !entry.disabled_reason.is_empty()) || cooling);
    let place = rank.as_ref().map_or(index + 1, |r| r.place);
    let model_for_lock = entry.model.clone();
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        let to = match ev.key().as_str() {
            "ArrowUp" if index > 0 => index - 1,
            "ArrowDown" if index + 1 < count => index + 1,
            "Home" => 0,
            "End" => count.saturating_sub(1),
            _ => return,
        };
        ev.prevent_default();
        if to != index {
            reorder.focus_after.set(Some((id, js_sys::Date::now())));
            reorder.move_to.run((id, to));
        }
    };
    let switch_id = format!("entry-enabled-{id}");
    let group_id = format!("entry-group-{id}");
    view! {
        <tr data-entry=id data-model=entry.model.clone() data-channel-name=entry.channel.clone() draggable=manual.to_string()
            class="bg-white transition-colors dark:bg-slate-900"
            class:opacity-50=move || reorder.dragging.get() == Some(id)
            on:dragstart=move |_| if manual { reorder.dragging.set(Some(id)) }
            on:dragend=move |_| reorder.dragging.set(None)
            on:dragover=move |ev| ev.prevent_default()
            on:drop=move |ev| {
                ev.prevent_default();
                if let Some(moved) = reorder.dragging.get_untracked()
                    && moved != id
                    && manual
                {
                    reorder.move_to.run((moved, index));
                }
                reorder.dragging.set(None);
            }>
            <td class=format!("{TD} w-10")>
                {if manual {
                    view! {
                        <button node_ref=handle type="button" data-handle=id
                            class="cursor-grab rounded px-1 text-lg leading-none text-slate-500 hover:text-slate-800 focus-visible:outline-2 focus-visible:outline-indigo-600 dark:text-slate-400 dark:hover:text-slate-100"
                            aria-label=move || t_string!(i18n, channels.reorder_handle, model = model.clone(), position = index + 1, count = count).to_string()
                            aria-keyshortcuts="ArrowUp ArrowDown Home End"
                            on:keydown=on_key>
                            <span aria-hidden="true">"⠿"</span>
                        </button>
                    }.into_any()
                } else {
                    let locked = move || t_string!(i18n, routing.handle_locked, model = model_for_lock.clone(), position = place).to_string();
                    view! {
                        <button type="button" data-handle=id disabled=true
                            class="cursor-not-allowed rounded px-1 text-lg leading-none text-slate-300 dark:text-slate-600"
                            aria-label=locked.clone() title=locked>
                            <span aria-hidden="true">"⠿"</span>
                        </button>
                    }.into_any()
                }}
            </td>
            <td class=TD><RankCell rank/></td>
            <td class=TD>
                <div class="font-mono text-sm">{label}</div>
                <div class=format!("text-xs {MUTED}")><span translate="no">{catalog_name}</span>{facts}</div>
                <EntryAliases id model=entry.model.clone() aliases/>
            </td>
            <td class=format!("{TD} text-sm") translate="no">{entry.channel.clone()}</td>
            <td class=TD>
                <input id=switch_id type="checkbox" role="switch"
                    class="relative h-5 w-9 cursor-pointer appearance-none rounded-full bg-slate-300 transition-colors before:absolute before:left-0.5 before:top-0.5 before:h-4 before:w-4 before:rounded-full before:bg-white before:shadow before:transition-transform checked:bg-indigo-600 checked:before:translate-x-4 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600 dark:bg-slate-600 dark:checked:bg-indigo-500"
                    prop:checked=enabled
                    aria-label=move || t_string!(i18n, channels.entry_enabled_label, model = model_for_switch.clone()).to_string()
                    on:change=move |ev| page.run(set_entry_enabled(id, event_target_checked(&ev)))/>
            </td>
            <td class=TD>
                <form class="flex gap-1" on:submit=move |ev| { ev.prevent_default(); page.run(move_entry_to_group(id, group.get_untracked())); }>
                    <label for=group_id.clone() class="sr-only">{t!(i18n, channels.col_group)}</label>
                    <input id=group_id class=format!("{INPUT} w-28 py-1 text-xs") list=groups_list
                        prop:value=move || group.get() on:input=move |ev| group.set(event_target_value(&ev))/>
                    <button type="submit" class=BUTTON_SMALL>{t!(i18n, channels.move_group)}</button>
                </form>
            </td>
            <td class=format!("{TD} text-sm")>
                {if !enabled {
                    view! {
                        <div class="space-y-1">
                            <Badge tone=Tone::Neutral text=Signal::derive(move || t_string!(i18n, channels.state_disabled).to_string())/>
                            // The reason quotes the provider's answer ("HTTP 401: invalid api key"): not the UI's words.
                            {(!reason.is_empty()).then(|| view! { <p class=format!("text-xs {MUTED}") data-reason="" translate="no">{reason.clone()}</p> })}
                            <ProbeOk at=probe_ok/>
                        </div>
                    }.into_any()
                } else if cooling {
                    view! {
                        <span class="inline-flex items-center gap-1 whitespace-nowrap text-amber-800 dark:text-amber-300">
                            {t!(i18n, channels.state_cooling)}" "
                            <span class="font-mono tabular-nums" data-countdown="">{left}</span>
                        </span>
                        <ProbeOk at=probe_ok/>
                    }.into_any()
                } else {
                    view! { <Badge tone=Tone::Good text=Signal::derive(move || t_string!(i18n, channels.state_enabled).to_string())/> }.into_any()
                }}
            </td>
            <td class=format!("{TD} whitespace-nowrap") data-last-test=id>
                <TestCell entry=id stored=entry.last_test.clone() last_response_ms=entry.last_response_ms/>
            </td>
            <td class=TD>
                <div class="flex flex-wrap gap-1">
                    <SpeedTestButton target=TestTarget::Entry(id) label=Signal::derive(move || t_string!(i18n, channels.test).to_string())/>
                    <ConfirmButton
                        label=Signal::derive(move || t_string!(i18n, common.delete).to_string())
                        question=Signal::derive(move || t_string!(i18n, channels.delete_entry_question).to_string())
                        confirm_label=Signal::derive(move || t_string!(i18n, common.delete).to_string())
                        on_confirm=move || page.run(delete_entry(id))
                    />
                </div>
            </td>
        </tr>
    }
    .into_any()
}

/// "Last probe succeeded" with its time, and that switching the entry on stays the user's act.
#[component]
fn ProbeOk(at: Option<i64>) -> impl IntoView {
    let i18n = use_i18n();
    let clock = use_clock();
    at.map(|ms| {
        view! {
            <div class="mt-1 space-y-0.5" data-probe-ok=ms>
                <Badge tone=Tone::Good text=Signal::derive(move || t_string!(i18n, routing.probe_ok, time = clock.format(ms)).to_string())/>
                <p class=format!("max-w-56 text-xs {MUTED}")>{t!(i18n, routing.probe_ok_hint)}</p>
            </div>
        }
    })
}
