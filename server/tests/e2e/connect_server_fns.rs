//! Issue 11: the Connect screen's server functions on the real router (`oneshot`). A browser
//! on another machine is told so (`local: false`) and cannot write this machine's files or
//! create app keys; a browser on this machine sees every app.

use std::net::SocketAddr;

use app::screens::connect;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode, header};
use leptos::server_fn::ServerFn;

use super::security_guard::{LISTEN, send, setup};

/// A same-origin call from a browser on `peer`, logged in with `session` when given.
fn call(path: &str, body: &str, peer: [u8; 4], session: Option<&str>) -> Request<Body> {
    let json = path.starts_with("/api/auth/");
    let mut builder = Request::post(path)
        .header(header::HOST, LISTEN)
        .header(
            header::CONTENT_TYPE,
            if json {
                "application/json"
            } else {
                "application/x-www-form-urlencoded"
            },
        )
        .header("sec-fetch-site", "same-origin");
    if let Some(session) = session {
        builder = builder.header(header::COOKIE, format!("api_switch_session={session}"));
    }
    let mut request = builder.body(Body::from(body.to_owned())).expect("request");
    request
        .extensions_mut()
        .insert(ConnectInfo(SocketAddr::from((peer, 40000))));
    request
}

const LOGIN_BODY: &str = r#"{"password":"a long admin password"}"#;

/// Sends a login `request` and returns the session token it is answered with.
async fn log_in(router: &axum::Router, request: Request<Body>) -> String {
    let (status, headers, text) = send(router, request).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let cookie = headers[header::SET_COOKIE].to_str().expect("ascii");
    cookie
        .strip_prefix("api_switch_session=")
        .and_then(|rest| rest.split(';').next())
        .expect("session cookie")
        .to_owned()
}

#[tokio::test]
async fn a_remote_browser_gets_snippets_and_cannot_write_files() {
    let (_dir, state, router) = setup();
    let remote = [192, 0, 2, 10];
    // A remote browser needs a login session first.
    state
        .set_admin_password("a long admin password")
        .expect("password");
    let session = log_in(&router, call("/api/auth/login", LOGIN_BODY, remote, None)).await;
    let session = Some(session.as_str());
    let (status, _, text) = send(
        &router,
        call(connect::LoadConnectOverview::PATH, "", remote, session),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let overview: serde_json::Value = serde_json::from_str(&text).expect("json");
    assert_eq!(overview["local"], false);
    // Claude Code, Codex, OpenCode and Gemini CLI.
    assert_eq!(overview["apps"].as_array().map(Vec::len), Some(4));

    for path in [connect::LinkApp::PATH, connect::RestoreApp::PATH] {
        let (status, _, text) = send(&router, call(path, "app=claude-code", remote, session)).await;
        assert_ne!(status, StatusCode::OK, "{path}: {text}");
        assert!(text.contains("local_only"), "{path}: {text}");
    }
    assert!(state.store().access_keys().expect("keys").is_empty());

    let (status, _, text) = send(
        &router,
        call(
            connect::ConnectSnippets::PATH,
            "origin=http%3A%2F%2Fai.example%3A9090",
            remote,
            session,
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{text}");
    assert!(
        text.contains("http://ai.example:9090/v1") && text.contains("ACCESS_KEY"),
        "snippets address the server as the browser sees it, with a placeholder key: {text}"
    );

    let (status, _, text) = send(
        &router,
        call(connect::LoadConnectOverview::PATH, "", [127, 0, 0, 1], None),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let overview: serde_json::Value = serde_json::from_str(&text).expect("json");
    assert_eq!(overview["local"], true);
    assert_eq!(overview["base_url"], "http://127.0.0.1:9090");
}

/// `call` as forwarded by a reverse proxy on this machine: the connection comes from
/// loopback, but the request names the real client.
fn forwarded(path: &str, body: &str, session: Option<&str>) -> Request<Body> {
    let mut request = call(path, body, [127, 0, 0, 1], session);
    request.headers_mut().insert(
        "x-forwarded-for",
        axum::http::HeaderValue::from_static("198.51.100.7"),
    );
    request
}

#[tokio::test]
async fn a_browser_behind_a_local_reverse_proxy_counts_as_remote() {
    let (_dir, state, router) = setup();
    state
        .set_admin_password("a long admin password")
        .expect("password");
    // The guard asks it to log in, although its connection comes from loopback ...
    let (status, _, _) = send(
        &router,
        forwarded(connect::LoadConnectOverview::PATH, "", None),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let session = log_in(&router, forwarded("/api/auth/login", LOGIN_BODY, None)).await;
    let session = Some(session.as_str());
    // ... and, logged in, it is shown snippets and may not write this machine's files.
    let (status, _, text) = send(
        &router,
        forwarded(connect::LoadConnectOverview::PATH, "", session),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let overview: serde_json::Value = serde_json::from_str(&text).expect("json");
    assert_eq!(overview["local"], false, "{text}");
    let (status, _, text) = send(
        &router,
        forwarded(connect::LinkApp::PATH, "app=codex", session),
    )
    .await;
    assert_ne!(status, StatusCode::OK, "{text}");
    assert!(text.contains("local_only"), "{text}");
    assert!(state.store().access_keys().expect("keys").is_empty());
}
