//! Issue 19 on the real router (`oneshot`) and a real socket: one rule for "remote" (a proxy's
//! HTTP/1.0 hop, `X-Forwarded-Proto` or `Via` alone make a request remote; a remote `/v1`
//! request needs a valid key whatever "require access key" says), pages of other sites kept out
//! of `/v1` unless listed (with CORS for listed ones), the security headers and page script
//! policy, the login throttle keyed on the peer, the throttled current-password check, and the
//! hard head limit.

use std::net::SocketAddr;

use app::screens::{connect, settings};
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Request, StatusCode, Version, header};
use leptos::server_fn::ServerFn;
use serde_json::Value;

use super::security_guard::{LISTEN, send, setup};

const PASSWORD: &str = "correct horse battery";
const CHAT: &str = r#"{"model":"auto","messages":[{"role":"user","content":"hi"}]}"#;

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

fn from_peer(mut request: Request<Body>, peer: [u8; 4]) -> Request<Body> {
    request
        .extensions_mut()
        .insert(ConnectInfo(SocketAddr::from((peer, 40000))));
    request
}

const LOOPBACK: [u8; 4] = [127, 0, 0, 1];

/// A same-origin login with `password` from `peer`, with `extra` headers.
fn login(peer: [u8; 4], password: &str, extra: &[(&str, &str)]) -> Request<Body> {
    let mut builder = Request::post("/api/auth/login")
        .header(header::HOST, LISTEN)
        .header(header::CONTENT_TYPE, "application/json")
        .header("sec-fetch-site", "same-origin");
    for (name, value) in extra {
        builder = builder.header(*name, *value);
    }
    let body = Body::from(format!(r#"{{"password":"{password}"}}"#));
    from_peer(builder.body(body).expect("request"), peer)
}

/// Logs in with the right password from `peer` and returns the session cookie.
async fn session_cookie(router: &axum::Router, peer: [u8; 4], extra: &[(&str, &str)]) -> String {
    let (status, headers, text) = send(router, login(peer, PASSWORD, extra)).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    headers[header::SET_COOKIE]
        .to_str()
        .expect("ascii")
        .split(';')
        .next()
        .expect("cookie")
        .to_owned()
}

/// A chat request from a loopback peer with `extra` headers, over `version`.
fn chat(version: Version, extra: &[(&str, &str)]) -> Request<Body> {
    let mut builder = Request::post("/v1/chat/completions")
        .version(version)
        .header(header::HOST, LISTEN)
        .header(header::CONTENT_TYPE, "application/json");
    for (name, value) in extra {
        builder = builder.header(*name, *value);
    }
    from_peer(builder.body(Body::from(CHAT)).expect("request"), LOOPBACK)
}

/// Finding 9: what a reverse proxy on this machine leaves of its users, one sign at a time.
/// Each makes the request remote: `/v1` wants a key, pages a login, Connect refuses to write.
#[tokio::test]
async fn r19_9_a_proxy_hop_is_remote_by_any_sign_it_leaves() {
    let (_dir, state, router) = setup();
    state.set_admin_password(PASSWORD).expect("password");
    let signs: [(Version, &[(&str, &str)]); 4] = [
        (Version::HTTP_10, &[]),
        (Version::HTTP_11, &[("x-forwarded-proto", "https")]),
        (Version::HTTP_11, &[("via", "1.1 nginx")]),
        (Version::HTTP_11, &[("x-forwarded-port", "443")]),
    ];
    for (version, extra) in signs {
        let (status, _, body) = send(&router, chat(version, extra)).await;
        assert_eq!(
            status,
            StatusCode::UNAUTHORIZED,
            "{version:?} {extra:?}: {body}"
        );
        assert_eq!(json(&body)["error"]["code"], "invalid_api_key", "{body}");

        let mut page = Request::get("/channels")
            .version(version)
            .header(header::HOST, LISTEN);
        for (name, value) in extra {
            page = page.header(*name, *value);
        }
        let page = from_peer(page.body(Body::empty()).expect("request"), LOOPBACK);
        let (status, headers, _) = send(&router, page).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{version:?} {extra:?}");
        assert!(
            headers[header::LOCATION]
                .to_str()
                .expect("ascii")
                .starts_with("/login")
        );
    }
    // The same request without any sign is this machine's: no key needed while not required.
    let (status, _, body) = send(&router, chat(Version::HTTP_11, &[])).await;
    assert_ne!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_ne!(status, StatusCode::FORBIDDEN, "{body}");
}

/// Finding 9, Connect: with only `Via`, the overview says the browser is not on this machine
/// (it gets snippets), even for a logged-in session.
#[tokio::test]
async fn r19_9_connect_does_not_believe_a_proxied_browser_is_local() {
    let (_dir, state, router) = setup();
    state.set_admin_password(PASSWORD).expect("password");
    let cookie = session_cookie(&router, LOOPBACK, &[("via", "1.1 nginx")]).await;
    let overview = Request::post(connect::LoadConnectOverview::PATH)
        .header(header::HOST, LISTEN)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header("sec-fetch-site", "same-origin")
        .header("via", "1.1 nginx")
        .header(header::COOKIE, cookie)
        .body(Body::empty())
        .expect("request");
    let (status, _, text) = send(&router, from_peer(overview, LOOPBACK)).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    assert_eq!(json(&text)["local"], false, "{text}");
}

/// Finding 2 on the router: remote and no key is 401 in the protocol's own shape, whatever
/// "require access key" says; remote with a valid key passes the guard.
#[tokio::test]
async fn r19_2_remote_proxy_clients_need_a_valid_key_whatever_the_setting() {
    let (_dir, state, router) = setup();
    let key = state.generate_access_key("phone").await.expect("key").key;
    let forwarded = [("x-forwarded-for", "203.0.113.5")];
    for (path, shape) in [
        ("/v1/chat/completions", "error"),
        ("/v1/messages", "type"),
        ("/v1/responses", "error"),
    ] {
        let mut request = chat(Version::HTTP_11, &forwarded);
        *request.uri_mut() = path.parse().expect("uri");
        let (status, _, body) = send(&router, request).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{path}: {body}");
        assert!(json(&body).get(shape).is_some(), "{path}: {body}");
    }
    let wrong = chat(
        Version::HTTP_11,
        &[
            forwarded[0],
            ("authorization", "Bearer sk-as-not-a-key-of-ours"),
        ],
    );
    let (status, _, body) = send(&router, wrong).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    let bearer = format!("Bearer {key}");
    let right = chat(
        Version::HTTP_11,
        &[forwarded[0], ("authorization", bearer.as_str())],
    );
    let (status, _, body) = send(&router, right).await;
    assert_ne!(
        status,
        StatusCode::UNAUTHORIZED,
        "a valid key passes: {body}"
    );
    assert_ne!(status, StatusCode::FORBIDDEN, "a valid key passes: {body}");
}

/// Finding 3 on the router: another site's page is refused before any upstream, in the
/// protocol's shape; a listed origin gets its preflight answered and CORS headers.
#[tokio::test]
async fn r19_3_pages_of_other_sites_are_refused_unless_listed() {
    let (_dir, state, router) = setup();
    let page = |origin: &str, site: &str| {
        chat(
            Version::HTTP_11,
            &[("origin", origin), ("sec-fetch-site", site)],
        )
    };
    let (status, _, body) = send(&router, page("https://evil.example", "cross-site")).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(json(&body)["error"]["code"], "cross_site", "{body}");
    let (status, _, body) = send(&router, page("http://127.0.0.1:8080", "same-site")).await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "another port is another site: {body}"
    );
    let mut anthropic = page("https://evil.example", "cross-site");
    *anthropic.uri_mut() = "/v1/messages".parse().expect("uri");
    let (status, _, body) = send(&router, anthropic).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(json(&body)["type"], "error", "{body}");

    let preflight = || {
        from_peer(
            Request::options("/v1/chat/completions")
                .header(header::HOST, LISTEN)
                .header("origin", "https://chat.example.com")
                .header("sec-fetch-site", "cross-site")
                .header("access-control-request-method", "POST")
                .header(
                    "access-control-request-headers",
                    "authorization,content-type,x-stainless-os",
                )
                .body(Body::empty())
                .expect("request"),
            LOOPBACK,
        )
    };
    let (status, _, _) = send(&router, preflight()).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "not listed yet");

    let mut settings = state.store().settings().expect("settings");
    settings.browser_origins = vec!["https://chat.example.com".into()];
    state.update_settings(&settings).await.expect("save");
    let (status, headers, _) = send(&router, preflight()).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(
        headers["access-control-allow-origin"],
        "https://chat.example.com"
    );
    assert!(
        headers["access-control-allow-methods"]
            .to_str()
            .expect("ascii")
            .contains("POST")
    );
    assert_eq!(
        headers["access-control-allow-headers"],
        "authorization,content-type,x-stainless-os"
    );
    let (status, headers, body) =
        send(&router, page("https://chat.example.com", "cross-site")).await;
    assert_ne!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(
        headers["access-control-allow-origin"],
        "https://chat.example.com"
    );
    let (status, _, _) = send(&router, page("https://evil.example", "cross-site")).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "others still are");
}

