//! Settings -> Error rules: the ordered rules that read what an upstream's error says, edited
//! in place in the settings form (the engine's `ErrorRule`s as JSON) and saved with it.

use leptos::prelude::*;
use serde_json::{Value, json};

use super::text::settings_text;
use crate::components::style::{BUTTON_SECONDARY, BUTTON_SMALL, INPUT, MUTED};
use crate::i18n::{Locale, use_i18n};

/// A change to the rule at `at` of the form's `error_rules` (the engine's `ErrorRule`s as JSON).
fn update_rule(form: RwSignal<Value>, at: usize, change: impl FnOnce(&mut Value)) {
    form.update(|f| {
        if let Some(rule) = f["error_rules"].get_mut(at) {
            change(rule);
        }
    });
}

/// Moves the rule at `at` one place up (`-1`) or down (`1`); order decides which rule wins.
fn move_rule(form: RwSignal<Value>, at: usize, by: isize) {
    form.update(|f| {
        if let Some(list) = f["error_rules"].as_array_mut()
            && let Some(to) = at.checked_add_signed(by).filter(|to| *to < list.len())
        {
            list.swap(at, to);
        }
    });
}

/// The error rules, edited in place in the form and saved with it: status and phrase, the
/// action, a freeze's length; reorder, remove, add, or restore the defaults.
#[component]
pub(super) fn ErrorRules(form: RwSignal<Value>) -> impl IntoView {
    let i18n = use_i18n();
    let text =
        move |key: &'static str| Signal::derive(move || settings_text(i18n.get_locale(), key));
    let rules = move || form.with(|f| f["error_rules"].as_array().cloned().unwrap_or_default());
    let row = move |(at, rule): (usize, Value)| {
        let status = rule["status"]
            .as_u64()
            .map(|s| s.to_string())
            .unwrap_or_default();
        let phrase = rule["phrase"].as_str().unwrap_or_default().to_owned();
        let action = rule["action"].as_str().unwrap_or("failover").to_owned();
        let freezes = action == "freeze_channel";
        let hours = rule["freeze_secs"].as_u64().unwrap_or(0) / 3600;
        view! {
            <tr class="border-t border-slate-200 dark:border-slate-800" data-rule=at>
                <td class="py-2 pr-2"><input type="number" min="100" max="599" class=format!("{INPUT} w-24")
                    aria-label=move || text("rule_status").get() prop:value=status
                    on:change=move |ev| {
                        let value = event_target_value(&ev).trim().parse::<u16>().ok();
                        update_rule(form, at, |r| r["status"] = json!(value));
                    }/></td>
                <td class="py-2 pr-2"><input class=INPUT aria-label=move || text("rule_phrase").get() prop:value=phrase
                    on:change=move |ev| {
                        let value = event_target_value(&ev);
                        update_rule(form, at, |r| r["phrase"] = json!(value));
                    }/></td>
                <td class="py-2 pr-2"><select class=INPUT aria-label=move || text("rule_action").get()
                    on:change=move |ev| {
                        let value = event_target_value(&ev);
                        update_rule(form, at, |r| r["action"] = json!(value));
                    }>
                    {types::routing::RuleAction::ALL.map(|choice| {
                        let name = choice.as_str();
                        view! { <option value=name selected=action == name>{move || action_text(i18n.get_locale(), name)}</option> }
                    }).collect_view()}
                </select></td>
                <td class="py-2 pr-2"><input type="number" min="1" class=format!("{INPUT} w-24") disabled=!freezes
                    aria-label=move || text("rule_freeze_hours").get() prop:value=hours.to_string()
                    on:change=move |ev| {
                        if let Ok(n) = event_target_value(&ev).trim().parse::<u64>() {
                            update_rule(form, at, |r| r["freeze_secs"] = json!(n * 3600));
                        }
                    }/></td>
                <td class="py-2 whitespace-nowrap">
                    <button type="button" class=BUTTON_SMALL aria-label=move || text("rule_up").get() on:click=move |_| move_rule(form, at, -1)>"↑"</button>
                    <button type="button" class=BUTTON_SMALL aria-label=move || text("rule_down").get() on:click=move |_| move_rule(form, at, 1)>"↓"</button>
                    <button type="button" class=BUTTON_SMALL on:click=move |_| form.update(|f| {
                        if let Some(list) = f["error_rules"].as_array_mut() && at < list.len() { list.remove(at); }
                    })>{move || text("rule_remove").get()}</button>
                </td>
            </tr>
        }
    };
    view! {
        <div class="overflow-x-auto">
            <table id="error-rules" class="w-full text-left text-sm">
                <thead class=MUTED><tr>
                    <th class="pr-2 font-medium">{move || text("rule_status").get()}</th>
                    <th class="pr-2 font-medium">{move || text("rule_phrase").get()}</th>
                    <th class="pr-2 font-medium">{move || text("rule_action").get()}</th>
                    <th class="pr-2 font-medium">{move || text("rule_freeze_hours").get()}</th>
                    <th><span class="sr-only">{move || text("rule_controls").get()}</span></th>
                </tr></thead>
                <tbody>{move || rules().into_iter().enumerate().map(row).collect_view()}</tbody>
            </table>
        </div>
        <div class="mt-3 flex flex-wrap gap-3">
            <button type="button" id="add-rule" class=BUTTON_SECONDARY on:click=move |_| form.update(|f| {
                let rule = json!({"status": null, "phrase": "", "action": "failover", "freeze_secs": 0});
                match f["error_rules"].as_array_mut() {
                    Some(list) => list.push(rule),
                    None => f["error_rules"] = json!([rule]),
                }
            })>{move || text("rule_add").get()}</button>
            <button type="button" id="default-rules" class=BUTTON_SECONDARY on:click=move |_| form.update(|f| {
                f["error_rules"] = serde_json::to_value(types::routing::default_error_rules()).unwrap_or_default();
            })>{move || text("rules_defaults").get()}</button>
        </div>
    }
}

/// The name of an error rule's action, by its wire name.
fn action_text(locale: Locale, action: &str) -> String {
    use crate::i18n::td_string;
    let text = match action {
        "cool_entry" => td_string!(locale, settings.action_cool_entry),
        "disable_entry" => td_string!(locale, settings.action_disable_entry),
        "freeze_channel" => td_string!(locale, settings.action_freeze_channel),
        "cool_key" => td_string!(locale, settings.action_cool_key),
        "disable_key" => td_string!(locale, settings.action_disable_key),
        _ => td_string!(locale, settings.action_failover),
    };
    text.to_string()
}
