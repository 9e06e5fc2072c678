//! Issue 19 findings 2, 6 and 9 behind a real nginx: API Switch listens on loopback, nginx on
//! this machine forwards to it, and the test is the remote user. Through any proxy set-up
//! (`Host $host` with `X-Forwarded-For`, a plain `proxy_pass`, one adding only
//! `X-Forwarded-Proto` or only `Via`) `/v1` wants a valid access key even with "require access
//! key" off and the mock upstream sees nothing without one; the UI wants a login and Connect
//! knows the browser is not on this machine. The login throttle keys on the TCP peer unless it
//! is a proxy listed in `trusted_proxies`.

use std::net::{IpAddr, SocketAddr};

use api_switch::{BoundServer, ServeOptions};
use app::screens::connect;
use engine::AppState;
use leptos::server_fn::ServerFn;
use serde_json::{Value, json};
use tokio::sync::oneshot;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::{nginx, support};

const PASSWORD: &str = "correct horse battery";

/// nginx set-ups, in the order of `Proxied::ports`.
const FULL: &str = "proxy_set_header Host $host; \
                    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;";
const PLAIN: &str = "";
const PROTO_ONLY: &str = "proxy_http_version 1.1; proxy_set_header X-Forwarded-Proto $scheme;";
const VIA_ONLY: &str = "proxy_http_version 1.1; proxy_set_header Via \"1.1 nginx\";";

/// API Switch serving a data folder with one channel on a mock upstream, behind nginx.
struct Proxied {
    state: AppState,
    upstream: MockServer,
    direct: SocketAddr,
    nginx: nginx::Nginx,
    _stop: oneshot::Sender<()>,
    _data: tempfile::TempDir,
}

async fn start(sites: &[&str]) -> Proxied {
    let upstream = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": "c1", "object": "chat.completion", "model": "gpt-4o",
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": "spent"}}]
        })))
        .mount(&upstream)
        .await;
    let data = tempfile::tempdir().expect("temp dir");
    support::seed_gpt4o_channel(
        &data.path().join("api-switch.db"),
        "main",
        &upstream.uri(),
        "sk-behind-nginx",
    );
    let server = BoundServer::bind(ServeOptions::new(
        SocketAddr::from(([127, 0, 0, 1], 0)),
        data.path().to_path_buf(),
    ))
    .await
    .expect("bind");
    let direct = server.local_addr();
    let state = server.state().clone();
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(server.run(async {
        let _ = stopped.await;
    }));
    let sites: Vec<String> = sites.iter().map(|s| (*s).to_owned()).collect();
    let nginx = tokio::task::spawn_blocking(move || {
        let sites: Vec<&str> = sites.iter().map(String::as_str).collect();
        nginx::start(direct, &sites)
    })
    .await
    .expect("nginx started");
    Proxied {
        state,
        upstream,
        direct,
        nginx,
        _stop: stop,
        _data: data,
    }
}

impl Proxied {
    async fn update(&self, change: impl FnOnce(&mut engine::store::Settings)) {
        let mut settings = self.state.store().settings().expect("settings");
        change(&mut settings);
        self.state
            .update_settings(&settings)
            .await
            .expect("save settings");
    }

    async fn upstream_calls(&self) -> usize {
        self.upstream
            .received_requests()
            .await
            .unwrap_or_default()
            .len()
    }
}

fn client_from(local: [u8; 4]) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(IpAddr::from(local))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

fn chat_body() -> Value {
    json!({"model": "gpt-4o", "messages": [{"role": "user", "content": "spend"}]})
}

/// Finding 2: nginx passing `Host $host` and `X-Forwarded-For`, the name in `allowed_hosts`,
/// "require access key" off. No key: 401 and the upstream sees nothing; a valid key: 200.
#[tokio::test(flavor = "multi_thread")]
async fn r19_2_behind_nginx_v1_needs_a_valid_key_with_require_off() {
    let proxied = start(&[FULL]).await;
    proxied
        .update(|s| {
            s.allowed_hosts = vec!["ai.test".into()];
            s.require_access_key = false;
        })
        .await;
    let key = proxied
        .state
        .generate_access_key("laptop")
        .await
        .expect("key")
        .key;
    let client = client_from([127, 0, 0, 2]);
    let url = format!(
        "http://127.0.0.1:{}/v1/chat/completions",
        proxied.nginx.ports[0]
    );
    let refused = client
        .post(&url)
        .header("host", "ai.test")
        .json(&chat_body())
        .send()
        .await
        .expect("answer");
    assert_eq!(refused.status(), 401);
    let body: Value = refused.json().await.expect("JSON");
    assert_eq!(body["error"]["code"], "invalid_api_key", "{body}");
    assert_eq!(proxied.upstream_calls().await, 0, "no key was spent");

    let served = client
        .post(&url)
        .header("host", "ai.test")
        .bearer_auth(&key)
        .json(&chat_body())
        .send()
        .await
        .expect("answer");
    assert_eq!(served.status(), 200, "{:?}", served.text().await);
    assert_eq!(proxied.upstream_calls().await, 1);

    let page = client
        .get(format!(
            "http://127.0.0.1:{}/channels",
            proxied.nginx.ports[0]
        ))
        .header("host", "ai.test")
        .send()
        .await
        .expect("answer");
    assert_eq!(page.status(), 303, "the UI wants a login");

    // The same request straight to the loopback listener is this machine's client: the
    // setting governs it.
    let local = reqwest::Client::new()
        .post(format!("http://{}/v1/chat/completions", proxied.direct))
        .json(&chat_body())
        .send()
        .await
        .expect("answer");
    assert_eq!(local.status(), 200);
}

