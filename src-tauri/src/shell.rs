//! The app's lifetime: the desktop shell starts (a second instance hands over to the first and
//! exits), the server binds, then the window, the tray and the login item follow the running
//! engine. "Quit" stops the server gracefully, saves what is queued, then ends the process.

use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use anyhow::Context;
use api_switch::{BoundServer, ServeOptions};
use tauri::{AppHandle, RunEvent};

use crate::{autostart, fatal, tray, window};

/// How long "Quit" waits for open requests and the final save before ending anyway.
const QUIT_DEADLINE: Duration = Duration::from_secs(20);

/// Runs the desktop app until "Quit"; errors before the window opens are returned, later ones
/// are reported by `fatal` and end the app.
pub fn run(options: ServeOptions, log: PathBuf) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    // One runtime for the server and for Tauri's own tasks.
    tauri::async_runtime::set(runtime.handle().clone());
    let app = tauri::Builder::default()
        // First plugin, so a second start hands over before anything else happens.
        .plugin(tauri_plugin_single_instance::init(|app, _argv, _cwd| {
            window::show(app);
        }))
        .plugin(autostart::plugin(&options))
        .on_window_event(window::on_event)
        .build(tauri::generate_context!())
        .context("cannot start the desktop window system")?;
    // Only the one instance gets here, so the port cannot be taken by ourselves.
    let server = runtime.block_on(BoundServer::bind(options))?;
    let mut pending = Some(server);
    app.run(move |handle, event| match event {
        RunEvent::Ready => {
            if let Some(server) = pending.take()
                && let Err(error) = start(handle, server, &log)
            {
                fatal::stop_app(handle, error, &log);
            }
        }
        // Closing the window hides it; only "Quit" (an exit with a code) ends the app.
        RunEvent::ExitRequested {
            code: None, api, ..
        } => api.prevent_exit(),
        _ => {}
    });
    drop(runtime);
    Ok(())
}

/// The URL of a server bound to `addr`, for this machine's own window and clients.
fn local_url(addr: SocketAddr) -> String {
    let ip = match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    format!("http://{}", SocketAddr::new(ip, addr.port()))
}

/// Opens the window, installs the tray and the login item, and serves until "Quit".
fn start(app: &AppHandle, server: BoundServer, log: &Path) -> anyhow::Result<()> {
    let state = server.state().clone();
    let url = local_url(server.local_addr());
    let settings = state.snapshot().settings.clone();
    window::create(app, &url, !settings.start_minimized)?;
    let (quit_tx, quit_rx) = tokio::sync::oneshot::channel::<()>();
    let quit_tx = Mutex::new(Some(quit_tx));
    tray::install(app, state.clone(), url, move |app| {
        window::hide(app);
        let sender = quit_tx
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        if let Some(sender) = sender {
            let _ = sender.send(());
            let app = app.clone();
            tauri::async_runtime::spawn(async move {
                tokio::time::sleep(QUIT_DEADLINE).await;
                tracing::warn!("the server did not stop in time; quitting anyway");
                app.exit(0);
            });
        }
    })?;
    autostart::follow(app, state);
    let app = app.clone();
    let log = log.to_path_buf();
    tauri::async_runtime::spawn(async move {
        let quit = async {
            let _ = quit_rx.await;
        };
        match serve_until_quit(server, quit).await {
            Ok(()) => app.exit(0),
            Err(error) => fatal::stop_app(&app, error, &log),
        }
    });
    Ok(())
}

/// Serves until `quit` completes: open requests and streams finish within the grace period,
/// then every queued request-log row and cooldown is written (`BoundServer::run`).
async fn serve_until_quit(
    server: BoundServer,
    quit: impl Future<Output = ()>,
) -> anyhow::Result<()> {
    server.run(quit).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wildcard_address_is_reached_on_loopback() {
        let any: SocketAddr = "0.0.0.0:9090".parse().expect("addr");
        assert_eq!(local_url(any), "http://127.0.0.1:9090");
        let any6: SocketAddr = "[::]:9091".parse().expect("addr");
        assert_eq!(local_url(any6), "http://[::1]:9091");
        let own: SocketAddr = "192.0.2.7:80".parse().expect("addr");
        assert_eq!(local_url(own), "http://192.0.2.7:80");
    }
}
