//! Issue 9, nothing lost on stop: the release binary gets SIGTERM while a proxied request is in
//! flight; the request still gets its answer, the process exits cleanly, and the request-log
//! row queued for that request is in the database afterwards.

use super::support;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use engine::store::Store;

#[tokio::test(flavor = "multi_thread")]
async fn sigterm_finishes_the_request_in_flight_and_saves_its_log_row() {
    let upstream = support::slow_chat_upstream(Duration::from_millis(1000)).await;
    let data = tempfile::tempdir().expect("dir");
    let db = data.path().join("api-switch.db");
    support::seed_gpt4o_channel(&db, "main", &upstream.uri(), "sk-sigterm");
    let dir = data.path().to_path_buf();
    let (status, exit) = tokio::task::spawn_blocking(move || {
        let port = support::free_port();
        let child = Command::new(support::release_binary())
            .args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--data-dir"])
            .arg(&dir)
            .stdout(Stdio::null())
            .spawn()
            .expect("start api-switch");
        let mut child = support::KillOnDrop(child);
        let base = format!("http://127.0.0.1:{port}");
        support::wait_healthy(&base);
        let request = std::thread::spawn(move || {
            reqwest::blocking::Client::new()
                .post(format!("{base}/v1/chat/completions"))
                .json(&serde_json::json!({"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]}))
                .send()
                .map(|r| r.status().as_u16())
        });
        std::thread::sleep(Duration::from_millis(300));
        let killed = Command::new("kill")
            .args(["-TERM", &child.0.id().to_string()])
            .status()
            .expect("run kill");
        assert!(killed.success());
        let status = request.join().expect("request thread");
        let deadline = Instant::now() + Duration::from_secs(20);
        let exit = loop {
            if let Some(exit) = child.0.try_wait().expect("wait") {
                break exit;
            }
            assert!(Instant::now() < deadline, "api-switch did not stop after SIGTERM");
            std::thread::sleep(Duration::from_millis(50));
        };
        (status, exit)
    })
    .await
    .expect("join");
    assert_eq!(status.expect("the request in flight got an answer"), 200);
    assert!(exit.success(), "clean exit: {exit:?}");
    let rows = Store::open(db)
        .expect("reopen")
        .log_page(&engine::logs::LogQuery::default())
        .expect("log")
        .rows;
    assert_eq!(
        rows.len(),
        1,
        "the row queued just before SIGTERM was saved"
    );
}
