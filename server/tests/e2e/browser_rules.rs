//! Issue 14: the Settings screen's error-rules editor, driven by `end2end/error_rules.mjs` in
//! headless Chromium against the release binary; the stored settings must then hold exactly
//! the list the user left: the added freeze rule in its place, the removed rule gone.

use super::support;

use std::process::Command;

use engine::store::{RuleAction, Store};

#[tokio::test(flavor = "multi_thread")]
async fn the_error_rules_editor_adds_orders_removes_and_saves_rules() {
    let data = tempfile::tempdir().expect("temp dir");
    let dir = data.path().to_path_buf();
    let output = tokio::task::spawn_blocking(move || {
        let port = support::free_port();
        let data_dir = dir.display().to_string();
        let listen = format!("127.0.0.1:{port}");
        let server = support::start(
            &support::release_binary(),
            &["serve", "--listen", &listen, "--data-dir", &data_dir],
            &dir,
            port,
        );
        let root = support::workspace_root();
        let output = Command::new("node")
            .arg(root.join("end2end/error_rules.mjs"))
            .arg(&server.base_url)
            .current_dir(&root)
            .output()
            .expect("run node (install Node.js, or run `cargo xtask test`)");
        drop(server);
        output
    })
    .await
    .expect("node finished");
    assert!(
        output.status.success(),
        "browser check failed:\nstdout: {}\nstderr: {}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
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
