//! The HTTP surface of `api-switch`: one router for the proxy, `/health`, the UI bundle, the
//! server-rendered pages, their server functions and the login API, all sharing one
//! `AppState` and all behind the `guard` (Host, same-origin, login, body limits).

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use axum::extract::{FromRef, State};
use axum::routing::get;
use axum::{Json, Router};
use engine::AppState;
use engine::network::ListenControl;
use leptos::prelude::*;
use leptos_axum::LeptosRoutes;
use serde_json::json;

use crate::guard::{self, AllowedHosts, Guard};
use crate::listener::{self, Limits};
use crate::rebind::Rebinder;
use crate::{assets, auth_routes, remote};

/// The router's state: the engine's state, what Leptos needs to render pages and the guard's
/// state (the login API uses its throttle).
#[derive(Clone, FromRef)]
pub struct ServerState {
    pub app: AppState,
    pub leptos: LeptosOptions,
    pub guard: Guard,
}

/// Where to listen, where the data lives and the limits protecting the process.
#[derive(Clone, Debug)]
pub struct ServeOptions {
    pub listen: SocketAddr,
    /// Whether `listen` was asked for (`--listen`): it then wins over the address Settings ->
    /// Network stored; otherwise the stored address is used and `listen` only when none is.
    pub listen_given: bool,
    pub data_dir: PathBuf,
    pub limits: Limits,
}

impl ServeOptions {
    /// Listens exactly on `listen`, with default limits.
    pub fn new(listen: SocketAddr, data_dir: PathBuf) -> Self {
        Self {
            listen,
            listen_given: true,
            data_dir,
            limits: Limits::default(),
        }
    }

    /// As `serve` and the desktop app take them: `--listen` when given, else the stored
    /// address, else the default `127.0.0.1:9090`.
    pub fn from_command_line(listen: Option<SocketAddr>, data_dir: PathBuf) -> Self {
        Self {
            listen_given: listen.is_some(),
            ..Self::new(listen.unwrap_or(engine::network::DEFAULT_LISTEN), data_dir)
        }
    }
}

/// The database file's name inside the data folder.
pub const DB_FILE_NAME: &str = "api-switch.db";

fn leptos_options(listen: SocketAddr) -> LeptosOptions {
    LeptosOptions::builder()
        .output_name(assets::output_name())
        .site_pkg_dir("pkg")
        .site_addr(listen)
        .build()
}

/// Builds the whole router for `state` with default limits; tests call this directly with
/// `oneshot`.
pub fn router(app: AppState, listen: SocketAddr) -> Router {
    router_with(app, listen, &Limits::default())
}

/// Builds the whole router, guarded, for a listener bound to `listen`.
pub fn router_with(app: AppState, listen: SocketAddr, limits: &Limits) -> Router {
    let guard = Guard::new(app.clone(), listen, limits.body_read_timeout);
    router_for(app, listen, guard, None)
}

/// The router for a listener bound to `listen`, behind `guard` (whose Host names must be
/// `listen`'s); with `control`, Settings -> Network can move the listener.
fn router_for(
    app: AppState,
    listen: SocketAddr,
    guard: Guard,
    control: Option<ListenControl>,
) -> Router {
    let leptos = leptos_options(listen);
    let state = ServerState {
        app: app.clone(),
        leptos: leptos.clone(),
        guard: guard.clone(),
    };
    let routes = app::shell::pages();
    Router::new()
        .route("/health", get(health))
        .route("/metrics", get(metrics))
        .route("/api/events", get(crate::events::stream_events))
        .merge(auth_routes::routes())
        // Given its own state here, so a proxied request clones only the runtime's `Arc`, not
        // the whole `ServerState` (Leptos's options included; the profile in BENCHMARKS.md).
        .merge(engine::proxy::proxy_routes().with_state(Arc::clone(app.runtime())))
        .route("/pkg/{*file}", get(assets::bundle_file))
        .route("/favicon.svg", get(assets::favicon))
        .route("/favicon.ico", get(assets::favicon))
        .leptos_routes_with_context(
            &state,
            routes,
            {
                // Server functions get the options too: Settings shows the listen address.
                let leptos = leptos.clone();
                move || {
                    provide_context(app.clone());
                    provide_context(leptos.clone());
                    if let Some(control) = &control {
                        provide_context(control.clone());
                    }
                }
            },
            // The page's script policy names the nonce Leptos puts on its inline scripts.
            move || {
                guard::headers::set_page_policy();
                app::shell(leptos.clone())
            },
        )
        .with_state(state)
        .layer(axum::middleware::map_response(
            crate::server_fn_errors::request_errors_are_400,
        ))
        // Outermost, so it sees every request, unmatched paths included.
        .layer(axum::middleware::from_fn_with_state(guard, guard::check))
}