fn csp(headers: &HeaderMap) -> String {
    headers[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .expect("ascii")
        .to_owned()
}

/// Finding 5 on the router: every UI answer refuses framing and sniffing and sends no
/// referrer; a page's script policy names the nonce its inline scripts carry.
#[tokio::test]
async fn r19_5_ui_answers_cannot_be_framed_and_pages_carry_a_nonce_policy() {
    let (_dir, _state, router) = setup();
    let get = |path: &str| {
        from_peer(
            Request::get(path)
                .header(header::HOST, LISTEN)
                .header("sec-fetch-site", "same-origin")
                .body(Body::empty())
                .expect("request"),
            LOOPBACK,
        )
    };
    for path in ["/", "/login", "/channels", "/api/auth/status", "/health"] {
        let (status, headers, _) = send(&router, get(path)).await;
        assert!(status.is_success(), "{path}: {status}");
        assert_eq!(headers[header::X_FRAME_OPTIONS], "DENY", "{path}");
        assert!(csp(&headers).contains("frame-ancestors 'none'"), "{path}");
        assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff", "{path}");
        assert_eq!(headers[header::REFERRER_POLICY], "no-referrer", "{path}");
    }
    let (_, headers, html) = send(&router, get("/")).await;
    let policy = csp(&headers);
    let nonce = policy
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .unwrap_or_else(|| panic!("a nonce in {policy}"));
    let scripts = policy
        .split(';')
        .find(|directive| directive.trim().starts_with("script-src"))
        .unwrap_or_else(|| panic!("a script-src in {policy}"));
    assert!(scripts.contains("'wasm-unsafe-eval'"), "{policy}");
    assert!(!scripts.contains("'unsafe-inline'"), "{policy}");
    assert!(!scripts.contains("'unsafe-eval'"), "{policy}");
    assert!(
        html.contains(&format!("nonce=\"{nonce}\"")),
        "the inline scripts carry the header's nonce {nonce}: {html}"
    );
    let (_, again, _) = send(&router, get("/")).await;
    assert_ne!(csp(&again), policy, "a fresh nonce per page");
}

/// Finding 6 on the router: from a peer that is not a trusted proxy, a different
/// `X-Forwarded-For` per try does not escape the lockout.
#[tokio::test]
async fn r19_6_a_spoofed_forwarded_for_does_not_escape_the_lockout() {
    let (_dir, state, router) = setup();
    state.set_admin_password(PASSWORD).expect("password");
    let attempt = |n: u32, password: &str| {
        let spoof = format!("10.0.{}.{}", n / 250, n % 250 + 1);
        login(LOOPBACK, password, &[("x-forwarded-for", spoof.as_str())])
    };
    for n in 0..engine::auth::FREE_FAILURES {
        let (status, _, body) = send(&router, attempt(n, "wrong guess")).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{n}: {body}");
    }
    let (status, _, body) = send(&router, attempt(99, PASSWORD)).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
}

/// A same-origin call of the password change from a remote browser at `peer`.
fn change_password(current: &str, peer: [u8; 4], cookie: &str) -> Request<Body> {
    let body: String = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("current", current)
        .append_pair("new", "a brand new password")
        .finish();
    from_peer(
        Request::post(settings::SetAdminPassword::PATH)
            .header(header::HOST, LISTEN)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header("sec-fetch-site", "same-origin")
            .header(header::COOKIE, cookie)
            .body(Body::from(body))
            .expect("request"),
        peer,
    )
}

/// Finding 7: the current-password check answers 401 for a wrong password (not 500) and goes
/// through the login throttle: after the free failures even the right one gets 429.
#[tokio::test]
async fn r19_7_the_current_password_check_is_throttled_and_answers_401_then_429() {
    let (_dir, state, router) = setup();
    state.set_admin_password(PASSWORD).expect("password");
    let peer = [192, 0, 2, 44];
    let cookie = session_cookie(&router, peer, &[]).await;
    for n in 0..engine::auth::FREE_FAILURES {
        let (status, _, body) =
            send(&router, change_password("a wrong guess", peer, &cookie)).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{n}: {body}");
        assert_eq!(json(&body)["code"], "invalid_field", "{body}");
    }
    let (status, headers, body) = send(&router, change_password(PASSWORD, peer, &cookie)).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert_eq!(json(&body)["code"], "locked_out", "{body}");
    assert!(headers.contains_key(header::RETRY_AFTER), "{headers:?}");
    assert!(
        engine::auth::verify_password(
            PASSWORD,
            &state
                .store()
                .admin_password_hash()
                .expect("hash")
                .expect("set")
        ),
        "the password did not change"
    );
    let (status, _, _) = send(&router, login(peer, PASSWORD, &[])).await;
    assert_eq!(
        status,
        StatusCode::TOO_MANY_REQUESTS,
        "one throttle: the login waits too"
    );
}
