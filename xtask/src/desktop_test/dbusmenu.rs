//! The tray menu as a panel sees it: libayatana-appindicator exports the menu over D-Bus with
//! the `com.canonical.dbusmenu` interface, so the test reads its items (label, enabled, check
//! state) and clicks them exactly as a desktop panel does, through `gdbus`.

use std::process::Command;

use anyhow::{Context, Result, bail};

/// Where libayatana-appindicator exports the menu of the tray icon with id `main`.
const MENU_PATH: &str = "/org/ayatana/NotificationItem/tray_icon_tray_app_main/Menu";

/// One item of the exported menu.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Item {
    pub id: i32,
    pub label: String,
    pub enabled: bool,
    pub checked: bool,
}

/// Where a process's tray menu lives on the bus.
pub struct TrayMenu {
    bus: String,
    dest: String,
    path: String,
}

fn gdbus(bus: &str, args: &[&str]) -> Result<String> {
    let out = Command::new("gdbus")
        .env("DBUS_SESSION_BUS_ADDRESS", bus)
        .args(args)
        .output()
        .context("cannot run gdbus (Debian package libglib2.0-bin)")?;
    if !out.status.success() {
        bail!(
            "gdbus {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

impl TrayMenu {
    /// Finds the menu exported by process `pid` on the session bus at `bus`.
    pub fn of_process(bus: &str, pid: u32) -> Result<Self> {
        let names = gdbus(
            bus,
            &[
                "call",
                "--session",
                "--dest",
                "org.freedesktop.DBus",
                "--object-path",
                "/org/freedesktop/DBus",
                "--method",
                "org.freedesktop.DBus.ListNames",
            ],
        )?;
        for name in names.split('\'').filter(|n| n.starts_with(':')) {
            let Ok(owner) = gdbus(
                bus,
                &[
                    "call",
                    "--session",
                    "--dest",
                    "org.freedesktop.DBus",
                    "--object-path",
                    "/org/freedesktop/DBus",
                    "--method",
                    "org.freedesktop.DBus.GetConnectionUnixProcessID",
                    name,
                ],
            ) else {
                continue; // the name went away meanwhile
            };
            if !owner.contains(&format!("uint32 {pid},")) {
                continue;
            }
            // The desktop's tray icon has the id `main`; libayatana-appindicator exports its
            // menu under that name. Other connections of the process may not answer at all,
            // hence the short timeout.
            let menu = Self {
                bus: bus.to_owned(),
                dest: name.to_owned(),
                path: MENU_PATH.to_owned(),
            };
            if menu.items().is_ok() {
                return Ok(menu);
            }
        }
        bail!("process {pid} exports no tray menu on the session bus")
    }

    /// The items with a label, in menu order (separators left out).
    pub fn items(&self) -> Result<Vec<Item>> {
        let layout = gdbus(
            &self.bus,
            &[
                "call",
                "--session",
                "--dest",
                &self.dest,
                "--object-path",
                &self.path,
                "--method",
                "com.canonical.dbusmenu.GetLayout",
                // `--` ends the options, so `-1` is read as an argument.
                "--",
                "0",
                "-1",
                "[]",
            ],
        )?;
        Ok(parse_layout(&layout))
    }

    /// Clicks the item labelled `label`, as a panel does.
    pub fn click(&self, label: &str) -> Result<()> {
        let items = self.items()?;
        let item = items
            .iter()
            .find(|i| i.label == label)
            .with_context(|| format!("no tray item `{label}` in {items:?}"))?;
        let id = item.id.to_string();
        gdbus(
            &self.bus,
            &[
                "call",
                "--session",
                "--dest",
                &self.dest,
                "--object-path",
                &self.path,
                "--method",
                "com.canonical.dbusmenu.Event",
                "--",
                &id,
                "clicked",
                "<int32 0>",
                "0",
            ],
        )?;
        Ok(())
    }
}

/// Reads the items out of `GetLayout`'s printed GVariant:
/// `(uint32 9, (0, {...}, [<(1, {'label': <'Open API Switch'>}, @av [])>, ...]))`.
fn parse_layout(text: &str) -> Vec<Item> {
    text.split("<(")
        .skip(1)
        .filter_map(|chunk| {
            let (id, props) = chunk.split_once(',')?;
            let label = props
                .split_once("'label': <'")
                .and_then(|(_, rest)| rest.split_once("'>"))
                .map(|(label, _)| label.replace("\\'", "'"))?;
            Some(Item {
                id: id.trim().parse().ok()?,
                label,
                enabled: !props.contains("'enabled': <false>"),
                checked: props.contains("'toggle-state': <1>"),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_labels_checks_and_disabled_items() {
        let printed = "(uint32 7, (0, {'children-display': <'submenu'>}, [<(1, {'label': <'Open API Switch'>}, @av [])>, <(2, {'type': <'separator'>}, @av [])>, <(3, {'label': <'alpha @ A'>, 'toggle-type': <'checkmark'>, 'toggle-state': <1>}, @av [])>, <(4, {'label': <''>, 'enabled': <false>, 'toggle-type': <'checkmark'>, 'toggle-state': <0>}, @av [])>]))";
        let items = parse_layout(printed);
        assert_eq!(
            items,
            [
                Item {
                    id: 1,
                    label: "Open API Switch".into(),
                    enabled: true,
                    checked: false
                },
                Item {
                    id: 3,
                    label: "alpha @ A".into(),
                    enabled: true,
                    checked: true
                },
                Item {
                    id: 4,
                    label: String::new(),
                    enabled: false,
                    checked: false
                },
            ]
        );
    }
}
