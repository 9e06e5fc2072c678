//! A channel's outbound proxy on the Channels screen: the row's "via socks5://…" line and the
//! part of the edit form that chooses none, HTTP, HTTPS or SOCKS5, the proxy's host:port and
//! optional credentials. The stored password never reaches the browser: the form only knows
//! whether one is saved, and an empty password field keeps it. A bad address is explained in
//! the page's language before anything is sent; the server checks it again.

use std::future::Future;

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::components::style::{INPUT, MUTED};
use crate::errors::UiError;
use crate::i18n::{Locale, t, t_string, td_string, use_i18n};

/// A channel's proxy as the browser sees it: everything but the password.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProxyView {
    pub channel_id: i64,
    pub url: String,
    pub username: String,
    pub has_password: bool,
}

/// The proxy types the form offers, by their URL scheme (`socks5h` resolves host names at
/// the proxy).
pub const PROXY_KINDS: [&str; 4] = ["http", "https", "socks5", "socks5h"];

/// A proxy type's name in the list.
fn kind_name(locale: Locale, scheme: &str) -> String {
    match scheme {
        "socks5h" => td_string!(locale, channel_proxy.socks5h).to_string(),
        other => other.to_ascii_uppercase(),
    }
}

/// What is wrong with a proxy address, so the page can say it in its own language.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProxyProblem {
    NoAddress,
    UnknownKind(String),
    Credentials,
    BadHost(String),
    BadPort,
}

impl ProxyProblem {
    pub fn words(&self, locale: Locale) -> String {
        match self {
            Self::NoAddress => td_string!(locale, channel_proxy.problem_no_address).to_string(),
            Self::UnknownKind(scheme) => {
                td_string!(locale, channel_proxy.problem_kind, scheme = scheme.clone()).to_string()
            }
            Self::Credentials => td_string!(locale, channel_proxy.problem_credentials).to_string(),
            Self::BadHost(host) => {
                td_string!(locale, channel_proxy.problem_host, host = host.clone()).to_string()
            }
            Self::BadPort => td_string!(locale, channel_proxy.problem_port).to_string(),
        }
    }
}

/// The proxy URL for type `kind` (a scheme of `PROXY_KINDS`) and `address` (`host:port`). A
/// pasted full URL is taken as it is when its scheme is a proxy type (it then wins over
/// `kind`); a trailing slash is dropped.
pub fn proxy_url(kind: &str, address: &str) -> Result<String, ProxyProblem> {
    let address = address.trim().trim_end_matches('/');
    let (scheme, rest) = match address.split_once("://") {
        Some((scheme, rest)) => (scheme.to_ascii_lowercase(), rest),
        None => (kind.to_owned(), address),
    };
    if !PROXY_KINDS.contains(&scheme.as_str()) {
        return Err(ProxyProblem::UnknownKind(scheme));
    }
    if rest.is_empty() {
        return Err(ProxyProblem::NoAddress);
    }
    if rest.contains('@') {
        return Err(ProxyProblem::Credentials);
    }
    let (host, port) = match rest.rsplit_once(':') {
        Some((host, port)) if !host.ends_with(':') => (host, port),
        _ => return Err(ProxyProblem::BadPort),
    };
    let bracketed = host.starts_with('[') && host.ends_with(']') && host.len() > 2;
    let plain = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
    if !(bracketed || plain) {
        return Err(ProxyProblem::BadHost(host.to_owned()));
    }
    match port.parse::<u16>() {
        Ok(port) if port > 0 => Ok(format!("{scheme}://{host}:{port}")),
        _ => Err(ProxyProblem::BadPort),
    }
}

/// Every channel's proxy (channels without one are left out), passwords withheld.
#[server]
pub async fn channel_proxies() -> Result<Vec<ProxyView>, UiError> {
    let channels = crate::engine_call::state()?.channels().await?;
    Ok(channels
        .into_iter()
        .filter_map(|c| {
            c.proxy.map(|p| ProxyView {
                channel_id: c.id,
                url: p.url,
                username: p.username,
                has_password: !p.password.is_empty(),
            })
        })
        .collect())
}

