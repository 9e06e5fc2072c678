//! The header: the phone menu button, whether the live stream is connected, the language and
//! theme switches, and "Log out" when login is on. Both switches apply at once and are
//! remembered in cookies, so the next page the server renders already uses them; the language
//! is also saved as a setting, for the desktop tray.

use leptos::prelude::*;
use serde_json::Value;

use super::language::use_switch_language;
use super::live::use_live;
use super::theme::{ThemeChoice, use_theme};
use crate::browser::{fetch_json, go_to};
use crate::components::icons::{Icon, IconName};
use crate::i18n::{Locale, t, t_string, use_i18n};

const SELECT: &str = "rounded-md border border-slate-300 bg-white py-1 pl-2 pr-7 text-sm text-slate-800 focus-visible:outline-2 focus-visible:outline-indigo-600 dark:border-slate-700 dark:bg-slate-800 dark:text-slate-100";

#[component]
pub fn Header(menu_open: RwSignal<bool>) -> impl IntoView {
    let i18n = use_i18n();
    let live = use_live();
    view! {
        <header class="sticky top-0 z-20 flex items-center gap-3 border-b border-slate-200 bg-white/90 px-4 py-2 backdrop-blur md:px-8 dark:border-slate-800 dark:bg-slate-900/90">
            <button
                type="button"
                class="rounded-md p-2 text-slate-700 hover:bg-slate-100 focus-visible:outline-2 focus-visible:outline-indigo-600 md:hidden dark:text-slate-200 dark:hover:bg-slate-800"
                aria-controls="main-nav"
                aria-expanded=move || menu_open.get().to_string()
                aria-label=move || t_string!(i18n, shell.menu).to_string()
                on:click=move |_| menu_open.update(|open| *open = !*open)
            >
                <Icon name=IconName::Menu/>
            </button>
            <a href="/" class="flex items-center gap-2 font-semibold md:hidden">
                <img src="/favicon.svg" alt="" width="20" height="20"/>
                "API Switch"
            </a>
            <p class="ml-auto flex items-center gap-2 text-xs text-slate-600 dark:text-slate-400" role="status" id="live-status">
                <span
                    class="inline-block h-2 w-2 rounded-full"
                    class=("bg-emerald-500", move || live.connected.get())
                    class=("bg-slate-400", move || !live.connected.get())
                    aria-hidden="true"
                ></span>
                <span class="hidden sm:inline">
                    {move || if live.connected.get() {
                        t_string!(i18n, shell.live_on).to_string()
                    } else {
                        t_string!(i18n, shell.live_off).to_string()
                    }}
                </span>
            </p>
            <LanguageSwitch/>
            <ThemeSwitch/>
            <Logout/>
        </header>
    }
}

#[component]
pub fn LanguageSwitch() -> impl IntoView {
    let i18n = use_i18n();
    let switch_language = use_switch_language();
    view! {
        <label class="flex items-center gap-1 text-sm">
            <span class="sr-only">{t!(i18n, shell.language)}</span>
            <Icon name=IconName::Globe/>
            <select
                id="language-switch"
                class=SELECT
                on:change=move |ev| {
                    let locale = match event_target_value(&ev).as_str() {
                        "zh" => Locale::zh,
                        _ => Locale::en,
                    };
                    switch_language(locale);
                }
            >
                <option value="en" lang="en" selected=move || i18n.get_locale() == Locale::en>"English"</option>
                <option value="zh" lang="zh" selected=move || i18n.get_locale() == Locale::zh>"中文"</option>
            </select>
        </label>
    }
}

#[component]
pub fn ThemeSwitch() -> impl IntoView {
    let i18n = use_i18n();
    let theme = use_theme();
    let label = move |choice: ThemeChoice| match choice {
        ThemeChoice::System => t_string!(i18n, shell.theme_system).to_string(),
        ThemeChoice::Light => t_string!(i18n, shell.theme_light).to_string(),
        ThemeChoice::Dark => t_string!(i18n, shell.theme_dark).to_string(),
    };
    view! {
        <label class="flex items-center gap-1 text-sm">
            <span class="sr-only">{t!(i18n, shell.theme)}</span>
            <Icon name=IconName::Contrast/>
            <select
                id="theme-switch"
                class=SELECT
                on:change=move |ev| theme.set(ThemeChoice::parse(&event_target_value(&ev)))
            >
                {ThemeChoice::ALL.map(|choice| view! {
                    <option value=choice.as_str() selected=move || theme.choice.get() == choice>
                        {move || label(choice)}
                    </option>
                }).collect_view()}
            </select>
        </label>
    }
}

/// "Log out", shown only when this server asks for a login and the browser holds a session.
#[component]
fn Logout() -> impl IntoView {
    let i18n = use_i18n();
    let status = LocalResource::new(|| async {
        fetch_json("GET", "/api/auth/status", None)
            .await
            .ok()
            .map(|a| a.body)
    });
    let shown = move || {
        status.get().flatten().is_some_and(|body: Value| {
            body["login_required"].as_bool() == Some(true)
                && body["logged_in"].as_bool() == Some(true)
        })
    };
    let logout = Action::new_local(|_: &()| async {
        if fetch_json("POST", "/api/auth/logout", None).await.is_ok() {
            go_to("/login");
        }
    });
    view! {
        <Show when=shown>
            <button
                type="button"
                id="logout"
                class="flex items-center gap-1 rounded-md border border-slate-300 px-2 py-1 text-sm hover:bg-slate-100 focus-visible:outline-2 focus-visible:outline-indigo-600 disabled:opacity-60 dark:border-slate-700 dark:hover:bg-slate-800"
                disabled=move || logout.pending().get()
                on:click=move |_| { logout.dispatch(()); }
            >
                <Icon name=IconName::Logout/>
                {t!(i18n, shell.logout)}
            </button>
        </Show>
    }
}
