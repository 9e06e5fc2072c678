//! The Access keys screen: the keys clients present to use the proxy when "require access
//! key" is on. API Switch generates each secret and shows it once, at creation, with a copy
//! button; afterwards only a masked form is listed, with its name, switch, creation time and
//! when it was last used, and its use against its limits (`limits`), refetched as requests
//! finish. Deleting asks first.

pub mod limits;

use leptos::prelude::*;
use types::access_keys::{AccessKeyInfo, CreatedAccessKey};
use types::events::Event;

use limits::{KeyUseCell, LimitsEditor};

use crate::components::badge::{Badge, Tone};
use crate::components::confirm::ConfirmButton;
use crate::components::copy::CopyField;
use crate::components::empty::EmptyState;
use crate::components::form::{Field, Toggle};
use crate::components::layout::{PageHeader, Section};
use crate::components::style::{BUTTON_PRIMARY, BUTTON_SMALL, INPUT, MUTED, TABLE, TD, TH};
use crate::components::toast::use_toasts;
use crate::errors::{ErrorText, UiError};
use crate::i18n::{t, t_string, use_i18n};
use crate::shell::live::{is_config_change, use_live};
use crate::shell::time::use_clock;

#[server]
pub async fn list_access_keys() -> Result<Vec<AccessKeyInfo>, UiError> {
    Ok(crate::engine_call::state()?.access_key_list().await?)
}

/// Creates a key with a generated secret; the answer is the only time the secret is sent.
#[server]
pub async fn create_access_key(name: String) -> Result<CreatedAccessKey, UiError> {
    Ok(crate::engine_call::state()?
        .generate_access_key(&name)
        .await?)
}

#[server]
pub async fn set_access_key_enabled(id: i64, enabled: bool) -> Result<(), UiError> {
    Ok(crate::engine_call::state()?
        .set_access_key_enabled(id, enabled)
        .await?)
}

#[server]
pub async fn delete_access_key(id: i64) -> Result<(), UiError> {
    Ok(crate::engine_call::state()?.delete_access_key(id).await?)
}

/// Whether the proxy refuses requests without a key.
#[server]
pub async fn access_key_required() -> Result<bool, UiError> {
    Ok(crate::engine_call::state()?
        .settings()
        .await?
        .require_access_key)
}

/// Switches "require access key" alone, keeping every other setting.
#[server]
pub async fn set_access_key_required(required: bool) -> Result<(), UiError> {
    Ok(crate::engine_call::state()?
        .set_access_key_required(required)
        .await?)
}

/// What changes the list: the configuration, and each finished request (a key's use).
fn moves_key_list(event: &Event) -> bool {
    is_config_change(event) || matches!(event, Event::RequestFinished(_))
}

#[component]
pub fn AccessKeysScreen() -> impl IntoView {
    let i18n = use_i18n();
    let refresh = RwSignal::new(0u64);
    let changed = use_live().changes(is_config_change);
    let used = use_live().changes(moves_key_list);
    let keys = Resource::new(move || (refresh.get(), used.get()), |_| list_access_keys());
    // Outside the list, so a refetch while the form is open keeps what was typed.
    let editing = RwSignal::new(None::<AccessKeyInfo>);
    let required = Resource::new(
        move || (refresh.get(), changed.get()),
        |_| access_key_required(),
    );
    let created = RwSignal::new(None::<CreatedAccessKey>);
    view! {
        <PageHeader
            title=Signal::derive(move || t_string!(i18n, keys.title).to_string())
            intro=Signal::derive(move || t_string!(i18n, keys.intro).to_string())
        />
        <div class="space-y-6">
            <RequireSwitch required refresh/>
            <CreateKey created refresh/>
            <Section id="key-list" title=Signal::derive(move || t_string!(i18n, keys.list).to_string())>
                <Transition fallback=move || view! { <p class=MUTED>{t!(i18n, common.loading)}</p> }>
                    {move || keys.get().map(|result| match result {
                        Err(error) => view! { <ErrorText error=Some(error)/> }.into_any(),
                        Ok(list) if list.is_empty() => view! {
                            <EmptyState
                                title=Signal::derive(move || t_string!(i18n, keys.none).to_string())
                                hint=Signal::derive(move || t_string!(i18n, keys.none_hint).to_string())
                            />
                        }.into_any(),
                        Ok(list) => view! { <KeyTable list refresh editing/> }.into_any(),
                    })}
                </Transition>
            </Section>
            {move || editing.get().map(|key| view! { <LimitsEditor key editing refresh/> })}
        </div>
    }
}

