//! Same-origin only for the UI's API (CSRF). Browsers mark every request with `Sec-Fetch-Site`
//! (`same-origin`, `same-site`, `cross-site`, `none`), which a page cannot forge; older ones at
//! least send `Origin` on every POST. A request must say it came from our own origin through
//! one of them: a form post or `fetch` from another origin, another port of the same host
//! included (that is `same-site`, not `same-origin`), and a request with neither header are
//! refused. This is the check OWASP recommends over tokens for a JSON-over-fetch UI; no token
//! has to be threaded through the server functions.

use axum::http::{HeaderMap, header};

/// Whether the browser says this request comes from our own origin (`host` is its `Host`).
pub fn is_same_origin(headers: &HeaderMap, host: Option<&str>) -> bool {
    if let Some(site) = headers.get("sec-fetch-site") {
        // `none`: the user typed the address or used a bookmark, no page involved.
        return site == "same-origin" || site == "none";
    }
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let Some(host) = host else { return false };
    let authority = origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"));
    authority.is_some_and(|authority| authority.eq_ignore_ascii_case(host))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, value.parse().expect("header value"));
        }
        map
    }

    #[test]
    fn the_fetch_metadata_header_decides_when_present() {
        let host = Some("127.0.0.1:9090");
        assert!(is_same_origin(
            &headers(&[("sec-fetch-site", "same-origin")]),
            host
        ));
        assert!(is_same_origin(
            &headers(&[("sec-fetch-site", "none")]),
            host
        ));
        for site in ["same-site", "cross-site", "junk"] {
            let h = headers(&[
                ("sec-fetch-site", site),
                ("origin", "http://127.0.0.1:9090"),
            ]);
            assert!(!is_same_origin(&h, host), "{site}");
        }
    }

    #[test]
    fn without_it_the_origin_must_be_our_own() {
        let host = Some("127.0.0.1:9090");
        assert!(is_same_origin(
            &headers(&[("origin", "http://127.0.0.1:9090")]),
            host
        ));
        assert!(!is_same_origin(
            &headers(&[("origin", "http://127.0.0.1:9091")]),
            host
        ));
        assert!(!is_same_origin(&headers(&[("origin", "null")]), host));
        assert!(
            !is_same_origin(&headers(&[]), host),
            "neither header: refused"
        );
    }
}
