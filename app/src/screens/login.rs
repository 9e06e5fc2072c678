//! The login screen, shown when this server asks for the admin password (any remote browser,
//! or this machine too when "login on loopback" is on). It posts the password to
//! `POST /api/auth/login`; the server answers with an HttpOnly session cookie, and the page
//! then loads the screen the user was sent here from (`?next=`, same-site paths only).

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use serde_json::json;

use crate::browser::{fetch_json, go_to};
use crate::components::style::{BUTTON_PRIMARY, INPUT};
use crate::i18n::{t, t_string, use_i18n};
use crate::shell::header::{LanguageSwitch, ThemeSwitch};

/// Why the last attempt failed, as the server said.
#[derive(Clone, Debug, PartialEq)]
enum LoginFailure {
    WrongPassword,
    LockedOut { retry_after_secs: u64 },
    Other(String),
}

/// Only a path on this site (`/logs`), never another origin. The path is resolved the way the
/// browser will resolve it (WHATWG URL rules, via the `url` crate) against a stand-in origin,
/// and kept only if it stays on that origin: tabs and newlines the browser drops
/// (`/\t/evil.example`), backslashes it reads as slashes and `//host` all leave it. What is
/// returned is the resolved path, so the browser has nothing left to reinterpret.
fn safe_next(next: Option<String>) -> String {
    const HERE: &str = "http://api-switch.invalid/";
    let (Some(next), Ok(base)) = (next, url::Url::parse(HERE)) else {
        return "/".to_owned();
    };
    if !next.starts_with('/') {
        return "/".to_owned();
    }
    match base.join(&next) {
        Ok(resolved) if resolved.origin() == base.origin() => {
            resolved[url::Position::BeforePath..].to_owned()
        }
        _ => "/".to_owned(),
    }
}

#[component]
pub fn LoginScreen() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let password = RwSignal::new(String::new());
    let failure = RwSignal::new(None::<LoginFailure>);
    let login = Action::new_local(move |_: &()| {
        let body = json!({ "password": password.get_untracked() });
        let next = safe_next(query.with_untracked(|q| q.get("next")));
        async move {
            match fetch_json("POST", "/api/auth/login", Some(&body)).await {
                Ok(answer) if answer.status == 200 => {
                    failure.set(None);
                    go_to(&next);
                }
                Ok(answer) => {
                    let code = answer.body["error"]["code"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned();
                    failure.set(Some(match code.as_str() {
                        "wrong_password" => LoginFailure::WrongPassword,
                        "locked_out" => LoginFailure::LockedOut {
                            retry_after_secs: answer.body["error"]["retry_after_secs"]
                                .as_u64()
                                .unwrap_or(60),
                        },
                        _ => LoginFailure::Other(format!("HTTP {}", answer.status)),
                    }));
                    password.set(String::new());
                }
                Err(detail) => failure.set(Some(LoginFailure::Other(detail))),
            }
        }
    });
    let message = move || {
        failure.get().map(|f| match f {
            LoginFailure::WrongPassword => t_string!(i18n, login.wrong_password).to_string(),
            LoginFailure::LockedOut { retry_after_secs } => {
                t_string!(i18n, login.locked_out, secs = retry_after_secs).to_string()
            }
            LoginFailure::Other(detail) => t_string!(i18n, errors.request, detail).to_string(),
        })
    };
    view! {
        <main id="main" class="flex min-h-screen items-center justify-center px-4 py-10">
            <div class="w-full max-w-sm">
                <div class="mb-6 flex items-center justify-center gap-2 text-xl font-semibold">
                    <img src="/favicon.svg" alt="" width="28" height="28"/>
                    "API Switch"
                </div>
                <form
                    class="rounded-lg border border-slate-200 bg-white p-6 shadow-sm dark:border-slate-800 dark:bg-slate-900"
                    on:submit=move |ev| { ev.prevent_default(); login.dispatch(()); }
                >
                    <h1 class="text-lg font-semibold">{t!(i18n, login.title)}</h1>
                    <p class="mt-1 text-sm text-slate-600 dark:text-slate-400">{t!(i18n, login.intro)}</p>
                    <label for="password" class="mt-5 block text-sm font-medium">{t!(i18n, login.password)}</label>
                    <input id="password" name="password" type="password" autocomplete="current-password" required autofocus
                        class=format!("{INPUT} mt-1")
                        aria-invalid=move || failure.get().is_some().to_string()
                        aria-describedby="login-error"
                        prop:value=move || password.get() on:input=move |ev| password.set(event_target_value(&ev))/>
                    <p id="login-error" role="alert" class="mt-2 min-h-5 text-sm text-red-700 dark:text-red-300">{message}</p>
                    <button type="submit" id="login-submit" class=format!("{BUTTON_PRIMARY} mt-2 w-full") disabled=move || login.pending().get()>
                        {move || if login.pending().get() { t_string!(i18n, login.signing_in).to_string() } else { t_string!(i18n, login.submit).to_string() }}
                    </button>
                </form>
                <div class="mt-4 flex items-center justify-center gap-3">
                    <LanguageSwitch/>
                    <ThemeSwitch/>
                </div>
            </div>
        </main>
    }
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(safe_next(Some("/logs".into())), "/logs");
        assert_eq!(safe_next(Some("//evil.example/x".into())), "/");
        assert_eq!(safe_next(Some("https://evil.example".into())), "/");
        assert_eq!(safe_next(Some("/\\evil.example".into())), "/");
        assert_eq!(safe_next(None), "/");
    }

    /// Issue 19 finding 8: `?next=/%09/evil.example/x` decodes to a tab the browser drops,
    /// which leaves `//evil.example/x`: another origin.
    #[test]
    fn r19_8_whitespace_the_browser_drops_cannot_make_next_leave_the_site() {
        for hostile in [
            "/\t/evil.example/x",
            "/\n/evil.example/x",
            "/\r\n/evil.example",
            "/\t\\evil.example",
            "\t//evil.example",
        ] {
            assert_eq!(safe_next(Some(hostile.into())), "/", "{hostile:?}");
        }
        assert_eq!(
            safe_next(Some("/logs?status=5xx#top".into())),
            "/logs?status=5xx#top"
        );
        assert_eq!(safe_next(Some("/a/../channels".into())), "/channels");
    }
}
