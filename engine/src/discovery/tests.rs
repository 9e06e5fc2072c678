//! Calibration against local mock upstreams shaped like each provider and like relays.

use std::time::Duration;

use serde_json::json;
use wiremock::matchers::{body_partial_json, header, header_exists, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::*;

const KEY: &str = "sk-test-secret-123";

fn options() -> ProbeOptions {
    ProbeOptions {
        timeout: Duration::from_secs(5),
        ..ProbeOptions::default()
    }
}

async fn run(base_url: &str, api_type: Option<ChannelKind>) -> Calibration {
    let request = ProbeRequest {
        base_url: base_url.to_string(),
        key: KEY.into(),
        api_type,
    };
    let result = calibrate(&request, &options())
        .await
        .expect("calibration runs");
    let json = serde_json::to_string(&result).expect("serialises");
    assert!(
        !json.contains(KEY),
        "the key leaked into the result: {json}"
    );
    result
}

fn list(ids: &[&str]) -> ResponseTemplate {
    let data: Vec<_> = ids
        .iter()
        .map(|id| json!({"id": id, "object": "model"}))
        .collect();
    ResponseTemplate::new(200).set_body_json(json!({"object": "list", "data": data}))
}

/// What an API's chat endpoint answers the probe's unknown model with: a JSON 400.
fn unknown_model() -> ResponseTemplate {
    ResponseTemplate::new(400)
        .set_body_json(json!({"error": {"message": "model gpt-4o-mini does not exist"}}))
}

/// `server` answers chat probes on `at` as an API does.
async fn chat_answers(server: &MockServer, at: &str) {
    Mock::given(method("POST"))
        .and(path(at))
        .respond_with(unknown_model())
        .mount(server)
        .await;
}

fn rejected() -> ResponseTemplate {
    ResponseTemplate::new(401).set_body_json(json!({"error": {"message": "invalid api key"}}))
}

async fn openai_upstream() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/models"))
        .and(header("authorization", format!("Bearer {KEY}").as_str()))
        .respond_with(list(&["gpt-4o", "gpt-4o-mini"]))
        .mount(&server)
        .await;
    chat_answers(&server, "/v1/chat/completions").await;
    server
}

/// Like api.anthropic.com: Bearer auth is refused, `x-api-key` with a version is served.
async fn anthropic_upstream() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/models"))
        .and(header("x-api-key", KEY))
        .and(header("anthropic-version", "2023-06-01"))
        .respond_with(list(&["claude-sonnet-4-5-20250929"]))
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/messages"))
        .and(header("x-api-key", KEY))
        .respond_with(unknown_model())
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(header_exists("authorization"))
        .respond_with(rejected())
        .with_priority(2)
        .mount(&server)
        .await;
    server
}

async fn gemini_upstream() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1beta/openai/models"))
        .and(header("authorization", format!("Bearer {KEY}").as_str()))
        .respond_with(list(&["models/gemini-2.5-pro", "models/gemini-2.5-flash"]))
        .mount(&server)
        .await;
    chat_answers(&server, "/v1beta/openai/chat/completions").await;
    server
}

async fn azure_upstream() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/openai/deployments"))
        .and(query_param("api-version", "2022-12-01"))
        .and(header("api-key", KEY))
        .respond_with(list(&["my-gpt-4o"]))
        .mount(&server)
        .await;
    server
}

/// A relay with no model list whose chat endpoint refuses an unknown model with JSON.
async fn relay_without_models(prefix: &str) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(format!("{prefix}/chat/completions")))
        .and(header("authorization", format!("Bearer {KEY}").as_str()))
        .and(body_partial_json(json!({"max_tokens": 1})))
        .respond_with(
            ResponseTemplate::new(400)
                .set_body_json(json!({"error": {"message": "model gpt-4o-mini does not exist"}})),
        )
        .mount(&server)
        .await;
    server
}

/// Found by its model list, and (but Azure, whose chat endpoint names a deployment) confirmed
/// by the chat endpoint of its type: the last attempt.
fn assert_found(result: &Calibration, api_type: ChannelKind, base_url: &str, models: &[&str]) {
    assert_eq!(result.outcome, Outcome::ModelsListed, "{result:#?}");
    assert_eq!(result.api_type, Some(api_type), "{result:#?}");
    assert_eq!(result.base_url.as_deref(), Some(base_url));
    assert_eq!(result.models, models);
    let listed = result
        .attempts
        .iter()
        .find(|a| a.verdict == Verdict::ModelsListed)
        .expect("the model list is among the attempts");
    assert_eq!(listed.status, Some(200));
    let last = result.attempts.last().expect("attempts recorded");
    let Some(confirm) = candidates::confirm_url(api_type, base_url) else {
        assert_eq!(last, listed, "{result:#?}");
        return;
    };
    assert_eq!(
        (last.api_type, last.method, last.url.as_str(), last.verdict),
        (api_type, "POST", confirm.as_str(), Verdict::ChatAnswered),
        "{result:#?}"
    );
}

