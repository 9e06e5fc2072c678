//! Issue 14, the Channels screen's key pool and outbound proxy in a real browser against the
//! release binary (`end2end/keys.mjs`): a second key pasted in the edit form joins the pool and
//! requests through the proxy take turns across both; the first switched off (by keyboard)
//! leaves only the second in use; a rate-limited and a rejected key show as cooling (with the
//! time left) and switched off (with why); a bad proxy address is explained and not saved; a
//! SOCKS5 proxy with credentials is saved with its password kept from the browser. The upstream
//! records every `Authorization` header, so the counts below are the proxy's real choices; the
//! store and the export then prove what was saved and that the password is masked.

use super::support;

use engine::store::Store;
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const FIRST: &str = "sk-first-pool-key-0001";
const SECOND: &str = "sk-second-pool-key-0002";
const LIMITED: &str = "sk-third-pool-key-0003";
const REJECTED: &str = "sk-fourth-pool-key-0004";
const PROXY_PASSWORD: &str = "proxy-pw-secret-99";

/// The key a request carried (after `Bearer `), or empty.
fn key_of(request: &Request) -> String {
    let header = request.headers.get("authorization");
    let value = header.and_then(|v| v.to_str().ok()).unwrap_or_default();
    value.trim_start_matches("Bearer ").to_owned()
}

/// Answers each chat request naming the last four characters of the key it carried; the
/// third key is rate limited (429, `Retry-After: 300`), the fourth is rejected (401).
async fn keyed_upstream() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .respond_with(|request: &Request| {
            let key = key_of(request);
            let tail = &key[key.len().saturating_sub(4)..];
            match key.as_str() {
                LIMITED => ResponseTemplate::new(429)
                    .insert_header("retry-after", "300")
                    .set_body_json(json!({"error": {"message": "Rate limit reached", "type": "requests"}})),
                REJECTED => ResponseTemplate::new(401)
                    .set_body_json(json!({"error": {"message": "bad key", "type": "auth"}})),
                _ => ResponseTemplate::new(200).set_body_json(json!({
                    "id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": "gpt-4o",
                    "choices": [{"index": 0, "message": {"role": "assistant", "content": format!("key-{tail}")}, "finish_reason": "stop"}],
                    "usage": {"prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 7}
                })),
            }
        })
        .mount(&server)
        .await;
    server
}

#[tokio::test(flavor = "multi_thread")]
async fn the_key_pool_and_the_outbound_proxy_are_edited_in_the_browser() {
    let upstream = keyed_upstream().await;
    let data = tempfile::tempdir().expect("temp dir");
    support::seed_gpt4o_channel(
        &data.path().join("api-switch.db"),
        "pool",
        &upstream.uri(),
        FIRST,
    );
    let stdout = support::run_browser_check(data.path(), "keys.mjs", &[]).await;
    assert!(stdout.contains("keys ok"), "{stdout}");

    // What the upstream saw: the first key only while both were on (4 requests, taking
    // turns), the second ever after; the limited and the rejected key once each.
    let used: Vec<String> = upstream
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .map(key_of)
        .collect();
    let count = |key: &str| used.iter().filter(|k| *k == key).count();
    assert_eq!(
        count(FIRST),
        2,
        "2 of the 4 requests while both were on: {used:?}"
    );
    assert_eq!(count(LIMITED), 1, "{used:?}");
    assert_eq!(count(REJECTED), 1, "{used:?}");
    assert_eq!(used.len(), count(FIRST) + count(SECOND) + 2, "{used:?}");

    let store = Store::open(data.path().join("api-switch.db")).expect("store");
    let channel = store.channels().expect("channels").remove(0);
    let states: Vec<_> = channel
        .keys
        .iter()
        .map(|k| (k.key.expose(), k.enabled))
        .collect();
    assert_eq!(
        states,
        [
            (FIRST, false),
            (SECOND, true),
            (LIMITED, true),
            (REJECTED, false)
        ]
    );
    let proxy = channel.proxy.expect("the proxy was saved");
    assert_eq!(
        (
            proxy.url.as_str(),
            proxy.username.as_str(),
            proxy.password.expose()
        ),
        ("socks5://127.0.0.1:1080", "me", PROXY_PASSWORD)
    );
    let exported = engine::config::export(&store, false).expect("export");
    let shown = exported.channels[0].proxy.as_ref().expect("exported proxy");
    assert_eq!(shown.url, "socks5://127.0.0.1:1080");
    assert_ne!(
        shown.password.expose(),
        PROXY_PASSWORD,
        "the export masks the password"
    );
    let text = serde_json::to_string(&exported).expect("json");
    assert!(
        !text.contains(PROXY_PASSWORD) && !text.contains(SECOND),
        "{text}"
    );
}
