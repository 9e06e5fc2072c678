//! Issue 9, the UI login on the real router: who must log in, the login API's answers, the
//! session cookie, logout, lockout after repeated failures, session expiry and revocation by a
//! password change.

use std::net::SocketAddr;
use std::time::Duration;

use app::screens::access_keys;
use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Request, StatusCode, header};
use engine::AppState;
use leptos::server_fn::ServerFn;
use serde_json::Value;

use super::security_guard::{LISTEN, send, setup};

const PASSWORD: &str = "correct horse battery";

fn remote_peer(last: u8) -> ConnectInfo<SocketAddr> {
    ConnectInfo(SocketAddr::from(([192, 0, 2, last], 50000)))
}

/// A request as a browser on `peer` would send it (same-origin, with `cookie` if given).
fn browser(
    method: &str,
    path: &str,
    peer: Option<ConnectInfo<SocketAddr>>,
    cookie: Option<&str>,
    body: &str,
) -> Request<Body> {
    let mut builder = Request::builder()
        .method(method)
        .uri(path)
        .header(header::HOST, LISTEN)
        .header("sec-fetch-site", "same-origin")
        .header(
            header::CONTENT_TYPE,
            if path.starts_with("/api/auth/") {
                "application/json"
            } else {
                "application/x-www-form-urlencoded"
            },
        );
    if let Some(cookie) = cookie {
        builder = builder.header(header::COOKIE, format!("api_switch_session={cookie}"));
    }
    let mut request = builder.body(Body::from(body.to_owned())).expect("request");
    if let Some(peer) = peer {
        request.extensions_mut().insert(peer);
    }
    request
}

async fn login(router: &Router, peer: u8, password: &str) -> (StatusCode, HeaderMap, Value) {
    let body = serde_json::json!({"password": password}).to_string();
    let (status, headers, text) = send(
        router,
        browser(
            "POST",
            "/api/auth/login",
            Some(remote_peer(peer)),
            None,
            &body,
        ),
    )
    .await;
    (
        status,
        headers,
        serde_json::from_str(&text).unwrap_or(Value::Null),
    )
}

fn session_of(headers: &HeaderMap) -> String {
    let cookie = headers[header::SET_COOKIE].to_str().expect("ascii");
    for part in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(cookie.contains(part), "{part} in {cookie}");
    }
    cookie
        .strip_prefix("api_switch_session=")
        .and_then(|rest| rest.split(';').next())
        .expect("the session cookie")
        .to_owned()
}

/// Status of a page and of a server function for a remote browser with `cookie`.
async fn reach(router: &Router, cookie: Option<&str>) -> (StatusCode, StatusCode) {
    let page = send(
        router,
        browser("GET", "/channels", Some(remote_peer(9)), cookie, ""),
    )
    .await;
    let api = send(
        router,
        browser(
            "POST",
            access_keys::ListAccessKeys::PATH,
            Some(remote_peer(9)),
            cookie,
            "",
        ),
    )
    .await;
    (page.0, api.0)
}

fn set_password(state: &AppState) {
    state.set_admin_password(PASSWORD).expect("password");
}

#[tokio::test]
async fn remote_browsers_log_in_and_out_with_a_strict_http_only_cookie() {
    let (_dir, state, router) = setup();

    let (status, headers, body) = send(
        &router,
        browser("GET", "/channels?tab=2", Some(remote_peer(9)), None, ""),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    assert_eq!(
        headers[header::LOCATION],
        "/login?next=%2Fchannels%3Ftab%3D2"
    );
    let (status, _, body) = send(
        &router,
        browser(
            "POST",
            access_keys::ListAccessKeys::PATH,
            Some(remote_peer(9)),
            None,
            "",
        ),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        serde_json::from_str::<Value>(&body).expect("json")["error"]["code"],
        "login_required"
    );
    for public in ["/health", "/api/auth/status"] {
        let (status, _, _) = send(
            &router,
            browser("GET", public, Some(remote_peer(9)), None, ""),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{public} is public");
    }
    // The login page itself (ui-app's) is never redirected or refused.
    let (status, _, _) = send(
        &router,
        browser("GET", "/login", Some(remote_peer(9)), None, ""),
    )
    .await;
    assert!(
        ![
            StatusCode::SEE_OTHER,
            StatusCode::UNAUTHORIZED,
            StatusCode::FORBIDDEN
        ]
        .contains(&status),
        "/login: {status}"
    );
    let (_, _, status_body) = send(
        &router,
        browser("GET", "/api/auth/status", Some(remote_peer(9)), None, ""),
    )
    .await;
    assert_eq!(
        serde_json::from_str::<Value>(&status_body).expect("json"),
        serde_json::json!({"login_required": true, "logged_in": false, "password_set": false})
    );

    let (status, _, body) = login(&router, 1, PASSWORD).await;
    assert_eq!(status, StatusCode::CONFLICT, "no password yet: {body}");
    set_password(&state);
    let (status, _, body) = login(&router, 1, "wrong password!").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"]["code"], "wrong_password");
    let (status, headers, body) = login(&router, 1, PASSWORD).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body, serde_json::json!({"ok": true}));
    let token = session_of(&headers);
    assert!(
        !headers[header::SET_COOKIE]
            .to_str()
            .expect("ascii")
            .contains("Secure")
    );

    assert_eq!(
        reach(&router, Some(&token)).await,
        (StatusCode::OK, StatusCode::OK)
    );
    let (_, _, status_body) = send(
        &router,
        browser(
            "GET",
            "/api/auth/status",
            Some(remote_peer(9)),
            Some(&token),
            "",
        ),
    )
    .await;
    assert_eq!(
        serde_json::from_str::<Value>(&status_body).expect("json")["logged_in"],
        true
    );
    assert_eq!(
        reach(&router, Some("forged-token")).await,
        (StatusCode::SEE_OTHER, StatusCode::UNAUTHORIZED)
    );

    let (status, headers, _) = send(
        &router,
        browser(
            "POST",
            "/api/auth/logout",
            Some(remote_peer(9)),
            Some(&token),
            "",
        ),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert!(
        headers[header::SET_COOKIE]
            .to_str()
            .expect("ascii")
            .contains("Max-Age=0")
    );
    assert_eq!(
        reach(&router, Some(&token)).await,
        (StatusCode::SEE_OTHER, StatusCode::UNAUTHORIZED),
        "the session is gone on the server, not just the cookie"
    );
}

#[tokio::test]
async fn the_cookie_is_secure_behind_an_https_proxy() {
    let (_dir, state, router) = setup();
    set_password(&state);
    let mut request = browser(
        "POST",
        "/api/auth/login",
        Some(remote_peer(3)),
        None,
        &serde_json::json!({"password": PASSWORD}).to_string(),
    );
    request
        .headers_mut()
        .insert("x-forwarded-proto", "https".parse().expect("value"));
    let (status, headers, _) = send(&router, request).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        headers[header::SET_COOKIE]
            .to_str()
            .expect("ascii")
            .contains("Secure")
    );
}

#[tokio::test]
async fn repeated_failures_lock_that_client_out_with_a_retry_time() {
    let (_dir, state, router) = setup();
    set_password(&state);
    for attempt in 0..engine::auth::FREE_FAILURES {
        let (status, _, _) = login(&router, 5, "not the password").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "attempt {attempt}");
    }
    let (status, headers, body) = login(&router, 5, PASSWORD).await;
    assert_eq!(
        status,
        StatusCode::TOO_MANY_REQUESTS,
        "even the right password waits: {body}"
    );
    assert_eq!(body["error"]["code"], "locked_out");
    let retry = body["error"]["retry_after_secs"]
        .as_u64()
        .expect("retry_after_secs");
    assert!((1..=30).contains(&retry), "{retry}");
    assert_eq!(headers[header::RETRY_AFTER], retry.to_string().as_str());
    let (status, _, _) = login(&router, 6, PASSWORD).await;
    assert_eq!(status, StatusCode::OK, "another client is not locked out");
}

