//! Errors that stop the app: written to the log, then shown in a native dialog, because a
//! desktop user who started the app from a file manager has no terminal to read.

use std::path::Path;

use tauri::AppHandle;

/// Logs `error` and shows it in a dialog naming the log file; returns when the user closed
/// it. Must not run on the main thread while the event loop runs (the dialog needs that loop).
pub fn report(error: &anyhow::Error, log: Option<&Path>) {
    tracing::error!("API Switch stopped: {error:#}");
    if !has_display() {
        return;
    }
    rfd::MessageDialog::new()
        .set_level(rfd::MessageLevel::Error)
        .set_title("API Switch")
        .set_description(match log {
            Some(log) => format!(
                "API Switch stopped:\n\n{error:#}\n\nThe log is in {}",
                log.display()
            ),
            None => format!("API Switch stopped:\n\n{error:#}"),
        })
        .set_buttons(rfd::MessageButtons::Ok)
        .show();
}

/// Reports `error` from a thread of its own (safe from the event loop), then ends the app.
pub fn stop_app(app: &AppHandle, error: anyhow::Error, log: &Path) {
    let app = app.clone();
    let log = log.to_path_buf();
    std::thread::spawn(move || {
        report(&error, Some(&log));
        app.exit(1);
    });
}

/// Whether a dialog can appear at all; without a display GTK cannot start and the dialog
/// would wait forever.
fn has_display() -> bool {
    if cfg!(target_os = "linux") {
        std::env::var_os("DISPLAY").is_some() || std::env::var_os("WAYLAND_DISPLAY").is_some()
    } else {
        true
    }
}
