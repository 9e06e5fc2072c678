//! The HTTP clients upstream requests go through: one for direct requests, and one per
//! distinct outbound proxy a channel names (HTTP, HTTPS or SOCKS5, optionally with
//! credentials). They live as long as the running state, so their connection pools survive
//! configuration reloads: a reload that only renames a channel reuses the warm connections. A
//! client is rebuilt only when a setting it is built from (the connect timeout, its proxy)
//! changes.
//!
//! Every client times the connections it opens (`TimeConnects`, a layer around reqwest's
//! connector): an attempt sent through `timing_connect` learns how long its new connection took
//! (TCP, TLS, the outbound proxy's handshake), or that it reused a kept-alive one. reqwest
//! reports neither; the connection is opened inside the attempt's own task, so a task-local
//! slot carries the figure back without touching a request that reuses a connection.

use std::cell::Cell;
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use tower::{Layer, Service};

use crate::store::{OutboundProxy, Settings};

/// The settings the client is built from; a change to any of them builds a new client.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct ClientOptions {
    connect_timeout_ms: u64,
}

impl ClientOptions {
    fn of(settings: &Settings) -> Self {
        Self {
            connect_timeout_ms: settings.connect_timeout_ms,
        }
    }

    fn build(self) -> reqwest::Client {
        self.builder().build()
            .unwrap_or_else(|error| {
                tracing::warn!(%error, "cannot build the upstream HTTP client with the settings; using defaults");
                reqwest::Client::new()
            })
    }
}

impl ClientOptions {
    fn builder(self) -> reqwest::ClientBuilder {
        reqwest::Client::builder()
            .connect_timeout(Duration::from_millis(self.connect_timeout_ms))
            .connector_layer(TimeConnects)
    }

    /// A client whose every request goes through `proxy`. One that cannot be built (a URL
    /// the store's check let through) fails closed: requests go to a proxy that refuses
    /// them, never around the proxy the user asked for.
    fn build_proxied(self, proxy: &OutboundProxy) -> reqwest::Client {
        let built = reqwest_proxy(proxy).and_then(|p| self.builder().proxy(p).build());
        built.unwrap_or_else(|problem| {
            tracing::error!(proxy = %proxy.url, %problem, "cannot use the channel's outbound proxy; its requests will fail until it is fixed");
            let refuse = reqwest::Proxy::all("http://127.0.0.1:9").expect("a constant URL");
            self.builder().proxy(refuse).build().unwrap_or_default()
        })
    }
}

/// `proxy` as reqwest takes it, for every request of a client (calibration builds its own).
pub fn reqwest_proxy(proxy: &OutboundProxy) -> Result<reqwest::Proxy, reqwest::Error> {
    match proxy_url(proxy) {
        Ok(url) => reqwest::Proxy::all(url.as_str()),
        // reqwest names what is wrong with the URL.
        Err(_) => reqwest::Proxy::all(proxy.url.trim()),
    }
}

/// The proxy's URL with its credentials in it, as reqwest takes them (basic auth for HTTP(S)
/// proxies, username/password authentication for SOCKS5).
fn proxy_url(proxy: &OutboundProxy) -> Result<url::Url, String> {
    let mut url = url::Url::parse(proxy.url.trim()).map_err(|e| e.to_string())?;
    if !proxy.username.is_empty() {
        url.set_username(&proxy.username)
            .map_err(|()| "the proxy URL cannot carry a username".to_owned())?;
        url.set_password(Some(proxy.password.expose()).filter(|p| !p.is_empty()))
            .map_err(|()| "the proxy URL cannot carry a password".to_owned())?;
    }
    Ok(url)
}

/// The current clients and the options each was built with.
#[derive(Default)]
pub struct UpstreamClient {
    current: Mutex<Option<(ClientOptions, reqwest::Client)>>,
    /// One client per distinct proxy, kept across reloads while the options are unchanged.
    proxied: Mutex<HashMap<(ClientOptions, OutboundProxy), reqwest::Client>>,
}

impl UpstreamClient {
    /// The client for `settings`: the current one (sharing its pool) while the options it was
    /// built from are unchanged, else a new one that becomes current.
    pub fn for_settings(&self, settings: &Settings) -> reqwest::Client {
        let wanted = ClientOptions::of(settings);
        // Only a swap happens under the lock; a poisoned one still holds a usable client.
        let mut current = self.current.lock().unwrap_or_else(|p| p.into_inner());
        match current.as_ref() {
            Some((options, client)) if *options == wanted => client.clone(),
            _ => {
                let client = wanted.build();
                *current = Some((wanted, client.clone()));
                client
            }
        }
    }

    /// The client for requests through `proxy`: the cached one for this proxy and these
    /// options (sharing its pool), else a new one. Clients of proxies no channel names any
    /// more are dropped at the next call.
    pub fn for_proxy(
        &self,
        settings: &Settings,
        proxy: &OutboundProxy,
        in_use: &[&OutboundProxy],
    ) -> reqwest::Client {
        let options = ClientOptions::of(settings);
        // Only inserts and removals happen under the lock; a poisoned map is still valid.
        let mut proxied = self.proxied.lock().unwrap_or_else(|p| p.into_inner());
        proxied.retain(|(o, p), _| *o == options && in_use.contains(&p));
        proxied
            .entry((options, proxy.clone()))
            .or_insert_with(|| options.build_proxied(proxy))
            .clone()
    }
}

tokio::task_local! {
    /// How long the connection the current attempt opened took; set by `TimedConnector`.
    static CONNECT_TIME: Cell<Option<Duration>>;
}

/// Runs `send` (a request on one of these clients) and tells how long it spent opening a new
/// connection to the upstream: `None` when it reused a kept-alive one or could not connect.
pub async fn timing_connect<F: Future>(send: F) -> (F::Output, Option<Duration>) {
    CONNECT_TIME
        .scope(Cell::new(None), async move {
            let sent = send.await;
            (sent, CONNECT_TIME.with(Cell::get))
        })
        .await
}

/// The connector layer that times each connection it opens, for the attempt waiting on it.
#[derive(Clone, Copy)]
struct TimeConnects;

impl<S> Layer<S> for TimeConnects {
    type Service = TimedConnector<S>;

    fn layer(&self, inner: S) -> Self::Service {
        TimedConnector(inner)
    }
}

#[derive(Clone)]
struct TimedConnector<S>(S);

impl<S, R> Service<R> for TimedConnector<S>
where
    S: Service<R> + 'static,
    S::Future: Send + 'static,
    R: 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    /// Boxed once per new connection, never per request.
    type Future = Pin<Box<dyn Future<Output = Result<S::Response, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.0.poll_ready(cx)
    }

    fn call(&mut self, request: R) -> Self::Future {
        let started = Instant::now();
        let connecting = self.0.call(request);
        Box::pin(async move {
            let connected = connecting.await;
            if connected.is_ok() {
                // Outside an attempt (a connection finished in the background after another
                // request took a pooled one) there is nobody to tell.
                let _ = CONNECT_TIME.try_with(|slot| slot.set(Some(started.elapsed())));
            }
            connected
        })
    }
}
