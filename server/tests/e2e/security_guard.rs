//! Issue 9, the HTTP guard on the real router (`oneshot`): a foreign `Host` is refused on every
//! path in the caller's error shape (DNS rebinding); the UI's server functions refuse every
//! call that is not same-origin and change nothing; remote proxy clients need a valid key.

use std::net::SocketAddr;

use api_switch::http::{DB_FILE_NAME, router};
use app::screens::access_keys;
use app::screens::channels::entries;
use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode, header};
use engine::AppState;
use engine::store::NewChannel;
use engine::upstream::ChannelKind;
use leptos::server_fn::ServerFn;
use serde_json::Value;
use tower::ServiceExt;

pub const LISTEN: &str = "127.0.0.1:9090";

pub fn listen() -> SocketAddr {
    LISTEN.parse().expect("address")
}

/// A fresh state with one channel; returns the folder (kept alive), the state and the router.
pub fn setup() -> (tempfile::TempDir, AppState, Router) {
    let dir = tempfile::tempdir().expect("temp dir");
    let state = AppState::open(dir.path().join(DB_FILE_NAME)).expect("state");
    state
        .store()
        .create_channel(&NewChannel {
            name: "main".into(),
            api_type: ChannelKind::Openai,
            base_url: "https://api.openai.example".into(),
            api_key: "sk-guarded-secret".into(),
            enabled: true,
            api_version: String::new(),
        })
        .expect("channel");
    state.reload().expect("reload");
    let router = router(state.clone(), listen());
    (dir, state, router)
}

/// Sends `request`; returns the status, the headers and the body as text.
pub async fn send(
    router: &Router,
    request: Request<Body>,
) -> (StatusCode, axum::http::HeaderMap, String) {
    let response = router.clone().oneshot(request).await.expect("response");
    let status = response.status();
    let headers = response.headers().clone();
    let body = to_bytes(response.into_body(), usize::MAX)
        .await
        .expect("body");
    (status, headers, String::from_utf8_lossy(&body).into_owned())
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

fn chat_body() -> &'static str {
    r#"{"model":"auto","messages":[{"role":"user","content":"hi"}]}"#
}

#[tokio::test]
async fn a_foreign_host_is_refused_on_every_path_in_the_callers_shape() {
    let (_dir, _state, router) = setup();
    let foreign = "rebind.evil.example:9090";
    let post = |path: &str| {
        Request::post(path)
            .header(header::HOST, foreign)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(chat_body()))
            .expect("request")
    };
    let (status, _, body) = send(&router, post("/v1/chat/completions")).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let body = json(&body);
    assert!(
        body["error"]["message"].is_string() && body.get("type").is_none(),
        "OpenAI shape: {body}"
    );
    assert_eq!(body["error"]["code"], "foreign_host");

    let (status, _, body) = send(&router, post("/v1/responses")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(json(&body)["error"]["message"].is_string());

    let (status, _, body) = send(&router, post("/v1/messages")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let body = json(&body);
    assert_eq!(body["type"], "error", "Anthropic shape: {body}");
    assert_eq!(body["error"]["type"], "permission_error");

    for path in [
        "/v1/models",
        "/health",
        "/",
        "/channels",
        "/pkg/api_switch.js",
        "/nowhere",
    ] {
        let request = Request::get(path)
            .header(header::HOST, foreign)
            .body(Body::empty())
            .expect("request");
        let (status, _, body) = send(&router, request).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}: {body}");
    }
    let request = Request::post(entries::UpdateChannel::PATH)
        .header(header::HOST, foreign)
        .header("sec-fetch-site", "same-origin")
        .body(Body::from("id=1&name=x&base_url=&api_key="))
        .expect("request");
    let (status, _, body) = send(&router, request).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(json(&body)["error"]["code"], "foreign_host");

    for host in [LISTEN, "localhost:9090", "[::1]:9090"] {
        let request = Request::get("/health")
            .header(header::HOST, host)
            .body(Body::empty())
            .expect("request");
        assert_eq!(send(&router, request).await.0, StatusCode::OK, "{host}");
    }
}

