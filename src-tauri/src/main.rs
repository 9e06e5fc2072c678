//! The API Switch desktop app: the same `api-switch` server, started inside this process on
//! 127.0.0.1:9090 (or `API_SWITCH_LISTEN`), shown in a native window. The UI is the web UI, so
//! the desktop and a remote browser always show the same thing; the tray arrives in a later
//! issue.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

use std::net::SocketAddr;

use anyhow::Context;
use api_switch::cli::DataDirArg;
use api_switch::{BoundServer, ServeOptions};
use tauri::{WebviewUrl, WebviewWindowBuilder};

fn listen_address() -> anyhow::Result<SocketAddr> {
    let raw = std::env::var("API_SWITCH_LISTEN").unwrap_or_else(|_| "127.0.0.1:9090".into());
    raw.parse()
        .with_context(|| format!("API_SWITCH_LISTEN={raw} is not an ADDR:PORT"))
}

fn main() -> anyhow::Result<()> {
    let runtime = tokio::runtime::Runtime::new()?;
    let options = ServeOptions::new(listen_address()?, DataDirArg::default().resolve()?);
    // Bind before the window opens, so the window never shows a connection error.
    let server = runtime.block_on(BoundServer::bind(options))?;
    let url = format!("http://{}", server.local_addr());
    runtime.spawn(async move {
        // Closing the window ends the process; a signal stops the server cleanly (queued
        // request-log rows and cooldowns are written first).
        if let Err(error) = server.run(api_switch::listener::shutdown_signal()).await {
            eprintln!("api-switch server stopped: {error:#}");
        }
    });
    tauri::Builder::default()
        .setup(move |app| {
            let external = url.parse().context("the server's own URL")?;
            WebviewWindowBuilder::new(app, "main", WebviewUrl::External(external))
                .title("API Switch")
                .inner_size(1200.0, 800.0)
                .build()?;
            Ok(())
        })
        .run(tauri::generate_context!())
        .context("the desktop window failed")?;
    Ok(())
}
