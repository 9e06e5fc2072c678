//! The proxy's HTTP surface: errors in OpenAI's shape with the right status, access keys,
//! `/v1/models`, embeddings.

mod common;

use common::{Proxy, Upstream};
use serde_json::json;

async fn raw(proxy: &Proxy, path: &str, body: &str) -> (u16, serde_json::Value) {
    let response = proxy
        .http
        .post(format!("{}{path}", proxy.url))
        .header("content-type", "application/json")
        .body(body.to_owned())
        .send()
        .await
        .expect("send");
    let status = response.status().as_u16();
    (status, response.json().await.expect("json error body"))
}

fn assert_openai_error(body: &serde_json::Value) {
    let error = &body["error"];
    assert!(
        error["message"].is_string() && error["type"].is_string() && error["code"].is_string(),
        "{body}"
    );
}

#[tokio::test]
async fn malformed_input_gets_400_413_and_404_in_openai_shape() {
    let proxy = Proxy::start().await;
    for (path, body, status) in [
        ("/v1/chat/completions", "{not json", 400),
        ("/v1/chat/completions", "[1]", 400),
        ("/v1/chat/completions", r#"{"messages":[]}"#, 400),
        ("/v1/chat/completions", r#"{"model":"auto"}"#, 400),
        ("/v1/embeddings", r#"{"model":"auto"}"#, 400),
        ("/v1/nothing-here", "{}", 404),
    ] {
        let (got, body) = raw(&proxy, path, body).await;
        assert_eq!(got, status, "{path}: {body}");
        assert_openai_error(&body);
    }
    // Nesting no parser on the request path would survive in a thread's stack is refused.
    let deep = format!(
        r#"{{"model":"auto","messages":[],"x":{}{}}}"#,
        "[".repeat(5_000),
        "]".repeat(5_000)
    );
    let (status, body) = raw(&proxy, "/v1/chat/completions", &deep).await;
    assert_eq!(status, 400, "{body}");
    assert_openai_error(&body);
    let message = body["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("nested deeper than 128 levels"), "{body}");
    let big = format!(
        r#"{{"model":"auto","messages":[],"pad":"{}"}}"#,
        "x".repeat(100 * 1024)
    );
    let (status, body) = raw(&proxy, "/v1/chat/completions", &big).await;
    assert_eq!(status, 413);
    assert_openai_error(&body);
}

#[tokio::test]
async fn with_require_access_key_only_created_keys_pass() {
    let mut settings = common::test_settings();
    settings.require_access_key = true;
    let proxy = Proxy::with_settings(settings).await;
    let a = Upstream::start("A").await;
    proxy.entry(proxy.channel("A", &a.base_url()), "m", "auto");
    proxy
        .state
        .create_access_key("laptop", "sk-local-1")
        .await
        .expect("key");
    let body = json!({"model": "m", "messages": [{"role": "user", "content": "hi"}]});
    let url = format!("{}/v1/chat/completions", proxy.url);
    let none = proxy
        .http
        .post(&url)
        .json(&body)
        .send()
        .await
        .expect("send");
    assert_eq!(none.status(), 401);
    let wrong = proxy
        .http
        .post(&url)
        .bearer_auth("sk-other")
        .json(&body)
        .send()
        .await
        .expect("send");
    assert_eq!(wrong.status(), 401);
    let good = proxy
        .http
        .post(&url)
        .header("x-api-key", "sk-local-1")
        .json(&body)
        .send()
        .await
        .expect("send");
    assert_eq!(good.status(), 200);
    proxy.state.flush();
    assert_eq!(
        common::log_rows(proxy.state.store(), 1)[0].client_key_name,
        "laptop"
    );
}

#[tokio::test]
async fn any_key_is_accepted_by_default() {
    let proxy = Proxy::start().await;
    let a = Upstream::start("A").await;
    proxy.entry(proxy.channel("A", &a.base_url()), "m", "auto");
    let body = json!({"model": "m", "messages": [{"role": "user", "content": "hi"}]});
    let response = proxy
        .http
        .post(format!("{}/v1/chat/completions", proxy.url))
        .bearer_auth("whatever")
        .json(&body)
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn models_lists_routable_models_once_and_every_group() {
    let proxy = Proxy::start().await;
    let a = Upstream::start("A").await;
    let (ca, cb) = (
        proxy.channel("A", &a.base_url()),
        proxy.channel("B", &a.base_url()),
    );
    proxy.entry(ca, "gpt-4o", "auto");
    proxy.entry(cb, "gpt-4o", "coding");
    let off = proxy.entry(ca, "hidden", "auto");
    proxy
        .state
        .set_entry_enabled(off, false)
        .await
        .expect("disable");
    let list: serde_json::Value = proxy
        .http
        .get(format!("{}/v1/models", proxy.url))
        .send()
        .await
        .expect("send")
        .json()
        .await
        .expect("json");
    assert_eq!(list["object"], "list");
    let ids: Vec<_> = list["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|m| m["id"].as_str().expect("id").to_owned())
        .collect();
    assert_eq!(ids, vec!["gpt-4o", "auto", "coding"]);
    assert_eq!(list["data"][0]["object"], "model");
    assert!(list["data"][0]["created"].is_number() && list["data"][0]["owned_by"].is_string());
}

#[tokio::test]
async fn embeddings_are_routed_and_the_model_rewritten() {
    let proxy = Proxy::start().await;
    let a = Upstream::start("A").await;
    proxy.entry(
        proxy.channel("A", &a.base_url()),
        "text-embedding-3-small",
        "auto",
    );
    let (status, body) = proxy
        .post(
            "/v1/embeddings",
            json!({"model": "embedding", "input": "hi"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(a.hits(), vec!["text-embedding-3-small"]);
}