#[tokio::test]
async fn a_name_added_to_allowed_hosts_is_served() {
    let (_dir, state, router) = setup();
    let request = || {
        Request::get("/health")
            .header(header::HOST, "ai.example.com")
            .body(Body::empty())
            .expect("request")
    };
    assert_eq!(send(&router, request()).await.0, StatusCode::FORBIDDEN);
    let mut settings = state.store().settings().expect("settings");
    settings.allowed_hosts = vec!["ai.example.com".into()];
    state.update_settings(&settings).await.expect("save");
    assert_eq!(send(&router, request()).await.0, StatusCode::OK);
}

fn form_post(path: &str) -> axum::http::request::Builder {
    Request::post(path)
        .header(header::HOST, LISTEN)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
}

#[tokio::test]
async fn server_functions_refuse_every_call_that_is_not_same_origin_and_change_nothing() {
    let (_dir, state, router) = setup();
    let channel = state.store().channels().expect("channels")[0].clone();
    let update = format!(
        "id={}&name=stolen&base_url=http%3A%2F%2Fevil.example&api_key=",
        channel.id
    );
    let create_key = "name=attacker";
    let attempts: [(&str, &str); 5] = [
        ("sec-fetch-site", "cross-site"),
        // Another port of the same host: same-site, but not same-origin.
        ("sec-fetch-site", "same-site"),
        ("origin", "http://evil.example"),
        ("origin", "http://127.0.0.1:9091"),
        ("origin", "null"),
    ];
    for (name, value) in attempts {
        for (path, body) in [
            (entries::UpdateChannel::PATH, update.as_str()),
            (access_keys::CreateAccessKey::PATH, create_key),
        ] {
            let request = form_post(path)
                .header(name, value)
                .body(Body::from(body.to_owned()))
                .expect("request");
            let (status, _, text) = send(&router, request).await;
            assert_eq!(
                status,
                StatusCode::FORBIDDEN,
                "{name}: {value} on {path}: {text}"
            );
            assert_eq!(json(&text)["error"]["code"], "cross_origin");
        }
    }
    // A plain form post from an old browser or a script: neither header.
    let request = form_post(entries::UpdateChannel::PATH)
        .body(Body::from(update.clone()))
        .expect("request");
    assert_eq!(send(&router, request).await.0, StatusCode::FORBIDDEN);
    let request = Request::get("/api/events")
        .header(header::HOST, LISTEN)
        .header("sec-fetch-site", "cross-site")
        .body(Body::empty())
        .expect("request");
    assert_eq!(
        send(&router, request).await.0,
        StatusCode::FORBIDDEN,
        "/api/events too"
    );

    let stored = &state.store().channels().expect("channels")[0];
    assert_eq!(
        (stored.name.as_str(), stored.base_url.as_str()),
        ("main", "https://api.openai.example"),
        "nothing changed"
    );
    assert!(state.store().access_keys().expect("keys").is_empty());

    // The same calls from the UI's own page go through, so the refusals above were the guard.
    // Key names are unique, so each call names its own.
    for (name, value, key_name) in [
        ("sec-fetch-site", "same-origin", "own-page"),
        ("origin", "http://127.0.0.1:9090", "own-origin"),
    ] {
        let request = form_post(access_keys::CreateAccessKey::PATH)
            .header(name, value)
            .body(Body::from(format!("name={key_name}")))
            .expect("request");
        let (status, _, text) = send(&router, request).await;
        assert_eq!(status, StatusCode::OK, "{name}: {text}");
    }
    assert_eq!(state.store().access_keys().expect("keys").len(), 2);
    let request = form_post(entries::UpdateChannel::PATH)
        .header("sec-fetch-site", "same-origin")
        .body(Body::from(update.clone()))
        .expect("request");
    assert_eq!(send(&router, request).await.0, StatusCode::OK);
    assert_eq!(
        state.store().channels().expect("channels")[0].name,
        "stolen"
    );
}

