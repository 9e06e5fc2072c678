//! Issue 2: the UI is server-rendered, hydrated in a real browser, and its controls reach the
//! server through server functions on the same listener as the proxy.

use super::support;

use std::process::Command;

#[test]
fn a_click_in_headless_chromium_calls_a_server_function_and_renders_its_answer() {
    let data = tempfile::tempdir().expect("temp dir");
    let port = free_port_str();
    let server = support::start(
        &support::release_binary(),
        &[
            "serve",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--data-dir",
            &data.path().display().to_string(),
        ],
        data.path(),
        port.parse().expect("port"),
    );
    let root = support::workspace_root();
    let script = root.join("end2end/hydration.mjs");
    assert!(
        root.join("node_modules/playwright-core").exists(),
        "playwright-core is missing: run `cargo xtask test` (it installs the npm packages)"
    );
    let expected_db = data.path().join("api-switch.db");
    let output = Command::new("node")
        .arg(&script)
        .arg(&server.base_url)
        .arg(expected_db.display().to_string())
        .current_dir(&root)
        .output()
        .expect("run node (install Node.js, or run `cargo xtask test`)");
    assert!(
        output.status.success(),
        "browser check failed:\nstdout: {}\nstderr: {}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("hydration ok"));
}

fn free_port_str() -> String {
    support::free_port().to_string()
}