#[tokio::test]
async fn openai_is_found_from_every_pasted_shape() {
    let server = openai_upstream().await;
    let root = server.uri();
    for suffix in [
        "",
        "/",
        "/v1",
        "/v1/",
        "/v1/chat/completions",
        "/v1/models",
        "/chat/completions",
    ] {
        let result = run(&format!("{root}{suffix}"), None).await;
        assert_found(
            &result,
            ChannelKind::Openai,
            &root,
            &["gpt-4o", "gpt-4o-mini"],
        );
    }
}

#[tokio::test]
async fn anthropic_is_found_after_bearer_is_refused() {
    let server = anthropic_upstream().await;
    let root = server.uri();
    for suffix in ["", "/v1", "/v1/messages"] {
        let result = run(&format!("{root}{suffix}"), None).await;
        assert_found(
            &result,
            ChannelKind::Anthropic,
            &root,
            &["claude-sonnet-4-5-20250929"],
        );
        // The Bearer refusal is in the report, and no other Bearer URL was hammered after it.
        let bearer: Vec<_> = result
            .attempts
            .iter()
            .filter(|a| AuthStyle::of(a.api_type) == probe::AuthStyle::Bearer)
            .collect();
        assert_eq!(bearer[0].verdict, Verdict::KeyRejected);
        assert!(
            bearer[1..]
                .iter()
                .all(|a| a.verdict == Verdict::SkippedKeyRejected)
        );
    }
}

#[tokio::test]
async fn chosen_type_is_tried_first() {
    let server = anthropic_upstream().await;
    let result = run(&server.uri(), Some(ChannelKind::Anthropic)).await;
    assert_found(
        &result,
        ChannelKind::Anthropic,
        &server.uri(),
        &["claude-sonnet-4-5-20250929"],
    );
    // The list, then its type's chat endpoint confirming it.
    assert_eq!(result.attempts.len(), 2);
}

/// Issue 22: a relay serving Anthropic's model list over `Authorization: Bearer` (so the
/// OpenAI candidate reads it first) without `/v1/chat/completions`: the missing chat endpoint
/// refutes `openai`, and `/v1/messages` answering as an API makes it `anthropic`.
#[tokio::test]
async fn an_anthropic_list_over_bearer_is_calibrated_by_its_messages_endpoint() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/models"))
        .and(header("authorization", format!("Bearer {KEY}").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "data": [{"type": "model", "id": "claude-sonnet-4-5-20250929",
                "display_name": "Claude Sonnet 4.5", "created_at": "2025-09-29T00:00:00Z"}],
            "has_more": false, "first_id": "claude-sonnet-4-5-20250929",
            "last_id": "claude-sonnet-4-5-20250929"
        })))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/messages"))
        .respond_with(
            ResponseTemplate::new(400).set_body_json(json!({"type": "error",
            "error": {"type": "invalid_request_error", "message": "model: gpt-4o-mini"}})),
        )
        .mount(&server)
        .await;
    let result = run(&server.uri(), None).await;
    assert_found(
        &result,
        ChannelKind::Anthropic,
        &server.uri(),
        &["claude-sonnet-4-5-20250929"],
    );
    let chat = format!("{}/v1/chat/completions", server.uri());
    let refuted = result
        .attempts
        .iter()
        .find(|a| a.url == chat)
        .expect("asked");
    assert_eq!(
        (refuted.api_type, refuted.status, refuted.verdict),
        (ChannelKind::Openai, Some(404), Verdict::NotFound)
    );
}

#[tokio::test]
async fn gemini_is_found_and_its_base_corrected() {
    let server = gemini_upstream().await;
    let root = server.uri();
    for suffix in [
        "",
        "/v1beta/openai",
        "/v1beta/openai/chat/completions",
        "/v1beta/openai/models",
    ] {
        let result = run(&format!("{root}{suffix}"), None).await;
        assert_found(
            &result,
            ChannelKind::Gemini,
            &root,
            &["gemini-2.5-pro", "gemini-2.5-flash"],
        );
    }
}

#[tokio::test]
async fn azure_deployments_are_found() {
    let server = azure_upstream().await;
    let root = server.uri();
    let pasted = [
        String::new(),
        "/openai/deployments/my-gpt-4o/chat/completions?api-version=2024-10-21".to_string(),
    ];
    for suffix in pasted {
        let result = run(&format!("{root}{suffix}"), None).await;
        assert_found(&result, ChannelKind::Azure, &root, &["my-gpt-4o"]);
    }
}

#[tokio::test]
async fn relay_models_on_an_alternative_path_are_found() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/models"))
        .respond_with(list(&["glm-4.6"]))
        .mount(&server)
        .await;
    chat_answers(&server, "/api/v1/chat/completions").await;
    let result = run(&server.uri(), None).await;
    assert_found(
        &result,
        ChannelKind::Custom,
        &format!("{}/api/v1", server.uri()),
        &["glm-4.6"],
    );
}

