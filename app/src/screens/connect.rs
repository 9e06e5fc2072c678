//! The Connect apps screen: for Claude Code, Codex and OpenCode, where each app's settings
//! file is, where it points now, and one click to point it at API Switch (a backup is saved
//! beside the file first) or to restore the newest backup. The engine does the file work. A
//! browser on another computer cannot change this machine's files: it gets the same settings
//! as snippets to paste instead.

use leptos::prelude::*;
use types::connect::{AppStatus, ConnectApp, ConnectOverview, Snippet};

use crate::components::badge::{Badge, Tone};
use crate::components::copy::CopyBlock;
use crate::components::icons::{Icon, IconName};
use crate::components::layout::{PageHeader, Section};
use crate::components::style::{BUTTON_PRIMARY, BUTTON_SECONDARY, MUTED};
use crate::components::toast::use_toasts;
use crate::errors::{ErrorText, UiError};
use crate::i18n::{Locale, t, t_string, td_string, use_i18n};
use crate::shell::live::{is_config_change, use_live};
use crate::shell::origin::use_origin;

#[cfg(feature = "ssr")]
mod ssr {
    use engine::connect::Home;
    use leptos::prelude::*;

    use crate::errors::UiError;

    /// Whether the browser calling is on this machine, as the server's guard judged it (a
    /// reverse proxy's users are remote); in-process calls, which pass no guard, are local.
    pub fn browser_is_local() -> bool {
        use engine::auth::BrowserPlace;
        use_context::<http::request::Parts>()
            .and_then(|parts| parts.extensions.get::<BrowserPlace>().copied())
            .is_none_or(|place| place == BrowserPlace::Local)
    }

    /// Where apps on this machine reach the server.
    pub fn local_base_url() -> String {
        use_context::<LeptosOptions>()
            .map(|options| engine::connect::local_base_url(options.site_addr))
            .unwrap_or_else(|| "http://127.0.0.1:9090".to_owned())
    }

    pub fn home() -> Result<Home, UiError> {
        Home::from_env().map_err(UiError::from)
    }

    /// Refuses file changes asked from another machine's browser.
    pub fn require_local() -> Result<(), UiError> {
        if browser_is_local() {
            Ok(())
        } else {
            Err(UiError::LocalOnly)
        }
    }
}

#[server]
pub async fn load_connect_overview() -> Result<ConnectOverview, UiError> {
    let local = ssr::browser_is_local();
    let base_url = ssr::local_base_url();
    let home = ssr::home()?;
    Ok(crate::engine_call::state()?
        .connect_overview(&home, &base_url, local)
        .await)
}

/// The settings to paste by hand, addressed to this server as the browser reached it, with
/// `ACCESS_KEY` where the key goes (keys are never sent to the browser here).
#[server]
pub async fn connect_snippets(origin: String) -> Result<Vec<Snippet>, UiError> {
    let target = engine::connect::Target {
        base_url: origin,
        key: "ACCESS_KEY".to_owned(),
    };
    Ok(ConnectApp::ALL
        .into_iter()
        .map(|app| engine::connect::snippet(app, &target))
        .collect())
}

/// Points `app` at API Switch (backup first). Only for a browser on this machine.
#[server]
pub async fn link_app(app: ConnectApp) -> Result<AppStatus, UiError> {
    ssr::require_local()?;
    let base_url = ssr::local_base_url();
    let home = ssr::home()?;
    Ok(crate::engine_call::state()?
        .connect_app(&home, app, &base_url)
        .await?)
}

/// Puts the newest backup of `app`'s settings back. Only for a browser on this machine.
#[server]
pub async fn restore_app(app: ConnectApp) -> Result<AppStatus, UiError> {
    ssr::require_local()?;
    let base_url = ssr::local_base_url();
    let home = ssr::home()?;
    Ok(crate::engine_call::state()?
        .disconnect_app(&home, app, &base_url)
        .await?)
}

#[component]
pub fn ConnectScreen() -> impl IntoView {
    let i18n = use_i18n();
    let refresh = RwSignal::new(0u64);
    let changed = use_live().changes(is_config_change);
    let overview = Resource::new(
        move || (refresh.get(), changed.get()),
        |_| load_connect_overview(),
    );
    view! {
        <PageHeader
            title=Signal::derive(move || t_string!(i18n, connect.title).to_string())
            intro=Signal::derive(move || t_string!(i18n, connect.intro).to_string())
        />
        <Transition fallback=move || view! { <p class=MUTED>{t!(i18n, common.loading)}</p> }>
            {move || overview.get().map(|result| match result {
                Err(error) => view! { <ErrorText error=Some(error)/> }.into_any(),
                Ok(overview) if overview.local => view! { <LocalApps overview refresh/> }.into_any(),
                Ok(overview) => view! { <RemoteSnippets keys_required=overview.keys_required/> }.into_any(),
            })}
        </Transition>
    }
}

