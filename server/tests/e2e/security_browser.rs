//! Issue 9, in a real browser: a page from a second local origin (and a page rebound to a
//! foreign name) posts a form and fetches to the UI's server functions and to the proxy.
//! Every attempt that reaches API Switch is refused, the configuration is unchanged and the
//! upstream never sees a request (so no key was spent).

use super::support;

use std::process::Command;

use app::screens::access_keys;
use app::screens::channels::entries;
use engine::store::Store;
use leptos::server_fn::ServerFn;
use serde_json::Value;
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::test(flavor = "multi_thread")]
async fn a_page_from_another_origin_cannot_change_the_configuration_or_spend_keys() {
    let upstream = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(200))
        .mount(&upstream)
        .await;
    let data = tempfile::tempdir().expect("temp dir");
    let db = data.path().join("api-switch.db");
    let channel = support::seed_gpt4o_channel(&db, "main", &upstream.uri(), "sk-browser-secret");
    let output = tokio::task::spawn_blocking(move || {
        let port = support::free_port();
        let listen = format!("127.0.0.1:{port}");
        let data_dir = data.path().display().to_string();
        let _server = support::start(
            &support::release_binary(),
            &["serve", "--listen", &listen, "--data-dir", &data_dir],
            data.path(),
            port,
        );
        let root = support::workspace_root();
        let output = Command::new("node")
            .arg(root.join("end2end/cross_origin.mjs"))
            .arg(port.to_string())
            .arg(entries::UpdateChannel::PATH)
            .arg(access_keys::CreateAccessKey::PATH)
            .arg(channel.to_string())
            .current_dir(&root)
            .output()
            .expect("run node (install Node.js, or run `cargo xtask test`)");
        (output, data)
    })
    .await
    .expect("node finished");
    let (output, _data) = output;
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "browser run failed:\nstdout: {stdout}\nstderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let answers: Value = stdout
        .lines()
        .find_map(|line| line.strip_prefix("answers "))
        .and_then(|json| serde_json::from_str(json).ok())
        .unwrap_or_else(|| panic!("no answers line: {stdout}"));
    let answers = answers.as_array().expect("array");
    let reached = |needle: &str| {
        answers
            .iter()
            .filter(|a| a["url"].as_str().is_some_and(|u| u.contains(needle)))
            .map(|a| a["status"].as_u64().unwrap_or(0))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        reached(entries::UpdateChannel::PATH).first(),
        Some(&403),
        "form post: {answers:?}"
    );
    assert_eq!(
        reached(access_keys::CreateAccessKey::PATH),
        [403],
        "fetch: {answers:?}"
    );
    assert_eq!(
        reached("/v1/chat/completions"),
        [403],
        "rebound proxy call: {answers:?}"
    );
    assert_eq!(
        reached("rebind.test").first(),
        Some(&403),
        "rebound page: {answers:?}"
    );
    for answer in answers {
        assert_eq!(answer["status"], 403, "every attempt refused: {answer}");
    }

    let store = Store::open(db).expect("reopen");
    let stored = &store.channels().expect("channels")[0];
    assert_eq!(
        (stored.name.as_str(), stored.base_url.as_str()),
        ("main", upstream.uri().as_str()),
        "the channel is unchanged"
    );
    assert!(
        store.access_keys().expect("keys").is_empty(),
        "no key was created"
    );
    let received = upstream.received_requests().await.unwrap_or_default();
    assert!(
        received.is_empty(),
        "the upstream saw {} requests",
        received.len()
    );
}
