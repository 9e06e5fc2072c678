//! The one rule for "remote", shared by `/v1` (a remote client needs a valid access key), the
//! UI (a remote browser logs in), Connect (only a local browser may write this machine's files)
//! and the login throttle (who is guessing).
//!
//! A request is local only when every sign says so: the TCP peer is loopback, the `Host` is a
//! loopback name, it speaks HTTP/1.1 or later and it carries no forwarding header (`Forwarded`,
//! `Via`, any `X-Forwarded-*`, `X-Real-IP` and the CDN variants). A reverse proxy on this
//! machine makes every connection come from loopback, so the other signs carry the weight:
//! nginx's plain `proxy_pass` rewrites `Host` to the upstream's own address and adds no header,
//! but it speaks HTTP/1.0 to its upstream unless told otherwise, which no local client or
//! browser does. A proxy that speaks HTTP/1.1, rewrites `Host` and strips every forwarding
//! header (or a TCP tunnel) is indistinguishable from a local client; `login_on_loopback` and
//! "require access key" are for that set-up.
//!
//! The login throttle keys on the TCP peer. Only when the peer is a proxy the user listed in
//! `trusted_proxies` is the client address it appended to `X-Forwarded-For` believed.

use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;

use axum::extract::Request;
use axum::http::{HeaderMap, Version};
use engine::auth::BrowserPlace;

use super::{host, peer};

/// Headers only a proxy hop adds (besides every `x-forwarded-*`).
const FORWARDING_HEADERS: [&str; 7] = [
    "forwarded",
    "via",
    "x-real-ip",
    "true-client-ip",
    "cf-connecting-ip",
    "x-client-ip",
    "x-cluster-client-ip",
];

/// Whether the request went through a proxy hop that says so.
fn carries_forwarding_header(headers: &HeaderMap) -> bool {
    headers.keys().any(|name| {
        let name = name.as_str();
        name.starts_with("x-forwarded-") || FORWARDING_HEADERS.contains(&name)
    })
}

/// Whether `peer` is this machine (IPv4-mapped loopback included); unknown (an in-process
/// `oneshot` caller) counts as local.
pub fn peer_is_loopback(peer: Option<SocketAddr>) -> bool {
    peer.is_none_or(|peer| peer.ip().to_canonical().is_loopback())
}

/// Where the request comes from, by the rule in the module doc.
pub fn of(request: &Request) -> BrowserPlace {
    let local = peer_is_loopback(peer(request))
        && host::names_loopback(host::of(request).as_deref())
        && request.version() >= Version::HTTP_11
        && !carries_forwarding_header(request.headers());
    if local {
        BrowserPlace::Local
    } else {
        BrowserPlace::Remote
    }
}

/// The addresses in `trusted_proxies` that parse (settings validation reports the others).
fn trusted(trusted_proxies: &[String]) -> Vec<IpAddr> {
    trusted_proxies
        .iter()
        .filter_map(|entry| IpAddr::from_str(entry.trim()).ok())
        .map(|ip| ip.to_canonical())
        .collect()
}

/// Who is logging in, for the throttle: the TCP peer, unless the peer is a trusted proxy; then
/// the rightmost `X-Forwarded-For` entry that is not itself a trusted proxy (entries left of it
/// were written by the client and prove nothing).
pub fn client_address(request: &Request, trusted_proxies: &[String]) -> IpAddr {
    let peer = peer(request).map_or(IpAddr::from([127, 0, 0, 1]), |p| p.ip().to_canonical());
    let trusted = trusted(trusted_proxies);
    if !trusted.contains(&peer) {
        return peer;
    }
    let forwarded: Vec<&str> = request
        .headers()
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .collect();
    for entry in forwarded.iter().rev() {
        match IpAddr::from_str(entry.trim()) {
            Ok(ip) if trusted.contains(&ip.to_canonical()) => continue,
            Ok(ip) => return ip.to_canonical(),
            // A hop we cannot read: stop at the proxy we do trust.
            Err(_) => return peer,
        }
    }
    peer
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::extract::ConnectInfo;

    fn request(peer: [u8; 4], version: Version, headers: &[(&str, &str)]) -> Request {
        let mut builder = Request::get("/").version(version);
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        let mut request = builder.body(Body::empty()).expect("request");
        request
            .extensions_mut()
            .insert(ConnectInfo(SocketAddr::from((peer, 5000))));
        request
    }

    const LOOPBACK: [u8; 4] = [127, 0, 0, 1];

    #[test]
    fn a_plain_loopback_request_is_local() {
        let plain = request(LOOPBACK, Version::HTTP_11, &[("host", "127.0.0.1:9090")]);
        assert_eq!(of(&plain), BrowserPlace::Local);
    }

    #[test]
    fn any_proxy_sign_makes_it_remote() {
        let host = ("host", "127.0.0.1:9090");
        for headers in [
            vec![host, ("x-forwarded-proto", "https")],
            vec![host, ("x-forwarded-host", "ai.example.com")],
            vec![host, ("via", "1.1 proxy")],
            vec![host, ("forwarded", "for=192.0.2.1")],
            vec![host, ("x-real-ip", "192.0.2.1")],
            vec![("host", "ai.example.com")],
        ] {
            let r = request(LOOPBACK, Version::HTTP_11, &headers);
            assert_eq!(of(&r), BrowserPlace::Remote, "{headers:?}");
        }
        let http10 = request(LOOPBACK, Version::HTTP_10, &[host]);
        assert_eq!(of(&http10), BrowserPlace::Remote, "nginx's default hop");
        let lan = request([192, 0, 2, 9], Version::HTTP_11, &[host]);
        assert_eq!(of(&lan), BrowserPlace::Remote);
    }

    #[test]
    fn the_throttle_believes_forwarded_for_only_from_a_trusted_proxy() {
        let spoofed = [("x-forwarded-for", "10.9.9.9")];
        let direct = request(LOOPBACK, Version::HTTP_11, &spoofed);
        assert_eq!(client_address(&direct, &[]), IpAddr::from(LOOPBACK));
        let proxied = request(
            LOOPBACK,
            Version::HTTP_11,
            &[("x-forwarded-for", "10.9.9.9, 192.0.2.7")],
        );
        let trusted = vec!["127.0.0.1".to_owned()];
        assert_eq!(
            client_address(&proxied, &trusted),
            IpAddr::from([192, 0, 2, 7]),
            "the entry the proxy appended, not the client's own"
        );
        let chained = request(
            LOOPBACK,
            Version::HTTP_11,
            &[("x-forwarded-for", "192.0.2.7, 10.0.0.2")],
        );
        let both = vec!["127.0.0.1".to_owned(), "10.0.0.2".to_owned()];
        assert_eq!(
            client_address(&chained, &both),
            IpAddr::from([192, 0, 2, 7])
        );
    }
}
