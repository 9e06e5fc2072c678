//! The `Host` names this server answers to. A DNS-rebinding page reaches the server under the
//! attacker's own name (`evil.example:9090`), so refusing every name but ours keeps such a page
//! from spending keys or reading the UI. Ours are: the loopback names and the listen address
//! with the listen port, every address of this machine when listening on all interfaces, and
//! the names the user lists in `Settings::allowed_hosts` (a reverse proxy's public name).

use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;

use axum::extract::Request;
use axum::http::header;
use axum::http::uri::Authority;

/// The names a listener answers to besides the user's `allowed_hosts`.
#[derive(Debug)]
pub struct AllowedHosts {
    port: u16,
    listen_ip: IpAddr,
}

/// The request's `Host` (or, over HTTP/2, the URI's authority), as sent.
pub fn of(request: &Request) -> Option<String> {
    request
        .headers()
        .get(header::HOST)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned)
        .or_else(|| request.uri().authority().map(|a| a.as_str().to_owned()))
}

/// `host[:port]` split into a lowercase name (IPv6 in brackets) and the port, 80 if absent.
fn split(host: &str) -> Option<(String, u16)> {
    let authority = Authority::from_str(host.trim()).ok()?;
    if authority.as_str().contains('@') {
        return None;
    }
    Some((
        authority.host().to_ascii_lowercase(),
        authority.port_u16().unwrap_or(80),
    ))
}

/// An address as it appears in a `Host` header: IPv6 in brackets.
fn host_name(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => format!("[{v6}]"),
    }
}

/// Whether `name` (from `split`) is a loopback name: `localhost` or a loopback address.
pub fn is_loopback_name(name: &str) -> bool {
    if name == "localhost" || name.ends_with(".localhost") {
        return true;
    }
    let bare = name.trim_start_matches('[').trim_end_matches(']');
    IpAddr::from_str(bare).is_ok_and(|ip| ip.to_canonical().is_loopback())
}

/// Whether the `Host` header names this machine's loopback (a local browser or client).
pub fn names_loopback(host: Option<&str>) -> bool {
    host.is_none_or(|host| split(host).is_some_and(|(name, _)| is_loopback_name(&name)))
}

impl AllowedHosts {
    pub fn for_listener(listen: SocketAddr) -> Self {
        Self {
            port: listen.port(),
            listen_ip: listen.ip(),
        }
    }

    /// Whether a request with this `Host` may be served. No `Host` at all is allowed: every
    /// browser sends one, so a request without it cannot come from a rebinding page.
    pub fn allows(&self, host: Option<&str>, extra: &[String]) -> bool {
        let Some(host) = host else { return true };
        let Some((name, port)) = split(host) else {
            return false;
        };
        if extra
            .iter()
            .any(|allowed| matches_allowed(allowed, &name, port))
        {
            return true;
        }
        if port != self.port {
            return false;
        }
        if is_loopback_name(&name) || name == host_name(self.listen_ip) {
            return true;
        }
        self.listen_ip.is_unspecified() && is_own_address(&name)
    }
}

/// An `allowed_hosts` entry: `name` matches any port, `name:port` only that port.
fn matches_allowed(allowed: &str, name: &str, port: u16) -> bool {
    let allowed = allowed.trim();
    let has_port = allowed
        .rsplit_once(':')
        .is_some_and(|(_, p)| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
        && !allowed.ends_with(']');
    match split(allowed) {
        Some((allowed_name, allowed_port)) => {
            allowed_name == name && (!has_port || allowed_port == port)
        }
        None => false,
    }
}

/// Whether `name` is an address of one of this machine's interfaces (read now, so an address
/// that changed since the start is still recognised).
fn is_own_address(name: &str) -> bool {
    let bare = name.trim_start_matches('[').trim_end_matches(']');
    let Ok(ip) = IpAddr::from_str(bare) else {
        return false;
    };
    match if_addrs::get_if_addrs() {
        Ok(interfaces) => interfaces.iter().any(|i| i.ip() == ip),
        Err(error) => {
            tracing::warn!(%error, "cannot list this machine's addresses");
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn loopback_9090() -> AllowedHosts {
        AllowedHosts::for_listener(SocketAddr::from(([127, 0, 0, 1], 9090)))
    }

    #[test]
    fn loopback_names_with_the_listen_port_are_allowed() {
        let hosts = loopback_9090();
        for host in [
            "127.0.0.1:9090",
            "localhost:9090",
            "LOCALHOST:9090",
            "[::1]:9090",
        ] {
            assert!(hosts.allows(Some(host), &[]), "{host}");
        }
        assert!(hosts.allows(None, &[]));
    }

    #[test]
    fn foreign_names_and_other_ports_are_refused() {
        let hosts = loopback_9090();
        for host in [
            "evil.example:9090",
            "evil.example",
            "127.0.0.1:8080",
            "localhost",
            "10.0.0.5:9090",
            "user@127.0.0.1:9090",
            "",
            "127.0.0.1:9090/x",
        ] {
            assert!(!hosts.allows(Some(host), &[]), "{host}");
        }
    }

    #[test]
    fn user_listed_names_match_any_port_unless_one_is_given() {
        let hosts = loopback_9090();
        let extra = vec!["AI.example.com".to_owned(), "box.lan:8443".to_owned()];
        assert!(hosts.allows(Some("ai.example.com"), &extra));
        assert!(hosts.allows(Some("ai.example.com:443"), &extra));
        assert!(hosts.allows(Some("box.lan:8443"), &extra));
        assert!(!hosts.allows(Some("box.lan:9090"), &extra));
        assert!(!hosts.allows(Some("evil.example:9090"), &extra));
    }

    #[test]
    fn all_interfaces_answers_to_the_machines_own_addresses_only() {
        let hosts = AllowedHosts::for_listener(SocketAddr::from(([0, 0, 0, 0], 9090)));
        assert!(hosts.allows(Some("127.0.0.1:9090"), &[]));
        assert!(
            !hosts.allows(Some("192.0.2.77:9090"), &[]),
            "TEST-NET is nobody's"
        );
        assert!(!hosts.allows(Some("evil.example:9090"), &[]));
    }
}