/// `GET /health`: liveness for scripts and monitors.
async fn health(State(app): State<AppState>) -> Json<serde_json::Value> {
    Json(json!({
        "status": "ok",
        "version": env!("CARGO_PKG_VERSION"),
        "uptime_secs": app.uptime_secs(),
    }))
}

/// `GET /metrics`: the proxy's counters in the Prometheus (OpenMetrics) text format; who may
/// read it is `guard::scrape`'s.
async fn metrics(State(app): State<AppState>) -> axum::response::Response {
    use axum::http::header;
    use axum::response::IntoResponse;
    let headers = [
        (header::CONTENT_TYPE, engine::metrics::CONTENT_TYPE),
        (header::CACHE_CONTROL, "no-store"),
    ];
    (headers, app.metrics_text()).into_response()
}

/// A server that has opened its data and bound its listener, ready to run. Binding first lets
/// callers (the desktop app, tests) learn the real address before anything is served.
pub struct BoundServer {
    listener: tokio::net::TcpListener,
    app: AppState,
    local: SocketAddr,
    limits: Limits,
    data_dir: PathBuf,
    /// `--listen`, when the address was given (it then wins over the stored one).
    command_line: Option<SocketAddr>,
}

impl BoundServer {
    /// Opens the data folder and binds the listener: to `options.listen` when it was given
    /// (`--listen`), else to the address Settings -> Network stored, or to `options.listen`
    /// when none is stored.
    pub async fn bind(options: ServeOptions) -> anyhow::Result<Self> {
        let app = open_data(&options)?;
        if options.listen_given {
            let listen = options.listen;
            return Self::bind_at(options, app, listen, Some(listen)).await;
        }
        let listen = app
            .snapshot()
            .settings
            .listen_address
            .unwrap_or(options.listen);
        Self::bind_at(options, app, listen, None).await
    }

    async fn bind_at(
        options: ServeOptions,
        app: AppState,
        listen: SocketAddr,
        command_line: Option<SocketAddr>,
    ) -> anyhow::Result<Self> {
        remote::check_ready(&app, listen, &options.data_dir)?;
        if !assets::has_ui_bundle() {
            tracing::warn!("this binary has no UI bundle; build it with `cargo xtask build`");
        }
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .map_err(|error| {
                anyhow::anyhow!(
                    "cannot listen on {listen}: {error}; is another api-switch already running? \
                     Use --listen to pick another address"
                )
            })?;
        let local = listener.local_addr()?;
        tracing::info!(address = %local, data = %options.data_dir.display(), "api-switch is serving");
        Ok(Self {
            listener,
            app,
            local,
            limits: options.limits,
            data_dir: options.data_dir,
            command_line,
        })
    }

    /// The address actually bound (useful with port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local
    }

    /// The engine state, shared with whoever embeds the server (e.g. the desktop tray).
    pub fn state(&self) -> &AppState {
        &self.app
    }

    /// Serves until `shutdown` completes (e.g. `listener::shutdown_signal()`), lets open
    /// requests finish within the grace period, then writes every queued request-log row and
    /// cooldown to the database before returning.
    pub async fn run(self, shutdown: impl Future<Output = ()>) -> anyhow::Result<()> {
        // `api-switch import` run against this data folder is picked up within a second.
        let watcher = self
            .app
            .spawn_external_change_watcher(std::time::Duration::from_secs(1));
        // Cooling entries are probed every few seconds; each channel at most once per its
        // `probe_interval_secs`.
        let probes = self
            .app
            .spawn_recovery_probes(std::time::Duration::from_secs(5));
        // Relay balances older than a few hours are looked up again in the background.
        let balances = self.app.spawn_balance_refresh();
        start_traces(&self.app);
        // Live event streams never end by themselves; they end with the shutdown so open UI
        // tabs (the desktop window among them) do not hold it for the whole grace period.
        let streams = self.app.clone();
        let shutdown = async move {
            shutdown.await;
            streams.close_event_streams();
        };
        let (control, requests) = ListenControl::new(self.local, self.command_line);
        // One guard for every listener, so the login throttle survives a move; only the Host
        // names it accepts are built anew from each listener's address.
        let guard = Guard::new(self.app.clone(), self.local, self.limits.body_read_timeout);
        let app = self.app.clone();
        let router_for_address = {
            let control = control.clone();
            move |address: SocketAddr| {
                let mut guard = guard.clone();
                guard.hosts = std::sync::Arc::new(AllowedHosts::for_listener(address));
                router_for(app.clone(), address, guard, Some(control.clone()))
            }
        };
        let rebinder = Rebinder {
            app: self.app.clone(),
            data_dir: self.data_dir,
            limits: self.limits,
            control,
            router_for: router_for_address,
        };
        rebinder
            .serve(self.listener, self.local, requests, shutdown)
            .await;
        watcher.abort();
        probes.abort();
        balances.abort();
        let app = self.app;
        tokio::task::spawn_blocking(move || {
            app.flush();
            // After the flush every row has its spans; the exporter sends what it holds.
            app.runtime().stop_traces();
        })
        .await?;
        tracing::info!("request log and cooldowns saved; stopped");
        Ok(())
    }
}

