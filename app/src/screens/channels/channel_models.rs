//! Fetching the models of an existing channel again (with its stored key, which never leaves
//! the server), its attempts shown live, and turning picked ones into entries. Models that are
//! already entries and recent releases come pre-selected.

use leptos::prelude::*;

use types::calibration::AttemptReport;

use super::PageContext;
use super::add_channel::{AttemptList, CalibrationView, ModelPicker, new_run_id, watch_attempts};
use crate::components::style::{BUTTON_PRIMARY, BUTTON_SMALL};
use crate::errors::UiError;
use crate::i18n::{t, use_i18n};

/// Calibrates the channel's own URL and key, stores the fetched list on the channel and
/// returns it with pre-selection (existing entries and recent releases ticked).
#[server]
pub async fn fetch_channel_models(
    channel_id: i64,
    #[server(default)] run: String,
) -> Result<CalibrationView, UiError> {
    let config = crate::engine_call::state()?.full_config().await?;
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
    // One key, not the pool's text: a pool of several keys is not a key.
    let key = channel.first_key().into();
    let request = engine::discovery::ProbeRequest {
        base_url: channel.base_url,
        key,
        api_type: Some(channel.api_type),
    };
    let view = super::add_channel::ssr::calibration_view(&request, &existing, &run).await?;
    if view.usable && !view.models.is_empty() {
        let ids: Vec<String> = view.models.iter().map(|m| m.id.clone()).collect();
        crate::engine_call::state()?
            .set_channel_models(channel_id, &ids)
            .await?;
    }
    Ok(view)
}

/// Makes each picked model an entry of the channel, skipping models that already are.
#[server(input = leptos::server_fn::codec::Json)]
pub async fn add_entries(channel_id: i64, models: Vec<String>) -> Result<usize, UiError> {
    Ok(crate::engine_call::state()?
        .add_entries(channel_id, &models)
        .await?)
}

/// "Re-fetch models" for one channel, started when the panel opens: the attempts live, then
/// the fetched list with check boxes and "Add selected".
#[component]
pub fn RefetchPanel(channel_id: i64, on_close: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let page = expect_context::<PageContext>();
    let found = RwSignal::new(None::<CalibrationView>);
    let chosen = RwSignal::new(Vec::<String>::new());
    let run = RwSignal::new(None::<String>);
    let attempts = RwSignal::new(Vec::<AttemptReport>::new());
    watch_attempts(run, attempts);
    let fetch = Action::new_local(move |_: &()| {
        let id = new_run_id();
        run.set(Some(id.clone()));
        attempts.set(Vec::new());
        found.set(None);
        async move {
            match fetch_channel_models(channel_id, id).await {
                Ok(view) => {
                    chosen.set(view.preselected_ids());
                    attempts.set(view.attempts.clone());
                    found.set(Some(view));
                }
                Err(error) => page.error.set(Some(error)),
            }
            run.set(None);
        }
    });
    // The panel opens on a click, so this runs in the browser, once.
    Effect::new(move |started: Option<()>| {
        if started.is_none() {
            fetch.dispatch(());
        }
    });
    let add = move |_| {
        let models = chosen.get_untracked();
        on_close.run(());
        page.run(async move { add_entries(channel_id, models).await.map(|_| ()) });
    };
    view! {
        <div class="text-sm" data-refetch=channel_id>
            <AttemptList attempts running=Signal::derive(move || fetch.pending().get())/>
            {move || found.get().map(|cal| view! {
                <p class="mt-3 font-medium">{super::add_channel::calibration_message(i18n.get_locale(), &cal)}</p>
                <ModelPicker models=cal.models.clone() chosen/>
                <div class="mt-3 flex gap-2">
                    <button type="button" class=BUTTON_PRIMARY on:click=add>{t!(i18n, channels.add_selected)}</button>
                    <button type="button" class=BUTTON_SMALL on:click=move |_| on_close.run(())>{t!(i18n, common.cancel)}</button>
                </div>
            })}
        </div>
    }
    .into_any()
}