/// This machine's apps, each with its state and buttons.
#[component]
fn LocalApps(overview: ConnectOverview, refresh: RwSignal<u64>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <p class=format!("mb-4 flex items-start gap-2 text-sm {MUTED}")>
            <Icon name=IconName::Info class="mt-0.5 h-4 w-4 shrink-0"/>
            {t!(i18n, connect.keys_note)}
        </p>
        <div class="grid gap-6 lg:grid-cols-2">
            {overview.apps.into_iter().map(|status| view! { <AppCard status refresh/> }).collect_view()}
        </div>
    }
}

/// The badge for where an app points.
fn state_badge(locale: Locale, status: &AppStatus) -> (Tone, String) {
    if status.problem.is_some() {
        (
            Tone::Bad,
            td_string!(locale, connect.state_problem).to_string(),
        )
    } else if status.points_at_us {
        (
            Tone::Good,
            td_string!(locale, connect.state_connected).to_string(),
        )
    } else if !status.exists {
        (
            Tone::Neutral,
            td_string!(locale, connect.state_missing).to_string(),
        )
    } else if status.endpoint.is_some() {
        (
            Tone::Warn,
            td_string!(locale, connect.state_elsewhere).to_string(),
        )
    } else {
        (
            Tone::Neutral,
            td_string!(locale, connect.state_default).to_string(),
        )
    }
}

/// What connecting writes into `app`'s file, in a sentence.
fn writes(locale: Locale, app: ConnectApp) -> String {
    match app {
        ConnectApp::ClaudeCode => td_string!(locale, connect.writes_claude_code).to_string(),
        ConnectApp::Codex => td_string!(locale, connect.writes_codex).to_string(),
        ConnectApp::OpenCode => td_string!(locale, connect.writes_opencode).to_string(),
        ConnectApp::GeminiCli => td_string!(locale, connect.writes_gemini_cli).to_string(),
    }
}

