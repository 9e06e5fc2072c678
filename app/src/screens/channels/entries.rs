//! Entry and channel operations: rename, move to a group, reorder, move to the top of AUTO,
//! enable, disable, delete, add a model by hand. Each server function is one `AppState` call,
//! so the running proxy routes by the change at once.

use leptos::prelude::*;

use super::speedtest::{SpeedTestButton, TestTarget};
use super::{EntryRow, PageContext};
use crate::components::confirm::ConfirmButton;
use crate::components::style::{BUTTON_SMALL, INPUT};
use crate::errors::UiError;
use crate::i18n::{t_string, use_i18n};

#[server]
pub async fn rename_entry(id: i64, display_name: String) -> Result<(), UiError> {
    crate::engine_call::blocking(move |state| state.rename_entry(id, &display_name)).await
}

#[server]
pub async fn move_entry_to_group(id: i64, group: String) -> Result<(), UiError> {
    crate::engine_call::blocking(move |state| state.move_entry_to_group(id, &group)).await
}

/// The whole priority order, highest first, in one call.
#[server(input = leptos::server_fn::codec::Json)]
pub async fn reorder_entries(order: Vec<i64>) -> Result<(), UiError> {
    crate::engine_call::blocking(move |state| state.reorder_entries(&order)).await
}

#[server]
pub async fn move_entry_to_top_of_auto(id: i64) -> Result<(), UiError> {
    crate::engine_call::blocking(move |state| state.move_entry_to_top_of_auto(id)).await
}

#[server]
pub async fn set_entry_enabled(id: i64, enabled: bool) -> Result<(), UiError> {
    crate::engine_call::blocking(move |state| state.set_entry_enabled(id, enabled)).await
}

#[server]
pub async fn delete_entry(id: i64) -> Result<(), UiError> {
    crate::engine_call::blocking(move |state| state.delete_entry(id)).await
}

/// Adds a model the channel did not list (relays without a models endpoint).
#[server]
pub async fn add_entry(channel_id: i64, model: String) -> Result<i64, UiError> {
    let new = engine::store::NewEntry::new(channel_id, model.trim());
    crate::engine_call::blocking(move |state| state.create_entry(&new)).await
}

#[server]
pub async fn set_channel_enabled(id: i64, enabled: bool) -> Result<(), UiError> {
    crate::engine_call::blocking(move |state| state.set_channel_enabled(id, enabled)).await
}

/// Renames a channel or changes its base URL or key; an empty field is left as it is, so the
/// browser never needs the stored key.
#[server]
pub async fn update_channel(
    id: i64,
    name: String,
    base_url: String,
    api_key: String,
) -> Result<(), UiError> {
    let given = |value: String| (!value.trim().is_empty()).then_some(value);
    let update = engine::store::ChannelUpdate {
        name: given(name),
        api_type: None,
        base_url: given(base_url),
        api_key: given(api_key),
        api_version: None,
    };
    crate::engine_call::blocking(move |state| state.update_channel(id, &update)).await
}

#[server]
pub async fn delete_channel(id: i64) -> Result<(), UiError> {
    crate::engine_call::blocking(move |state| state.delete_channel(id)).await
}

/// `order` with `id` moved one place earlier; unchanged when it is already first.
fn moved_up(order: &[i64], id: i64) -> Vec<i64> {
    let mut order = order.to_vec();
    if let Some(position) = order.iter().position(|e| *e == id)
        && position > 0
    {
        order.swap(position - 1, position);
    }
    order
}

/// Enable/disable, delete and add-a-model controls of one channel.
#[component]
pub fn ChannelControls(id: i64, enabled: bool) -> impl IntoView {
    let i18n = use_i18n();
    let page = expect_context::<PageContext>();
    let model = RwSignal::new(String::new());
    let rename = RwSignal::new(String::new());
    let input = format!("{INPUT} w-40 py-1 text-xs");
    view! {
        <button type="button" class=BUTTON_SMALL on:click=move |_| page.run(set_channel_enabled(id, !enabled))>
            {move || if enabled { t_string!(i18n, channels.disable_channel).to_string() } else { t_string!(i18n, channels.enable_channel).to_string() }}
        </button>
        <ConfirmButton
            label=Signal::derive(move || t_string!(i18n, channels.delete_channel).to_string())
            question=Signal::derive(move || t_string!(i18n, channels.delete_channel_question).to_string())
            confirm_label=Signal::derive(move || t_string!(i18n, common.delete).to_string())
            on_confirm=move || page.run(delete_channel(id))
        />
        <input class=input.clone() aria-label=move || t_string!(i18n, channels.new_name).to_string()
            placeholder=move || t_string!(i18n, channels.new_name).to_string()
            prop:value=move || rename.get() on:input=move |ev| rename.set(event_target_value(&ev))/>
        <button type="button" class=BUTTON_SMALL on:click=move |_| {
            page.run(update_channel(id, rename.get_untracked(), String::new(), String::new()));
        }>{move || t_string!(i18n, channels.rename_channel).to_string()}</button>
        <input class=input aria-label=move || t_string!(i18n, channels.model_name).to_string()
            placeholder=move || t_string!(i18n, channels.model_name).to_string()
            prop:value=move || model.get() on:input=move |ev| model.set(event_target_value(&ev))/>
        <button type="button" class=BUTTON_SMALL on:click=move |_| {
            let name = model.get_untracked();
            page.run(async move { add_entry(id, name).await.map(|_| ()) });
            model.set(String::new());
        }>{move || t_string!(i18n, channels.add_model).to_string()}</button>
    }
    .into_any()
}