#[tokio::test]
async fn relay_models_under_a_pasted_prefix_are_found() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/coding/v3/models"))
        .respond_with(list(&["kimi-k2-0905-preview"]))
        .mount(&server)
        .await;
    chat_answers(&server, "/coding/v3/chat/completions").await;
    let base = format!("{}/coding/v3", server.uri());
    let result = run(&format!("{base}/chat/completions"), None).await;
    assert_found(
        &result,
        ChannelKind::Custom,
        &base,
        &["kimi-k2-0905-preview"],
    );
}

#[tokio::test]
async fn relay_without_models_is_confirmed_by_its_chat_endpoint() {
    let server = relay_without_models("/api/paas/v4").await;
    let base = format!("{}/api/paas/v4", server.uri());
    for pasted in [base.clone(), format!("{base}/chat/completions")] {
        let result = run(&pasted, None).await;
        assert_eq!(result.outcome, Outcome::ChatOnly, "{result:#?}");
        assert_eq!(result.api_type, Some(ChannelKind::Custom));
        assert_eq!(result.base_url.as_deref(), Some(base.as_str()));
        assert!(result.models.is_empty() && result.models_by_hand);
        assert!(result.is_usable());
        let last = result.attempts.last().expect("attempts");
        assert_eq!(
            (last.method, last.status, last.verdict),
            ("POST", Some(400), Verdict::ChatAnswered)
        );
        assert!(
            result
                .attempts
                .iter()
                .any(|a| a.verdict == Verdict::NotFound)
        );
    }
}

#[tokio::test]
async fn rejected_key_stops_with_key_rejected() {
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(rejected())
        .mount(&server)
        .await;
    let result = run(&server.uri(), Some(ChannelKind::Openai)).await;
    assert_eq!(result.outcome, Outcome::KeyRejected, "{result:#?}");
    assert!(!result.is_usable());
    assert!(result.message.contains("rejected the key"));
    // One request per key style, nothing more: 401 stops the search for that style.
    let sent: Vec<_> = result
        .attempts
        .iter()
        .filter(|a| a.verdict != Verdict::SkippedKeyRejected)
        .map(|a| (a.api_type, a.status))
        .collect();
    assert_eq!(
        sent,
        vec![
            (ChannelKind::Openai, Some(401)),
            (ChannelKind::Anthropic, Some(401)),
            (ChannelKind::Azure, Some(401)),
        ]
    );
}

#[tokio::test]
async fn nothing_found_lists_every_attempt() {
    let server = MockServer::start().await;
    let result = run(&server.uri(), None).await;
    assert_eq!(result.outcome, Outcome::NothingFound);
    assert_eq!(result.api_type, None);
    assert!(result.attempts.len() >= 10, "{}", result.attempts.len());
    assert!(result.attempts.iter().all(|a| a.status == Some(404)));
}

#[tokio::test]
async fn unreachable_host_stops_at_the_first_connect_failure() {
    // Bound but never listening: connecting is refused, and no other test can take the port.
    let socket = tokio::net::TcpSocket::new_v4().expect("socket");
    socket
        .bind("127.0.0.1:0".parse().expect("loopback"))
        .expect("bind");
    let port = socket.local_addr().expect("addr").port();
    let result = run(&format!("http://127.0.0.1:{port}/v1"), None).await;
    assert_eq!(result.outcome, Outcome::NothingFound);
    assert_eq!(result.attempts.len(), 1);
    assert_eq!(result.attempts[0].verdict, Verdict::ConnectFailed);
}

#[tokio::test]
async fn a_host_that_never_answers_is_given_up_after_two_timeouts() {
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(5)))
        .mount(&server)
        .await;
    let request = ProbeRequest {
        base_url: server.uri(),
        key: KEY.into(),
        api_type: None,
    };
    let quick = ProbeOptions {
        timeout: Duration::from_millis(100),
        ..ProbeOptions::default()
    };
    let result = calibrate(&request, &quick).await.expect("calibration runs");
    assert_eq!(result.outcome, Outcome::NothingFound);
    let verdicts: Vec<_> = result.attempts.iter().map(|a| a.verdict).collect();
    assert_eq!(verdicts, [Verdict::Timeout, Verdict::Timeout]);
    assert!(result.message.contains("raise the timeout"));
}

#[tokio::test]
async fn invalid_url_is_an_error_that_says_what_to_paste() {
    let request = ProbeRequest {
        base_url: "api.openai.com".to_string(),
        key: KEY.into(),
        api_type: None,
    };
    let error = calibrate(&request, &options())
        .await
        .expect_err("not a URL");
    assert!(error.to_string().contains("paste the provider's base URL"));
}

#[test]
fn api_type_parses_case_insensitively() {
    assert_eq!(
        "Anthropic".parse::<ChannelKind>().ok(),
        Some(ChannelKind::Anthropic)
    );
    assert!("bedrock".parse::<ChannelKind>().is_err());
}