#[component]
fn AppCard(status: AppStatus, refresh: RwSignal<u64>) -> impl IntoView {
    let i18n = use_i18n();
    let toasts = use_toasts();
    let app = status.app;
    let error = RwSignal::new(None::<UiError>);
    let name = app.name();
    let after = move |result: Result<AppStatus, UiError>, success: String| {
        match &result {
            Ok(_) => {
                toasts.success(success);
                error.set(None);
            }
            Err(e) => error.set(Some(e.clone())),
        }
        refresh.update(|n| *n += 1);
    };
    let connect = Action::new_local(move |_: &()| async move {
        let result = link_app(app).await;
        after(
            result,
            t_string!(i18n, connect.connected_toast, app = name).to_string(),
        );
    });
    let restore = Action::new_local(move |_: &()| async move {
        let result = restore_app(app).await;
        after(
            result,
            t_string!(i18n, connect.restored_toast, app = name).to_string(),
        );
    });
    let badge = {
        let status = status.clone();
        move || {
            let (tone, text) = state_badge(i18n.get_locale(), &status);
            view! { <Badge tone text/> }
        }
    };
    let connected = status.points_at_us;
    let can_connect = status.problem.is_none();
    // A file API Switch created has no backup: restoring removes it.
    let has_backup = status.latest_backup.is_some() || status.created_by_connect;
    let id = app.id();
    view! {
        <section id=format!("app-{id}") data-app=id aria-labelledby=format!("app-{id}-name")
            class="flex flex-col rounded-lg border border-slate-200 bg-white p-5 shadow-sm dark:border-slate-800 dark:bg-slate-900">
            <div class="flex flex-wrap items-center justify-between gap-2">
                <h2 id=format!("app-{id}-name") class="text-base font-semibold" translate="no">{name}</h2>
                <span data-state>{badge}</span>
            </div>
            <p class=format!("mt-1 text-sm {MUTED}")>{move || writes(i18n.get_locale(), app)}</p>
            <dl class="mt-4 grid grid-cols-[auto_1fr] gap-x-4 gap-y-2 text-sm">
                <dt class=MUTED>{t!(i18n, connect.settings_file)}</dt>
                <dd class="min-w-0 break-all font-mono text-xs leading-5" data-path>{status.config_path.clone()}</dd>
                <dt class=MUTED>{t!(i18n, connect.points_to)}</dt>
                <dd class="min-w-0 break-all" data-endpoint>{endpoint_view(&status)}</dd>
                <dt class=MUTED>{t!(i18n, connect.backup)}</dt>
                <dd class="min-w-0 break-all font-mono text-xs leading-5" data-backup>
                    {match status.latest_backup.clone() {
                        Some(file) => view! { <span>{file}</span> }.into_any(),
                        None if status.created_by_connect => view! { <span class="break-normal font-sans text-sm">{t!(i18n, connect.created_no_backup)}</span> }.into_any(),
                        None => view! { <span class="font-sans text-sm">{t!(i18n, connect.no_backup)}</span> }.into_any(),
                    }}
                </dd>
            </dl>
            {status.problem.clone().map(|detail| view! {
                <p role="alert" class="mt-3 rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800 dark:border-red-900 dark:bg-red-950 dark:text-red-200">
                    {move || { let detail = detail.clone(); t_string!(i18n, connect.problem, detail).to_string() }}
                </p>
            })}
            <ErrorText error/>
            <div class="mt-auto flex flex-wrap gap-2 pt-4">
                <button type="button" class=BUTTON_PRIMARY data-action="connect"
                    disabled=move || !can_connect || connect.pending().get() || restore.pending().get()
                    on:click=move |_| { connect.dispatch(()); }>
                    {move || if connect.pending().get() {
                        t_string!(i18n, connect.connecting).to_string()
                    } else if connected {
                        t_string!(i18n, connect.reconnect).to_string()
                    } else {
                        t_string!(i18n, connect.connect).to_string()
                    }}
                </button>
                <button type="button" class=BUTTON_SECONDARY data-action="restore"
                    disabled=move || !has_backup || connect.pending().get() || restore.pending().get()
                    on:click=move |_| { restore.dispatch(()); }>
                    {move || if restore.pending().get() {
                        t_string!(i18n, connect.restoring).to_string()
                    } else {
                        t_string!(i18n, connect.restore).to_string()
                    }}
                </button>
            </div>
        </section>
    }
}

fn endpoint_view(status: &AppStatus) -> AnyView {
    let i18n = use_i18n();
    match (&status.endpoint, status.exists) {
        (Some(url), _) => {
            view! { <span class="font-mono text-xs leading-5">{url.clone()}</span> }.into_any()
        }
        (None, true) => view! { <span>{t!(i18n, connect.own_provider)}</span> }.into_any(),
        (None, false) => view! { <span>{t!(i18n, connect.no_file)}</span> }.into_any(),
    }
}

/// A browser on another computer: the settings to paste, addressed as this browser sees us.
#[component]
fn RemoteSnippets(keys_required: bool) -> impl IntoView {
    let i18n = use_i18n();
    let origin = use_origin();
    let snippets = Resource::new(move || origin.get(), connect_snippets);
    view! {
        <div id="remote-note" role="note" class="mb-6 rounded-md border border-amber-300 bg-amber-50 p-4 text-sm text-amber-950 dark:border-amber-800 dark:bg-amber-950 dark:text-amber-100">
            <p class="font-medium">{t!(i18n, connect.remote_title)}</p>
            <p class="mt-1">{t!(i18n, connect.remote_text)}</p>
            {keys_required.then(|| view! { <p class="mt-1">{t!(i18n, connect.remote_keys_required)}</p> })}
        </div>
        <Transition fallback=move || view! { <p class=MUTED>{t!(i18n, common.loading)}</p> }>
            {move || snippets.get().map(|result| match result {
                Err(error) => view! { <ErrorText error=Some(error)/> }.into_any(),
                Ok(list) => view! {
                    <div class="space-y-6">
                        {list.into_iter().map(|snippet| {
                            let path = snippet.path.clone();
                            let text = snippet.text.clone();
                            let name = snippet.app.name();
                            view! {
                                <Section id=snippet.app.id() title=name.to_owned()
                                    intro=Signal::derive(move || { let path = path.clone(); t_string!(i18n, connect.paste_into, path).to_string() })>
                                    <CopyBlock value=text what=name.to_owned()/>
                                </Section>
                            }
                        }).collect_view()}
                    </div>
                }.into_any(),
            })}
        </Transition>
    }
}
