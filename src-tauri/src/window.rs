//! The one window: the web UI served by the in-process server, in a native webview. Closing it
//! only hides it, because the proxy is the point of the app and keeps running in the tray; the
//! tray's "Open API Switch" and a second start of the app bring it back.

use tauri::{AppHandle, Manager, WebviewUrl, WebviewWindowBuilder, Window, WindowEvent};

/// The window's label (Tauri's id for it).
pub const MAIN: &str = "main";

/// Opens the window on `url`, shown or (start minimised to tray) hidden.
pub fn create(app: &AppHandle, url: &str, visible: bool) -> anyhow::Result<()> {
    let external = url.parse()?;
    WebviewWindowBuilder::new(app, MAIN, WebviewUrl::External(external))
        .title("API Switch")
        .inner_size(1200.0, 800.0)
        .min_inner_size(480.0, 360.0)
        .visible(visible)
        .build()?;
    Ok(())
}

/// Shows the window, restored and in front.
pub fn show(app: &AppHandle) {
    let Some(window) = app.get_webview_window(MAIN) else {
        tracing::warn!("the main window is gone; nothing to show");
        return;
    };
    for (what, result) in [
        ("show", window.show()),
        ("unminimize", window.unminimize()),
        ("focus", window.set_focus()),
    ] {
        if let Err(error) = result {
            tracing::warn!(%error, "cannot {what} the window");
        }
    }
}

/// Hides the window.
pub fn hide(app: &AppHandle) {
    if let Some(window) = app.get_webview_window(MAIN)
        && let Err(error) = window.hide()
    {
        tracing::warn!(%error, "cannot hide the window");
    }
}

/// Every window event passes here: a close request hides the window instead.
pub fn on_event(window: &Window, event: &WindowEvent) {
    if let WindowEvent::CloseRequested { api, .. } = event {
        api.prevent_close();
        if let Err(error) = window.hide() {
            tracing::warn!(%error, "cannot hide the window");
        }
    }
}
