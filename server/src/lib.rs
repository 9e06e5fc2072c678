//! The `api-switch` server: one Axum listener that serves the proxy endpoints, the web UI
//! (server-rendered, then hydrated) and the UI's server functions. Everything it does lives in
//! the `engine` crate; this crate only wires HTTP to it.

pub mod assets;
pub mod auth_routes;
pub mod cli;
pub mod commands;
pub mod config_cmd;
pub mod events;
pub mod guard;
pub mod http;
pub mod listener;
pub mod log_filter;
pub mod output;
pub mod rebind;
pub mod remote;
pub mod server_fn_errors;

pub use http::{BoundServer, ServeOptions, serve};
