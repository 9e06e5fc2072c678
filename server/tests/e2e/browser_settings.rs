//! Issue 19: the Settings screen in headless Chromium (`end2end/settings.mjs`) against the
//! release binary: its layout shift while loading stays under 0.1, Network saves the browser
//! apps and trusted proxies, refuses a remote address in `serve`'s words and moves the server
//! live to another port; both languages and themes pass axe. The stored settings then hold
//! what the page set.

use super::support;

use engine::store::Store;

#[tokio::test(flavor = "multi_thread")]
async fn settings_loads_without_shifting_and_network_moves_the_server_live() {
    let data = tempfile::tempdir().expect("temp dir");
    let new_port = support::free_port();
    let stdout =
        support::run_browser_check(data.path(), "settings.mjs", &[new_port.to_string()]).await;
    assert!(stdout.contains("settings ok"), "{stdout}");
    eprintln!("{stdout}");
    let settings = Store::open(data.path().join("api-switch.db"))
        .expect("store")
        .settings()
        .expect("settings");
    assert_eq!(
        settings.listen_address,
        Some(std::net::SocketAddr::from(([127, 0, 0, 1], new_port)))
    );
    assert_eq!(
        settings.browser_origins,
        ["https://chat.example.com", "http://localhost:3000"]
    );
    assert_eq!(settings.trusted_proxies, ["192.168.1.10", "::1"]);
}