#[tokio::test]
async fn remote_proxy_clients_need_access_keys_required() {
    let (_dir, state, router) = setup();
    let remote = || {
        let mut request = Request::post("/v1/messages")
            .header(header::HOST, LISTEN)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(chat_body()))
            .expect("request");
        request
            .extensions_mut()
            .insert(ConnectInfo(SocketAddr::from(([192, 0, 2, 10], 40000))));
        request
    };
    // Issue 19: remote means a key whatever "require access key" says (it governs loopback
    // clients), refused in the client protocol's own shape.
    let (status, _, body) = send(&router, remote()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(json(&body)["type"], "error");
    assert_eq!(
        json(&body)["error"]["type"],
        "authentication_error",
        "{body}"
    );

    let mut settings = state.store().settings().expect("settings");
    settings.require_access_key = true;
    state.update_settings(&settings).await.expect("save");
    let (status, _, body) = send(&router, remote()).await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "now the key check answers: {body}"
    );
}

/// Every server function this stop added (access keys, settings, admin password, logs,
/// dashboard, the UI language) is refused cross-site, and none of the state-changing ones changed anything.
#[tokio::test]
async fn the_new_server_functions_refuse_cross_site_calls() {
    use app::screens::{dashboard, logs, settings};
    let (_dir, state, router) = setup();
    let key = state.generate_access_key("mine").await.expect("key");
    let before = state.store().settings().expect("settings");
    let calls: [(&str, String); 16] = [
        (access_keys::ListAccessKeys::PATH, String::new()),
        (access_keys::CreateAccessKey::PATH, "name=attacker".into()),
        (
            access_keys::SetAccessKeyEnabled::PATH,
            format!("id={}&enabled=false", key.id),
        ),
        (access_keys::DeleteAccessKey::PATH, format!("id={}", key.id)),
        (access_keys::AccessKeyRequired::PATH, String::new()),
        (
            access_keys::SetAccessKeyRequired::PATH,
            "required=true".into(),
        ),
        (settings::GetSettings::PATH, String::new()),
        (settings::UpdateSettings::PATH, "form=%7B%7D".into()),
        (settings::ListenAddress::PATH, String::new()),
        (
            settings::SetAdminPassword::PATH,
            "current=&new=attacker-password".into(),
        ),
        (logs::LoadLogPage::PATH, String::new()),
        (logs::LoadLogFilterOptions::PATH, String::new()),
        (dashboard::ServerStatus::PATH, String::new()),
        (dashboard::LoadDashboard::PATH, String::new()),
        (dashboard::LoadSeries::PATH, String::new()),
        (
            app::shell::language::SaveUiLanguage::PATH,
            "language=zh".into(),
        ),
    ];
    for (path, body) in calls {
        let request = form_post(path)
            .header("sec-fetch-site", "cross-site")
            .header("origin", "http://evil.example")
            .body(Body::from(body))
            .expect("request");
        let (status, _, text) = send(&router, request).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}: {text}");
    }
    let keys = state.store().access_keys().expect("keys");
    assert_eq!(keys.len(), 1, "no key created or deleted");
    assert!(keys[0].enabled, "the key was not switched off");
    assert_eq!(state.store().settings().expect("settings"), before);
    assert!(!state.admin_password_is_set().expect("password"));
}

/// Issue 24's capture server functions (its status, switching it on, a captured exchange) are
/// refused cross-site, and capture stays off.
#[tokio::test]
async fn the_capture_server_functions_refuse_cross_site_calls() {
    use app::screens::logs::{capture, exchange};
    let (_dir, state, router) = setup();
    let rule = engine::capture::CaptureRule {
        enabled: true,
        ..Default::default()
    };
    let calls: [(&str, &str, String); 3] = [
        (
            capture::LoadCaptureStatus::PATH,
            "application/x-www-form-urlencoded",
            String::new(),
        ),
        (
            capture::SaveCaptureRule::PATH,
            "application/json",
            serde_json::json!({ "rule": rule }).to_string(),
        ),
        (
            exchange::LoadExchange::PATH,
            "application/x-www-form-urlencoded",
            "request_log_id=1".into(),
        ),
    ];
    for (path, content_type, body) in calls {
        let request = Request::post(path)
            .header(header::HOST, LISTEN)
            .header(header::CONTENT_TYPE, content_type)
            .header("sec-fetch-site", "cross-site")
            .header("origin", "http://evil.example")
            .body(Body::from(body))
            .expect("request");
        let (status, _, text) = send(&router, request).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}: {text}");
    }
    let status = state.capture_status().await.expect("capture status");
    assert!(
        !status.rule.enabled && !status.active,
        "capture was switched on: {status:?}"
    );
}

