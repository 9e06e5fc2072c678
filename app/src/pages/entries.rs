//! Entry and channel operations: rename, move to a group, reorder, move to the top of AUTO,
//! enable, disable, delete, add a model by hand. Each server function is one `AppState` call,
//! so the running proxy routes by the change at once.

use leptos::prelude::*;

use super::channels::{EntryRow, PageContext};
use super::speedtest::{SpeedTestButton, TestTarget};

#[server]
pub async fn rename_entry(id: i64, display_name: String) -> Result<(), ServerFnError> {
    let state = expect_context::<engine::AppState>();
    Ok(state.rename_entry(id, &display_name)?)
}

#[server]
pub async fn move_entry_to_group(id: i64, group: String) -> Result<(), ServerFnError> {
    let state = expect_context::<engine::AppState>();
    Ok(state.move_entry_to_group(id, &group)?)
}

/// The whole priority order, highest first, in one call.
#[server(input = leptos::server_fn::codec::Json)]
pub async fn reorder_entries(order: Vec<i64>) -> Result<(), ServerFnError> {
    let state = expect_context::<engine::AppState>();
    Ok(state.reorder_entries(&order)?)
}

#[server]
pub async fn move_entry_to_top_of_auto(id: i64) -> Result<(), ServerFnError> {
    let state = expect_context::<engine::AppState>();
    Ok(state.move_entry_to_top_of_auto(id)?)
}

#[server]
pub async fn set_entry_enabled(id: i64, enabled: bool) -> Result<(), ServerFnError> {
    let state = expect_context::<engine::AppState>();
    Ok(state.set_entry_enabled(id, enabled)?)
}

#[server]
pub async fn delete_entry(id: i64) -> Result<(), ServerFnError> {
    let state = expect_context::<engine::AppState>();
    Ok(state.delete_entry(id)?)
}

/// Adds a model the channel did not list (relays without a models endpoint).
#[server]
pub async fn add_entry(channel_id: i64, model: String) -> Result<i64, ServerFnError> {
    let state = expect_context::<engine::AppState>();
    let new = engine::store::NewEntry::new(channel_id, model.trim());
    Ok(state.create_entry(&new)?)
}

#[server]
pub async fn set_channel_enabled(id: i64, enabled: bool) -> Result<(), ServerFnError> {
    let state = expect_context::<engine::AppState>();
    Ok(state.set_channel_enabled(id, enabled)?)
}

/// Renames a channel or changes its base URL or key; an empty field is left as it is, so the
/// browser never needs the stored key.
#[server]
pub async fn update_channel(
    id: i64,
    name: String,
    base_url: String,
    api_key: String,
) -> Result<(), ServerFnError> {
    let state = expect_context::<engine::AppState>();
    let given = |value: String| (!value.trim().is_empty()).then_some(value);
    Ok(state.update_channel(
        id,
        &engine::store::ChannelUpdate {
            name: given(name),
            api_type: None,
            base_url: given(base_url),
            api_key: given(api_key),
            api_version: None,
        },
    )?)
}

#[server]
pub async fn delete_channel(id: i64) -> Result<(), ServerFnError> {
    let state = expect_context::<engine::AppState>();
    Ok(state.delete_channel(id)?)
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

const BUTTON: &str = "rounded border border-slate-300 px-2 py-0.5 text-xs hover:bg-slate-100";

/// Enable/disable, delete and add-a-model controls of one channel.
#[component]
pub fn ChannelControls(id: i64, enabled: bool) -> impl IntoView {
    let page = expect_context::<PageContext>();
    let model = RwSignal::new(String::new());
    let rename = RwSignal::new(String::new());
    view! {
        <button class=BUTTON on:click=move |_| page.run(set_channel_enabled(id, !enabled))>
            {if enabled { "Disable channel" } else { "Enable channel" }}
        </button>
        <button class=BUTTON on:click=move |_| page.run(delete_channel(id))>"Delete channel"</button>
        <input class="rounded border px-2 py-0.5 text-xs" placeholder="new name"
            prop:value=move || rename.get() on:input=move |ev| rename.set(event_target_value(&ev))/>
        <button class=BUTTON on:click=move |_| {
            page.run(update_channel(id, rename.get_untracked(), String::new(), String::new()));
        }>"Rename channel"</button>
        <input class="rounded border px-2 py-0.5 text-xs" placeholder="model name"
            prop:value=move || model.get() on:input=move |ev| model.set(event_target_value(&ev))/>
        <button class=BUTTON on:click=move |_| {
            let name = model.get_untracked();
            page.run(async move { add_entry(id, name).await.map(|_| ()) });
            model.set(String::new());
        }>"Add model"</button>
    }
    .into_any()
}

/// One entry's row with all its operations.
#[component]
pub fn EntryView(entry: EntryRow, order: Vec<i64>) -> impl IntoView {
    let page = expect_context::<PageContext>();
    let id = entry.id;
    let enabled = entry.enabled;
    let name = RwSignal::new(entry.display_name.clone());
    let group = RwSignal::new(entry.group.clone());
    let up = moved_up(&order, id);
    let state = if !entry.enabled {
        format!("disabled {}", entry.disabled_reason)
    } else if entry.cooling {
        "cooling down".to_owned()
    } else {
        "enabled".to_owned()
    };
    let last = match &entry.last_test {
        Some(t) if t.ok => format!("✓ {} ms", t.total_ms.unwrap_or_default()),
        Some(t) => format!("✗ {}", t.error),
        None => entry
            .last_response_ms
            .map(|ms| format!("{ms} ms"))
            .unwrap_or_default(),
    };
    view! {
        <tr class="border-t border-slate-100" data-entry=id>
            <td class="p-2 font-mono">{entry.model.clone()}
                <input class="ml-2 w-32 rounded border px-1 text-xs" placeholder="display name"
                    prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev))/>
                <button class=BUTTON on:click=move |_| page.run(rename_entry(id, name.get_untracked()))>"Rename"</button>
            </td>
            <td class="p-2 text-slate-500">{entry.catalog.as_ref().map(|c| c.summary()).unwrap_or_else(|| "not in catalog".into())}</td>
            <td class="p-2">
                <input class="w-20 rounded border px-1 text-xs"
                    prop:value=move || group.get() on:input=move |ev| group.set(event_target_value(&ev))/>
                <button class=BUTTON on:click=move |_| page.run(move_entry_to_group(id, group.get_untracked()))>"Move"</button>
            </td>
            <td class="p-2">{state}</td>
            <td class="p-2">{last}</td>
            <td class="p-2 flex flex-wrap gap-1">
                <button class=BUTTON on:click=move |_| page.run(set_entry_enabled(id, !enabled))>
                    {if enabled { "Disable" } else { "Enable" }}
                </button>
                <button class=BUTTON on:click=move |_| page.run(reorder_entries(up.clone()))>"Up"</button>
                <button class=BUTTON on:click=move |_| page.run(move_entry_to_top_of_auto(id))>"Top of auto"</button>
                <button class=BUTTON on:click=move |_| page.run(delete_entry(id))>"Delete"</button>
                <SpeedTestButton target=TestTarget::Entry(id) label="Test"/>
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
