//! Fetching the models of an existing channel again (with its stored key, which never leaves
//! the server) and turning picked ones into entries. Models that are already entries and recent
//! releases come pre-selected.

use leptos::prelude::*;

use super::add_channel::CalibrationView;
use super::channels::PageContext;

/// Calibrates the channel's own URL and key, stores the fetched list on the channel and
/// returns it with pre-selection (existing entries and recent releases ticked).
#[server]
pub async fn fetch_channel_models(channel_id: i64) -> Result<CalibrationView, ServerFnError> {
    let state = expect_context::<engine::AppState>();
    let config = state.store().full_config()?;
    let Some((channel, entries)) = config
        .channels
        .into_iter()
        .find(|(c, _)| c.id == channel_id)
    else {
        return Err(engine::store::StoreError::NotFound {
            what: "channel",
            id: channel_id,
        }
        .into());
    };
    let existing: Vec<String> = entries.into_iter().map(|e| e.model).collect();
    let request = engine::discovery::ProbeRequest {
        base_url: channel.base_url,
        key: channel.api_key,
        api_type: channel.api_type.as_str().parse().ok(),
    };
    let view = super::add_channel::ssr::calibration_view(&request, &existing).await?;
    if view.usable && !view.models.is_empty() {
        let ids: Vec<String> = view.models.iter().map(|m| m.id.clone()).collect();
        state
            .store()
            .set_channel_models(channel_id, &ids, jiff::Timestamp::now())?;
    }
    Ok(view)
}

/// Makes each picked model an entry of the channel, skipping models that already are.
#[server(input = leptos::server_fn::codec::Json)]
pub async fn add_entries(channel_id: i64, models: Vec<String>) -> Result<usize, ServerFnError> {
    let state = expect_context::<engine::AppState>();
    Ok(state.add_entries(channel_id, &models)?)
}

/// "Fetch models" for one channel: the fetched list with check boxes and "Add selected".
#[component]
pub fn FetchModels(channel_id: i64) -> impl IntoView {
    let page = expect_context::<PageContext>();
    let found = RwSignal::new(None::<CalibrationView>);
    let chosen = RwSignal::new(Vec::<String>::new());
    let fetch = Action::new(move |_: &()| async move {
        match fetch_channel_models(channel_id).await {
            Ok(view) => {
                chosen.set(view.preselected_ids());
                found.set(Some(view));
            }
            Err(error) => page.error.set(Some(error.to_string())),
        }
    });
    let add = move |_| {
        let models = chosen.get_untracked();
        found.set(None);
        page.run(async move { add_entries(channel_id, models).await.map(|_| ()) });
    };
    view! {
        <button class="rounded border border-slate-300 px-2 py-0.5 text-xs hover:bg-slate-100"
            disabled=move || fetch.pending().get()
            on:click=move |_| { fetch.dispatch(()); }>
            {move || if fetch.pending().get() { "Fetching…" } else { "Fetch models" }}
        </button>
        {move || found.get().map(|cal| view! {
            <div class="w-full text-sm">
                <p>{cal.message.clone()}</p>
                <super::add_channel::ModelPicker models=cal.models.clone() chosen/>
                <button class="rounded bg-slate-900 px-3 py-1 text-white" on:click=add>"Add selected"</button>
            </div>
        })}
    }
    .into_any()
}
