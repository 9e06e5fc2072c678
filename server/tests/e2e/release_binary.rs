//! Issue 2: the release binary alone, copied into an empty folder and started with no
//! arguments but a port, serves the hydrated UI and `/health`, and creates its database beside
//! itself.

use super::support;

#[test]
fn the_release_binary_alone_serves_the_ui_and_creates_its_database_beside_itself() {
    let folder = tempfile::tempdir().expect("temp dir");
    let copy = folder.path().join("api-switch");
    std::fs::copy(support::release_binary(), &copy).expect("copy the release binary");
    // Started from another working directory: the data must go beside the executable anyway.
    let elsewhere = tempfile::tempdir().expect("temp dir");
    let port = support::free_port();
    let listen = format!("127.0.0.1:{port}");
    let server = support::start(
        &copy,
        &["serve", "--listen", &listen],
        elsewhere.path(),
        port,
    );

    assert!(
        folder.path().join("api-switch.db").exists(),
        "api-switch.db beside the binary"
    );
    assert!(!elsewhere.path().join("api-switch.db").exists());

    let client = reqwest::blocking::Client::new();
    let health: serde_json::Value = client
        .get(format!("{}/health", server.base_url))
        .send()
        .expect("GET /health")
        .json()
        .expect("health is JSON");
    assert_eq!(health["status"], "ok");
    assert_eq!(health["version"], env!("CARGO_PKG_VERSION"));
    assert!(health["uptime_secs"].is_u64());

    let page = client
        .get(&server.base_url)
        .send()
        .expect("GET /")
        .text()
        .expect("html");
    assert!(
        page.contains("/pkg/api_switch.js"),
        "the page loads the hydration script"
    );
    assert!(page.contains(&folder.path().join("api-switch.db").display().to_string()));

    for (file, content_type) in [
        ("api_switch.js", "text/javascript"),
        ("api_switch_bg.wasm", "application/wasm"),
        ("api_switch.css", "text/css"),
    ] {
        let response = client
            .get(format!("{}/pkg/{file}", server.base_url))
            .send()
            .expect("GET bundle file");
        assert_eq!(response.status(), 200, "{file} is embedded");
        let header = response.headers()["content-type"]
            .to_str()
            .expect("ascii")
            .to_owned();
        assert!(header.starts_with(content_type), "{file}: {header}");
        assert!(
            response.bytes().expect("body").len() > 100,
            "{file} is not empty"
        );
    }
}
