//! Request/response conversion rules that are not visible in one golden file: defaults the
//! engine supplies, options only some upstreams accept, pass-through of unknown fields, round
//! trips, error bodies in every shape, and the local token estimate.

mod common;

use common::fixture;
use protocol::anthropic::{FALLBACK_MAX_TOKENS, estimate_tokens};
use protocol::{
    ConvertError, EncodeOptions, ErrorKind, Protocol, convert_request, convert_response,
    decode_request, decode_response, encode_request, encode_response, error_body, parse_error_body,
};
use serde_json::{Value, json};

fn chat_body(extra: Value) -> Vec<u8> {
    let mut body = json!({"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]});
    body.as_object_mut()
        .expect("object")
        .extend(extra.as_object().expect("object").clone());
    serde_json::to_vec(&body).expect("json")
}

#[test]
fn anthropic_max_tokens_comes_from_the_catalog_then_the_fallback() {
    let body = chat_body(json!({}));
    let from_catalog = EncodeOptions {
        default_max_tokens: Some(64000),
        ..Default::default()
    };
    let converted = convert_request(
        Protocol::OpenAiChat,
        Protocol::Anthropic,
        &body,
        &from_catalog,
    )
    .expect("convert");
    assert_eq!(converted["max_tokens"], 64000);
    let converted = convert_request(
        Protocol::OpenAiChat,
        Protocol::Anthropic,
        &body,
        &EncodeOptions::default(),
    )
    .expect("convert");
    assert_eq!(converted["max_tokens"], FALLBACK_MAX_TOKENS);
    let client_set = chat_body(json!({"max_tokens": 77}));
    let converted = convert_request(
        Protocol::OpenAiChat,
        Protocol::Anthropic,
        &client_set,
        &from_catalog,
    )
    .expect("convert");
    assert_eq!(converted["max_tokens"], 77);
}

#[test]
fn include_usage_is_only_sent_to_upstreams_that_accept_it() {
    let request = br#"{"model":"claude","max_tokens":10,"stream":true,"messages":[{"role":"user","content":"hi"}]}"#;
    let accepts = EncodeOptions {
        upstream_accepts_include_usage: true,
        ..Default::default()
    };
    let converted = convert_request(Protocol::Anthropic, Protocol::OpenAiChat, request, &accepts)
        .expect("convert");
    assert_eq!(converted["stream_options"], json!({"include_usage": true}));
    let converted = convert_request(
        Protocol::Anthropic,
        Protocol::OpenAiChat,
        request,
        &EncodeOptions::default(),
    )
    .expect("convert");
    assert!(converted.get("stream_options").is_none());
    // Even a Chat client's own stream_options is removed for such an upstream.
    let chat = chat_body(json!({"stream": true, "stream_options": {"include_usage": true}}));
    let converted = convert_request(
        Protocol::OpenAiChat,
        Protocol::OpenAiChat,
        &chat,
        &EncodeOptions::default(),
    )
    .expect("convert");
    assert!(converted.get("stream_options").is_none());
}

#[test]
fn unknown_fields_pass_to_the_same_protocol_and_never_fail_another() {
    let chat = chat_body(json!({"seed": 42, "logit_bias": {"1": 2}, "brand_new_option": [1, 2]}));
    let same = convert_request(
        Protocol::OpenAiChat,
        Protocol::OpenAiChat,
        &chat,
        &EncodeOptions::default(),
    )
    .expect("convert");
    assert_eq!(same["seed"], 42);
    assert_eq!(same["brand_new_option"], json!([1, 2]));
    let other = convert_request(
        Protocol::OpenAiChat,
        Protocol::Anthropic,
        &chat,
        &EncodeOptions::default(),
    )
    .expect("convert");
    assert!(other.get("seed").is_none() && other.get("brand_new_option").is_none());

    let weird = br#"{"model":"m","max_tokens":5,"messages":[{"role":"user","content":[{"type":"document","source":{}},{"type":"text","text":"ok"}]}],"top_k":3,"service_tier":"auto"}"#;
    let anthropic = convert_request(
        Protocol::Anthropic,
        Protocol::Anthropic,
        weird,
        &EncodeOptions::default(),
    )
    .expect("convert");
    assert_eq!(anthropic["top_k"], 3);
    assert_eq!(
        anthropic["messages"][0]["content"],
        json!([{"type": "text", "text": "ok"}])
    );
}

#[test]
fn requests_round_trip_through_the_hub() {
    for (protocol, file) in [
        (Protocol::Anthropic, "anthropic/request_tools.json"),
        (Protocol::OpenAiChat, "openai_chat/request_tools.json"),
        (Protocol::Responses, "responses/request.json"),
    ] {
        let first = decode_request(protocol, &fixture(file)).expect("decode");
        for via in [
            Protocol::OpenAiChat,
            Protocol::Anthropic,
            Protocol::Responses,
        ] {
            let wire = encode_request(
                via,
                &first,
                &EncodeOptions {
                    upstream_supports_reasoning: true,
                    ..Default::default()
                },
            );
            let again = decode_request(via, &serde_json::to_vec(&wire).expect("json"))
                .expect("decode again");
            // Tool calls and results survive every protocol unchanged.
            let calls = |r: &protocol::hub::Request| {
                r.messages
                    .iter()
                    .flat_map(|m| m.content.iter())
                    .filter(|p| {
                        matches!(
                            p,
                            protocol::hub::Part::ToolCall { .. }
                                | protocol::hub::Part::ToolResult { .. }
                        )
                    })
                    .count()
            };
            assert_eq!(calls(&first), calls(&again), "{file} via {via:?}");
            assert_eq!(first.tools.len(), again.tools.len(), "{file} via {via:?}");
            assert_eq!(
                first.system.join("\n\n"),
                again.system.join("\n\n"),
                "{file} via {via:?}"
            );
        }
    }
}

#[test]
fn responses_round_trip_through_the_hub() {
    for (protocol, file) in [
        (Protocol::Anthropic, "anthropic/response_tool_use.json"),
        (Protocol::OpenAiChat, "openai_chat/response_tool_calls.json"),
        (Protocol::Responses, "responses/response.json"),
    ] {
        let first = decode_response(protocol, &fixture(file)).expect("decode");
        let same = encode_response(protocol, &first);
        let again =
            decode_response(protocol, &serde_json::to_vec(&same).expect("json")).expect("decode");
        assert_eq!(first, again, "{file}");
    }
}

#[test]
fn cache_tokens_map_between_inclusive_and_exclusive_counts() {
    let chat = convert_response(
        Protocol::Anthropic,
        Protocol::OpenAiChat,
        &fixture("anthropic/response_tool_use.json"),
    )
    .expect("convert");
    assert_eq!(chat["usage"]["prompt_tokens"], 2095 + 1800);
    assert_eq!(
        chat["usage"]["prompt_tokens_details"]["cached_tokens"],
        1800
    );
    assert_eq!(chat["choices"][0]["finish_reason"], "tool_calls");
    let anthropic = convert_response(
        Protocol::OpenAiChat,
        Protocol::Anthropic,
        &fixture("openai_chat/response_tool_calls.json"),
    )
    .expect("convert");
    assert_eq!(anthropic["usage"]["input_tokens"], 82 - 64);
    assert_eq!(anthropic["usage"]["cache_read_input_tokens"], 64);
    assert_eq!(anthropic["stop_reason"], "tool_use");
    assert_eq!(
        anthropic["content"][1]["input"],
        json!({"location": "Paris, France"})
    );
}

#[test]
fn thinking_is_dropped_when_the_tool_choice_forces_a_call() {
    let request =
        decode_request(Protocol::Responses, &fixture("responses/request.json")).expect("decode");
    let options = EncodeOptions {
        upstream_supports_reasoning: true,
        ..Default::default()
    };
    let body = encode_request(Protocol::Anthropic, &request, &options);
    assert_eq!(body["tool_choice"], json!({"type": "any"}));
    assert!(body.get("thinking").is_none());
    let mut free = request.clone();
    free.tool_choice = None;
    // The fixture's own limit (2000) is kept; half of it is under Anthropic's smallest budget.
    let body = encode_request(Protocol::Anthropic, &free, &options);
    assert_eq!(body["max_tokens"], 2000);
    assert!(body.get("thinking").is_none());
    free.max_tokens = None;
    let body = encode_request(Protocol::Anthropic, &free, &options);
    assert_eq!(
        body["thinking"],
        json!({"type": "enabled", "budget_tokens": 8192})
    );
    assert!(
        body["max_tokens"].as_u64().expect("max") > 8192,
        "the budget must stay below max_tokens"
    );
    // Without the capability flag, reasoning from another family is not forwarded.
    let body = encode_request(Protocol::Anthropic, &free, &EncodeOptions::default());
    assert!(body.get("thinking").is_none());
}

#[test]
fn invalid_bodies_are_errors_that_say_what_to_send() {
    let error = decode_request(Protocol::Anthropic, b"{not json").expect_err("invalid");
    assert!(matches!(error, ConvertError::InvalidJson { .. }));
    assert_eq!(error.status_code(), 400);
    let error = decode_request(Protocol::OpenAiChat, br#"{"model":"x"}"#).expect_err("no messages");
    assert!(error.to_string().contains("messages: [...]"), "{error}");
    assert!(matches!(
        decode_request(Protocol::Responses, b"[1]"),
        Err(ConvertError::NotAnObject { .. })
    ));
}

#[test]
fn error_bodies_in_each_client_shape() {
    let openai = error_body(
        Protocol::OpenAiChat,
        429,
        "Too many requests, retry later",
        ErrorKind::RateLimit,
    );
    assert_eq!(
        openai,
        json!({"error": {"message": "Too many requests, retry later", "type": "rate_limit_error", "param": null, "code": "rate_limit_exceeded"}})
    );
    let anthropic = error_body(
        Protocol::Anthropic,
        529,
        "Overloaded",
        ErrorKind::Overloaded,
    );
    assert_eq!(
        anthropic,
        json!({"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}})
    );
    let responses = error_body(
        Protocol::Responses,
        502,
        "all channels failed",
        ErrorKind::Api,
    );
    assert_eq!(responses["error"]["type"], "server_error");
}

#[test]
fn upstream_errors_are_read_in_any_shape() {
    let cases: [(u16, &[u8], &str, ErrorKind); 6] = [
        (401, br#"{"error":{"message":"Incorrect API key provided","type":"invalid_request_error","code":"invalid_api_key"}}"#, "Incorrect API key provided", ErrorKind::Authentication),
        (529, br#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#, "Overloaded", ErrorKind::Overloaded),
        (429, br#"[{"error":{"code":429,"message":"Resource has been exhausted","status":"RESOURCE_EXHAUSTED"}}]"#, "Resource has been exhausted", ErrorKind::RateLimit),
        (500, br#"{"error":"upstream exploded"}"#, "upstream exploded", ErrorKind::Api),
        (404, br#"{"message":"model not found"}"#, "model not found", ErrorKind::NotFound),
        (502, b"<html>Bad Gateway</html>", "<html>Bad Gateway</html>", ErrorKind::Api),
    ];
    for (status, body, message, kind) in cases {
        let parsed = parse_error_body(status, body);
        assert_eq!(
            (parsed.message.as_str(), parsed.kind),
            (message, kind),
            "{}",
            String::from_utf8_lossy(body)
        );
    }
    assert!(ErrorKind::Overloaded.retryable() && !ErrorKind::InvalidRequest.retryable());
}

#[test]
fn token_estimate_follows_the_documented_heuristic() {
    let request = decode_request(
        Protocol::Anthropic,
        br#"{"model":"m","max_tokens":1,"system":"abcd","messages":[{"role":"user","content":[{"type":"text","text":"12345678"},{"type":"image","source":{"type":"url","url":"https://x/y.png"}}]}]}"#,
    )
    .expect("decode");
    // 12 bytes of text -> 3 tokens, one image -> 1600, one message -> 4.
    assert_eq!(estimate_tokens(&request), 3 + 1600 + 4);
    assert_eq!(
        protocol::anthropic::count_tokens_body(&request),
        json!({"input_tokens": 1607})
    );
}

#[test]
fn chat_max_tokens_field_follows_the_upstream_model() {
    let body = br#"{"model":"m","max_tokens":100,"messages":[{"role":"user","content":"hi"}]}"#;
    let plain = convert_request(
        Protocol::Anthropic,
        Protocol::OpenAiChat,
        body,
        &EncodeOptions::default(),
    )
    .expect("convert");
    assert_eq!(
        (
            plain["max_tokens"].as_u64(),
            plain.get("max_completion_tokens")
        ),
        (Some(100), None)
    );
    let reasoning = EncodeOptions {
        upstream_supports_reasoning: true,
        ..Default::default()
    };
    let converted = convert_request(Protocol::Anthropic, Protocol::OpenAiChat, body, &reasoning)
        .expect("convert");
    assert_eq!(
        (
            converted["max_completion_tokens"].as_u64(),
            converted.get("max_tokens")
        ),
        (Some(100), None)
    );
}

#[test]
fn unsigned_thinking_is_not_sent_back_to_anthropic() {
    let body = br#"{"model":"m","max_tokens":10,"messages":[{"role":"user","content":"hi"},
        {"role":"assistant","content":[{"type":"thinking","thinking":"hmm","signature":""},{"type":"text","text":"yes"}]},
        {"role":"user","content":"and?"}]}"#;
    let converted = convert_request(
        Protocol::Anthropic,
        Protocol::Anthropic,
        body,
        &EncodeOptions::default(),
    )
    .expect("convert");
    assert_eq!(
        converted["messages"][1]["content"],
        json!([{"type": "text", "text": "yes"}])
    );
}