/// Logs in through `base` and returns the session cookie (`name=value`).
async fn log_in(client: &reqwest::Client, base: &str) -> String {
    let answer = client
        .post(format!("{base}/api/auth/login"))
        .header("sec-fetch-site", "same-origin")
        .json(&json!({"password": PASSWORD}))
        .send()
        .await
        .expect("answer");
    assert_eq!(answer.status(), 200);
    answer.headers()["set-cookie"]
        .to_str()
        .expect("ascii")
        .split(';')
        .next()
        .expect("cookie")
        .to_owned()
}

/// Finding 9: a plain `proxy_pass` (HTTP/1.0, `Host` rewritten to the upstream's address, no
/// forwarding header), one adding only `X-Forwarded-Proto` and one adding only `Via`. Each is
/// remote: `/v1` wants a key, the UI a login, Connect gives snippets.
#[tokio::test(flavor = "multi_thread")]
async fn r19_9_a_plain_proxy_pass_does_not_make_remote_users_local() {
    let proxied = start(&[PLAIN, PROTO_ONLY, VIA_ONLY]).await;
    proxied
        .state
        .set_admin_password(PASSWORD)
        .expect("password");
    let client = client_from([127, 0, 0, 2]);
    for (site, port) in ["plain", "x-forwarded-proto", "via"]
        .iter()
        .zip(&proxied.nginx.ports)
    {
        let base = format!("http://127.0.0.1:{port}");
        let spent = client
            .post(format!("{base}/v1/chat/completions"))
            .json(&chat_body())
            .send()
            .await
            .expect("answer");
        assert_eq!(spent.status(), 401, "{site}");
        assert_eq!(
            proxied.upstream_calls().await,
            0,
            "{site}: no key was spent"
        );

        let page = client
            .get(format!("{base}/connect"))
            .send()
            .await
            .expect("answer");
        assert_eq!(page.status(), 303, "{site}: the UI wants a login");
        let status: Value = client
            .get(format!("{base}/api/auth/status"))
            .header("sec-fetch-site", "same-origin")
            .send()
            .await
            .expect("answer")
            .json()
            .await
            .expect("JSON");
        assert_eq!(status["login_required"], true, "{site}: {status}");

        let cookie = log_in(&client, &base).await;
        let overview: Value = client
            .post(format!("{base}{}", connect::LoadConnectOverview::PATH))
            .header("sec-fetch-site", "same-origin")
            .header("content-type", "application/x-www-form-urlencoded")
            .header("cookie", cookie)
            .send()
            .await
            .expect("answer")
            .json()
            .await
            .expect("JSON");
        assert_eq!(
            overview["local"], false,
            "{site}: Connect knows the browser is not on this machine: {overview}"
        );
    }
}

/// The public name nginx forwards with `Host $host` (listed in `allowed_hosts`).
const AI: Option<&str> = Some("ai.test");

/// Tries a wrong password at `base` from `client`, with a forged `X-Forwarded-For` that differs
/// on every try; returns the status.
async fn guess(client: &reqwest::Client, base: &str, host: Option<&str>, n: u32) -> u16 {
    let mut request = client.post(format!("{base}/api/auth/login"));
    if let Some(host) = host {
        request = request.header("host", host);
    }
    request
        .header("sec-fetch-site", "same-origin")
        .header("x-forwarded-for", format!("10.0.0.{}", n + 1))
        .json(&json!({"password": "a wrong guess"}))
        .send()
        .await
        .expect("answer")
        .status()
        .as_u16()
}

/// Finding 6: a forged `X-Forwarded-For` per try does not escape the lockout, neither straight
/// to the loopback listener nor through nginx; only with nginx's address in
/// `trusted_proxies` does the throttle tell nginx's users apart (by the address nginx appends).
#[tokio::test(flavor = "multi_thread")]
async fn r19_6_forged_forwarded_for_does_not_escape_the_lockout() {
    let proxied = start(&[FULL]).await;
    proxied
        .state
        .set_admin_password(PASSWORD)
        .expect("password");
    let free = engine::auth::FREE_FAILURES;

    let direct = format!("http://{}", proxied.direct);
    let attacker = client_from([127, 0, 0, 1]);
    for n in 0..free {
        assert_eq!(guess(&attacker, &direct, None, n).await, 401, "try {n}");
    }
    assert_eq!(
        guess(&attacker, &direct, None, 50).await,
        429,
        "direct: locked out"
    );

    // Through nginx, nothing trusted: every user is nginx's own address, so one guesser locks
    // out everyone behind it (safe, if blunt).
    proxied
        .update(|s| s.allowed_hosts = vec!["ai.test".into()])
        .await;
    let via_nginx = format!("http://127.0.0.1:{}", proxied.nginx.ports[0]);
    let guesser = client_from([127, 0, 0, 2]);
    let bystander = client_from([127, 0, 0, 3]);
    assert_eq!(
        guess(&bystander, &via_nginx, AI, 0).await,
        429,
        "nginx's address is the one the direct attacker locked"
    );

    // nginx trusted: its users are told apart by the address nginx appends, and a forged entry
    // in front of it changes nothing.
    proxied
        .update(|s| s.trusted_proxies = vec!["127.0.0.1".into()])
        .await;
    for n in 0..free {
        assert_eq!(guess(&guesser, &via_nginx, AI, n).await, 401, "try {n}");
    }
    assert_eq!(
        guess(&guesser, &via_nginx, AI, 60).await,
        429,
        "the guesser is locked out"
    );
    let other = bystander
        .post(format!("{via_nginx}/api/auth/login"))
        .header("host", "ai.test")
        .header("sec-fetch-site", "same-origin")
        .json(&json!({"password": PASSWORD}))
        .send()
        .await
        .expect("answer");
    assert_eq!(other.status(), 200, "another user behind nginx logs in");
}
