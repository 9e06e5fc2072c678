//! Issue 14: the Settings screen's error-rules editor, driven by `end2end/error_rules.mjs` in
//! headless Chromium against the release binary; the stored settings must then hold exactly
//! the list the user left: the added freeze rule in its place, the removed rule gone.

use super::support;

use engine::store::{RuleAction, Store};

#[tokio::test(flavor = "multi_thread")]
async fn the_error_rules_editor_adds_orders_removes_and_saves_rules() {
    let data = tempfile::tempdir().expect("temp dir");
    let stdout = support::run_browser_check(data.path(), "error_rules.mjs", &[]).await;
    assert!(stdout.contains("error rules ok"), "{stdout}");
    let store = Store::open(data.path().join("api-switch.db")).expect("store");
    let rules = store.settings().expect("settings").error_rules;
    let summary: Vec<_> = rules
        .iter()
        .map(|r| (r.phrase.as_str(), r.action, r.freeze_secs))
        .collect();
    assert_eq!(summary.len(), 6, "{summary:?}");
    assert_eq!(summary[0].0, "credit balance is too low");
    assert_eq!(
        summary[4],
        ("Account On Hold", RuleAction::FreezeChannel, 7200)
    );
    assert_eq!(summary[5].0, "rate limit");
}
