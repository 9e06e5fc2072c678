//! The Settings screen: how failover behaves (cooldown, auto-disable statuses, the error
//! rules that read what an upstream's error says), timeouts and the body limit, who may use
//! the proxy and the UI (access keys, login, allowed hosts, the admin password), where the
//! server listens and which browser apps and proxies it trusts (Network), how long the request
//! log is kept, the model catalog (its update from models.dev), language and theme. The form
//! edits the one `types::settings::Settings` the engine stores, loaded and saved as it is, so
//! the compiler checks every field it touches; the engine checks every range
//! (`types::settings_ranges`, also the inputs' `min`/`max` and the way they read and write
//! their field here) and its typed error names each field.

mod account;
mod catalog;
mod network;
mod rules;
mod text;

use leptos::prelude::*;
use types::settings::Settings;
use types::settings_ranges::{self as ranges, SettingRange};

use crate::components::form::{Field, Toggle};
use crate::components::layout::{PageHeader, Section};
use crate::components::style::{BUTTON_PRIMARY, INPUT, MUTED};
use crate::components::toast::use_toasts;
use crate::errors::{ErrorText, UiError};
use crate::i18n::{t, t_string, use_i18n};
pub use account::{SetAdminPassword, set_admin_password};
pub use catalog::{
    ModelCatalogStatus, ResetModelCatalog, UpdateModelCatalog, model_catalog_status,
    reset_model_catalog, update_model_catalog,
};
pub use network::{ApplyListenAddress, ListenAddress, apply_listen_address, listen_address};
use text::settings_text;

/// The stored settings.
#[server]
pub async fn get_settings() -> Result<Settings, UiError> {
    Ok(crate::engine_call::state()?.settings().await?)
}

/// Saves the form. The fields other controls save as they change keep their stored values.
#[server(input = leptos::server_fn::codec::Json)]
pub async fn update_settings(form: Settings) -> Result<(), UiError> {
    // One trip: the stored copy read and the merged settings saved together.
    Ok(crate::engine_call::state()?
        .edit_settings(move |stored| {
            *stored = keep_saved_elsewhere(form, stored.clone());
            true
        })
        .await?)
}

/// The form's settings with the fields saved by their own controls taken from `stored`: the
/// language menus save the language as it changes, and Network's Apply the listen address;
/// the form's copies are as old as the page.
pub fn keep_saved_elsewhere(form: Settings, stored: Settings) -> Settings {
    Settings {
        ui_language: stored.ui_language,
        listen_address: stored.listen_address,
        ..form
    }
}

/// A whole number in the form, read and written through `range` (its field), shown divided
/// by `scale` (milliseconds as seconds, bytes as MB), limited to the setting's range.
#[component]
fn NumberInput(
    form: RwSignal<Settings>,
    range: SettingRange,
    id: &'static str,
    #[prop(default = 1)] scale: u64,
) -> impl IntoView {
    view! {
        <input id=id type="number" min=range.min.div_ceil(scale) max=range.max / scale inputmode="numeric"
            aria-describedby=format!("{id}-hint") class=format!("{INPUT} max-w-48")
            prop:value=move || form.with(|f| ((range.get)(f) / scale).to_string())
            on:input=move |ev| {
                if let Ok(n) = event_target_value(&ev).trim().parse::<u64>() {
                    form.update(|f| (range.set)(f, n.saturating_mul(scale)));
                }
            }/>
    }
}

/// "From MIN to MAX", in the unit the input shows (`scale` stored units each).
fn range_hint(range: SettingRange, scale: u64) -> Signal<String> {
    let i18n = use_i18n();
    Signal::derive(move || {
        let (min, max) = (range.min.div_ceil(scale), range.max / scale);
        t_string!(i18n, settings.range_hint, min, max).to_string()
    })
}