/// Sets the channel's proxy: `kind` empty sends its requests directly. An empty `password`
/// keeps the saved one (if the proxy keeps a username) unless `forget_password`.
#[server]
pub async fn save_channel_proxy(
    channel_id: i64,
    kind: String,
    address: String,
    username: String,
    password: String,
    forget_password: bool,
) -> Result<(), UiError> {
    let url = match kind.trim() {
        "" => None,
        kind => Some(
            proxy_url(kind, &address).map_err(|problem| UiError::InvalidUrl {
                field: "proxy".into(),
                detail: format!("{problem:?}"),
            })?,
        ),
    };
    let state = crate::engine_call::state()?;
    let Some(url) = url else {
        return Ok(state.set_channel_proxy(channel_id, None).await?);
    };
    let username = username.trim().to_owned();
    let saved = state
        .channels()
        .await?
        .into_iter()
        .find(|c| c.id == channel_id)
        .and_then(|c| c.proxy)
        .map(|p| p.password.expose().to_owned())
        .unwrap_or_default();
    let password = match (password.is_empty(), forget_password || username.is_empty()) {
        (false, _) => password,
        (true, true) => String::new(),
        (true, false) => saved,
    };
    let proxy = types::routing::OutboundProxy {
        url,
        username,
        password: password.into(),
    };
    Ok(state.set_channel_proxy(channel_id, Some(&proxy)).await?)
}

/// "via socks5://127.0.0.1:1080" under the row's base URL.
#[component]
pub fn ProxySummary(proxy: Option<ProxyView>) -> impl IntoView {
    let i18n = use_i18n();
    proxy.map(|proxy| {
        view! {
            <span class=format!("mt-1 block text-xs {MUTED}") data-proxy-summary="">
                {t!(i18n, channel_proxy.via)}" "<span class="font-mono" translate="no">{proxy.url}</span>
            </span>
        }
    })
}

/// The proxy part of the edit form, held by the form so one Save sends everything.
#[derive(Clone, Copy)]
pub struct ProxyDraft {
    saved: StoredValue<Option<ProxyView>>,
    pub kind: RwSignal<String>,
    pub address: RwSignal<String>,
    pub username: RwSignal<String>,
    pub password: RwSignal<String>,
    pub forget_password: RwSignal<bool>,
    /// Whether to show the address's problem (after leaving the field or trying to save).
    pub touched: RwSignal<bool>,
    address_input: NodeRef<leptos::html::Input>,
}

impl ProxyDraft {
    pub fn new(saved: Option<ProxyView>) -> Self {
        let (kind, address) = saved
            .as_ref()
            .and_then(|p| p.url.split_once("://"))
            .map(|(kind, address)| (kind.to_owned(), address.to_owned()))
            .unwrap_or_default();
        Self {
            kind: RwSignal::new(kind),
            address: RwSignal::new(address),
            username: RwSignal::new(
                saved
                    .as_ref()
                    .map(|p| p.username.clone())
                    .unwrap_or_default(),
            ),
            password: RwSignal::new(String::new()),
            forget_password: RwSignal::new(false),
            touched: RwSignal::new(false),
            address_input: NodeRef::new(),
            saved: StoredValue::new(saved),
        }
    }

    /// What is wrong with the address the user typed, if anything.
    pub fn problem(self) -> Option<ProxyProblem> {
        let kind = self.kind.get();
        if kind.is_empty() {
            return None;
        }
        proxy_url(&kind, &self.address.get()).err()
    }

    /// Shows the address's problem and puts the focus on the address.
    pub fn show_problem(self) {
        self.touched.set(true);
        if let Some(input) = self.address_input.get_untracked() {
            let _ = input.focus();
        }
    }

    fn changed(self) -> bool {
        let now = Self::new(self.saved.get_value());
        self.kind.get_untracked() != now.kind.get_untracked()
            || self.address.get_untracked().trim() != now.address.get_untracked()
            || self.username.get_untracked().trim() != now.username.get_untracked()
            || !self.password.get_untracked().is_empty()
            || self.forget_password.get_untracked()
    }

    /// The call that saves the proxy as the user left it (nothing is sent when nothing
    /// changed). The form's values are read now, so the form may close before it runs.
    pub fn save(self, channel_id: i64) -> impl Future<Output = Result<(), UiError>> {
        let args = self.changed().then(|| {
            (
                self.kind.get_untracked(),
                self.address.get_untracked(),
                self.username.get_untracked(),
                self.password.get_untracked(),
                self.forget_password.get_untracked(),
            )
        });
        async move {
            let Some((kind, address, username, password, forget)) = args else {
                return Ok(());
            };
            save_channel_proxy(channel_id, kind, address, username, password, forget).await
        }
    }
}

