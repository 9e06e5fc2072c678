//! The desktop tray's logic without a display, against a real SQLite file and the real proxy:
//! which AUTO entries the menu offers and in what order, its labels in both UI languages, what
//! a click changes (and that the proxy then uses that entry first), and how the menu follows a
//! cooldown, an auto-disable and a reorder made in the UI.

mod common;

use common::{Proxy, Upstream};
use engine::store::{NewEntry, UiLanguage};
use engine::tray::{MAX_TRAY_ENTRIES, TrayMenu, TraySlot};

const ENDPOINT: &str = "http://127.0.0.1:9090";

fn menu(proxy: &Proxy) -> TrayMenu {
    proxy.state.tray_menu(ENDPOINT)
}

fn labels(menu: &TrayMenu) -> Vec<&str> {
    menu.entries.iter().map(|e| e.label.as_str()).collect()
}

fn checked(menu: &TrayMenu) -> Vec<&str> {
    menu.entries
        .iter()
        .filter(|e| e.checked)
        .map(|e| e.label.as_str())
        .collect()
}

fn set_language(proxy: &Proxy, language: UiLanguage) {
    let mut settings = proxy.state.snapshot().settings.clone();
    settings.ui_language = language;
    // The test proxy's short timeouts are below the user's ranges: stored directly.
    proxy.apply_settings(&settings);
}

#[tokio::test]
async fn lists_available_auto_entries_in_priority_order_at_most_ten() {
    let proxy = Proxy::start().await;
    let a = Upstream::start("A").await;
    let ca = proxy.channel("A", &a.base_url());
    let off_channel = proxy.channel("Off", &a.base_url());
    let mut ids = Vec::new();
    for n in 0..12 {
        ids.push(proxy.entry(ca, &format!("m{n}"), "auto"));
    }
    proxy.entry(ca, "coder", "coding");
    let off = proxy.entry(ca, "switched-off", "auto");
    proxy
        .state
        .set_entry_enabled(off, false)
        .await
        .expect("disable");
    proxy.entry(off_channel, "on-off-channel", "auto");
    proxy
        .state
        .set_channel_enabled(off_channel, false)
        .await
        .expect("channel off");
    // Written in another case: routing treats `AUTO` as `auto`, so the tray does too.
    let upper = proxy.entry(ca, "upper", "AUTO");
    let mut order = vec![upper, ids[11]];
    order.extend(&ids[..11]);
    proxy.state.reorder_entries(&order).await.expect("reorder");

    let menu = menu(&proxy);
    assert_eq!(menu.entries.len(), MAX_TRAY_ENTRIES);
    assert_eq!(
        labels(&menu),
        [
            "upper @ A",
            "m11 @ A",
            "m0 @ A",
            "m1 @ A",
            "m2 @ A",
            "m3 @ A",
            "m4 @ A",
            "m5 @ A",
            "m6 @ A",
            "m7 @ A",
        ]
    );
    assert_eq!(
        checked(&menu),
        ["upper @ A"],
        "exactly the first is checked"
    );
    assert_eq!(menu.available, 13, "the count is not capped");
    assert_eq!(
        menu.tooltip,
        "API Switch · http://127.0.0.1:9090\n13 AUTO entries available"
    );
    // The fixed pool: every item is an entry, in menu order.
    let pool: Vec<_> = (0..MAX_TRAY_ENTRIES).map(|i| menu.slot(i).entry).collect();
    assert_eq!(pool[0], Some(upper));
    assert_eq!(pool[1], Some(ids[11]));
    assert!(pool.iter().all(Option::is_some));
}

#[tokio::test]
async fn labels_follow_the_ui_language() {
    let proxy = Proxy::start().await;
    let a = Upstream::start("A").await;
    let ca = proxy.channel("Relay 中转", &a.base_url());
    let gpt = proxy.entry(ca, "gpt-4o", "auto");
    proxy.entry(ca, "claude-sonnet-4", "auto");
    proxy
        .state
        .rename_entry(gpt, "GPT-4o")
        .await
        .expect("rename");

    let english = menu(&proxy);
    assert_eq!(english.language, UiLanguage::En);
    assert_eq!(english.open_label, "Open API Switch");
    assert_eq!(english.quit_label, "Quit");
    assert_eq!(
        labels(&english),
        ["GPT-4o @ Relay 中转", "claude-sonnet-4 @ Relay 中转"],
        "the display name when set, else the model"
    );
    assert_eq!(
        english.tooltip,
        "API Switch · http://127.0.0.1:9090\n2 AUTO entries available"
    );

    set_language(&proxy, UiLanguage::Zh);
    let chinese = menu(&proxy);
    assert!(chinese.changed_since(Some(&english)));
    assert_eq!(chinese.open_label, "打开 API Switch");
    assert_eq!(chinese.quit_label, "退出");
    assert_eq!(
        labels(&chinese),
        labels(&english),
        "names are not translated"
    );
    assert_eq!(
        chinese.tooltip,
        "API Switch · http://127.0.0.1:9090\nAUTO 组有 2 个可用条目"
    );
    // The setting is stored: a restart keeps the language.
    assert_eq!(
        proxy
            .state
            .store()
            .settings()
            .expect("settings")
            .ui_language,
        UiLanguage::Zh
    );
}