#[component]
pub fn SettingsScreen() -> impl IntoView {
    let i18n = use_i18n();
    let toasts = use_toasts();
    let form = RwSignal::new(Settings::default());
    // The route is rendered whole on the server (`SsrMode::Async` in the shell), so both are
    // in the first HTML and nothing appears later to push the page down.
    let loaded = Resource::new(|| (), |_| get_settings());
    let listen = Resource::new(|| (), |_| listen_address());
    let error = RwSignal::new(None::<UiError>);
    let save = Action::new_local(move |_: &()| {
        let current = form.get_untracked();
        async move {
            let result = update_settings(current).await;
            toasts.report(&result, t_string!(i18n, settings.saved).to_string());
            error.set(result.err());
        }
    });
    let text =
        move |key: &'static str| Signal::derive(move || settings_text(i18n.get_locale(), key));
    let flag = move |read: fn(&Settings) -> bool| Signal::derive(move || form.with(read));
    let set_flag =
        move |write: fn(&mut Settings, bool)| move |on: bool| form.update(|f| write(f, on));
    view! {
        <PageHeader title=text("title") intro=text("intro")/>
        <Transition fallback=move || view! { <p class=MUTED>{t!(i18n, common.loading)}</p> }>
            {move || loaded.get().map(|result| match result {
                Err(error) => view! { <ErrorText error=Some(error)/> }.into_any(),
                Ok(settings) => {
                    form.set(settings);
                    view! {
        <form class="space-y-6" on:submit=move |ev| { ev.prevent_default(); save.dispatch(()); }>
            <Section id="failover" title=text("failover") intro=text("failover_intro")>
                <div class="space-y-5">
                    <Field id="cooldown" label=text("cooldown") hint=text("cooldown_hint")>
                        <div class="flex items-center gap-3">
                            <input id="cooldown" type="range" min="300" max="1800" step="30" class="w-full max-w-md accent-indigo-600"
                                aria-describedby="cooldown-hint"
                                prop:value=move || form.with(|f| f.cooldown_secs.to_string())
                                on:input=move |ev| {
                                    if let Ok(n) = event_target_value(&ev).parse::<u64>() {
                                        form.update(|f| f.cooldown_secs = n);
                                    }
                                }/>
                            <output for="cooldown" id="cooldown-value" class="w-24 text-sm tabular-nums">
                                {move || {
                                    let secs = form.with(|f| f.cooldown_secs);
                                    let minutes = format!("{:.1}", secs as f64 / 60.0);
                                    t_string!(i18n, settings.cooldown_value, secs, minutes).to_string()
                                }}
                            </output>
                        </div>
                    </Field>
                    <Field id="auto-disable" label=text("auto_disable") hint=text("auto_disable_hint")>
                        <input id="auto-disable" class=format!("{INPUT} max-w-md") aria-describedby="auto-disable-hint"
                            prop:value=move || form.with(|f| f.auto_disable_codes.iter()
                                .map(u16::to_string).collect::<Vec<_>>().join(", "))
                            on:change=move |ev| {
                                // A number too large for a status stays one the engine refuses.
                                let codes: Vec<u16> = event_target_value(&ev).split([',', ' '])
                                    .filter_map(|c| c.trim().parse::<u64>().ok())
                                    .map(|c| u16::try_from(c).unwrap_or(u16::MAX)).collect();
                                form.update(|f| f.auto_disable_codes = codes);
                            }/>
                    </Field>
                </div>
            </Section>
            <Section id="error-rules" title=text("rules") intro=text("rules_intro")>
                <rules::ErrorRules form/>
            </Section>
            <Section id="timeouts" title=text("timeouts") intro=text("timeouts_intro")>
                <div class="grid gap-5 sm:grid-cols-2">
                    <Field id="connect-timeout" label=text("connect_timeout") hint=range_hint(ranges::CONNECT_TIMEOUT_MS, 1000)><NumberInput form range=ranges::CONNECT_TIMEOUT_MS id="connect-timeout" scale=1000/></Field>
                    <Field id="first-byte-timeout" label=text("first_byte_timeout") hint=range_hint(ranges::FIRST_BYTE_TIMEOUT_MS, 1000)><NumberInput form range=ranges::FIRST_BYTE_TIMEOUT_MS id="first-byte-timeout" scale=1000/></Field>
                    <Field id="idle-timeout" label=text("idle_timeout") hint=range_hint(ranges::STREAM_IDLE_TIMEOUT_MS, 1000)><NumberInput form range=ranges::STREAM_IDLE_TIMEOUT_MS id="idle-timeout" scale=1000/></Field>
                    <Field id="total-timeout" label=text("total_timeout") hint=range_hint(ranges::TOTAL_TIMEOUT_MS, 1000)><NumberInput form range=ranges::TOTAL_TIMEOUT_MS id="total-timeout" scale=1000/></Field>
                    <Field id="body-limit" label=text("body_limit") hint=range_hint(ranges::MAX_BODY_BYTES, 1_048_576)><NumberInput form range=ranges::MAX_BODY_BYTES id="body-limit" scale=1_048_576/></Field>
                    <Field id="probe-interval" label=text("probe_interval") hint=range_hint(ranges::PROBE_INTERVAL_SECS, 1)><NumberInput form range=ranges::PROBE_INTERVAL_SECS id="probe-interval"/></Field>
                </div>
            </Section>
            <Section id="access" title=text("access") intro=text("access_intro")>
                <div class="space-y-5">
                    <Toggle id="require-key" label=text("require_key") hint=text("require_key_hint")
                        checked=flag(|f| f.require_access_key) on_change=set_flag(|f, on| f.require_access_key = on)/>
                    <Toggle id="login-loopback" label=text("login_loopback") hint=text("login_loopback_hint")
                        checked=flag(|f| f.login_on_loopback) on_change=set_flag(|f, on| f.login_on_loopback = on)/>
                    <Field id="session-ttl" label=text("session_ttl") hint=range_hint(ranges::SESSION_TTL_SECS, 60)><NumberInput form range=ranges::SESSION_TTL_SECS id="session-ttl" scale=60/></Field>
                    <Field id="allowed-hosts" label=text("allowed_hosts") hint=text("allowed_hosts_hint")>
                        <textarea id="allowed-hosts" rows="3" class=format!("{INPUT} max-w-md font-mono") aria-describedby="allowed-hosts-hint"
                            prop:value=move || form.with(|f| f.allowed_hosts.join("\n"))
                            on:change=move |ev| {
                                let hosts: Vec<String> = event_target_value(&ev).lines().map(str::trim)
                                    .filter(|h| !h.is_empty()).map(str::to_owned).collect();
                                form.update(|f| f.allowed_hosts = hosts);
                            }></textarea>
                    </Field>
                </div>
            </Section>
            <Section id="retention" title=text("retention") intro=text("retention_intro")>
                <div class="grid gap-5 sm:grid-cols-2">
                    <Field id="retention-days" label=text("retention_days") hint=text("zero_no_limit")><NumberInput form range=ranges::LOG_RETENTION_DAYS id="retention-days"/></Field>
                    <Field id="retention-rows" label=text("retention_rows") hint=text("zero_no_limit")><NumberInput form range=ranges::LOG_RETENTION_ROWS id="retention-rows"/></Field>
                </div>
            </Section>
            <network::Network form info=listen/>
            <div class="sticky bottom-0 -mx-4 flex items-center gap-3 border-t border-slate-200 bg-slate-50/95 px-4 py-3 backdrop-blur dark:border-slate-800 dark:bg-slate-950/95">
                <button type="submit" id="save-settings" class=BUTTON_PRIMARY disabled=move || save.pending().get()>
                    {move || if save.pending().get() { t_string!(i18n, common.saving).to_string() } else { t_string!(i18n, common.save).to_string() }}
                </button>
                <div class="flex-1"><ErrorText error/></div>
            </div>
        </form>
                    }.into_any()
                }
            })}
        </Transition>
        <div class="mt-6 space-y-6">
            <catalog::ModelCatalog/>
            <account::Password/>
            <account::Appearance/>
        </div>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use types::language::UiLanguage;
    use types::settings::Settings;

    use super::keep_saved_elsewhere;

    #[test]
    fn the_form_keeps_the_language_and_address_saved_by_their_own_controls() {
        let stored = Settings {
            ui_language: UiLanguage::Zh,
            listen_address: "127.0.0.1:9191".parse().ok(),
            ..Settings::default()
        };
        let form = Settings {
            cooldown_secs: 900,
            browser_origins: vec!["https://chat.example.com".into()],
            ..Settings::default()
        };
        let saved = keep_saved_elsewhere(form.clone(), stored.clone());
        assert_eq!(saved.ui_language, stored.ui_language);
        assert_eq!(saved.listen_address, stored.listen_address);
        assert_eq!(
            Settings {
                ui_language: form.ui_language,
                listen_address: form.listen_address,
                ..saved
            },
            form,
            "every other field is the form's"
        );
    }
}
