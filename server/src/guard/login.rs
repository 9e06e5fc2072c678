//! When the UI asks for the admin password, and how a session is recognised.
//!
//! Login is required for every remote browser (`place` decides what remote is: a non-loopback
//! peer or `Host`, any forwarding header, or a proxy's HTTP/1.0 hop), and for local ones too
//! when `login_on_loopback` is on: that setting covers a proxy that leaves no trace at all.

use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use cookie::{Cookie, SameSite};
use engine::AppState;
use engine::auth::BrowserPlace;
use engine::store::Settings;

use super::{Area, reply};

/// The session cookie's name.
pub const COOKIE: &str = "api_switch_session";

/// Whether a browser at `place` must carry a live session to reach the UI.
pub fn required(settings: &Settings, place: BrowserPlace) -> bool {
    settings.login_on_loopback || place == BrowserPlace::Remote
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
