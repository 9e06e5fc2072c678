//! Helpers shared by the end-to-end tests: start a real `api-switch` process on a free port
//! and stop it when the test ends.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running `api-switch`, killed on drop.
pub struct RunningServer {
    child: Child,
    pub base_url: String,
}

impl Drop for RunningServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A port nobody listens on right now.
pub fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind an ephemeral port");
    listener.local_addr().expect("local addr").port()
}

/// The workspace root, for scripts under `end2end/`.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("server/ has a parent")
        .to_path_buf()
}

/// Starts `binary` with `args` in `cwd` and waits until `/health` answers.
pub fn start(binary: &Path, args: &[&str], cwd: &Path, port: u16) -> RunningServer {
    let child = Command::new(binary)
        .args(args)
        .current_dir(cwd)
        .env_remove("API_SWITCH_DATA_DIR")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", binary.display()));
    let server = RunningServer {
        child,
        base_url: format!("http://127.0.0.1:{port}"),
    };
    wait_healthy(&server.base_url);
    server
}

/// Waits until `/health` answers 200, panicking after 30 s.
pub fn wait_healthy(base_url: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    let client = reqwest::blocking::Client::new();
    while Instant::now() < deadline {
        if let Ok(response) = client.get(format!("{base_url}/health")).send()
            && response.status().is_success()
        {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("api-switch at {base_url} did not become healthy within 30 s");
}

/// Kills a child process when the test ends, pass or fail.
pub struct KillOnDrop(pub Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The release `api-switch`, which embeds the UI bundle built by `cargo xtask`. Browser tests
/// use it rather than the debug build: Leptos hydration needs the server and the wasm built in
/// the same mode, and the bundle is built in release mode.
pub fn release_binary() -> PathBuf {
    let path = std::env::var_os("API_SWITCH_RELEASE_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            // Beside the debug binary this test was built with: target/{debug,release}.
            let debug = PathBuf::from(env!("CARGO_BIN_EXE_api-switch"));
            debug
                .parent()
                .and_then(|d| d.parent())
                .expect("target folder")
                .join("release/api-switch")
        });
    assert!(
        path.exists(),
        "{} is missing: run `cargo xtask build` (or `cargo xtask test`, which builds it)",
        path.display()
    );
    path
}

/// An upstream whose chat completions answer `hello` after `delay`: a request that is still in
/// flight when the test stops the server.
pub async fn slow_chat_upstream(delay: Duration) -> wiremock::MockServer {
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};
    let upstream = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .respond_with(ResponseTemplate::new(200).set_delay(delay).set_body_json(
            serde_json::json!({
                "id": "c1", "object": "chat.completion", "model": "gpt-4o",
                "choices": [{"index": 0, "finish_reason": "stop",
                             "message": {"role": "assistant", "content": "hello"}}]
            }),
        ))
        .mount(&upstream)
        .await;
    upstream
}

/// A channel to seed: its name, kind, base URL and the model of its one entry.
pub type SeedChannel<'a> = (&'a str, engine::upstream::ChannelKind, String, &'a str);

/// Adds `channels` to the database in the data folder `data` (created if missing), each with
/// the key `sk-<name>-upstream-secret` and one entry.
pub fn seed_channels(data: &Path, channels: &[SeedChannel<'_>]) {
    use engine::store::{NewChannel, NewEntry, Store};
    let store = Store::open(data.join("api-switch.db")).expect("store");
    for (name, kind, base_url, model) in channels {
        let channel = store
            .create_channel(&NewChannel {
                name: (*name).into(),
                api_type: *kind,
                base_url: base_url.clone(),
                api_key: format!("sk-{name}-upstream-secret").into(),
                enabled: true,
                api_version: String::new(),
            })
            .expect("channel");
        store
            .create_entry(&NewEntry::new(channel, *model))
            .expect("entry");
    }
}

/// Starts this build's `api-switch` serving the data folder `data` on a free loopback port.
pub fn serve_data(data: &Path) -> RunningServer {
    let port = free_port();
    let data_dir = data.display().to_string();
    start(
        Path::new(env!("CARGO_BIN_EXE_api-switch")),
        &[
            "serve",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--data-dir",
            &data_dir,
        ],
        data,
        port,
    )
}

/// Adds to the database at `db` (created if missing) one OpenAI channel `name` at `base_url`
/// serving `gpt-4o`; returns its id.
pub fn seed_gpt4o_channel(
    db: &Path,
    name: &str,
    base_url: &str,
    api_key: &str,
) -> engine::store::ChannelId {
    use engine::store::{NewChannel, NewEntry, Store};
    let store = Store::open(db.to_path_buf()).expect("store");
    let channel = store
        .create_channel(&NewChannel {
            name: name.into(),
            api_type: engine::upstream::ChannelKind::Openai,
            base_url: base_url.into(),
            api_key: api_key.into(),
            enabled: true,
            api_version: String::new(),
        })
        .expect("channel");
    store
        .create_entry(&NewEntry::new(channel, "gpt-4o"))
        .expect("entry");
    channel
}

/// Serves `app` on a fresh loopback port for the rest of the test; returns where.
pub async fn serve_on_loopback(app: axum::Router) -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind a loopback port");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, app).await });
    addr
}

/// Serves the data folder `data` with the release binary, runs the browser check
/// `end2end/<script>` against it (its first argument the server's URL, then `extra_args`),
/// fails the test with the check's output unless it succeeds, and returns what it printed.
pub async fn run_browser_check(data: &Path, script: &str, extra_args: &[String]) -> String {
    let (data, script, extra_args) = (data.to_path_buf(), script.to_owned(), extra_args.to_vec());
    let output = tokio::task::spawn_blocking(move || {
        let port = free_port();
        let data_dir = data.display().to_string();
        let listen = format!("127.0.0.1:{port}");
        let server = start(
            &release_binary(),
            &["serve", "--listen", &listen, "--data-dir", &data_dir],
            &data,
            port,
        );
        let root = workspace_root();
        let output = Command::new("node")
            .arg(root.join("end2end").join(&script))
            .arg(&server.base_url)
            .args(&extra_args)
            .current_dir(&root)
            .output()
            .expect("run node (install Node.js, or run `cargo xtask test`)");
        drop(server);
        output
    })
    .await
    .expect("node finished");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "browser check failed:\nstdout: {stdout}\nstderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}
