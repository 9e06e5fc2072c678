//! `api-switch probe` end to end: the built binary against a local mock provider.

use std::process::Command;

use serde_json::{Value, json};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const KEY: &str = "sk-cli-secret";

fn probe(base_url: &str, extra: &[&str]) -> (bool, Value, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_api-switch"))
        .args(["probe", "--base-url", base_url, "--timeout-secs", "5"])
        .args(extra)
        .env("API_SWITCH_PROBE_KEY", KEY)
        .output()
        .expect("the api-switch binary runs");
    let stdout = String::from_utf8(output.stdout).expect("utf-8 stdout");
    let stderr = String::from_utf8(output.stderr).expect("utf-8 stderr");
    assert!(!stdout.contains(KEY) && !stderr.contains(KEY), "key leaked");
    let json = serde_json::from_str(&stdout).expect("stdout is JSON");
    (output.status.success(), json, stderr)
}

#[tokio::test]
async fn probe_prints_type_corrected_base_url_models_and_attempts() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/models"))
        .and(header("authorization", format!("Bearer {KEY}").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "object": "list",
            "data": [{"id": "gpt-4o"}, {"id": "gpt-5.1"}]
        })))
        .mount(&server)
        .await;
    let pasted = format!("{}/v1/chat/completions", server.uri());
    let (ok, json, _) = probe(&pasted, &[]);
    assert!(ok, "{json:#}");
    assert_eq!(json["api_type"], "openai");
    assert_eq!(json["base_url"], server.uri());
    assert_eq!(json["models"], json!(["gpt-4o", "gpt-5.1"]));
    let attempts = json["attempts"].as_array().expect("attempts array");
    assert_eq!(attempts[0]["url"], format!("{}/v1/models", server.uri()));
    assert_eq!(attempts[0]["status"], 200);
    assert_eq!(attempts[0]["verdict"], "models_listed");
}

#[tokio::test]
async fn probe_exits_non_zero_when_the_key_is_rejected() {
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(401))
        .mount(&server)
        .await;
    let (ok, json, _) = probe(&server.uri(), &["--type", "openai"]);
    assert!(!ok);
    assert_eq!(json["outcome"], "key_rejected");
    assert_eq!(json["attempts"][0]["status"], 401);
}
