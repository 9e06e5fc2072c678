//! Settings -> Network: where the server listens, applied at once by rebinding live (the
//! server binds the new address, then stops the old listener, whose open requests finish), and
//! which browser apps and reverse proxies it trusts (saved with the rest of the form). An
//! address other machines can reach is refused, in `serve`'s own words, until an admin
//! password and required access keys exist. A `--listen` given at start wins at every start;
//! the section says so.

use std::net::SocketAddr;

use leptos::prelude::*;
use types::network::ListenInfo;
use types::settings::Settings;

use super::text::settings_text;
use crate::components::form::Field;
use crate::components::layout::Section;
use crate::components::style::{BUTTON_SECONDARY, INPUT, MUTED};
use crate::components::toast::use_toasts;
use crate::errors::{ErrorText, UiError};
use crate::i18n::{t_string, use_i18n};

/// Where the server listens now, the address stored for the next start and `--listen`.
#[server]
pub async fn listen_address() -> Result<ListenInfo, UiError> {
    let stored = crate::engine_call::state()?
        .settings()
        .await?
        .listen_address;
    Ok(match use_context::<engine::network::ListenControl>() {
        Some(control) => control.info(stored),
        // A router without a live listener (in-process tests): the address it was built for.
        None => ListenInfo {
            current: use_context::<LeptosOptions>()
                .map(|options| options.site_addr.to_string())
                .unwrap_or_default(),
            stored: stored.map(|address| address.to_string()),
            command_line: None,
        },
    })
}

/// Moves the server to `address` (`ADDR:PORT`) now and stores it for the next start.
#[server]
pub async fn apply_listen_address(address: String) -> Result<ListenInfo, UiError> {
    let to: SocketAddr = address
        .trim()
        .parse()
        .map_err(|error: std::net::AddrParseError| UiError::InvalidField {
            field: "listen_address".into(),
            detail: error.to_string(),
        })?;
    let control =
        use_context::<engine::network::ListenControl>().ok_or_else(|| UiError::Internal {
            detail: "this server cannot move its listener".into(),
        })?;
    control.rebind(to).await?;
    listen_address().await
}

/// `ADDR:PORT` from the two inputs (IPv6 in brackets).
fn join_address(host: &str, port: &str) -> String {
    let host = host.trim();
    if host.contains(':') && !host.starts_with('[') {
        format!("[{host}]:{}", port.trim())
    } else {
        format!("{host}:{}", port.trim())
    }
}

/// This page at `address`: an address on every interface is reached through loopback.
fn page_url(address: &str) -> Option<String> {
    let address: SocketAddr = address.parse().ok()?;
    let ip = match address.ip() {
        std::net::IpAddr::V4(v4) if v4.is_unspecified() => "127.0.0.1".to_owned(),
        std::net::IpAddr::V6(v6) if v6.is_unspecified() => "[::1]".to_owned(),
        std::net::IpAddr::V4(v4) => v4.to_string(),
        std::net::IpAddr::V6(v6) => format!("[{v6}]"),
    };
    Some(format!("http://{ip}:{}/settings", address.port()))
}

/// One list setting (the one `read` and `write` name) as a textarea, one item a line.
#[component]
fn ListArea(
    form: RwSignal<Settings>,
    read: fn(&Settings) -> &[String],
    write: fn(&mut Settings, Vec<String>),
    id: &'static str,
) -> impl IntoView {
    view! {
        <textarea id=id rows="3" class=format!("{INPUT} max-w-md font-mono") aria-describedby=format!("{id}-hint")
            prop:value=move || form.with(|f| read(f).join("\n"))
            on:change=move |ev| {
                let items: Vec<String> = event_target_value(&ev).lines().map(str::trim)
                    .filter(|item| !item.is_empty()).map(str::to_owned).collect();
                form.update(|f| write(f, items));
            }></textarea>
    }
}

