//! The guard every request passes before any handler runs, in this order: its `Host` must be
//! one this server answers to (DNS rebinding), a remote proxy client needs access keys on,
//! `/api/*` must come from the UI's own origin (CSRF), a declared body over the limit is
//! refused before it is read, the UI needs a login session when `login` says so, and the body
//! must arrive whole within a deadline. Each refusal answers in the caller's error shape.

pub mod area;
pub mod body;
pub mod host;
pub mod login;
pub mod origin;
pub mod reply;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::Response;
use engine::AppState;
use engine::auth::LoginThrottle;

pub use area::Area;
pub use host::AllowedHosts;

/// What the guard needs: the engine (settings, sessions), the names this listener answers
/// to, the login throttle and how long a body may take to arrive.
#[derive(Clone)]
pub struct Guard {
    pub app: AppState,
    pub hosts: Arc<AllowedHosts>,
    pub throttle: Arc<LoginThrottle>,
    pub body_read_timeout: Duration,
}

impl Guard {
    pub fn new(app: AppState, listen: SocketAddr, body_read_timeout: Duration) -> Self {
        Self {
            app,
            hosts: Arc::new(AllowedHosts::for_listener(listen)),
            throttle: Arc::new(LoginThrottle::default()),
            body_read_timeout,
        }
    }
}

/// The peer's address, set by the listener for every connection. In-process callers
/// (`oneshot` tests) have none; they are treated as loopback peers.
pub fn peer(request: &Request) -> Option<SocketAddr> {
    request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|info| info.0)
}

/// Whether `peer` is this machine (IPv4-mapped loopback included); unknown counts as local.
pub fn peer_is_loopback(peer: Option<SocketAddr>) -> bool {
    peer.is_none_or(|peer| peer.ip().to_canonical().is_loopback())
}

/// The middleware: see the module doc for the order of the checks.
pub async fn check(State(guard): State<Guard>, mut request: Request, next: Next) -> Response {
    let area = Area::of(request.uri().path());
    let snapshot = guard.app.snapshot();
    let settings = &snapshot.settings;
    let host = host::of(&request);
    if !guard.hosts.allows(host.as_deref(), &settings.allowed_hosts) {
        tracing::warn!(host = ?host, path = request.uri().path(), "refused a request for a foreign Host");
        return reply::refuse(
            area,
            StatusCode::FORBIDDEN,
            "foreign_host",
            "this server does not answer to that Host name; if you reach API Switch through a \
             reverse proxy or another name, add it to the allowed hosts in the settings",
        );
    }
    if matches!(area, Area::Proxy(_))
        && !peer_is_loopback(peer(&request))
        && !settings.require_access_key
    {
        return reply::refuse(
            area,
            StatusCode::FORBIDDEN,
            "access_key_required",
            "remote clients may use the proxy only while access keys are required; run \
             `api-switch keys require on` on the machine running API Switch",
        );
    }
    if area.is_api() && !origin::is_same_origin(request.headers(), host.as_deref()) {
        tracing::warn!(
            path = request.uri().path(),
            "refused a cross-origin request to the UI's API"
        );
        return reply::refuse(
            area,
            StatusCode::FORBIDDEN,
            "cross_origin",
            "only the API Switch page itself may call this endpoint",
        );
    }
    if let Some(refused) = body::refuse_declared_size(&request, area, settings.max_body_bytes) {
        return refused;
    }
    if area.needs_session()
        && login::required(settings, &request)
        && !login::has_live_session(&guard.app, request.headers()).await
    {
        return login::refuse(area, &request);
    }
    let max_body_bytes = settings.max_body_bytes;
    drop(snapshot);
    // Server functions that touch this machine's files ask where the browser is.
    let place = login::place(&request);
    request.extensions_mut().insert(place);
    match body::read_within(request, area, max_body_bytes, guard.body_read_timeout).await {
        Ok(request) => next.run(request).await,
        Err(refused) => refused,
    }
}
