//! The Settings screen: how failover behaves (cooldown, auto-disable statuses, the error
//! rules that read what an upstream's error says), timeouts and
//! the body limit, who may use the proxy and the UI (access keys, login, allowed hosts, the
//! admin password), how long the request log is kept, language and theme. The settings travel
//! as the engine's own `Settings` serialised to JSON, so this form never re-declares them; the
//! engine checks every range and its typed error names each field.

use leptos::prelude::*;
use serde_json::{Value, json};

use crate::components::form::{Field, Toggle};
use crate::components::layout::{PageHeader, Section};
use crate::components::style::{BUTTON_PRIMARY, BUTTON_SECONDARY, BUTTON_SMALL, INPUT, MUTED};
use crate::components::toast::use_toasts;
use crate::errors::{ErrorText, UiError};
use crate::i18n::{Locale, t, t_string, use_i18n};
use crate::shell::language::use_switch_language;
use crate::shell::theme::{ThemeChoice, use_theme};

/// The stored settings (the engine's `Settings` as JSON) and where this server listens.
#[server]
pub async fn get_settings() -> Result<Value, UiError> {
    let settings = crate::engine_call::blocking(|state| state.store().settings()).await?;
    serde_json::to_value(settings).map_err(|e| UiError::Internal {
        detail: e.to_string(),
    })
}

/// Saves the form: fields it does not carry keep their stored values.
#[server(input = leptos::server_fn::codec::Json)]
pub async fn update_settings(form: Value) -> Result<(), UiError> {
    crate::engine_call::blocking(move |state| {
        let mut merged = serde_json::to_value(state.store().settings()?).unwrap_or_default();
        if let (Some(stored), Value::Object(mut given)) = (merged.as_object_mut(), form) {
            // The language menus save the language as it changes; this form's copy is older.
            given.remove("ui_language");
            stored.extend(given);
        }
        let settings: engine::store::Settings =
            serde_json::from_value(merged).map_err(|e| UiError::InvalidField {
                field: "settings".into(),
                detail: e.to_string(),
            })?;
        state.update_settings(&settings).map_err(UiError::from)
    })
    .await
}

/// The address this server was started on (`--listen`), for the "applies after restart" note.
#[server]
pub async fn listen_address() -> Result<String, UiError> {
    let options = use_context::<LeptosOptions>();
    Ok(options.map(|o| o.site_addr.to_string()).unwrap_or_default())
}

/// A whole number in the form, read from and written to `key`.
#[component]
fn NumberInput(
    form: RwSignal<Value>,
    key: &'static str,
    id: &'static str,
    #[prop(default = 1)] scale: u64,
    #[prop(default = 0)] min: u64,
) -> impl IntoView {
    view! {
        <input id=id type="number" min=min inputmode="numeric" class=format!("{INPUT} max-w-48")
            prop:value=move || form.with(|f| (f[key].as_u64().unwrap_or(0) / scale).to_string())
            on:input=move |ev| {
                if let Ok(n) = event_target_value(&ev).trim().parse::<u64>() {
                    form.update(|f| f[key] = json!(n * scale));
                }
            }/>
    }
}

