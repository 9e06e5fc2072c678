//! The desktop tray menu as data: which AUTO-group entries it offers, their labels in the UI's
//! language, which one is checked, the tooltip, and what choosing one does. The desktop shell
//! only copies this model into a fixed pool of native items (a Linux tray menu cannot be
//! replaced once set), so everything the menu means is decided and tested here, no display needed.
//! The tooltip also carries each looked-up channel's relay balance (unknown or low says so).

use types::balance::ChannelBalance;

use crate::AppState;
use crate::ordering::Speeds;
use crate::proxy::snapshot::{Cooldowns, Snapshot};
use crate::store::{AUTO_GROUP, EntryId, StoreError, TopOf, UiLanguage};

/// How many AUTO entries the menu lists at most: enough to choose from, short enough to read
/// at a glance. The desktop creates exactly this many entry items.
pub const MAX_TRAY_ENTRIES: usize = 10;

/// One AUTO entry as the menu shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrayEntry {
    pub id: EntryId,
    /// `model @ channel` (the entry's display name when it has one).
    pub label: String,
    /// The first available entry: the one the proxy tries first for `auto`.
    pub checked: bool,
}

/// Everything the tray shows at one moment. Two menus compare equal exactly when the tray
/// would look the same, which is how the desktop knows whether to touch its items.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrayMenu {
    pub language: UiLanguage,
    /// "Open API Switch", in the UI's language.
    pub open_label: &'static str,
    /// "Quit", in the UI's language.
    pub quit_label: &'static str,
    /// The available AUTO entries in the group's order mode, at most `MAX_TRAY_ENTRIES`.
    pub entries: Vec<TrayEntry>,
    /// How many AUTO entries are available in all (not capped).
    pub available: usize,
    /// The endpoint, whether any AUTO entry is available, and the channels' balances.
    pub tooltip: String,
}

/// What one item of the fixed entry pool shows: an entry, the "nothing available" note, or
/// nothing (blank and disabled, standing in for a hidden item).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TraySlot {
    /// The entry a click on this item chooses; `None` for a note or an unused item.
    pub entry: Option<EntryId>,
    pub text: String,
    pub checked: bool,
    pub enabled: bool,
}

struct Words {
    open: &'static str,
    quit: &'static str,
    none_available: &'static str,
}

fn words(language: UiLanguage) -> Words {
    match language {
        UiLanguage::En => Words {
            open: "Open API Switch",
            quit: "Quit",
            none_available: "No AUTO entry available",
        },
        UiLanguage::Zh => Words {
            open: "打开 API Switch",
            quit: "退出",
            none_available: "AUTO 组没有可用条目",
        },
    }
}

fn tooltip(language: UiLanguage, endpoint: &str, available: usize) -> String {
    let state = match (language, available) {
        (_, 0) => words(language).none_available.to_owned(),
        (UiLanguage::En, 1) => "1 AUTO entry available".to_owned(),
        (UiLanguage::En, n) => format!("{n} AUTO entries available"),
        (UiLanguage::Zh, n) => format!("AUTO 组有 {n} 个可用条目"),
    };
    format!("API Switch · {endpoint}\n{state}")
}

/// How many channels' balances the tooltip lists at most (a tooltip is a glance).
pub const MAX_TOOLTIP_BALANCES: usize = 6;

/// One tooltip line per channel whose balance was looked up: `name: 12.34 USD`, marked when
/// below its threshold, or unknown (never 0) when the look-up failed.
fn balance_lines(language: UiLanguage, balances: &[ChannelBalance]) -> Vec<String> {
    balances
        .iter()
        .filter(|b| b.asked_as.is_some())
        .filter_map(|b| Some((b, b.last.as_ref()?)))
        .take(MAX_TOOLTIP_BALANCES)
        .map(|(b, last)| {
            let figure = match (last.amount, language) {
                (Some(amount), _) => format!("{amount:.2} {}", last.currency),
                (None, UiLanguage::En) => "unknown".to_owned(),
                (None, UiLanguage::Zh) => "未知".to_owned(),
            };
            match (b.is_low(), language) {
                (false, UiLanguage::En) => format!("{}: {figure}", b.name),
                (false, UiLanguage::Zh) => format!("{}：{figure}", b.name),
                (true, UiLanguage::En) => format!("{}: {figure} (low)", b.name),
                (true, UiLanguage::Zh) => format!("{}：{figure}（余额不足）", b.name),
            }
        })
        .collect()
}