/// Issue 11: the Channels and API management screens' server functions (calibration with its
/// live attempts, saving a channel, Azure's api-version, the catalog suggestions, "Test all" and
/// its cancel) are refused cross-site, and none of them changed or started anything.
#[tokio::test]
async fn the_channel_and_entry_screens_server_functions_refuse_cross_site_calls() {
    use app::screens::channels::{self, add_channel, channel_models, test_all};
    let (_dir, state, router) = setup();
    let channel = state.store().channels().expect("channels")[0].clone();
    state
        .create_entry(&engine::store::NewEntry::new(channel.id, "gpt-4o"))
        .await
        .expect("entry");
    let mut events = state.events();
    let save = r#"{"form":{"name":"evil","api_type":"openai","base_url":"http://evil.example","key":"k","fetched":[],"chosen":[]}}"#;
    let calls: [(&str, String); 8] = [
        (
            add_channel::CalibrateChannel::PATH,
            "base_url=http%3A%2F%2F127.0.0.1%3A1&key=k&api_type=&run=cal-1".into(),
        ),
        (add_channel::SaveChannel::PATH, save.into()),
        (
            channel_models::FetchChannelModels::PATH,
            format!("channel_id={}&run=cal-2", channel.id),
        ),
        (
            entries::SetChannelApiVersion::PATH,
            format!("id={}&api_version=1999-01-01", channel.id),
        ),
        (channels::CatalogModelIds::PATH, String::new()),
        (channels::ListChannels::PATH, String::new()),
        (test_all::StartTestAll::PATH, String::new()),
        (test_all::CancelTestAll::PATH, "run=1".into()),
    ];
    for (path, body) in calls {
        let request = form_post(path)
            .header("sec-fetch-site", "cross-site")
            .header("origin", "http://evil.example")
            .body(Body::from(body))
            .expect("request");
        let (status, _, text) = send(&router, request).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}: {text}");
    }
    let channels = state.store().channels().expect("channels");
    assert_eq!(channels.len(), 1, "no channel saved");
    assert_eq!(
        channels[0].api_version, channel.api_version,
        "api-version unchanged"
    );
    assert!(
        state.store().speed_tests().expect("tests").is_empty(),
        "no speed test ran"
    );
    assert!(
        events.try_recv().is_err(),
        "nothing was announced: no calibration attempt, no test result"
    );
}

/// Issue 11's server functions (Test chat, Connect apps) are refused cross-site, and the ones
/// that change something (write an app's files, create its key, send a prompt) did nothing.
#[tokio::test]
async fn the_chat_and_connect_server_functions_refuse_cross_site_calls() {
    use app::screens::{connect, test_chat};
    let (_dir, state, router) = setup();
    let calls: [(&str, &str); 6] = [
        (connect::LoadConnectOverview::PATH, ""),
        (
            connect::ConnectSnippets::PATH,
            "origin=http%3A%2F%2Fevil.example",
        ),
        (connect::LinkApp::PATH, "app=claude-code"),
        (connect::RestoreApp::PATH, "app=codex"),
        (test_chat::ChatRoutes::PATH, ""),
        (test_chat::TestChat::PATH, "route=auto&prompt=hi"),
    ];
    for (path, body) in calls {
        for (name, value) in [
            ("sec-fetch-site", "cross-site"),
            ("origin", "http://evil.example"),
        ] {
            let request = form_post(path)
                .header(name, value)
                .body(Body::from(body))
                .expect("request");
            let (status, _, text) = send(&router, request).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{path} ({name}): {text}");
            assert_eq!(json(&text)["error"]["code"], "cross_origin");
        }
    }
    assert!(
        state.store().access_keys().expect("keys").is_empty(),
        "no app key was created"
    );
    state.flush();
    let log = state
        .log_page(&engine::logs::LogQuery::default())
        .await
        .expect("log");
    assert_eq!(log.total, 0, "no prompt went through the proxy");
}