/// The "require access key" switch, saved as soon as it flips.
#[component]
fn RequireSwitch(
    required: Resource<Result<bool, UiError>>,
    refresh: RwSignal<u64>,
) -> impl IntoView {
    let i18n = use_i18n();
    let toasts = use_toasts();
    let flip = Action::new_local(move |on: &bool| {
        let on = *on;
        async move {
            let result = set_access_key_required(on).await;
            toasts.report(&result, t_string!(i18n, settings.saved).to_string());
            refresh.update(|n| *n += 1);
        }
    });
    view! {
        <Section id="require" title=Signal::derive(move || t_string!(i18n, keys.require_title).to_string())>
            <Transition fallback=|| ()>
                <Toggle
                    id="require-access-key"
                    label=Signal::derive(move || t_string!(i18n, settings.require_key).to_string())
                    hint=Signal::derive(move || t_string!(i18n, settings.require_key_hint).to_string())
                    checked=Signal::derive(move || required.get().and_then(Result::ok).unwrap_or(false))
                    disabled=flip.pending()
                    on_change=move |on| { flip.dispatch(on); }
                />
            </Transition>
        </Section>
    }
}

/// Name a new key, create it, and see its secret once.
#[component]
fn CreateKey(created: RwSignal<Option<CreatedAccessKey>>, refresh: RwSignal<u64>) -> impl IntoView {
    let i18n = use_i18n();
    let toasts = use_toasts();
    let name = RwSignal::new(String::new());
    let error = RwSignal::new(None::<UiError>);
    let create = Action::new_local(move |_: &()| {
        let given = name.get_untracked();
        async move {
            let result = create_access_key(given).await;
            match result {
                Ok(key) => {
                    toasts.success(t_string!(i18n, keys.created_toast).to_string());
                    name.set(String::new());
                    created.set(Some(key));
                    error.set(None);
                }
                Err(e) => error.set(Some(e)),
            }
            refresh.update(|n| *n += 1);
        }
    });
    view! {
        <Section id="create-key" title=Signal::derive(move || t_string!(i18n, keys.create_title).to_string())>
            <form class="flex flex-wrap items-end gap-3" on:submit=move |ev| { ev.prevent_default(); create.dispatch(()); }>
                <div class="min-w-56 flex-1">
                    <Field id="key-name" label=Signal::derive(move || t_string!(i18n, keys.name).to_string())
                        hint=Signal::derive(move || t_string!(i18n, keys.name_hint).to_string())>
                        <input id="key-name" class=INPUT required aria-describedby="key-name-hint"
                            placeholder=move || t_string!(i18n, keys.name_placeholder).to_string()
                            prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev))/>
                    </Field>
                </div>
                <button type="submit" id="create-key-button" class=format!("{BUTTON_PRIMARY} mb-5") disabled=move || create.pending().get()>
                    {move || if create.pending().get() { t_string!(i18n, keys.creating).to_string() } else { t_string!(i18n, keys.create).to_string() }}
                </button>
            </form>
            <ErrorText error/>
            {move || created.get().map(|key| {
                let secret = key.key.clone();
                view! {
                    <div id="new-key" class="mt-4 rounded-md border border-amber-300 bg-amber-50 p-4 dark:border-amber-800 dark:bg-amber-950">
                        <p class="mb-2 text-sm font-medium text-amber-950 dark:text-amber-100">
                            {move || { let name = key.name.clone(); t_string!(i18n, keys.shown_once, name).to_string() }}
                        </p>
                        <CopyField id="new-key-secret" value=secret
                            what=Signal::derive(move || t_string!(i18n, keys.the_key).to_string())/>
                        <button type="button" class=format!("{BUTTON_SMALL} mt-3") on:click=move |_| created.set(None)>
                            {t!(i18n, keys.done)}
                        </button>
                    </div>
                }
            })}
        </Section>
    }
}

