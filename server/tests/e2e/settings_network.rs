//! Issue 19, Settings -> Network: the listen address is changed through the UI's server
//! function while the server runs. A stream in flight on the old address completes, the new
//! address answers (its Host guard follows), the old one refuses new connections, the address
//! is stored and a start without `--listen` uses it. A remote address is refused in `serve`'s
//! own words until a password and required keys exist; an address that cannot be bound
//! leaves the server where it was.

use super::support;

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use api_switch::http::DB_FILE_NAME;
use api_switch::{BoundServer, ServeOptions};
use app::screens::settings::{ApplyListenAddress, ListenAddress};
use axum::body::Body;
use leptos::server_fn::ServerFn;
use serde_json::Value;
use tokio::sync::oneshot;

const CHUNKS: usize = 8;
const CHUNK_GAP: Duration = Duration::from_millis(250);

/// An upstream whose chat completion streams `CHUNKS` deltas, one every `CHUNK_GAP`.
async fn slow_stream_upstream() -> SocketAddr {
    let app = axum::Router::new().route(
        "/v1/chat/completions",
        axum::routing::post(|| async {
            let events = futures::stream::unfold(0usize, |n| async move {
                if n > CHUNKS {
                    return None;
                }
                if n > 0 {
                    tokio::time::sleep(CHUNK_GAP).await;
                }
                let line = if n == CHUNKS {
                    "data: [DONE]\n\n".to_owned()
                } else {
                    format!(
                        "data: {{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-4o\",\
                         \"choices\":[{{\"index\":0,\"delta\":{{\"content\":\"part{n} \"}}}}]}}\n\n"
                    )
                };
                Some((Ok::<_, std::io::Error>(line), n + 1))
            });
            axum::response::Response::builder()
                .header("content-type", "text/event-stream")
                .body(Body::from_stream(events))
                .expect("response")
        }),
    );
    support::serve_on_loopback(app).await
}

struct Running {
    addr: SocketAddr,
    state: engine::AppState,
    stop: oneshot::Sender<()>,
    done: tokio::task::JoinHandle<anyhow::Result<()>>,
}

/// Starts the server the way `api-switch serve` without `--listen` does: at the stored
/// address, else at `fallback`.
async fn start(data: &Path, fallback: SocketAddr) -> Running {
    let options = ServeOptions {
        listen_given: false,
        ..ServeOptions::new(fallback, data.to_path_buf())
    };
    let server = BoundServer::bind(options).await.expect("bind");
    let addr = server.local_addr();
    let state = server.state().clone();
    let (stop, stopped) = oneshot::channel::<()>();
    let done = tokio::spawn(server.run(async {
        let _ = stopped.await;
    }));
    Running {
        addr,
        state,
        stop,
        done,
    }
}

/// Calls a server function at `addr` the way the UI's own page does.
async fn server_fn<F: ServerFn>(addr: SocketAddr, body: &str) -> (u16, Value) {
    server_fn_from::<F>(addr, body, "same-origin").await
}

/// Calls a server function at `addr` as a page whose browser says `sec-fetch-site: site`.
async fn server_fn_from<F: ServerFn>(addr: SocketAddr, body: &str, site: &str) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(format!("http://{addr}{}", F::PATH))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept", "application/json")
        .header("sec-fetch-site", site)
        .body(body.to_owned())
        .send()
        .await
        .expect("server function answers");
    let status = response.status().as_u16();
    let text = response.text().await.expect("body");
    let json = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, json)
}

fn loopback(port: u16) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], port))
}

#[tokio::test]
async fn the_listen_address_moves_live_without_dropping_a_stream_and_is_used_at_the_next_start() {
    let data = tempfile::tempdir().expect("data");
    let upstream = slow_stream_upstream().await;
    support::seed_gpt4o_channel(
        &data.path().join(DB_FILE_NAME),
        "slow",
        &format!("http://{upstream}"),
        "sk-upstream",
    );
    let server = start(data.path(), loopback(0)).await;
    let old = server.addr;

    // A stream in flight on the old address: its first part has arrived.
    let mut stream = reqwest::Client::new()
        .post(format!("http://{old}/v1/chat/completions"))
        .json(&serde_json::json!({"model": "gpt-4o", "stream": true,
                                  "messages": [{"role": "user", "content": "hi"}]}))
        .send()
        .await
        .expect("stream starts");
    assert_eq!(stream.status(), 200);
    let mut received =
        String::from_utf8_lossy(&stream.chunk().await.expect("chunk").expect("first")).into_owned();
    assert!(received.contains("part0"), "{received}");

    let new = loopback(support::free_port());
    let (status, info) = server_fn::<ApplyListenAddress>(old, &format!("address={new}")).await;
    assert_eq!(status, 200, "{info}");
    assert_eq!(info["current"], new.to_string(), "{info}");
    assert_eq!(info["stored"], new.to_string(), "{info}");

    // The stream finishes on its old connection, every part and the end.
    while let Some(chunk) = stream.chunk().await.expect("the stream goes on") {
        received.push_str(&String::from_utf8_lossy(&chunk));
    }
    for n in 0..CHUNKS {
        assert!(
            received.contains(&format!("part{n}")),
            "part {n} arrived: {received}"
        );
    }
    assert!(received.contains("[DONE]"), "a clean end: {received}");

    // The new address answers, with a Host guard built for it; the old one is closed.
    let health = reqwest::get(format!("http://{new}/health"))
        .await
        .expect("new answers");
    assert_eq!(health.status(), 200);
    let (status, info) = server_fn::<ListenAddress>(new, "").await;
    assert_eq!(
        (status, info["current"].clone()),
        (200, Value::from(new.to_string()))
    );
    assert!(
        tokio::net::TcpStream::connect(old).await.is_err(),
        "the old address refuses new connections"
    );
    assert_eq!(
        server
            .state
            .store()
            .settings()
            .expect("settings")
            .listen_address,
        Some(new),
        "stored for the next start"
    );

    server.stop.send(()).expect("stop");
    server.done.await.expect("joined").expect("clean stop");

    // The real program, started without --listen, listens at the stored address.
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_api-switch"))
        .args(["serve", "--data-dir"])
        .arg(data.path())
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("start api-switch");
    let _child = support::KillOnDrop(child);
    let base = format!("http://{new}");
    tokio::task::spawn_blocking(move || support::wait_healthy(&base))
        .await
        .expect("healthy at the stored address");
}

