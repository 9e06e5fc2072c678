//! Settings -> Admin password, and Language and theme: the parts of Settings that save on their
//! own (the password through its own server function, language and theme at once).

use leptos::prelude::*;

use super::text::settings_text;
use crate::components::form::Field;
use crate::components::layout::Section;
use crate::components::style::{BUTTON_PRIMARY, INPUT};
use crate::components::toast::use_toasts;
use crate::errors::{ErrorText, UiError};
use crate::i18n::{Locale, t, t_string, use_i18n};
use crate::shell::language::use_switch_language;
use crate::shell::theme::{ThemeChoice, use_theme};

/// Language and theme, the same switches as in the header.
#[component]
pub(super) fn Appearance() -> impl IntoView {
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
pub(super) fn Password() -> impl IntoView {
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
