//! Fetching the models of an existing channel again (with its stored key, which never leaves
//! the server) and turning picked ones into entries. Models that are already entries and recent
//! releases come pre-selected.

use leptos::prelude::*;

use super::PageContext;
use super::add_channel::CalibrationView;
use crate::components::style::{BUTTON_PRIMARY, BUTTON_SMALL};
use crate::errors::UiError;
use crate::i18n::{t, t_string, use_i18n};

/// Calibrates the channel's own URL and key, stores the fetched list on the channel and
/// returns it with pre-selection (existing entries and recent releases ticked).
#[server]
pub async fn fetch_channel_models(channel_id: i64) -> Result<CalibrationView, UiError> {
    let config = crate::engine_call::blocking(|state| state.store().full_config()).await?;
    let Some((channel, entries)) = config
        .channels
        .into_iter()
        .find(|(c, _)| c.id == channel_id)
    else {
        return Err(UiError::NotFound {
            what: "channel".into(),
            id: channel_id,
        });
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
        crate::engine_call::blocking(move |state| {
            state
                .store()
                .set_channel_models(channel_id, &ids, jiff::Timestamp::now())
        })
        .await?;
    }
    Ok(view)
}

/// Makes each picked model an entry of the channel, skipping models that already are.
#[server(input = leptos::server_fn::codec::Json)]
pub async fn add_entries(channel_id: i64, models: Vec<String>) -> Result<usize, UiError> {
    crate::engine_call::blocking(move |state| state.add_entries(channel_id, &models)).await
}

/// "Fetch models" for one channel: the fetched list with check boxes and "Add selected".
#[component]
pub fn FetchModels(channel_id: i64) -> impl IntoView {
    let i18n = use_i18n();
    let page = expect_context::<PageContext>();
    let found = RwSignal::new(None::<CalibrationView>);
    let chosen = RwSignal::new(Vec::<String>::new());
    let fetch = Action::new_local(move |_: &()| async move {
        match fetch_channel_models(channel_id).await {
            Ok(view) => {
                chosen.set(view.preselected_ids());
                found.set(Some(view));
            }
            Err(error) => page.error.set(Some(error)),
        }
    });
    let add = move |_| {
        let models = chosen.get_untracked();
        found.set(None);
        page.run(async move { add_entries(channel_id, models).await.map(|_| ()) });
    };
    view! {
        <button type="button" class=BUTTON_SMALL
            disabled=move || fetch.pending().get()
            on:click=move |_| { fetch.dispatch(()); }>
            {move || if fetch.pending().get() { t_string!(i18n, channels.fetching).to_string() } else { t_string!(i18n, channels.fetch_models).to_string() }}
        </button>
        {move || found.get().map(|cal| view! {
            <div class="w-full text-sm">
                <p>{super::add_channel::calibration_message(i18n.get_locale(), &cal)}</p>
                <super::add_channel::ModelPicker models=cal.models.clone() chosen/>
                <button type="button" class=BUTTON_PRIMARY on:click=add>{t!(i18n, channels.add_selected)}</button>
            </div>
        })}
    }
    .into_any()
}