#[tokio::test]
async fn an_explicit_listen_wins_over_the_stored_address() {
    let data = tempfile::tempdir().expect("data");
    let stored = loopback(support::free_port());
    {
        let state = engine::AppState::open(data.path().join(DB_FILE_NAME)).expect("state");
        state.store_listen_address(stored).await.expect("store");
    }
    let server = BoundServer::bind(ServeOptions::new(loopback(0), data.path().to_path_buf()))
        .await
        .expect("bind");
    assert_ne!(server.local_addr(), stored, "--listen was used");
    let addr = server.local_addr();
    let (stop, stopped) = oneshot::channel::<()>();
    let done = tokio::spawn(server.run(async {
        let _ = stopped.await;
    }));
    let (status, info) = server_fn::<ListenAddress>(addr, "").await;
    assert_eq!(status, 200, "{info}");
    assert_eq!(
        info["command_line"], "127.0.0.1:0",
        "the UI is told --listen as given: {info}"
    );
    assert_eq!(info["stored"], stored.to_string());
    stop.send(()).expect("stop");
    done.await.expect("joined").expect("clean stop");
}

#[tokio::test]
async fn a_remote_address_is_refused_in_the_cli_words_until_remote_use_is_locked_down() {
    let data = tempfile::tempdir().expect("data");
    let server = start(data.path(), loopback(0)).await;
    let wanted = SocketAddr::from(([0, 0, 0, 0], support::free_port()));
    let cli_words = api_switch::remote::check_ready(&server.state, wanted, data.path())
        .expect_err("not ready: no password, no keys")
        .to_string();
    assert!(cli_words.contains("api-switch password set"), "{cli_words}");

    let (status, error) =
        server_fn::<ApplyListenAddress>(server.addr, &format!("address={wanted}")).await;
    assert!(status >= 400, "{error}");
    assert_eq!(error["code"], "listen_refused", "{error}");
    assert_eq!(
        error["params"]["detail"], cli_words,
        "the same words as `serve`"
    );

    // Still serving where it was, nothing stored, nothing bound at the refused address.
    let health = reqwest::get(format!("http://{}/health", server.addr))
        .await
        .expect("old answers");
    assert_eq!(health.status(), 200);
    assert!(
        tokio::net::TcpStream::connect(loopback(wanted.port()))
            .await
            .is_err()
    );
    assert_eq!(
        server
            .state
            .store()
            .settings()
            .expect("settings")
            .listen_address,
        None
    );

    // An address taken by someone else: the bind fails and the server stays.
    let taken = tokio::net::TcpListener::bind(loopback(0))
        .await
        .expect("taken");
    let taken_addr = taken.local_addr().expect("addr");
    let (_, error) =
        server_fn::<ApplyListenAddress>(server.addr, &format!("address={taken_addr}")).await;
    assert_eq!(error["code"], "listen_refused", "{error}");
    assert!(
        error["params"]["detail"]
            .as_str()
            .is_some_and(|d| d.contains("cannot listen on")),
        "{error}"
    );
    let health = reqwest::get(format!("http://{}/health", server.addr))
        .await
        .expect("old answers");
    assert_eq!(health.status(), 200);

    // Not an address at all: a field error.
    let (status, error) = server_fn::<ApplyListenAddress>(server.addr, "address=nowhere").await;
    assert!(status >= 400);
    assert_eq!(error["params"]["field"], "listen_address", "{error}");

    server.stop.send(()).expect("stop");
    server.done.await.expect("joined").expect("clean stop");
}

/// Another site's page (or another port of this host) cannot move the server: the guard
/// refuses the call before it runs, nothing is bound or stored, and the server stays put.
#[tokio::test]
async fn another_sites_page_cannot_move_the_listen_address() {
    let data = tempfile::tempdir().expect("data");
    let server = start(data.path(), loopback(0)).await;
    let wanted = loopback(support::free_port());
    for site in ["cross-site", "same-site"] {
        let (status, body) =
            server_fn_from::<ApplyListenAddress>(server.addr, &format!("address={wanted}"), site)
                .await;
        assert_eq!(status, 403, "{site}: {body}");
    }
    assert!(
        tokio::net::TcpStream::connect(wanted).await.is_err(),
        "nothing listens at the address the page asked for"
    );
    assert_eq!(
        server
            .state
            .store()
            .settings()
            .expect("settings")
            .listen_address,
        None,
        "nothing stored"
    );
    let (status, _) = server_fn::<ListenAddress>(server.addr, "").await;
    assert_eq!(status, 200, "the server still answers where it was");
    server.stop.send(()).expect("stop");
    server.done.await.expect("joined").expect("clean stop");
}
