//! The guard every request passes before any handler runs, in this order: its `Host` must be
//! one this server answers to (DNS rebinding); a `/v1` call from another site's page is
//! refused unless the user listed that origin (`browser`), and a remote `/v1` call needs a
//! valid access key (`place` says what remote is); `/api/*` must come from the UI's own origin
//! (CSRF); a declared body over the limit is refused before it is read; the UI needs a login
//! session when `login` says so (`/metrics` a session or a metrics token, `scrape`); and the
//! body must arrive whole within a deadline. Each
//! refusal answers in the caller's error shape, and every answer gets the security headers
//! (`headers`). The head's size limit (`head`) is applied before all of this, by the listener.

pub mod area;
pub mod body;
pub mod browser;
pub mod head;
pub mod headers;
pub mod host;
pub mod login;
pub mod origin;
pub mod place;
pub mod reply;
pub mod scrape;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::Response;
use engine::AppState;
use engine::auth::{BrowserPlace, LoginAttempt, LoginThrottle};
use engine::proxy::ProxyError;
use engine::proxy::snapshot::Snapshot;

pub use area::Area;
use browser::Caller;
pub use host::AllowedHosts;
pub use place::peer_is_loopback;

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

/// Why a remote `/v1` request without a valid access key is refused, if it is: remote means
/// keys whatever "require access key" says (that setting governs loopback clients).
fn remote_key_refusal(snapshot: &Snapshot, request: &Request) -> Option<ProxyError> {
    let query = engine::proxy::gemini_http::query_key(request.uri().query());
    let presented = engine::proxy::http::presented_key(request.headers()).or(query.as_deref());
    let Some(presented) = presented else {
        return Some(ProxyError::MissingKey);
    };
    let known = engine::proxy::http::known_access_key(snapshot, presented).is_some();
    (!known).then_some(ProxyError::InvalidKey)
}

/// The middleware: the checks in the module doc's order, then the security headers (and, for
/// a browser app the user listed, the CORS headers) on whatever the answer is.
pub async fn check(State(guard): State<Guard>, request: Request, next: Next) -> Response {
    let area = Area::of(request.uri().path());
    let caller = match area {
        Area::Proxy(_) => {
            let host = host::of(&request);
            let origins = &guard.app.snapshot().settings.browser_origins;
            browser::caller(request.headers(), host.as_deref(), origins)
        }
        _ => Caller::NotCrossSite,
    };
    let mut response = checked(guard, area, &caller, request, next).await;
    headers::secure(area, response.headers_mut());
    if let Caller::Listed(origin) = caller {
        browser::allow(origin, &mut response);
    }
    response
}

/// Every check of the module doc, then the handler.
async fn checked(
    guard: Guard,
    area: Area,
    caller: &Caller,
    mut request: Request,
    next: Next,
) -> Response {
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
    let place = place::of(&request);
    if let Area::Proxy(protocol) = area {
        if let Some(refused) = proxy_refusal(&snapshot, caller, place, &request) {
            return match refused {
                ProxyRefusal::CrossSite => reply::refuse(
                    area,
                    StatusCode::FORBIDDEN,
                    "cross_site",
                    "a web page on another site may not call this API; if it is a browser app \
                     of yours, add its origin to the browser apps allowed in the settings",
                ),
                ProxyRefusal::Key(error) => error.into_response_for(protocol),
            };
        }
        if let Caller::Listed(origin) = caller
            && browser::is_preflight(request.method(), request.headers())
        {
            return browser::preflight_answer(origin.clone(), request.headers());
        }
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
    if area == Area::Metrics
        && let Some(refused) = scrape::refusal(
            &guard.app,
            settings,
            place,
            request.headers(),
            host.as_deref(),
        )
        .await
    {
        return refused;
    }
    if let Some(refused) = body::refuse_declared_size(&request, area, settings.max_body_bytes) {
        return refused;
    }
    if area.needs_session()
        && login::required(settings, place)
        && !login::has_live_session(&guard.app, request.headers()).await
    {
        return login::refuse(area, &request);
    }
    let max_body_bytes = settings.max_body_bytes;
    // Server functions that touch this machine's files ask where the browser is; the one that
    // checks the current password goes through the login throttle.
    let client = place::client_address(&request, &settings.trusted_proxies);
    drop(snapshot);
    request.extensions_mut().insert(place);
    request.extensions_mut().insert(LoginAttempt {
        throttle: guard.throttle.clone(),
        client,
    });
    match body::read_within(request, area, max_body_bytes, guard.body_read_timeout).await {
        Ok(request) => next.run(request).await,
        Err(refused) => refused,
    }
}

/// Why a `/v1` request is refused before any upstream is contacted.
enum ProxyRefusal {
    /// A page on a site the user did not list: 403.
    CrossSite,
    /// A remote client without a valid access key: 401.
    Key(ProxyError),
}

/// Whether a `/v1` request is refused before any upstream is contacted (see `ProxyRefusal`).
fn proxy_refusal(
    snapshot: &Snapshot,
    caller: &Caller,
    place: BrowserPlace,
    request: &Request,
) -> Option<ProxyRefusal> {
    if *caller == Caller::Foreign {
        tracing::warn!(
            path = request.uri().path(),
            origin = ?request.headers().get(axum::http::header::ORIGIN),
            "refused a /v1 request from another site's page"
        );
        return Some(ProxyRefusal::CrossSite);
    }
    if browser::is_preflight(request.method(), request.headers()) {
        // A listed origin's preflight carries no key by design; it is answered next.
        return None;
    }
    if place == BrowserPlace::Remote {
        return remote_key_refusal(snapshot, request).map(ProxyRefusal::Key);
    }
    None
}
