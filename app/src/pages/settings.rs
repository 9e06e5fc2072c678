//! The settings page: cooldown, auto-disable statuses, access-key requirement, timeouts. The
//! engine checks every range and the error names each field that is out of range.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// The settings as the form edits them (the engine's `Settings`, field for field).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SettingsForm {
    pub cooldown_secs: u64,
    pub auto_disable_codes: Vec<u16>,
    pub require_access_key: bool,
    pub connect_timeout_ms: u64,
    pub first_byte_timeout_ms: u64,
    pub stream_idle_timeout_ms: u64,
    pub total_timeout_ms: u64,
    pub max_body_bytes: usize,
}

#[server]
pub async fn get_settings() -> Result<SettingsForm, ServerFnError> {
    let state = expect_context::<engine::AppState>();
    let s = state.store().settings()?;
    Ok(SettingsForm {
        cooldown_secs: s.cooldown_secs,
        auto_disable_codes: s.auto_disable_codes,
        require_access_key: s.require_access_key,
        connect_timeout_ms: s.connect_timeout_ms,
        first_byte_timeout_ms: s.first_byte_timeout_ms,
        stream_idle_timeout_ms: s.stream_idle_timeout_ms,
        total_timeout_ms: s.total_timeout_ms,
        max_body_bytes: s.max_body_bytes,
    })
}

#[server(input = leptos::server_fn::codec::Json)]
pub async fn update_settings(form: SettingsForm) -> Result<(), ServerFnError> {
    let state = expect_context::<engine::AppState>();
    Ok(state.update_settings(&engine::store::Settings {
        cooldown_secs: form.cooldown_secs,
        auto_disable_codes: form.auto_disable_codes,
        require_access_key: form.require_access_key,
        connect_timeout_ms: form.connect_timeout_ms,
        first_byte_timeout_ms: form.first_byte_timeout_ms,
        stream_idle_timeout_ms: form.stream_idle_timeout_ms,
        total_timeout_ms: form.total_timeout_ms,
        max_body_bytes: form.max_body_bytes,
        // Settings this form does not show keep their values.
        ..state.snapshot().settings.clone()
    })?)
}

/// An access key as listed: its name and a masked value.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AccessKeyRow {
    pub id: i64,
    pub name: String,
    pub masked: String,
}

#[server]
pub async fn list_access_keys() -> Result<Vec<AccessKeyRow>, ServerFnError> {
    let state = expect_context::<engine::AppState>();
    Ok(state
        .store()
        .access_keys()?
        .into_iter()
        .map(|k| AccessKeyRow {
            id: k.id,
            masked: engine::config::mask(&k.key),
            name: k.name,
        })
        .collect())
}

/// Creates a key clients present when `require_access_key` is on; the user chose its value.
#[server]
pub async fn create_access_key(name: String, key: String) -> Result<i64, ServerFnError> {
    let state = expect_context::<engine::AppState>();
    Ok(state.create_access_key(&name, &key)?)
}

#[server]
pub async fn delete_access_key(id: i64) -> Result<(), ServerFnError> {
    let state = expect_context::<engine::AppState>();
    Ok(state.delete_access_key(id)?)
}

/// A number field bound to one part of the form.
#[component]
fn NumberField(
    label: &'static str,
    form: RwSignal<SettingsForm>,
    get: fn(&SettingsForm) -> u64,
    set: fn(&mut SettingsForm, u64),
) -> impl IntoView {
    view! {
        <label class="block text-sm">{label}" "
            <input type="number" class="rounded border px-2 py-0.5"
                prop:value=move || form.with(get).to_string()
                on:input=move |ev| {
                    if let Ok(n) = event_target_value(&ev).parse() { form.update(|f| set(f, n)) }
                }/>
        </label>
    }
    .into_any()
}