/// One entry's row with all its operations.
#[component]
pub fn EntryView(entry: EntryRow, order: Vec<i64>) -> impl IntoView {
    let i18n = use_i18n();
    let page = expect_context::<PageContext>();
    let id = entry.id;
    let enabled = entry.enabled;
    let cooling = entry.cooling;
    let reason = entry.disabled_reason.clone();
    let name = RwSignal::new(entry.display_name.clone());
    let group = RwSignal::new(entry.group.clone());
    let up = moved_up(&order, id);
    let state = move || {
        if !enabled {
            format!("{} {}", t_string!(i18n, channels.state_disabled), reason)
        } else if cooling {
            t_string!(i18n, channels.state_cooling).to_string()
        } else {
            t_string!(i18n, channels.state_enabled).to_string()
        }
    };
    let last = match &entry.last_test {
        Some(t) if t.ok => format!("✓ {} ms", t.total_ms.unwrap_or_default()),
        Some(t) => format!("✗ {}", t.error),
        None => entry
            .last_response_ms
            .map(|ms| format!("{ms} ms"))
            .unwrap_or_default(),
    };
    let catalog = entry.catalog.clone();
    let catalog_name = catalog.as_ref().map(|c| c.name.clone());
    let catalog_text = move || {
        let locale = i18n.get_locale();
        catalog
            .as_ref()
            .map(|c| c.details(locale))
            .unwrap_or_else(|| t_string!(i18n, channels.not_in_catalog).to_string())
    };
    let small_input = format!("{INPUT} w-28 py-1 text-xs");
    view! {
        <tr data-entry=id>
            <td class="px-3 py-2 font-mono">
                <div>{entry.model.clone()}</div>
                <div class="mt-1 flex gap-1">
                    <input class=small_input.clone() aria-label=move || t_string!(i18n, channels.display_name).to_string()
                        placeholder=move || t_string!(i18n, channels.display_name).to_string()
                        prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev))/>
                    <button type="button" class=BUTTON_SMALL on:click=move |_| page.run(rename_entry(id, name.get_untracked()))>
                        {move || t_string!(i18n, channels.rename).to_string()}
                    </button>
                </div>
            </td>
            <td class="px-3 py-2 text-slate-600 dark:text-slate-400"><span translate="no">{catalog_name}</span>{catalog_text}</td>
            <td class="px-3 py-2">
                <div class="flex gap-1">
                    <input class=small_input aria-label=move || t_string!(i18n, channels.col_group).to_string()
                        prop:value=move || group.get() on:input=move |ev| group.set(event_target_value(&ev))/>
                    <button type="button" class=BUTTON_SMALL on:click=move |_| page.run(move_entry_to_group(id, group.get_untracked()))>
                        {move || t_string!(i18n, channels.move_group).to_string()}
                    </button>
                </div>
            </td>
            <td class="px-3 py-2">{state}</td>
            <td class="px-3 py-2 whitespace-nowrap">{last}</td>
            <td class="px-3 py-2">
                <div class="flex flex-wrap gap-1">
                    <button type="button" class=BUTTON_SMALL on:click=move |_| page.run(set_entry_enabled(id, !enabled))>
                        {move || if enabled { t_string!(i18n, common.disable).to_string() } else { t_string!(i18n, common.enable).to_string() }}
                    </button>
                    <button type="button" class=BUTTON_SMALL on:click=move |_| page.run(reorder_entries(up.clone()))>
                        {move || t_string!(i18n, channels.up).to_string()}
                    </button>
                    <button type="button" class=BUTTON_SMALL on:click=move |_| page.run(move_entry_to_top_of_auto(id))>
                        {move || t_string!(i18n, channels.top_of_auto).to_string()}
                    </button>
                    <ConfirmButton
                        label=Signal::derive(move || t_string!(i18n, common.delete).to_string())
                        question=Signal::derive(move || t_string!(i18n, channels.delete_entry_question).to_string())
                        confirm_label=Signal::derive(move || t_string!(i18n, common.delete).to_string())
                        on_confirm=move || page.run(delete_entry(id))
                    />
                    <SpeedTestButton target=TestTarget::Entry(id) label=Signal::derive(move || t_string!(i18n, channels.test).to_string())/>
                </div>
            </td>
        </tr>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::moved_up;

    #[test]
    fn moving_up_swaps_with_the_previous_entry_and_the_first_stays() {
        assert_eq!(moved_up(&[1, 2, 3], 3), [1, 3, 2]);
        assert_eq!(moved_up(&[1, 2, 3], 1), [1, 2, 3]);
    }
}
