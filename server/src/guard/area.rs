//! Which part of the server a path belongs to; the guard's rules and error shapes differ by
//! part: the proxy answers in its client's protocol, the UI's API in JSON, pages by redirect.

use protocol::Protocol;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Area {
    /// `/v1/...` and Gemini's `/v1beta/...`, answered in the client protocol's error shape.
    Proxy(Protocol),
    /// `/api/auth/*`: same-origin only, but reachable without a session.
    Auth,
    /// Every other `/api/*` path: server functions, `/api/events`.
    Api,
    /// `/metrics`: never from another site's page; from loopback, a login session or a
    /// metrics token (`scrape`).
    Metrics,
    /// Reachable by anyone the Host check lets in: `/login`, `/pkg/*`, `/favicon.*`, `/health`.
    Public,
    /// A UI page.
    Page,
}

impl Area {
    pub fn of(path: &str) -> Self {
        if path == "/v1" || path.starts_with("/v1/") {
            return Self::Proxy(proxy_protocol(path));
        }
        if path == "/v1beta" || path.starts_with("/v1beta/") {
            return Self::Proxy(Protocol::Gemini);
        }
        if path == "/metrics" {
            return Self::Metrics;
        }
        if path == "/api/auth" || path.starts_with("/api/auth/") {
            return Self::Auth;
        }
        if path == "/api" || path.starts_with("/api/") {
            return Self::Api;
        }
        let public = path == "/health"
            || path == "/login"
            || path.starts_with("/login/")
            || path.starts_with("/pkg/")
            || path.starts_with("/favicon.");
        if public { Self::Public } else { Self::Page }
    }

    /// Paths that only the UI's own pages may call.
    pub fn is_api(self) -> bool {
        matches!(self, Self::Api | Self::Auth)
    }

    /// Paths that need a login session when login is required.
    pub fn needs_session(self) -> bool {
        matches!(self, Self::Api | Self::Page)
    }
}

/// The protocol a client of a `/v1` path speaks (Anthropic for `/v1/messages*`).
fn proxy_protocol(path: &str) -> Protocol {
    if path == "/v1/messages" || path.starts_with("/v1/messages/") {
        Protocol::Anthropic
    } else if path == "/v1/responses" || path.starts_with("/v1/responses/") {
        Protocol::Responses
    } else {
        Protocol::OpenAiChat
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_map_to_their_area() {
        assert_eq!(Area::of("/v1/messages"), Area::Proxy(Protocol::Anthropic));
        assert_eq!(
            Area::of("/v1/messages/count_tokens"),
            Area::Proxy(Protocol::Anthropic)
        );
        assert_eq!(Area::of("/v1/responses"), Area::Proxy(Protocol::Responses));
        assert_eq!(
            Area::of("/v1/chat/completions"),
            Area::Proxy(Protocol::OpenAiChat)
        );
        assert_eq!(
            Area::of("/v1beta/models/gemini-2.5-pro:streamGenerateContent"),
            Area::Proxy(Protocol::Gemini)
        );
        assert_eq!(Area::of("/api/auth/login"), Area::Auth);
        assert_eq!(Area::of("/api/update_channel123"), Area::Api);
        assert_eq!(Area::of("/api/events"), Area::Api);
        assert_eq!(Area::of("/pkg/api_switch.js"), Area::Public);
        assert_eq!(Area::of("/login"), Area::Public);
        assert_eq!(Area::of("/loginx"), Area::Page);
        assert_eq!(Area::of("/channels"), Area::Page);
        assert_eq!(Area::of("/v1x"), Area::Page);
        assert_eq!(Area::of("/metrics"), Area::Metrics);
        assert_eq!(Area::of("/metrics/x"), Area::Page);
    }
}