#[component]
pub fn ProxyEditor(channel_id: i64, draft: ProxyDraft) -> impl IntoView {
    let i18n = use_i18n();
    let field = move |suffix: &str| format!("proxy-{suffix}-{channel_id}");
    let label = "block text-sm font-medium text-slate-800 dark:text-slate-200";
    let direct = move || draft.kind.get().is_empty();
    let has_password = draft
        .saved
        .with_value(|p| p.as_ref().is_some_and(|p| p.has_password));
    let problem = move || {
        let shown = draft.touched.get() && !direct();
        shown.then(|| draft.problem().map(|p| p.words(i18n.get_locale())))?
    };
    let invalid = move || problem().is_some().to_string();
    let address_described = format!("{} {}", field("address-hint"), field("error"));
    view! {
        <fieldset class="grid gap-3 md:col-span-2 md:grid-cols-2" data-proxy=channel_id>
            <legend class="mb-1 text-sm font-medium text-slate-800 dark:text-slate-200">{t!(i18n, channel_proxy.legend)}</legend>
            <div class="space-y-1">
                <label for=field("kind") class=label>{t!(i18n, channel_proxy.kind)}</label>
                <select id=field("kind") class=INPUT data-proxy-kind=""
                    on:change=move |ev| draft.kind.set(event_target_value(&ev))>
                    <option value="" selected=direct>{t!(i18n, channel_proxy.none)}</option>
                    {PROXY_KINDS.iter().map(|scheme| view! {
                        <option value=*scheme selected=move || draft.kind.get() == *scheme>{move || kind_name(i18n.get_locale(), scheme)}</option>
                    }).collect_view()}
                </select>
            </div>
            <div class="space-y-1" class:hidden=direct>
                <label for=field("address") class=label>{t!(i18n, channel_proxy.address)}</label>
                <input id=field("address") node_ref=draft.address_input class=format!("{INPUT} font-mono") placeholder="127.0.0.1:7890"
                    autocomplete="off" spellcheck="false" aria-describedby=address_described aria-invalid=invalid
                    on:blur=move |_| draft.touched.set(true)
                    prop:value=move || draft.address.get() on:input=move |ev| draft.address.set(event_target_value(&ev))/>
                <p id=field("address-hint") class=format!("text-xs {MUTED}")>{t!(i18n, channel_proxy.address_hint)}</p>
            </div>
            <div class="space-y-1" class:hidden=direct>
                <label for=field("username") class=label>{t!(i18n, channel_proxy.username)}</label>
                <input id=field("username") class=INPUT autocomplete="off" spellcheck="false"
                    prop:value=move || draft.username.get() on:input=move |ev| draft.username.set(event_target_value(&ev))/>
            </div>
            <div class="space-y-1" class:hidden=direct>
                <label for=field("password") class=label>{t!(i18n, channel_proxy.password)}</label>
                <input id=field("password") class=INPUT type="password" autocomplete="new-password"
                    aria-describedby=field("password-hint")
                    prop:value=move || draft.password.get() on:input=move |ev| draft.password.set(event_target_value(&ev))/>
                <p id=field("password-hint") class=format!("text-xs {MUTED}")>
                    {move || if has_password { t_string!(i18n, channel_proxy.password_saved) } else { t_string!(i18n, channel_proxy.password_optional) }}
                </p>
                {has_password.then(|| view! {
                    <label class="flex items-center gap-2 text-sm">
                        <input type="checkbox" id=field("forget") class="h-4 w-4 rounded border-slate-400 accent-indigo-600"
                            prop:checked=move || draft.forget_password.get()
                            on:change=move |ev| draft.forget_password.set(event_target_checked(&ev))/>
                        {t!(i18n, channel_proxy.forget_password)}
                    </label>
                })}
            </div>
            <p id=field("error") class="text-sm text-red-700 md:col-span-2 dark:text-red-300" role="alert" data-proxy-error="">
                {problem}
            </p>
        </fieldset>
    }
}

#[cfg(test)]
mod tests {
    use super::{ProxyProblem, proxy_url};

    #[test]
    fn a_proxy_address_becomes_a_url_or_says_what_is_wrong() {
        assert_eq!(
            proxy_url("socks5", " 127.0.0.1:1080 ").as_deref(),
            Ok("socks5://127.0.0.1:1080")
        );
        assert_eq!(
            proxy_url("http", "proxy.lan:3128/").as_deref(),
            Ok("http://proxy.lan:3128")
        );
        assert_eq!(
            proxy_url("http", "HTTPS://[::1]:8443").as_deref(),
            Ok("https://[::1]:8443")
        );
        assert_eq!(proxy_url("http", ""), Err(ProxyProblem::NoAddress));
        assert_eq!(
            proxy_url("http", "ftp://x:1"),
            Err(ProxyProblem::UnknownKind("ftp".into()))
        );
        assert_eq!(
            proxy_url("http", "me:pw@proxy:8080"),
            Err(ProxyProblem::Credentials)
        );
        assert_eq!(proxy_url("http", "proxy.lan"), Err(ProxyProblem::BadPort));
        assert_eq!(
            proxy_url("http", "proxy.lan:99999"),
            Err(ProxyProblem::BadPort)
        );
        assert_eq!(proxy_url("http", "proxy.lan:0"), Err(ProxyProblem::BadPort));
        assert_eq!(
            proxy_url("socks5", "not a host:80"),
            Err(ProxyProblem::BadHost("not a host".into()))
        );
    }
}