#[tokio::test]
async fn sessions_expire() {
    let (_dir, state, router) = setup();
    set_password(&state);
    let mut settings = state.store().settings().expect("settings");
    // Below the 5-minute floor users get: stored directly, as tests may (`Store::save_settings`).
    settings.session_ttl_secs = 1;
    state.store().save_settings(&settings).expect("save");
    state.reload().expect("reload");
    let (status, headers, _) = login(&router, 1, PASSWORD).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        headers[header::SET_COOKIE]
            .to_str()
            .expect("ascii")
            .contains("Max-Age=1")
    );
    let token = session_of(&headers);
    assert_eq!(
        reach(&router, Some(&token)).await,
        (StatusCode::OK, StatusCode::OK)
    );
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert_eq!(
        reach(&router, Some(&token)).await,
        (StatusCode::SEE_OTHER, StatusCode::UNAUTHORIZED)
    );
}

#[tokio::test]
async fn changing_the_password_logs_every_browser_out() {
    let (_dir, state, router) = setup();
    set_password(&state);
    let (_, headers, _) = login(&router, 1, PASSWORD).await;
    let first = session_of(&headers);
    let (_, headers, _) = login(&router, 2, PASSWORD).await;
    let second = session_of(&headers);
    assert!(matches!(
        state.change_admin_password("wrong current", "a new password"),
        Err(engine::auth::AuthError::WrongPassword)
    ));
    assert_eq!(reach(&router, Some(&first)).await.1, StatusCode::OK);
    state
        .change_admin_password(PASSWORD, "a new password")
        .expect("change");
    for token in [&first, &second] {
        assert_eq!(
            reach(&router, Some(token)).await,
            (StatusCode::SEE_OTHER, StatusCode::UNAUTHORIZED)
        );
    }
    assert_eq!(
        login(&router, 1, PASSWORD).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(login(&router, 1, "a new password").await.0, StatusCode::OK);
}

#[tokio::test]
async fn local_browsers_skip_login_unless_a_proxy_or_the_setting_says_otherwise() {
    let (_dir, state, router) = setup();
    let local = ConnectInfo(SocketAddr::from(([127, 0, 0, 1], 50000)));
    let page = |extra: Option<(&'static str, &'static str)>| {
        let mut request = browser("GET", "/channels", Some(local), None, "");
        if let Some((name, value)) = extra {
            request
                .headers_mut()
                .insert(name, value.parse().expect("value"));
        }
        request
    };
    assert_eq!(send(&router, page(None)).await.0, StatusCode::OK);
    // A reverse proxy on this machine: its forwarding headers or its public name give the
    // remote user away.
    for forwarded in [
        ("x-forwarded-for", "203.0.113.9"),
        ("forwarded", "for=203.0.113.9"),
        ("x-real-ip", "203.0.113.9"),
    ] {
        assert_eq!(
            send(&router, page(Some(forwarded))).await.0,
            StatusCode::SEE_OTHER,
            "{forwarded:?}"
        );
    }
    let mut settings = state.store().settings().expect("settings");
    settings.allowed_hosts = vec!["ai.example.com".into()];
    state.update_settings(&settings).await.expect("save");
    assert_eq!(
        send(&router, page(Some(("host", "ai.example.com"))))
            .await
            .0,
        StatusCode::SEE_OTHER
    );
    settings.login_on_loopback = true;
    state.update_settings(&settings).await.expect("save");
    assert_eq!(send(&router, page(None)).await.0, StatusCode::SEE_OTHER);
}