/// The Network section, inside the settings form: the listen address with its own Apply, and
/// the trusted origins and proxies saved by the form's Save.
#[component]
pub(super) fn Network(
    form: RwSignal<Settings>,
    /// `listen_address()`, created with the screen's other resources so the server waits for
    /// both before sending the page.
    info: Resource<Result<ListenInfo, UiError>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let toasts = use_toasts();
    let text =
        move |key: &'static str| Signal::derive(move || settings_text(i18n.get_locale(), key));
    // What Apply answered replaces what was loaded; both render on the server too, so
    // nothing appears (and moves the page) after hydration.
    let applied = RwSignal::new(None::<ListenInfo>);
    let shown = move || applied.get().or_else(|| info.get().and_then(Result::ok));
    let loaded_address = move || shown().and_then(|s| s.current.parse::<SocketAddr>().ok());
    // The inputs start at the current address until the user types.
    let host_typed = RwSignal::new(None::<String>);
    let port_typed = RwSignal::new(None::<String>);
    let host = move || {
        host_typed.get().unwrap_or_else(|| {
            loaded_address()
                .map(|a| a.ip().to_string())
                .unwrap_or_default()
        })
    };
    let port = move || {
        port_typed.get().unwrap_or_else(|| {
            loaded_address()
                .map(|a| a.port().to_string())
                .unwrap_or_default()
        })
    };
    let error = RwSignal::new(None::<UiError>);
    // Where to open the UI after a move to another address (this page's server stopped).
    let moved = RwSignal::new(None::<String>);
    let apply = Action::new_local(move |_: &()| {
        let address = untrack(|| join_address(&host(), &port()));
        async move {
            let result = apply_listen_address(address).await;
            toasts.report(
                &result,
                t_string!(i18n, settings.listen_applied).to_string(),
            );
            match result {
                Ok(listen) => {
                    error.set(None);
                    let before = untrack(shown).map(|s| s.current);
                    if before.as_deref() != Some(listen.current.as_str()) {
                        moved.set(page_url(&listen.current));
                    }
                    applied.set(Some(listen));
                }
                Err(failure) => error.set(Some(failure)),
            }
        }
    });
    // Enter in the address fields applies the address (not the settings form around them).
    let enter_applies = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Enter" {
            ev.prevent_default();
            apply.dispatch(());
        }
    };
    let current = move || shown().map(|s| s.current).unwrap_or_default();
    let command_line = move || shown().and_then(|s| s.command_line);
    view! {
        <Section id="network" title=text("network") intro=text("network_intro")>
            <div class="space-y-5">
                <dl class="grid grid-cols-[max-content_1fr] gap-x-6 gap-y-2 text-sm">
                    <dt class=MUTED>{move || text("listen").get()}</dt>
                    <dd class="min-h-5 font-mono" id="listen-address">{current}</dd>
                </dl>
                <div class="flex flex-wrap items-end gap-3">
                    <Field id="listen-host" label=text("listen_host")>
                        <input id="listen-host" class=format!("{INPUT} w-56 font-mono") autocomplete="off" spellcheck="false"
                            aria-describedby="listen-hint" prop:value=host
                            on:keydown=enter_applies on:input=move |ev| host_typed.set(Some(event_target_value(&ev)))/>
                    </Field>
                    <Field id="listen-port" label=text("listen_port")>
                        <input id="listen-port" type="number" min="1" max="65535" inputmode="numeric"
                            class=format!("{INPUT} w-28 font-mono") aria-describedby="listen-hint"
                            prop:value=port on:keydown=enter_applies
                            on:input=move |ev| port_typed.set(Some(event_target_value(&ev)))/>
                    </Field>
                    <button type="button" id="apply-listen" class=BUTTON_SECONDARY disabled=move || apply.pending().get()
                        on:click=move |_| { apply.dispatch(()); }>
                        {move || if apply.pending().get() { text("listen_applying").get() } else { text("listen_apply").get() }}
                    </button>
                </div>
                <p id="listen-hint" class=format!("text-xs {MUTED}")>{move || text("listen_hint").get()}</p>
                <p id="listen-command-line" class="min-h-4 text-xs text-amber-800 dark:text-amber-300">
                    {move || command_line().map(|address| {
                        t_string!(i18n, settings.listen_command_line, address).to_string()
                    })}
                </p>
                {move || moved.get().map(|url| view! {
                    <p id="listen-moved" role="status" class="text-sm">
                        {move || text("listen_moved").get()}" "
                        <a class="font-mono text-indigo-700 underline dark:text-indigo-300" href=url.clone()>{url.clone()}</a>
                    </p>
                })}
                <ErrorText error/>
                <Field id="browser-origins" label=text("browser_origins") hint=text("browser_origins_hint")>
                    <ListArea form read=|f| &f.browser_origins write=|f, items| f.browser_origins = items id="browser-origins"/>
                </Field>
                <Field id="trusted-proxies" label=text("trusted_proxies") hint=text("trusted_proxies_hint")>
                    <ListArea form read=|f| &f.trusted_proxies write=|f, items| f.trusted_proxies = items id="trusted-proxies"/>
                </Field>
            </div>
        </Section>
    }
}