impl TrayMenu {
    /// Adds each looked-up channel's balance to the tooltip, a line each.
    pub fn with_balances(mut self, balances: &[ChannelBalance]) -> Self {
        for line in balance_lines(self.language, balances) {
            self.tooltip.push('\n');
            self.tooltip.push_str(&line);
        }
        self
    }

    /// The menu for `snapshot` at `now_ms`: AUTO-group entries (the group name compared
    /// case-insensitively, as routing does) that are enabled, on an enabled channel and not
    /// cooling down, in the group's order mode (`speeds` for `fastest`), as routing tries
    /// them. `endpoint` is the URL clients use, for the tooltip.
    pub fn build(
        snapshot: &Snapshot,
        cooldowns: &Cooldowns,
        speeds: &Speeds,
        endpoint: &str,
        now_ms: i64,
    ) -> Self {
        let language = snapshot.settings.ui_language;
        let in_auto = snapshot.route_index.group_order(AUTO_GROUP, speeds);
        let (ready, _cooling) = cooldowns.partition(in_auto, |c| c.entry.id, now_ms);
        let entries = ready
            .iter()
            .take(MAX_TRAY_ENTRIES)
            .enumerate()
            .map(|(at, candidate)| {
                let (entry, channel) = (&candidate.entry, &candidate.channel);
                let name = if entry.display_name.is_empty() {
                    &entry.model
                } else {
                    &entry.display_name
                };
                TrayEntry {
                    id: entry.id,
                    label: format!("{name} @ {}", channel.name),
                    checked: at == 0,
                }
            })
            .collect();
        let words = words(language);
        Self {
            language,
            open_label: words.open,
            quit_label: words.quit,
            entries,
            available: ready.len(),
            tooltip: tooltip(language, endpoint, ready.len()),
        }
    }

    /// What pool item `index` (0-based, below `MAX_TRAY_ENTRIES`) shows. With no entry
    /// available, the first item says so, disabled; unused items are blank and disabled.
    pub fn slot(&self, index: usize) -> TraySlot {
        if let Some(entry) = self.entries.get(index) {
            return TraySlot {
                entry: Some(entry.id),
                text: entry.label.clone(),
                checked: entry.checked,
                enabled: true,
            };
        }
        let text = if index == 0 && self.entries.is_empty() {
            words(self.language).none_available.to_owned()
        } else {
            String::new()
        };
        TraySlot {
            entry: None,
            text,
            checked: false,
            enabled: false,
        }
    }

    /// Whether the tray must update its items to show `self` after showing `previous`
    /// (`None`: nothing shown yet).
    pub fn changed_since(&self, previous: Option<&TrayMenu>) -> bool {
        previous != Some(self)
    }
}

impl AppState {
    /// The tray menu now, with `endpoint` (e.g. `http://127.0.0.1:9090`) in its tooltip.
    pub fn tray_menu(&self, endpoint: &str) -> TrayMenu {
        let menu = TrayMenu::build(
            &self.snapshot(),
            self.cooldowns(),
            self.speeds(),
            endpoint,
            crate::clock::now_ms(),
        );
        match self.balances_now() {
            Ok(balances) => menu.with_balances(&balances),
            Err(error) => {
                tracing::warn!(%error, "cannot read the balances for the tray tooltip");
                menu
            }
        }
    }

    /// A click on a tray entry: that entry goes to the top of the AUTO group (one transaction;
    /// an entry that has meanwhile left the group is refused, never moved back).
    pub async fn choose_tray_entry(&self, id: EntryId) -> Result<(), StoreError> {
        self.move_entry_to_top(id, TopOf::auto()).await
    }
}
