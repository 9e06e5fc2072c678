//! The tray icon and its menu, kept in step with the engine's `TrayMenu`. A Linux tray menu
//! cannot be replaced once set, so the menu is built once with a fixed pool of
//! `MAX_TRAY_ENTRIES` check items, and every change is applied to those items in place (text,
//! checked, enabled); unused items are blank and disabled.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use anyhow::Context;
use engine::AppState;
use engine::tray::{MAX_TRAY_ENTRIES, TrayMenu};
use tauri::menu::{CheckMenuItem, Menu, MenuEvent, MenuItem, PredefinedMenuItem};
use tauri::tray::{MouseButton, MouseButtonState, TrayIcon, TrayIconBuilder, TrayIconEvent};
use tauri::{AppHandle, Wry};
use tokio::sync::Notify;

use crate::window;

const OPEN_ID: &str = "open";
const QUIT_ID: &str = "quit";
const ENTRY_ID_PREFIX: &str = "entry-";

/// How often the menu is recomputed without a change notice: a cooldown ends by the clock
/// alone, and the entry must come back within a second.
const RECHECK: Duration = Duration::from_secs(1);

/// The native items, created once.
#[derive(Clone)]
struct Items {
    icon: TrayIcon,
    open: MenuItem<Wry>,
    entries: Vec<CheckMenuItem<Wry>>,
    quit: MenuItem<Wry>,
}

/// What the tray shows now (a click is resolved against it) and a way to ask for a redraw.
#[derive(Clone)]
struct Tray {
    state: AppState,
    shown: Arc<Mutex<Option<TrayMenu>>>,
    redraw: Arc<Notify>,
}

/// Creates the tray icon and its menu for `state`, whose clients use `endpoint`, and keeps it
/// up to date. `on_quit` runs when "Quit" is chosen.
pub fn install(
    app: &AppHandle,
    state: AppState,
    endpoint: String,
    on_quit: impl Fn(&AppHandle) + Send + Sync + 'static,
) -> anyhow::Result<()> {
    let first = state.tray_menu(&endpoint);
    let open = MenuItem::with_id(
        app,
        OPEN_ID,
        menu_text(first.open_label),
        true,
        None::<&str>,
    )?;
    let entries = (0..MAX_TRAY_ENTRIES)
        .map(|index| {
            let slot = first.slot(index);
            CheckMenuItem::with_id(
                app,
                format!("{ENTRY_ID_PREFIX}{index}"),
                menu_text(&slot.text),
                slot.enabled,
                slot.checked,
                None::<&str>,
            )
        })
        .collect::<tauri::Result<Vec<_>>>()?;
    let quit = MenuItem::with_id(
        app,
        QUIT_ID,
        menu_text(first.quit_label),
        true,
        None::<&str>,
    )?;
    let menu = Menu::new(app)?;
    menu.append(&open)?;
    menu.append(&PredefinedMenuItem::separator(app)?)?;
    for item in &entries {
        menu.append(item)?;
    }
    menu.append(&PredefinedMenuItem::separator(app)?)?;
    menu.append(&quit)?;

    let tray = Tray {
        state,
        shown: Arc::new(Mutex::new(Some(first.clone()))),
        redraw: Arc::new(Notify::new()),
    };
    let clicks = tray.clone();
    let icon = app
        .default_window_icon()
        .cloned()
        .context("the app has no icon for the tray")?;
    let icon = TrayIconBuilder::with_id("main")
        .icon(icon)
        .tooltip(&first.tooltip)
        .menu(&menu)
        // Left click opens the window (where the platform reports it; Linux always shows the menu).
        .show_menu_on_left_click(false)
        .on_menu_event(move |app, event| clicks.on_menu_event(app, &event, &on_quit))
        .on_tray_icon_event(|icon, event| {
            if let TrayIconEvent::Click {
                button: MouseButton::Left,
                button_state: MouseButtonState::Up,
                ..
            } = event
            {
                window::show(icon.app_handle());
            }
        })
        .build(app)?;
    let items = Items {
        icon,
        open,
        entries,
        quit,
    };
    tauri::async_runtime::spawn(tray.follow(items, endpoint));
    Ok(())
}

/// Menu texts treat `&` as a mnemonic marker; names are shown as they are.
fn menu_text(text: &str) -> String {
    text.replace('&', "&&")
}

impl Tray {
    fn on_menu_event(&self, app: &AppHandle, event: &MenuEvent, on_quit: &impl Fn(&AppHandle)) {
        match event.id().as_ref() {
            OPEN_ID => window::show(app),
            QUIT_ID => on_quit(app),
            other => {
                if let Some(index) = other
                    .strip_prefix(ENTRY_ID_PREFIX)
                    .and_then(|n| n.parse::<usize>().ok())
                {
                    self.choose(index);
                }
            }
        }
    }

    fn shown(&self) -> std::sync::MutexGuard<'_, Option<TrayMenu>> {
        // Only whole values are stored under the lock; a poisoned one is still consistent.
        self.shown.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A click on pool item `index`: its entry goes to the top of the AUTO group.
    fn choose(&self, index: usize) {
        let entry = self
            .shown()
            .as_ref()
            .and_then(|menu| menu.slot(index).entry);
        let tray = self.clone();
        tauri::async_runtime::spawn(async move {
            if let Some(id) = entry
                && let Err(error) = tray.state.choose_tray_entry(id).await
            {
                tracing::warn!(%error, entry = id, "cannot move the tray's choice to the top");
            }
            // The toolkit toggled the clicked item's check mark by itself: redraw every item
            // from the model, even if the model did not change.
            *tray.shown() = None;
            tray.redraw.notify_one();
        });
    }

    /// Recomputes the menu on every change notice, redraw request or `RECHECK`, and updates
    /// the items that differ.
    async fn follow(self, items: Items, endpoint: String) {
        let mut changes = self.state.subscribe();
        loop {
            tokio::select! {
                changed = changes.changed() => if changed.is_err() { return },
                () = self.redraw.notified() => {}
                () = tokio::time::sleep(RECHECK) => {}
            }
            let menu = self.state.tray_menu(&endpoint);
            let previous = self.shown().clone();
            if !menu.changed_since(previous.as_ref()) {
                continue;
            }
            let items = items.clone();
            let next = menu.clone();
            // Item updates wait for the main thread; keep them off the async workers.
            let applied =
                tokio::task::spawn_blocking(move || apply(&items, previous.as_ref(), &next)).await;
            match applied {
                Ok(Ok(())) => *self.shown() = Some(menu),
                Ok(Err(error)) => tracing::warn!(%error, "cannot update the tray menu"),
                Err(error) => tracing::warn!(%error, "the tray update stopped"),
            }
        }
    }
}

/// Changes the native items from showing `previous` (`None`: unknown) to showing `menu`.
fn apply(items: &Items, previous: Option<&TrayMenu>, menu: &TrayMenu) -> tauri::Result<()> {
    if previous.map(|p| p.language) != Some(menu.language) {
        items.open.set_text(menu_text(menu.open_label))?;
        items.quit.set_text(menu_text(menu.quit_label))?;
    }
    for (index, item) in items.entries.iter().enumerate() {
        let slot = menu.slot(index);
        if previous.map(|p| p.slot(index)).as_ref() == Some(&slot) {
            continue;
        }
        item.set_text(menu_text(&slot.text))?;
        item.set_checked(slot.checked)?;
        item.set_enabled(slot.enabled)?;
    }
    if previous.map(|p| &p.tooltip) != Some(&menu.tooltip) {
        items.icon.set_tooltip(Some(&menu.tooltip))?;
    }
    Ok(())
}