#[tokio::test]
async fn a_click_moves_the_entry_to_the_top_and_the_proxy_uses_it_first() {
    let proxy = Proxy::start().await;
    let a = Upstream::start("A").await;
    let b = Upstream::start("B").await;
    let ca = proxy.channel("A", &a.base_url());
    let cb = proxy.channel("B", &b.base_url());
    let first = proxy.entry(ca, "first", "auto");
    let coder = proxy.entry(cb, "coder", "coding");
    proxy.entry(ca, "second", "auto");
    let third = proxy.entry(cb, "third", "auto");
    assert_eq!(proxy.answered_by("auto").await, "A:first");
    let before = menu(&proxy);
    let watcher = proxy.state.subscribe();

    proxy.state.choose_tray_entry(third).await.expect("choose");

    let after = menu(&proxy);
    assert!(after.changed_since(Some(&before)));
    assert!(
        watcher.has_changed().expect("watch"),
        "the tray was not told"
    );
    assert_eq!(
        labels(&after),
        ["third @ B", "first @ A", "second @ A"],
        "the others keep their order"
    );
    assert_eq!(checked(&after), ["third @ B"]);
    assert_eq!(proxy.answered_by("auto").await, "B:third");
    assert_eq!(proxy.answered_by("").await, "B:third");
    // The group's own order and membership are untouched.
    assert_eq!(proxy.answered_by("coding").await, "B:coder");
    let stored = proxy.entry_state(third);
    assert_eq!(stored.group, "auto");

    // An entry of another group is refused and stays where it is.
    let error = proxy
        .state
        .choose_tray_entry(coder)
        .await
        .expect_err("coding entry");
    assert!(error.to_string().contains("coding"), "{error}");
    assert_eq!(proxy.entry_state(coder).group, "coding");
    assert_eq!(labels(&menu(&proxy)), labels(&after));
    assert_eq!(proxy.answered_by("auto").await, "B:third");
    // So is an entry that no longer exists.
    proxy.state.delete_entry(first).await.expect("delete");
    assert!(proxy.state.choose_tray_entry(first).await.is_err());
}

#[tokio::test]
async fn a_cooldown_removes_the_entry_and_its_recovery_brings_it_back() {
    let proxy = Proxy::start().await;
    let a = Upstream::start("A").await;
    let b = Upstream::start("B").await;
    let ca = proxy.channel("A", &a.base_url());
    let cb = proxy.channel("B", &b.base_url());
    let flaky = proxy.entry(ca, "flaky", "auto");
    proxy.entry(cb, "steady", "auto");
    let before = menu(&proxy);
    assert_eq!(labels(&before), ["flaky @ A", "steady @ B"]);
    let mut watcher = proxy.state.subscribe();
    watcher.borrow_and_update();

    a.force_status(500);
    assert_eq!(proxy.answered_by("auto").await, "B:steady");
    assert!(
        watcher.has_changed().expect("watch"),
        "the tray was not told"
    );
    let cooled = menu(&proxy);
    assert!(cooled.changed_since(Some(&before)));
    assert_eq!(labels(&cooled), ["steady @ B"]);
    assert_eq!(checked(&cooled), ["steady @ B"]);
    assert_eq!(
        cooled.tooltip,
        "API Switch · http://127.0.0.1:9090\n1 AUTO entry available"
    );

    b.force_status(503);
    let (status, _) = proxy.chat("auto").await;
    assert_eq!(status, 502, "both upstreams fail");
    let none = menu(&proxy);
    assert!(none.entries.is_empty());
    assert_eq!(
        none.tooltip,
        "API Switch · http://127.0.0.1:9090\nNo AUTO entry available"
    );
    assert_eq!(
        none.slot(0),
        TraySlot {
            entry: None,
            text: "No AUTO entry available".into(),
            checked: false,
            enabled: false,
        }
    );
    assert_eq!(none.slot(1).text, "", "unused items are blank");

    // Every candidate cooling: the proxy still tries them, and a success ends the cooldown.
    a.force_status(0);
    assert_eq!(proxy.answered_by("auto").await, "A:flaky");
    assert_eq!(labels(&menu(&proxy)), ["flaky @ A"]);
    assert!(proxy.entry_state(flaky).enabled);
}