#[component]
pub fn SettingsScreen() -> impl IntoView {
    let i18n = use_i18n();
    let toasts = use_toasts();
    let form = RwSignal::new(Value::Null);
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
    let flag = move |key: &'static str| {
        Signal::derive(move || form.with(|f| f[key].as_bool().unwrap_or(false)))
    };
    let set_flag = move |key: &'static str| move |on: bool| form.update(|f| f[key] = json!(on));
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
                                prop:value=move || form.with(|f| f["cooldown_secs"].as_u64().unwrap_or(600).to_string())
                                on:input=move |ev| {
                                    if let Ok(n) = event_target_value(&ev).parse::<u64>() {
                                        form.update(|f| f["cooldown_secs"] = json!(n));
                                    }
                                }/>
                            <output for="cooldown" id="cooldown-value" class="w-24 text-sm tabular-nums">
                                {move || {
                                    let secs = form.with(|f| f["cooldown_secs"].as_u64().unwrap_or(600));
                                    let minutes = format!("{:.1}", secs as f64 / 60.0);
                                    t_string!(i18n, settings.cooldown_value, secs, minutes).to_string()
                                }}
                            </output>
                        </div>
                    </Field>
                    <Field id="auto-disable" label=text("auto_disable") hint=text("auto_disable_hint")>
                        <input id="auto-disable" class=format!("{INPUT} max-w-md") aria-describedby="auto-disable-hint"
                            prop:value=move || form.with(|f| f["auto_disable_codes"].as_array().map(|codes| codes.iter()
                                .filter_map(Value::as_u64).map(|c| c.to_string()).collect::<Vec<_>>().join(", ")).unwrap_or_default())
                            on:change=move |ev| {
                                let codes: Vec<u64> = event_target_value(&ev).split([',', ' '])
                                    .filter_map(|c| c.trim().parse().ok()).collect();
                                form.update(|f| f["auto_disable_codes"] = json!(codes));
                            }/>
                    </Field>
                </div>
            </Section>
            <Section id="error-rules" title=text("rules") intro=text("rules_intro")>
                <ErrorRules form/>
            </Section>
            <Section id="timeouts" title=text("timeouts") intro=text("timeouts_intro")>
                <div class="grid gap-5 sm:grid-cols-2">
                    <Field id="connect-timeout" label=text("connect_timeout")><NumberInput form key="connect_timeout_ms" id="connect-timeout" scale=1000 min=1/></Field>
                    <Field id="first-byte-timeout" label=text("first_byte_timeout")><NumberInput form key="first_byte_timeout_ms" id="first-byte-timeout" scale=1000 min=1/></Field>
                    <Field id="idle-timeout" label=text("idle_timeout")><NumberInput form key="stream_idle_timeout_ms" id="idle-timeout" scale=1000 min=1/></Field>
                    <Field id="total-timeout" label=text("total_timeout")><NumberInput form key="total_timeout_ms" id="total-timeout" scale=1000 min=1/></Field>
                    <Field id="body-limit" label=text("body_limit")><NumberInput form key="max_body_bytes" id="body-limit" scale=1_048_576 min=1/></Field>
                </div>
            </Section>
            <Section id="access" title=text("access") intro=text("access_intro")>
                <div class="space-y-5">
                    <Toggle id="require-key" label=text("require_key") hint=text("require_key_hint")
                        checked=flag("require_access_key") on_change=set_flag("require_access_key")/>
                    <Toggle id="login-loopback" label=text("login_loopback") hint=text("login_loopback_hint")
                        checked=flag("login_on_loopback") on_change=set_flag("login_on_loopback")/>
                    <Field id="allowed-hosts" label=text("allowed_hosts") hint=text("allowed_hosts_hint")>
                        <textarea id="allowed-hosts" rows="3" class=format!("{INPUT} max-w-md font-mono") aria-describedby="allowed-hosts-hint"
                            prop:value=move || form.with(|f| f["allowed_hosts"].as_array().map(|hosts| hosts.iter()
                                .filter_map(Value::as_str).collect::<Vec<_>>().join("\n")).unwrap_or_default())
                            on:change=move |ev| {
                                let hosts: Vec<String> = event_target_value(&ev).lines().map(str::trim)
                                    .filter(|h| !h.is_empty()).map(str::to_owned).collect();
                                form.update(|f| f["allowed_hosts"] = json!(hosts));
                            }></textarea>
                    </Field>
                </div>
            </Section>
            <Section id="retention" title=text("retention") intro=text("retention_intro")>
                <div class="grid gap-5 sm:grid-cols-2">
                    <Field id="retention-days" label=text("retention_days") hint=text("zero_no_limit")><NumberInput form key="log_retention_days" id="retention-days"/></Field>
                    <Field id="retention-rows" label=text("retention_rows") hint=text("zero_no_limit")><NumberInput form key="log_retention_rows" id="retention-rows"/></Field>
                </div>
            </Section>
            <Section id="network" title=text("network")>
                <dl class="grid grid-cols-[max-content_1fr] gap-x-6 gap-y-2 text-sm">
                    <dt class=MUTED>{t!(i18n, settings.listen)}</dt>
                    <dd class="font-mono" id="listen-address">{move || listen.get().and_then(Result::ok).unwrap_or_default()}</dd>
                </dl>
                <p class=format!("mt-2 text-sm {MUTED}")>{t!(i18n, settings.listen_hint)}</p>
            </Section>
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
            <Password/>
            <Appearance/>
        </div>
    }
    .into_any()
}

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
fn ErrorRules(form: RwSignal<Value>) -> impl IntoView {
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

/// Language and theme, the same switches as in the header.
#[component]
fn Appearance() -> impl IntoView {
    let i18n = use_i18n();
    let theme = use_theme();
    let switch_language = use_switch_language();
    let text =
        move |key: &'static str| Signal::derive(move || settings_text(i18n.get_locale(), key));
    view! {
        <Section id="appearance" title=text("appearance")>
            <div class="grid gap-5 sm:grid-cols-2">
                <Field id="settings-language" label=text("language")>
                    <select id="settings-language" class=format!("{INPUT} max-w-48") on:change=move |ev| {
                        switch_language(if event_target_value(&ev) == "zh" { Locale::zh } else { Locale::en });
                    }>
                        <option value="en" lang="en" selected=move || i18n.get_locale() == Locale::en>"English"</option>
                        <option value="zh" lang="zh" selected=move || i18n.get_locale() == Locale::zh>"中文"</option>
                    </select>
                </Field>
                <Field id="settings-theme" label=text("theme")>
                    <select id="settings-theme" class=format!("{INPUT} max-w-48")
                        on:change=move |ev| theme.set(ThemeChoice::parse(&event_target_value(&ev)))>
                        {ThemeChoice::ALL.map(|choice| view! {
                            <option value=choice.as_str() selected=move || theme.choice.get() == choice>
                                {move || match choice {
                                    ThemeChoice::System => t_string!(i18n, shell.theme_system).to_string(),
                                    ThemeChoice::Light => t_string!(i18n, shell.theme_light).to_string(),
                                    ThemeChoice::Dark => t_string!(i18n, shell.theme_dark).to_string(),
                                }}
                            </option>
                        }).collect_view()}
                    </select>
                </Field>
            </div>
        </Section>
    }
}

/// The admin password (needed to use the UI from another machine, or on this one when
/// "login on loopback" is on).
#[component]
fn Password() -> impl IntoView {
    let i18n = use_i18n();
    let toasts = use_toasts();
    let text =
        move |key: &'static str| Signal::derive(move || settings_text(i18n.get_locale(), key));
    let current = RwSignal::new(String::new());
    let new = RwSignal::new(String::new());
    let repeat = RwSignal::new(String::new());
    let error = RwSignal::new(None::<UiError>);
    let save = Action::new_local(move |_: &()| {
        let (old, new_value) = (current.get_untracked(), new.get_untracked());
        async move {
            let result = set_admin_password(old, new_value).await;
            toasts.report(
                &result,
                t_string!(i18n, settings.password_saved).to_string(),
            );
            if result.is_ok() {
                current.set(String::new());
                new.set(String::new());
                repeat.set(String::new());
            }
            error.set(result.err());
        }
    });
    let mismatch = move || !repeat.get().is_empty() && repeat.get() != new.get();
    view! {
        <Section id="password" title=text("password") intro=text("password_intro")>
            <form class="grid gap-5 sm:grid-cols-3" on:submit=move |ev| {
                ev.prevent_default();
                if !mismatch() && !new.get_untracked().is_empty() { save.dispatch(()); }
            }>
                <Field id="password-current" label=text("password_current") hint=text("password_current_hint")>
                    <input id="password-current" type="password" autocomplete="current-password" class=INPUT
                        prop:value=move || current.get() on:input=move |ev| current.set(event_target_value(&ev))/>
                </Field>
                <Field id="password-new" label=text("password_new")>
                    <input id="password-new" type="password" autocomplete="new-password" minlength="8" class=INPUT
                        prop:value=move || new.get() on:input=move |ev| new.set(event_target_value(&ev))/>
                </Field>
                <Field id="password-repeat" label=text("password_repeat")>
                    <input id="password-repeat" type="password" autocomplete="new-password" class=INPUT
                        aria-invalid=move || mismatch().to_string()
                        prop:value=move || repeat.get() on:input=move |ev| repeat.set(event_target_value(&ev))/>
                </Field>
                <div class="sm:col-span-3 flex flex-wrap items-center gap-3">
                    <button type="submit" id="save-password" class=BUTTON_PRIMARY disabled=move || save.pending().get() || mismatch()>
                        {move || if save.pending().get() { t_string!(i18n, common.saving).to_string() } else { t_string!(i18n, settings.password_save).to_string() }}
                    </button>
                    <Show when=mismatch>
                        <p role="alert" class="text-sm text-red-700 dark:text-red-300">{t!(i18n, settings.password_mismatch)}</p>
                    </Show>
                    <ErrorText error/>
                </div>
            </form>
        </Section>
    }
}

/// Sets (first time) or changes the admin password.
#[server]
pub async fn set_admin_password(current: String, new: String) -> Result<(), UiError> {
    // Throttled like the login; the answer's status says why it failed (401, 429, 400).
    crate::admin_password::change(current, new).await
}

/// The Settings texts by key (one place, so the form's many labels stay readable).
fn settings_text(locale: Locale, key: &str) -> String {
    use crate::i18n::td_string;
    let text = match key {
        "title" => td_string!(locale, settings.title),
        "intro" => td_string!(locale, settings.intro),
        "failover" => td_string!(locale, settings.failover),
        "failover_intro" => td_string!(locale, settings.failover_intro),
        "cooldown" => td_string!(locale, settings.cooldown),
        "cooldown_hint" => td_string!(locale, settings.cooldown_hint),
        "auto_disable" => td_string!(locale, settings.auto_disable),
        "auto_disable_hint" => td_string!(locale, settings.auto_disable_hint),
        "timeouts" => td_string!(locale, settings.timeouts),
        "timeouts_intro" => td_string!(locale, settings.timeouts_intro),
        "connect_timeout" => td_string!(locale, settings.connect_timeout),
        "first_byte_timeout" => td_string!(locale, settings.first_byte_timeout),
        "idle_timeout" => td_string!(locale, settings.idle_timeout),
        "total_timeout" => td_string!(locale, settings.total_timeout),
        "body_limit" => td_string!(locale, settings.body_limit),
        "access" => td_string!(locale, settings.access),
        "access_intro" => td_string!(locale, settings.access_intro),
        "require_key" => td_string!(locale, settings.require_key),
        "require_key_hint" => td_string!(locale, settings.require_key_hint),
        "login_loopback" => td_string!(locale, settings.login_loopback),
        "login_loopback_hint" => td_string!(locale, settings.login_loopback_hint),
        "allowed_hosts" => td_string!(locale, settings.allowed_hosts),
        "allowed_hosts_hint" => td_string!(locale, settings.allowed_hosts_hint),
        "retention" => td_string!(locale, settings.retention),
        "retention_intro" => td_string!(locale, settings.retention_intro),
        "retention_days" => td_string!(locale, settings.retention_days),
        "retention_rows" => td_string!(locale, settings.retention_rows),
        "zero_no_limit" => td_string!(locale, settings.zero_no_limit),
        "network" => td_string!(locale, settings.network),
        "rules" => td_string!(locale, settings.rules),
        "rules_intro" => td_string!(locale, settings.rules_intro),
        "rule_status" => td_string!(locale, settings.rule_status),
        "rule_phrase" => td_string!(locale, settings.rule_phrase),
        "rule_action" => td_string!(locale, settings.rule_action),
        "rule_freeze_hours" => td_string!(locale, settings.rule_freeze_hours),
        "rule_controls" => td_string!(locale, settings.rule_controls),
        "rule_up" => td_string!(locale, settings.rule_up),
        "rule_down" => td_string!(locale, settings.rule_down),
        "rule_remove" => td_string!(locale, settings.rule_remove),
        "rule_add" => td_string!(locale, settings.rule_add),
        "rules_defaults" => td_string!(locale, settings.rules_defaults),
        "password" => td_string!(locale, settings.password),
        "password_intro" => td_string!(locale, settings.password_intro),
        "password_current" => td_string!(locale, settings.password_current),
        "password_current_hint" => td_string!(locale, settings.password_current_hint),
        "password_new" => td_string!(locale, settings.password_new),
        "password_repeat" => td_string!(locale, settings.password_repeat),
        "appearance" => td_string!(locale, settings.appearance),
        "language" => td_string!(locale, shell.language),
        "theme" => td_string!(locale, shell.theme),
        _ => return key.to_owned(),
    };
    text.to_string()
}