#[component]
pub fn SettingsPage() -> impl IntoView {
    let form = RwSignal::new(SettingsForm::default());
    let message = RwSignal::new(None::<String>);
    let loaded = Resource::new(|| (), |_| get_settings());
    Effect::new(move || {
        if let Some(Ok(settings)) = loaded.get() {
            form.set(settings);
        }
    });
    let save = Action::new(move |_: &()| {
        let current = form.get_untracked();
        async move {
            message.set(Some(match update_settings(current).await {
                Ok(()) => "Saved.".to_owned(),
                Err(error) => error.to_string(),
            }));
        }
    });
    let codes = move || {
        form.with(|f| {
            f.auto_disable_codes
                .iter()
                .map(u16::to_string)
                .collect::<Vec<_>>()
                .join(",")
        })
    };
    view! {
        <h1 class="mb-6 text-2xl font-semibold">"Settings"</h1>
        <section class="max-w-xl space-y-2 rounded-lg border border-slate-200 bg-white p-6">
            <NumberField label="Cooldown (s, 300-1800)" form get=|f| f.cooldown_secs set=|f, n| f.cooldown_secs = n/>
            <label class="block text-sm">"Auto-disable statuses "
                <input class="rounded border px-2 py-0.5" prop:value=codes
                    on:change=move |ev| form.update(|f| f.auto_disable_codes = event_target_value(&ev)
                        .split(',').filter_map(|c| c.trim().parse().ok()).collect())/>
            </label>
            <label class="block text-sm">
                <input type="checkbox" prop:checked=move || form.with(|f| f.require_access_key)
                    on:change=move |ev| form.update(|f| f.require_access_key = event_target_checked(&ev))/>
                " Require an access key"
            </label>
            <NumberField label="Connect timeout (ms)" form get=|f| f.connect_timeout_ms set=|f, n| f.connect_timeout_ms = n/>
            <NumberField label="First byte timeout (ms)" form get=|f| f.first_byte_timeout_ms set=|f, n| f.first_byte_timeout_ms = n/>
            <NumberField label="Stream idle timeout (ms)" form get=|f| f.stream_idle_timeout_ms set=|f, n| f.stream_idle_timeout_ms = n/>
            <NumberField label="Total timeout (ms)" form get=|f| f.total_timeout_ms set=|f, n| f.total_timeout_ms = n/>
            <button id="save-settings" class="rounded bg-slate-900 px-4 py-2 text-white" on:click=move |_| { save.dispatch(()); }>"Save"</button>
            {move || message.get().map(|m| view! { <p id="settings-message" class="text-sm">{m}</p> })}
        </section>
        <AccessKeys/>
    }
    .into_any()
}

/// The access keys clients may present: list, create, delete.
#[component]
fn AccessKeys() -> impl IntoView {
    let refresh = RwSignal::new(0u64);
    let keys = Resource::new(move || refresh.get(), |_| list_access_keys());
    let name = RwSignal::new(String::new());
    let key = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let after = move |result: Result<(), ServerFnError>| {
        error.set(result.err().map(|e| e.to_string()));
        refresh.update(|v| *v += 1);
    };
    view! {
        <section class="mt-6 max-w-xl space-y-2 rounded-lg border border-slate-200 bg-white p-6">
            <h2 class="font-semibold">"Access keys"</h2>
            <Transition fallback=|| ()>
                <ul>{move || keys.get().and_then(Result::ok).map(|rows| rows.into_iter().map(|row| {
                    let id = row.id;
                    view! {
                        <li class="text-sm">{format!("{} {} ", row.name, row.masked)}
                            <button class="text-xs underline" on:click=move |_| {
                                leptos::task::spawn_local(async move { after(delete_access_key(id).await) });
                            }>"Delete"</button>
                        </li>
                    }
                }).collect_view())}</ul>
            </Transition>
            <input class="rounded border px-2 py-0.5 text-sm" placeholder="name" prop:value=move || name.get()
                on:input=move |ev| name.set(event_target_value(&ev))/>
            <input class="rounded border px-2 py-0.5 text-sm" placeholder="key" prop:value=move || key.get()
                on:input=move |ev| key.set(event_target_value(&ev))/>
            <button class="rounded bg-slate-900 px-3 py-1 text-sm text-white" on:click=move |_| {
                let (n, k) = (name.get_untracked(), key.get_untracked());
                leptos::task::spawn_local(async move {
                    after(create_access_key(n, k).await.map(|_| ()));
                });
            }>"Create"</button>
            {move || error.get().map(|e| view! { <p class="text-sm text-red-600">{e}</p> })}
        </section>
    }
    .into_any()
}
