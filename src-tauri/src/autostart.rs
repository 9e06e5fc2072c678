//! Start at login: the `start_at_login` setting, applied to the system's login items (a
//! `.desktop` file in `~/.config/autostart` on Linux, the `Run` registry key on Windows, a launch
//! agent on macOS) at start and whenever the setting changes.

use engine::AppState;
use tauri::plugin::TauriPlugin;
use tauri::{AppHandle, Wry};
use tauri_plugin_autostart::ManagerExt;

use api_switch::ServeOptions;

/// The plugin, told to start the app with the data folder this start resolved, and with its
/// `--listen` only when one was given: otherwise a start at login uses the address Settings ->
/// Network stored, as any start without `--listen` does.
pub fn plugin(options: &ServeOptions) -> TauriPlugin<Wry> {
    let data_dir = std::path::absolute(&options.data_dir).unwrap_or(options.data_dir.clone());
    let mut args = vec!["--data-dir".to_owned(), data_dir.display().to_string()];
    if options.listen_given {
        args.extend(["--listen".to_owned(), options.listen.to_string()]);
    }
    tauri_plugin_autostart::Builder::new().args(args).build()
}

/// Applies the setting now and after every change.
pub fn follow(app: &AppHandle, state: AppState) {
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let mut changes = state.subscribe();
        let mut applied = None;
        loop {
            let wanted = state.snapshot().settings.start_at_login;
            if applied != Some(wanted) {
                let app = app.clone();
                // The launcher writes files (or the registry): not on an async worker.
                let _ = tokio::task::spawn_blocking(move || apply(&app, wanted)).await;
                applied = Some(wanted);
            }
            if changes.changed().await.is_err() {
                return;
            }
        }
    });
}

fn apply(app: &AppHandle, wanted: bool) {
    let launcher = app.autolaunch();
    if launcher.is_enabled().ok() == Some(wanted) {
        return;
    }
    let result = if wanted {
        launcher.enable()
    } else {
        launcher.disable()
    };
    match result {
        Ok(()) => tracing::info!(start_at_login = wanted, "login item updated"),
        Err(error) => {
            tracing::warn!(%error, start_at_login = wanted, "cannot update the login item")
        }
    }
}