/// Exports traces when the standard OpenTelemetry variables name a collector
/// (`engine::traces`); a collector that cannot be set up is reported and the server serves
/// without traces.
fn start_traces(app: &AppState) {
    match engine::traces::TraceExport::from_env(tokio::runtime::Handle::current()) {
        Ok(Some(traces)) => {
            tracing::info!(endpoint = traces.endpoint(), "exporting traces (OTLP/HTTP)");
            app.runtime().export_traces(traces);
        }
        Ok(None) => {}
        Err(error) => tracing::warn!(%error, "serving without traces"),
    }
}

/// Opens the data folder and serves on `options.listen` until SIGTERM, SIGINT or Ctrl-C.
pub async fn serve(options: ServeOptions) -> anyhow::Result<()> {
    BoundServer::bind(options)
        .await?
        .run(listener::shutdown_signal())
        .await
}

/// Creates the data folder if needed and opens the engine on its database.
fn open_data(options: &ServeOptions) -> anyhow::Result<AppState> {
    engine::store::files::create_data_dir(&options.data_dir).map_err(|error| {
        anyhow::anyhow!(
            "cannot create the data folder {}: {error}",
            options.data_dir.display()
        )
    })?;
    Ok(AppState::open(options.data_dir.join(DB_FILE_NAME))?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::{Body, to_bytes};
    use axum::http::{Request, StatusCode};
    use tower::ServiceExt;

    /// `GET path` on a fresh router over a new database; returns the data folder (kept alive
    /// for the test), the status and the body.
    async fn get(path: &str) -> (tempfile::TempDir, StatusCode, String) {
        let dir = tempfile::tempdir().expect("temp dir");
        let app = AppState::open(dir.path().join(DB_FILE_NAME)).expect("open state");
        let response = router(app, SocketAddr::from(([127, 0, 0, 1], 0)))
            .oneshot(Request::get(path).body(Body::empty()).expect("request"))
            .await
            .expect("response");
        let status = response.status();
        let body = to_bytes(response.into_body(), usize::MAX)
            .await
            .expect("body");
        (dir, status, String::from_utf8_lossy(&body).into_owned())
    }

    #[tokio::test]
    async fn health_answers_with_version_and_uptime() {
        let (_dir, status, body) = get("/health").await;
        assert_eq!(status, StatusCode::OK);
        let json: serde_json::Value = serde_json::from_str(&body).expect("json");
        assert_eq!(json["version"], env!("CARGO_PKG_VERSION"));
        assert_eq!(json["uptime_secs"], 0);
    }

    #[tokio::test]
    async fn the_overview_page_is_server_rendered_with_live_values() {
        let (dir, status, html) = get("/").await;
        assert_eq!(status, StatusCode::OK);
        // The bundle's stem: fingerprinted (`api_switch-<hash>`) once the UI is built.
        let stem = crate::assets::output_name();
        assert!(
            html.contains(&format!("/pkg/{stem}.js")),
            "hydration script is linked"
        );
        assert!(
            html.contains(&format!("/pkg/{stem}.css")),
            "stylesheet is linked"
        );
        let db = dir.path().join(DB_FILE_NAME).display().to_string();
        assert!(html.contains(&db), "the data file path is rendered: {html}");
        assert!(
            html.contains(r#"id="channel-count">0<"#),
            "channel count rendered"
        );
    }

    /// The pages registered at start-up are the ones the app's router finds by running it
    /// (which start-up no longer does): same paths, same rendering, GET only.
    #[tokio::test]
    async fn the_pages_registered_are_the_routers_own() {
        let listed = |routes: Vec<leptos_axum::AxumRouteListing>| {
            let mut listed: Vec<String> = routes
                .iter()
                .map(|route| {
                    let methods: Vec<_> = route.methods().collect();
                    format!("{} {:?} {methods:?}", route.path(), route.mode())
                })
                .collect();
            listed.sort();
            listed
        };
        let found = listed(leptos_axum::generate_route_list(app::App));
        assert!(found.len() >= 10, "{found:?}");
        assert_eq!(listed(app::shell::pages()), found);
    }

    #[tokio::test]
    async fn a_missing_bundle_file_is_a_404() {
        let (_dir, status, _) = get("/pkg/nope.js").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
}