/// Issue 14: the key pool's and the outbound proxy's server functions on the Channels screen
/// are refused cross-site, and none changed the pool, a key's switch or the proxy.
#[tokio::test]
async fn the_key_pool_and_proxy_server_functions_refuse_cross_site_calls() {
    use app::screens::channels::{channel_keys, channel_proxy};
    let (_dir, state, router) = setup();
    let channel = state.store().channels().expect("channels")[0].clone();
    let key = channel.keys[0].id;
    let keep = format!(
        r#"{{"channel_id":{},"keep":[{{"id":{key},"enabled":false}}],"add":"sk-attacker-key-000"}}"#,
        channel.id
    );
    let proxy = format!(
        "channel_id={}&kind=http&address=evil.example%3A8080&username=&password=&forget_password=false",
        channel.id
    );
    let calls: [(&str, String); 4] = [
        (channel_keys::ChannelKeyPools::PATH, String::new()),
        (channel_keys::SaveChannelKeys::PATH, keep),
        (channel_proxy::ChannelProxies::PATH, String::new()),
        (channel_proxy::SaveChannelProxy::PATH, proxy),
    ];
    for (path, body) in calls {
        for (name, value) in [
            ("sec-fetch-site", "cross-site"),
            ("origin", "http://evil.example"),
        ] {
            let request = form_post(path)
                .header(name, value)
                .body(Body::from(body.clone()))
                .expect("request");
            let (status, _, text) = send(&router, request).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{path}: {text}");
            assert_eq!(json(&text)["error"]["code"], "cross_origin");
        }
    }
    let after = state.store().channels().expect("channels")[0].clone();
    assert_eq!(
        after.keys, channel.keys,
        "the pool and its switches are unchanged"
    );
    assert_eq!(after.proxy, None, "no proxy was set");
}

/// Issue 14, API management's routing controls (a group's order mode and hedging, the effective
/// orders, an entry's aliases) are refused cross-site, and nothing changed.
#[tokio::test]
async fn the_group_routing_and_alias_server_functions_refuse_cross_site_calls() {
    use app::screens::channels::{entry_aliases, group_routing};
    let (_dir, state, router) = setup();
    let channel = state.store().channels().expect("channels")[0].clone();
    let entry = state
        .create_entry(&engine::store::NewEntry::new(channel.id, "gpt-4o"))
        .await
        .expect("entry");
    let routing = r#"{"options":{"group":"auto","order":"fastest","hedging":{"delay":{"mode":"fixed","ms":100},"max_per_minute":30}}}"#;
    let calls: [(&str, String); 3] = [
        (group_routing::SetGroupRouting::PATH, routing.into()),
        (group_routing::EffectiveOrders::PATH, String::new()),
        (
            entry_aliases::SetEntryAliases::PATH,
            format!(r#"{{"id":{entry},"aliases":["stolen-name"]}}"#),
        ),
    ];
    for (path, body) in calls {
        let request = Request::post(path)
            .header(header::HOST, LISTEN)
            .header(header::CONTENT_TYPE, "application/json")
            .header("sec-fetch-site", "cross-site")
            .header("origin", "http://evil.example")
            .body(Body::from(body))
            .expect("request");
        let (status, _, text) = send(&router, request).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}: {text}");
    }
    assert!(state.group_routing().is_empty(), "no group routing stored");
    let order = state.effective_order("auto");
    assert_eq!(order.order, engine::routing::OrderMode::Custom);
    assert!(
        order.entries.iter().all(|e| e.aliases.is_empty()),
        "no alias stored"
    );
}