#[tokio::test]
async fn an_auto_disable_removes_the_entry() {
    let proxy = Proxy::start().await;
    let a = Upstream::start("A").await;
    let ca = proxy.channel("A", &a.base_url());
    let gone = proxy.entry(ca, "status-401", "auto");
    proxy.entry(ca, "ok", "auto");
    assert_eq!(labels(&menu(&proxy)), ["status-401 @ A", "ok @ A"]);
    assert_eq!(proxy.answered_by("auto").await, "A:ok");
    assert_eq!(labels(&menu(&proxy)), ["ok @ A"]);
    assert!(!proxy.entry_state(gone).enabled);
}

#[tokio::test]
async fn changes_made_in_the_ui_are_reflected() {
    let proxy = Proxy::start().await;
    let a = Upstream::start("A").await;
    let ca = proxy.channel("A", &a.base_url());
    let x = proxy.entry(ca, "x", "auto");
    let y = proxy.entry(ca, "y", "auto");
    let z = proxy.entry(ca, "z", "auto");
    let shown = menu(&proxy);
    assert!(!menu(&proxy).changed_since(Some(&shown)), "nothing changed");
    assert!(
        shown.changed_since(None),
        "the first build is always applied"
    );

    proxy
        .state
        .reorder_entries(&[z, x, y])
        .await
        .expect("reorder");
    let reordered = menu(&proxy);
    assert!(reordered.changed_since(Some(&shown)));
    assert_eq!(labels(&reordered), ["z @ A", "x @ A", "y @ A"]);
    assert_eq!(checked(&reordered), ["z @ A"]);
    assert_eq!(proxy.answered_by("auto").await, "A:z");

    proxy
        .state
        .move_entry_to_group(z, "coding")
        .await
        .expect("group");
    proxy
        .state
        .set_entry_enabled(y, false)
        .await
        .expect("disable");
    let added = proxy
        .state
        .create_entry(&NewEntry::new(ca, "new"))
        .await
        .expect("create");
    let menu = menu(&proxy);
    assert_eq!(labels(&menu), ["x @ A", "new @ A"]);
    assert_eq!(menu.slot(1).entry, Some(added));
    assert_eq!(
        menu.slot(2),
        TraySlot {
            entry: None,
            text: String::new(),
            checked: false,
            enabled: false,
        }
    );
}

#[tokio::test]
async fn the_tooltip_carries_each_looked_up_balance_unknown_and_low_said_so() {
    use engine::store::TokenChange;
    use types::balance::{Balance, BalanceKind, BalanceSettings};

    let proxy = Proxy::start().await;
    let rich = proxy.channel("Rich", "https://relay.example.com");
    let poor = proxy.channel("Poor", "https://api.deepseek.com");
    let broken = proxy.channel("Broken", "https://openrouter.ai/api/v1");
    let never = proxy.channel("Never", "https://other.example.com");
    let off = proxy.channel("Off", "https://api.moonshot.cn");
    let store = proxy.state.store();
    let figure = |amount: Option<f64>, currency: &str| Balance {
        amount,
        currency: currency.into(),
        checked_ms: 1,
        error: amount.is_none().then(|| "HTTP 500".to_owned()),
    };
    store
        .save_balance(rich, &figure(Some(42.5), "USD"))
        .expect("save");
    store
        .save_balance(poor, &figure(Some(1.0), "CNY"))
        .expect("save");
    store.save_balance(broken, &figure(None, "")).expect("save");
    store
        .save_balance(off, &figure(Some(9.0), "CNY"))
        .expect("save");
    let low = BalanceSettings {
        threshold: Some(5.0),
        ..BalanceSettings::default()
    };
    store
        .set_balance_settings(poor, &low, &TokenChange::Keep)
        .expect("threshold");
    let switched_off = BalanceSettings {
        kind: BalanceKind::Off,
        ..BalanceSettings::default()
    };
    store
        .set_balance_settings(off, &switched_off, &TokenChange::Keep)
        .expect("off");
    let _ = never;

    let tooltip = menu(&proxy).tooltip;
    let lines: Vec<&str> = tooltip.lines().skip(2).collect();
    assert_eq!(
        lines,
        ["Rich: 42.50 USD", "Poor: 1.00 CNY (low)", "Broken: unknown"],
        "{tooltip}"
    );

    set_language(&proxy, UiLanguage::Zh);
    let tooltip = menu(&proxy).tooltip;
    let lines: Vec<&str> = tooltip.lines().skip(2).collect();
    assert_eq!(
        lines,
        [
            "Rich：42.50 USD",
            "Poor：1.00 CNY（余额不足）",
            "Broken：未知"
        ],
        "{tooltip}"
    );
}
