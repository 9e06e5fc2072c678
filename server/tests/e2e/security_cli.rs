//! Issue 9, remote access is explicit and locked: `serve` on a non-loopback address refuses to
//! start and names the commands that fix it; after `password set`, `keys add` and
//! `keys require on` it starts. Keys are shown in full once, masked in the list.

use std::io::Write;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use super::support;

fn api_switch(data: &std::path::Path, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_api-switch"));
    command
        .args(args)
        .arg("--data-dir")
        .arg(data)
        .env_remove("API_SWITCH_DATA_DIR");
    command
}

fn run(data: &std::path::Path, args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = api_switch(data, args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start api-switch");
    if let Some(text) = stdin {
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(text.as_bytes())
            .expect("write stdin");
    }
    drop(child.stdin.take());
    child.wait_with_output().expect("output")
}

/// Starts `serve` on all interfaces and waits for it to exit or to answer `/health` locally.
fn serve_on_all_interfaces(
    data: &std::path::Path,
    port: u16,
) -> Result<support::KillOnDrop, Output> {
    let child = api_switch(data, &["serve", "--listen", &format!("0.0.0.0:{port}")])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start serve");
    let mut child = child;
    let deadline = Instant::now() + Duration::from_secs(30);
    let client = reqwest::blocking::Client::new();
    while Instant::now() < deadline {
        if child.try_wait().expect("wait").is_some() {
            return Err(child.wait_with_output().expect("output"));
        }
        if client
            .get(format!("http://127.0.0.1:{port}/health"))
            .send()
            .is_ok_and(|r| r.status().is_success())
        {
            return Ok(support::KillOnDrop(child));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    panic!("serve neither started nor exited");
}

#[test]
fn listening_beyond_loopback_needs_a_password_and_required_keys() {
    let data = tempfile::tempdir().expect("dir");
    let port = support::free_port();
    let refused = serve_on_all_interfaces(data.path(), port)
        .err()
        .expect("refused");
    assert!(!refused.status.success());
    let message = String::from_utf8_lossy(&refused.stderr);
    for fix in [
        "refusing to listen on 0.0.0.0",
        "api-switch password set",
        "api-switch keys add NAME",
        "api-switch keys require on",
    ] {
        assert!(message.contains(fix), "`{fix}` in: {message}");
    }

    let set = run(data.path(), &["password", "set"], Some("short\n"));
    assert!(!set.status.success(), "a short password is refused");
    assert!(String::from_utf8_lossy(&set.stderr).contains("at least 8"));
    let set = run(
        data.path(),
        &["password", "set"],
        Some("a long enough password\n"),
    );
    assert!(
        set.status.success(),
        "{}",
        String::from_utf8_lossy(&set.stderr)
    );

    let refused = serve_on_all_interfaces(data.path(), port)
        .err()
        .expect("still refused");
    let message = String::from_utf8_lossy(&refused.stderr);
    assert!(
        !message.contains("password set"),
        "the password is done: {message}"
    );
    assert!(message.contains("keys add NAME"), "{message}");

    let added = run(data.path(), &["keys", "add", "laptop"], None);
    assert!(
        added.status.success(),
        "{}",
        String::from_utf8_lossy(&added.stderr)
    );
    let key = String::from_utf8_lossy(&added.stdout).trim().to_owned();
    assert!(key.starts_with("sk-as-") && key.len() > 40, "{key}");
    let listed = run(data.path(), &["keys", "list"], None);
    let listed = String::from_utf8_lossy(&listed.stdout);
    assert!(
        listed.contains("laptop") && !listed.contains(&key),
        "masked: {listed}"
    );

    let required = run(data.path(), &["keys", "require", "on"], None);
    assert!(required.status.success());
    let _server = serve_on_all_interfaces(data.path(), port).expect("now it starts");
    let client = reqwest::blocking::Client::new();
    let models = |key: Option<&str>| {
        let mut request = client.get(format!("http://127.0.0.1:{port}/v1/models"));
        if let Some(key) = key {
            request = request.bearer_auth(key);
        }
        request.send().expect("models").status()
    };
    assert_eq!(models(None), 401);
    assert_eq!(models(Some(&key)), 200);
}