#[component]
fn KeyTable(
    list: Vec<AccessKeyInfo>,
    refresh: RwSignal<u64>,
    editing: RwSignal<Option<AccessKeyInfo>>,
) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <div class="overflow-x-auto" tabindex="0">
            <table class=TABLE id="keys-table">
                <thead><tr>
                    <th scope="col" class=TH>{t!(i18n, keys.col_name)}</th>
                    <th scope="col" class=TH>{t!(i18n, keys.col_key)}</th>
                    <th scope="col" class=TH>{t!(i18n, keys.col_state)}</th>
                    <th scope="col" class=TH>{t!(i18n, keys.col_created)}</th>
                    <th scope="col" class=TH>{t!(i18n, keys.col_last_used)}</th>
                    <th scope="col" class=TH>{t!(i18n, keys.col_limits)}</th>
                    <th scope="col" class=TH><span class="sr-only">{t!(i18n, common.actions)}</span></th>
                </tr></thead>
                <tbody class="divide-y divide-slate-100 dark:divide-slate-800">
                    {list.into_iter().map(|key| view! { <KeyRow key refresh editing/> }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

#[component]
fn KeyRow(
    key: AccessKeyInfo,
    refresh: RwSignal<u64>,
    editing: RwSignal<Option<AccessKeyInfo>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let clock = use_clock();
    let toasts = use_toasts();
    let id = key.id;
    let enabled = key.enabled;
    let toggle = Action::new_local(move |_: &()| async move {
        let result = set_access_key_enabled(id, !enabled).await;
        if let Err(error) = &result {
            toasts.error(error);
        }
        refresh.update(|n| *n += 1);
    });
    let delete = Action::new_local(move |_: &()| async move {
        let result = delete_access_key(id).await;
        toasts.report(&result, t_string!(i18n, keys.deleted).to_string());
        refresh.update(|n| *n += 1);
    });
    let name = key.name.clone();
    let created = key.created_ms;
    let last_used = key.last_used_ms;
    let for_editor = key.clone();
    let for_cell = key.clone();
    let limits_name = key.name.clone();
    view! {
        <tr data-key=id>
            <td class=format!("{TD} font-medium") translate="no">{key.name.clone()}</td>
            <td class=format!("{TD} font-mono text-xs")>{key.masked.clone()}</td>
            <td class=TD>
                {move || if enabled {
                    view! { <Badge tone=Tone::Good text=t_string!(i18n, common.enabled).to_string()/> }.into_any()
                } else {
                    view! { <Badge tone=Tone::Neutral text=t_string!(i18n, common.disabled).to_string()/> }.into_any()
                }}
            </td>
            <td class=format!("{TD} whitespace-nowrap")>{move || clock.format(created)}</td>
            <td class=format!("{TD} whitespace-nowrap")>
                {move || match last_used {
                    Some(ms) => clock.format(ms),
                    None => t_string!(i18n, common.never).to_string(),
                }}
            </td>
            <td class=TD><KeyUseCell key=for_cell/></td>
            <td class=TD>
                <div class="flex justify-end gap-2">
                    <button type="button" class=BUTTON_SMALL data-action="limits"
                        aria-label=move || { let name = limits_name.clone(); t_string!(i18n, keys.limits_title, name).to_string() }
                        on:click=move |_| editing.set(Some(for_editor.clone()))>
                        {t!(i18n, keys.edit_limits)}
                    </button>
                    <button type="button" class=BUTTON_SMALL disabled=move || toggle.pending().get()
                        on:click=move |_| { toggle.dispatch(()); }>
                        {move || if enabled { t_string!(i18n, common.disable).to_string() } else { t_string!(i18n, common.enable).to_string() }}
                    </button>
                    <ConfirmButton
                        label=Signal::derive(move || t_string!(i18n, common.delete).to_string())
                        question=Signal::derive(move || { let name = name.clone(); t_string!(i18n, keys.delete_question, name).to_string() })
                        confirm_label=Signal::derive(move || t_string!(i18n, common.delete).to_string())
                        pending=delete.pending()
                        on_confirm=move || { delete.dispatch(()); }
                    />
                </div>
            </td>
        </tr>
    }
}
