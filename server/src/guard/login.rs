//! When the UI asks for the admin password, and how a session is recognised.
//!
//! Login is required unless the request is plainly local: the peer is a loopback address, its
//! `Host` is a loopback name, and it carries no forwarding header (`X-Forwarded-For`,
//! `Forwarded`, `X-Real-IP`, `X-Forwarded-Host`). A reverse proxy on the same machine makes
//! remote users' connections come from loopback, but it forwards them under its public name
//! (which the user had to add to `allowed_hosts`) and with a forwarding header, so they still
//! have to log in; a proxy that strips both and rewrites `Host` to `127.0.0.1` is exactly what
//! `login_on_loopback` is for. The setting also makes local browsers log in.

use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use cookie::{Cookie, SameSite};
use engine::AppState;
use engine::auth::BrowserPlace;
use engine::store::Settings;

use super::{Area, host, peer, peer_is_loopback, reply};

/// The session cookie's name.
pub const COOKIE: &str = "api_switch_session";

const FORWARDING_HEADERS: [&str; 4] = [
    "x-forwarded-for",
    "forwarded",
    "x-real-ip",
    "x-forwarded-host",
];

/// Whether this request must carry a live session to reach the UI (see the module doc).
pub fn required(settings: &Settings, request: &Request) -> bool {
    settings.login_on_loopback || place(request) == BrowserPlace::Remote
}

/// Whether the request comes plainly from this machine (see the module doc).
pub fn place(request: &Request) -> BrowserPlace {
    let forwarded = FORWARDING_HEADERS
        .iter()
        .any(|name| request.headers().contains_key(*name));
    if !forwarded
        && peer_is_loopback(peer(request))
        && host::names_loopback(host::of(request).as_deref())
    {
        BrowserPlace::Local
    } else {
        BrowserPlace::Remote
    }
}

/// The session token the browser sent, if any.
pub fn session_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|cookie| cookie.name() == COOKIE)
        .map(|cookie| cookie.value().to_owned())
}

/// Whether the request's session cookie names a live session (a database read, off the
/// async workers).
pub async fn has_live_session(app: &AppState, headers: &HeaderMap) -> bool {
    let Some(token) = session_token(headers) else {
        return false;
    };
    let app = app.clone();
    match tokio::task::spawn_blocking(move || app.session_is_live(&token)).await {
        Ok(Ok(live)) => live,
        Ok(Err(error)) => {
            tracing::error!(%error, "cannot check a login session");
            false
        }
        Err(error) => {
            tracing::error!(%error, "the session check stopped");
            false
        }
    }
}

/// The answer to a request that needs a session and has none: 401 JSON for the API, a 303 to
/// the login page (coming back here after) for a page.
pub fn refuse(area: Area, request: &Request) -> Response {
    if area != Area::Page {
        return reply::refuse(
            area,
            StatusCode::UNAUTHORIZED,
            "login_required",
            "log in to API Switch first",
        );
    }
    let next = request
        .uri()
        .path_and_query()
        .map_or("/", |pq| pq.as_str())
        .to_owned();
    let next: String = url::form_urlencoded::byte_serialize(next.as_bytes()).collect();
    (
        StatusCode::SEE_OTHER,
        [(header::LOCATION, format!("/login?next={next}"))],
    )
        .into_response()
}

/// Whether the browser reached us over https (directly or through a TLS-terminating proxy):
/// then the cookie is marked `Secure`. A spoofed header only makes the spoofer's own cookie
/// stricter, so it needs no trust.
pub fn over_https(request_headers: &HeaderMap, scheme_is_https: bool) -> bool {
    scheme_is_https
        || request_headers
            .get("x-forwarded-proto")
            .is_some_and(|proto| proto.as_bytes().eq_ignore_ascii_case(b"https"))
}

/// `Set-Cookie` for a new session (`Some(token)`) or for clearing it (`None`).
pub fn set_cookie(token: Option<&str>, max_age_secs: u64, secure: bool) -> HeaderValue {
    let max_age = if token.is_some() {
        cookie::time::Duration::seconds(i64::try_from(max_age_secs).unwrap_or(i64::MAX))
    } else {
        cookie::time::Duration::ZERO
    };
    let cookie = Cookie::build((COOKIE, token.unwrap_or_default().to_owned()))
        .http_only(true)
        .same_site(SameSite::Strict)
        .path("/")
        .max_age(max_age)
        .secure(secure)
        .build();
    HeaderValue::from_str(&cookie.to_string()).unwrap_or_else(|_| HeaderValue::from_static(""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_session_cookie_is_found_among_others() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; api_switch_session=abc123; b=2"),
        );
        assert_eq!(session_token(&headers).as_deref(), Some("abc123"));
        assert_eq!(session_token(&HeaderMap::new()), None);
    }

    #[test]
    fn the_cookie_is_http_only_and_strict() {
        let value = set_cookie(Some("tok"), 60, true);
        let text = value.to_str().expect("ascii");
        for part in [
            "api_switch_session=tok",
            "HttpOnly",
            "SameSite=Strict",
            "Path=/",
            "Max-Age=60",
            "Secure",
        ] {
            assert!(text.contains(part), "{part} in {text}");
        }
        let cleared = set_cookie(None, 60, false);
        let text = cleared.to_str().expect("ascii");
        assert!(
            text.contains("Max-Age=0") && !text.contains("Secure"),
            "{text}"
        );
    }
}
