//! The HTTP surface of `api-switch`: one router for the proxy, `/health`, the UI bundle, the
//! server-rendered pages and their server functions, all sharing one `AppState`.

use std::net::SocketAddr;
use std::path::PathBuf;

use axum::extract::{FromRef, State};
use axum::routing::get;
use axum::{Json, Router};
use engine::AppState;
use leptos::prelude::*;
use leptos_axum::{LeptosRoutes, generate_route_list};
use serde_json::json;

use crate::assets;

/// The router's state: the engine's state plus what Leptos needs to render pages.
#[derive(Clone, FromRef)]
pub struct ServerState {
    pub app: AppState,
    pub leptos: LeptosOptions,
}

/// Where to listen and where the data lives.
#[derive(Clone, Debug)]
pub struct ServeOptions {
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
}

/// The database file's name inside the data folder.
pub const DB_FILE_NAME: &str = "api-switch.db";

fn leptos_options(listen: SocketAddr) -> LeptosOptions {
    LeptosOptions::builder()
        .output_name(assets::OUTPUT_NAME)
        .site_pkg_dir("pkg")
        .site_addr(listen)
        .build()
}

/// Builds the whole router for `state`; tests call this directly with `oneshot`.
pub fn router(app: AppState, listen: SocketAddr) -> Router {
    let leptos = leptos_options(listen);
    let state = ServerState {
        app: app.clone(),
        leptos: leptos.clone(),
    };
    let routes = generate_route_list(app::App);
    Router::new()
        .route("/health", get(health))
        .merge(engine::proxy::proxy_routes())
        .route("/pkg/{*file}", get(assets::bundle_file))
        .leptos_routes_with_context(
            &state,
            routes,
            move || provide_context(app.clone()),
            move || app::shell(leptos.clone()),
        )
        .with_state(state)
}

/// `GET /health`: liveness for scripts and monitors.
async fn health(State(app): State<AppState>) -> Json<serde_json::Value> {
    Json(json!({
        "status": "ok",
        "version": env!("CARGO_PKG_VERSION"),
        "uptime_secs": app.uptime_secs(),
    }))
}

/// Opens the data folder and serves until the process is stopped.
pub async fn serve(options: ServeOptions) -> anyhow::Result<()> {
    std::fs::create_dir_all(&options.data_dir).map_err(|error| {
        anyhow::anyhow!(
            "cannot create the data folder {}: {error}",
            options.data_dir.display()
        )
    })?;
    let app = AppState::open(options.data_dir.join(DB_FILE_NAME))?;
    if !assets::has_ui_bundle() {
        tracing::warn!("this binary has no UI bundle; build it with `cargo xtask build`");
    }
    let listener = tokio::net::TcpListener::bind(options.listen)
        .await
        .map_err(|error| {
            anyhow::anyhow!(
                "cannot listen on {}: {error}; is another api-switch already running? \
                 Use --listen to pick another address",
                options.listen
            )
        })?;
    let local = listener.local_addr()?;
    // `api-switch import` run against this data folder is picked up within a second.
    let _watcher = app.spawn_external_change_watcher(std::time::Duration::from_secs(1));
    tracing::info!(address = %local, data = %options.data_dir.display(), "api-switch is serving");
    axum::serve(listener, router(app, local)).await?;
    Ok(())
}
