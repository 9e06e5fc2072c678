//! Settings -> Error rules: the ordered rules that read what an upstream's error says, edited
//! in place in the settings form (the `Settings::error_rules` it holds) and saved with it.

use leptos::prelude::*;
use types::routing::{ErrorRule, RuleAction, default_error_rules};
use types::settings::Settings;

use super::text::settings_text;
use crate::components::style::{BUTTON_SECONDARY, BUTTON_SMALL, INPUT, MUTED};
use crate::i18n::{Locale, use_i18n};

/// A change to the rule at `at` of the form's error rules.
fn update_rule(form: RwSignal<Settings>, at: usize, change: impl FnOnce(&mut ErrorRule)) {
    form.update(|f| {
        if let Some(rule) = f.error_rules.get_mut(at) {
            change(rule);
        }
    });
}

/// Moves the rule at `at` one place up (`-1`) or down (`1`); order decides which rule wins.
fn move_rule(form: RwSignal<Settings>, at: usize, by: isize) {
    form.update(|f| {
        let list = &mut f.error_rules;
        if let Some(to) = at.checked_add_signed(by).filter(|to| *to < list.len()) {
            list.swap(at, to);
        }
    });
}

/// The error rules, edited in place in the form and saved with it: status and phrase, the
/// action, a freeze's length; reorder, remove, add, or restore the defaults.
#[component]
pub(super) fn ErrorRules(form: RwSignal<Settings>) -> impl IntoView {
    let i18n = use_i18n();
    let text =
        move |key: &'static str| Signal::derive(move || settings_text(i18n.get_locale(), key));
    let rules = move || form.with(|f| f.error_rules.clone());
    let row = move |(at, rule): (usize, ErrorRule)| {
        let status = rule.status.map(|s| s.to_string()).unwrap_or_default();
        let action = rule.action;
        let freezes = action == RuleAction::FreezeChannel;
        let hours = rule.freeze_secs / 3600;
        view! {
            <tr class="border-t border-slate-200 dark:border-slate-800" data-rule=at>
                <td class="py-2 pr-2"><input type="number" min="100" max="599" class=format!("{INPUT} w-24")
                    aria-label=move || text("rule_status").get() prop:value=status
                    on:change=move |ev| {
                        let value = event_target_value(&ev).trim().parse::<u16>().ok();
                        update_rule(form, at, |r| r.status = value);
                    }/></td>
                <td class="py-2 pr-2"><input class=INPUT aria-label=move || text("rule_phrase").get() prop:value=rule.phrase
                    on:change=move |ev| {
                        let value = event_target_value(&ev);
                        update_rule(form, at, |r| r.phrase = value);
                    }/></td>
                <td class="py-2 pr-2"><select class=INPUT aria-label=move || text("rule_action").get()
                    on:change=move |ev| {
                        // The options are `RuleAction::ALL`'s names, so every choice parses.
                        if let Ok(value) = event_target_value(&ev).parse::<RuleAction>() {
                            update_rule(form, at, |r| r.action = value);
                        }
                    }>
                    {RuleAction::ALL.map(|choice| {
                        view! { <option value=choice.as_str() selected=action == choice>{move || action_text(i18n.get_locale(), choice)}</option> }
                    }).collect_view()}
                </select></td>
                <td class="py-2 pr-2"><input type="number" min="1" class=format!("{INPUT} w-24") disabled=!freezes
                    aria-label=move || text("rule_freeze_hours").get() prop:value=hours.to_string()
                    on:change=move |ev| {
                        if let Ok(n) = event_target_value(&ev).trim().parse::<u64>() {
                            update_rule(form, at, |r| r.freeze_secs = n.saturating_mul(3600));
                        }
                    }/></td>
                <td class="py-2 whitespace-nowrap">
                    <button type="button" class=BUTTON_SMALL aria-label=move || text("rule_up").get() on:click=move |_| move_rule(form, at, -1)>"↑"</button>
                    <button type="button" class=BUTTON_SMALL aria-label=move || text("rule_down").get() on:click=move |_| move_rule(form, at, 1)>"↓"</button>
                    <button type="button" class=BUTTON_SMALL on:click=move |_| form.update(|f| {
                        if at < f.error_rules.len() { f.error_rules.remove(at); }
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
                f.error_rules.push(ErrorRule::phrase("", RuleAction::Failover));
            })>{move || text("rule_add").get()}</button>
            <button type="button" id="default-rules" class=BUTTON_SECONDARY on:click=move |_| form.update(|f| {
                f.error_rules = default_error_rules();
            })>{move || text("rules_defaults").get()}</button>
        </div>
    }
}

/// The name of an error rule's action.
fn action_text(locale: Locale, action: RuleAction) -> String {
    use crate::i18n::td_string;
    let text = match action {
        RuleAction::Failover => td_string!(locale, settings.action_failover),
        RuleAction::CoolEntry => td_string!(locale, settings.action_cool_entry),
        RuleAction::DisableEntry => td_string!(locale, settings.action_disable_entry),
        RuleAction::FreezeChannel => td_string!(locale, settings.action_freeze_channel),
        RuleAction::CoolKey => td_string!(locale, settings.action_cool_key),
        RuleAction::DisableKey => td_string!(locale, settings.action_disable_key),
    };
    text.to_string()
}
