//! Browsers on `/v1`. Any page a user opens can make their browser send a request to
//! `127.0.0.1:9090`: a `no-cors` POST with a `text/plain` body needs no preflight, and even
//! though the page cannot read the answer, the provider is paid. Browsers say where such a
//! request comes from (`Sec-Fetch-Site`, which pages cannot forge, and `Origin`), so a request
//! from another site is refused before any upstream is contacted, unless its origin is one the
//! user listed in `browser_origins` (a browser-based chat app). For those, CORS preflights are
//! answered and answers carry the CORS headers, so the app can read them. Clients that are not
//! browsers send neither header and are not affected.

use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// What the browser headers say about a `/v1` request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Caller {
    /// Not a browser, or a page of this server itself.
    NotCrossSite,
    /// A page on an origin the user listed; the value is its `Origin`, echoed in CORS headers.
    Listed(HeaderValue),
    /// A page on any other site.
    Foreign,
}

/// `https://chat.example.com/` and `HTTPS://Chat.Example.com` name the same origin.
fn normalized(origin: &str) -> String {
    origin.trim().trim_end_matches('/').to_ascii_lowercase()
}

/// Whether `origin` is this server's own (same scheme-less authority as the `Host`).
fn is_own(origin: &str, host: Option<&str>) -> bool {
    let authority = origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"));
    matches!((authority, host), (Some(a), Some(h)) if a.eq_ignore_ascii_case(h))
}

/// Judges a `/v1` request by its `Sec-Fetch-Site` and `Origin` (see the module doc).
pub fn caller(headers: &HeaderMap, host: Option<&str>, browser_origins: &[String]) -> Caller {
    let origin = headers.get(header::ORIGIN);
    let listed = origin.filter(|value| {
        value.to_str().is_ok_and(|text| {
            let text = normalized(text);
            text != "null" && browser_origins.iter().any(|o| normalized(o) == text)
        })
    });
    if let Some(value) = listed {
        return Caller::Listed(value.clone());
    }
    let cross_site = headers
        .get("sec-fetch-site")
        .is_some_and(|site| site == "cross-site" || site == "same-site");
    let foreign_origin =
        origin.is_some_and(|value| !value.to_str().is_ok_and(|text| is_own(text.trim(), host)));
    if cross_site || foreign_origin {
        Caller::Foreign
    } else {
        Caller::NotCrossSite
    }
}

/// Whether the request is a CORS preflight (browsers send `OPTIONS` with the method to come).
pub fn is_preflight(method: &Method, headers: &HeaderMap) -> bool {
    method == Method::OPTIONS && headers.contains_key(header::ACCESS_CONTROL_REQUEST_METHOD)
}

/// 204 allowing a listed origin what it asked for: POST/GET and the headers it named (SDKs add
/// their own `x-stainless-*`, `anthropic-*` headers; echoing them is what a fixed list would
/// get wrong).
pub fn preflight_answer(origin: HeaderValue, request_headers: &HeaderMap) -> Response {
    let mut response = StatusCode::NO_CONTENT.into_response();
    let headers = response.headers_mut();
    headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("GET, POST, OPTIONS"),
    );
    if let Some(asked) = request_headers.get(header::ACCESS_CONTROL_REQUEST_HEADERS) {
        headers.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, asked.clone());
    }
    headers.insert(
        header::ACCESS_CONTROL_MAX_AGE,
        HeaderValue::from_static("600"),
    );
    headers.insert(
        header::VARY,
        HeaderValue::from_static("Origin, Access-Control-Request-Headers"),
    );
    response
}

/// The CORS headers on an answer (success or refusal) to a listed origin, so its page can
/// read it, error bodies included.
pub fn allow(origin: HeaderValue, response: &mut Response) {
    let headers = response.headers_mut();
    headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    headers.insert(
        header::ACCESS_CONTROL_EXPOSE_HEADERS,
        HeaderValue::from_static("*"),
    );
    headers.append(header::VARY, HeaderValue::from_static("Origin"));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_static(value));
        }
        map
    }

    const HOST: Option<&str> = Some("127.0.0.1:9090");

    #[test]
    fn clients_without_browser_headers_and_our_own_pages_pass() {
        assert_eq!(caller(&headers(&[]), HOST, &[]), Caller::NotCrossSite);
        let own = headers(&[
            ("origin", "http://127.0.0.1:9090"),
            ("sec-fetch-site", "same-origin"),
        ]);
        assert_eq!(caller(&own, HOST, &[]), Caller::NotCrossSite);
    }

    #[test]
    fn other_sites_are_foreign_unless_listed() {
        let page = headers(&[
            ("origin", "https://chat.example.com"),
            ("sec-fetch-site", "cross-site"),
        ]);
        assert_eq!(caller(&page, HOST, &[]), Caller::Foreign);
        let listed = vec!["https://Chat.example.com/".to_owned()];
        assert!(matches!(caller(&page, HOST, &listed), Caller::Listed(_)));
        for pairs in [
            &[("sec-fetch-site", "same-site")][..],
            &[("sec-fetch-site", "cross-site")][..],
            &[("origin", "null")][..],
            &[("origin", "http://127.0.0.1:8080")][..],
        ] {
            assert_eq!(
                caller(&headers(pairs), HOST, &listed),
                Caller::Foreign,
                "{pairs:?}"
            );
        }
    }
}
