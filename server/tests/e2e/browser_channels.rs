//! Issue 5: the channels page works in a real browser: an entry is disabled and speed-tested
//! through its buttons, the result shows in its row and the test leaves it disabled.

use super::support;

use std::process::Command;

use engine::store::{NewChannel, NewEntry, Store};
use engine::upstream::ChannelKind;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::test(flavor = "multi_thread")]
async fn the_channels_page_disables_and_speed_tests_an_entry() {
    let upstream = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw("data: [DONE]\n\n", "text/event-stream"),
        )
        .mount(&upstream)
        .await;
    let data = tempfile::tempdir().expect("temp dir");
    {
        let store = Store::open(data.path().join("api-switch.db")).expect("store");
        let channel = store
            .create_channel(&NewChannel {
                name: "main".into(),
                api_type: ChannelKind::Openai,
                base_url: upstream.uri(),
                api_key: "sk-browser-secret".into(),
                enabled: true,
                api_version: String::new(),
            })
            .expect("channel");
        store
            .create_entry(&NewEntry::new(channel, "gpt-4o"))
            .expect("entry");
    }
    // The server helper and node are blocking; they run off the runtime the mock upstream
    // needs.
    let output = tokio::task::spawn_blocking(move || {
        let port = support::free_port();
        let data_dir = data.path().display().to_string();
        let listen = format!("127.0.0.1:{port}");
        let server = support::start(
            &support::release_binary(),
            &["serve", "--listen", &listen, "--data-dir", &data_dir],
            data.path(),
            port,
        );
        let root = support::workspace_root();
        Command::new("node")
            .arg(root.join("end2end/channels.mjs"))
            .arg(&server.base_url)
            .current_dir(&root)
            .output()
            .expect("run node (install Node.js, or run `cargo xtask test`)")
    })
    .await
    .expect("node finished");
    assert!(
        output.status.success(),
        "browser check failed:\nstdout: {}\nstderr: {}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("channels ok"));
}
