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
    // The bundle is named after its content: `/pkg/api_switch-<hash>.js`.
    let stem = page
        .split("/pkg/")
        .filter_map(|rest| rest.split(".js").next())
        .find(|name| name.starts_with("api_switch-") && !name.contains(['"', '<', ' ']))
        .expect("the page loads a fingerprinted hydration script")
        .to_owned();
    assert!(page.contains(&folder.path().join("api-switch.db").display().to_string()));

    // Each file is embedded once, brotli-compressed, and cached for a year: sent as stored to
    // clients that accept brotli, decompressed for the rest (issue 12's size plan); together
    // the files stay under 1 MB compressed.
    let mut brotli_total = 0;
    for (suffix, content_type) in [
        (".js", "text/javascript"),
        ("_bg.wasm", "application/wasm"),
        (".css", "text/css"),
    ] {
        let file = format!("{stem}{suffix}");
        let mut bodies = Vec::new();
        for (accept, encoding) in [
            ("gzip, deflate, br", Some("br")),
            ("gzip", None),
            ("identity", None),
        ] {
            let response = client
                .get(format!("{}/pkg/{file}", server.base_url))
                .header("accept-encoding", accept)
                .send()
                .expect("GET bundle file");
            assert_eq!(response.status(), 200, "{file} is embedded");
            let headers = response.headers().clone();
            let header = |name: &str| {
                headers
                    .get(name)
                    .map(|v| v.to_str().expect("ascii").to_owned())
            };
            let kind = header("content-type").unwrap_or_default();
            assert!(kind.starts_with(content_type), "{file}: {kind}");
            assert_eq!(
                header("content-encoding").as_deref(),
                encoding,
                "{file} for {accept}"
            );
            assert_eq!(
                header("cache-control").as_deref(),
                Some("public, max-age=31536000, immutable"),
                "{file}"
            );
            let body = response.bytes().expect("body");
            assert!(body.len() > 100, "{file} is not empty");
            bodies.push(body);
        }
        let mut decoded = Vec::new();
        std::io::Read::read_to_end(
            &mut brotli::Decompressor::new(bodies[0].as_ref(), 4096),
            &mut decoded,
        )
        .expect("the br body is brotli");
        assert!(
            decoded == bodies[1] && decoded == bodies[2],
            "{file}: the decompressed file is the brotli one's content"
        );
        assert!(bodies[0].len() < decoded.len(), "{file} compressed");
        brotli_total += bodies[0].len();
    }
    assert!(
        brotli_total < 1024 * 1024,
        "the UI bundle is {brotli_total} bytes with brotli"
    );
    let favicon = client
        .get(format!("{}/favicon.svg", server.base_url))
        .send()
        .expect("GET favicon");
    assert_eq!(favicon.status(), 200);
}
