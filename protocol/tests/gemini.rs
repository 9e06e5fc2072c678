//! The Gemini spoke beyond the goldens: what a Gemini client's request means in the hub (calls
//! paired with results by name when they carry no id, upper-case schema types, thinking), a
//! round trip through another protocol and back, the error and count-tokens bodies, the model
//! list entry, and how a raw Gemini stream is classified for pass-through.

mod common;

use common::{fixture, to_text, transcode};
use protocol::hub::{Part, Role, StopReason, StreamEvent};
use protocol::{
    ErrorKind, Phase, Protocol, SseEvent, StreamDecoder, classify_wire_event, convert_request,
    convert_response, decode_request, decode_response, encode_request, error_body, gemini,
    parse_error_body,
};
use serde_json::{Value, json};

fn bytes(value: &Value) -> Vec<u8> {
    serde_json::to_vec(value).expect("serialise")
}

#[test]
fn a_gemini_cli_turn_decodes_with_calls_paired_to_results() {
    let request =
        decode_request(Protocol::Gemini, &fixture("gemini/request_tools.json")).expect("decode");
    assert_eq!(request.model, "", "the model is in the URL");
    assert!(!request.stream, "streaming is in the URL");
    assert_eq!(request.system, ["You are a coding agent.", "Be brief."]);
    assert_eq!(request.messages.len(), 3);
    assert_eq!(request.messages[1].role, Role::Assistant);
    let call_id = match &request.messages[1].content[2] {
        Part::ToolCall {
            id,
            name,
            arguments,
        } => {
            assert_eq!(name, "run_shell_command");
            assert_eq!(arguments, r#"{"command":"ls"}"#);
            id.clone()
        }
        other => panic!("expected a call, got {other:?}"),
    };
    match &request.messages[2].content[0] {
        Part::ToolResult {
            call_id: answered,
            content,
            is_error,
        } => {
            assert_eq!(answered, &call_id, "a result without id answers its call");
            assert_eq!(content, &[Part::Text("a.txt\nb.txt".into())]);
            assert!(!is_error);
        }
        other => panic!("expected a result, got {other:?}"),
    }
    assert_eq!(request.tools.len(), 2);
    assert_eq!(request.tools[1].parameters["type"], "object");
    assert_eq!(
        request.tools[1].parameters["properties"]["path"]["type"],
        "string"
    );
    assert_eq!(request.max_tokens, Some(2048));
    assert_eq!(request.temperature, Some(0.7));
    assert_eq!(request.stop, ["END"]);
    assert_eq!(
        request.reasoning.as_ref().and_then(|r| r.budget_tokens),
        Some(4096)
    );
    assert!(
        request.extra.contains_key("safetySettings"),
        "kept for a Gemini upstream"
    );
}

#[test]
fn a_request_goes_to_chat_and_back_to_gemini_with_names_restored() {
    let chat = convert_request(
        Protocol::Gemini,
        Protocol::OpenAiChat,
        &fixture("gemini/request_tools.json"),
        &Default::default(),
    )
    .expect("to chat");
    let roles: Vec<&str> = chat["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .filter_map(|m| m["role"].as_str())
        .collect();
    assert_eq!(roles, ["system", "system", "user", "assistant", "tool"]);
    let hub = decode_request(Protocol::OpenAiChat, &bytes(&chat)).expect("chat decodes");
    let back = encode_request(Protocol::Gemini, &hub, &Default::default());
    assert!(back.get("model").is_none() && back.get("stream").is_none());
    assert_eq!(
        back["systemInstruction"]["parts"][0]["text"],
        "You are a coding agent."
    );
    let contents = back["contents"].as_array().expect("contents");
    assert_eq!(contents[1]["role"], "model");
    let call = contents[1]["parts"]
        .as_array()
        .and_then(|parts| parts.iter().find_map(|p| p.get("functionCall")))
        .expect("the call");
    assert_eq!(call["args"], json!({"command": "ls"}));
    let result = &contents[2]["parts"][0]["functionResponse"];
    assert_eq!(
        result["name"], "run_shell_command",
        "the name comes from the call"
    );
    assert_eq!(result["id"], call["id"]);
    assert_eq!(result["response"], json!({"output": "a.txt\nb.txt"}));
    assert_eq!(
        back["tools"][0]["functionDeclarations"][0]["parametersJsonSchema"]["required"],
        json!(["command"])
    );
    assert_eq!(back["generationConfig"]["maxOutputTokens"], 2048);
    assert!(
        back.get("safetySettings").is_none(),
        "Gemini extras do not survive another protocol"
    );
}

#[test]
fn tool_choice_and_effort_map_to_gemini_config() {
    let chat = json!({"model": "m", "messages": [{"role": "user", "content": "hi"}],
        "tools": [{"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}],
        "tool_choice": {"type": "function", "function": {"name": "f"}},
        "reasoning_effort": "high"});
    let options = protocol::EncodeOptions {
        upstream_supports_reasoning: true,
        ..Default::default()
    };
    let body = convert_request(
        Protocol::OpenAiChat,
        Protocol::Gemini,
        &bytes(&chat),
        &options,
    )
    .expect("convert");
    assert_eq!(
        body["toolConfig"]["functionCallingConfig"],
        json!({"mode": "ANY", "allowedFunctionNames": ["f"]})
    );
    assert_eq!(
        body["generationConfig"]["thinkingConfig"]["thinkingBudget"],
        24576
    );
}

#[test]
fn a_response_reads_usage_thoughts_and_calls() {
    let response = decode_response(
        Protocol::Gemini,
        &fixture("gemini/response_function_call.json"),
    )
    .expect("decode");
    assert_eq!(response.stop_reason, Some(StopReason::ToolUse));
    assert_eq!(response.usage.cache_read, 100);
    assert_eq!(response.usage.input, 20, "prompt minus cached");
    assert_eq!(response.usage.output, 32, "candidates plus thoughts");
    assert_eq!(response.usage.reasoning, 12);
    assert!(
        matches!(&response.content[0], Part::Reasoning { text, .. } if text.starts_with("The user"))
    );
    let anthropic = convert_response(
        Protocol::Gemini,
        Protocol::Anthropic,
        &fixture("gemini/response_function_call.json"),
    )
    .expect("convert");
    assert_eq!(anthropic["stop_reason"], "tool_use");
    assert_eq!(anthropic["content"][2]["id"], "fc_1");
    // And back: Gemini counts as it did.
    let gemini =
        convert_response(Protocol::Anthropic, Protocol::Gemini, &bytes(&anthropic)).expect("back");
    assert_eq!(gemini["usageMetadata"]["promptTokenCount"], 120);
    assert_eq!(gemini["candidates"][0]["finishReason"], "STOP");
    assert_eq!(
        gemini["candidates"][0]["content"]["parts"][2]["functionCall"]["args"],
        json!({"command": "ls -la"})
    );
}

#[test]
fn errors_are_in_gemini_shape_and_read_back() {
    let body = error_body(Protocol::Gemini, 401, "bad key", ErrorKind::Authentication);
    assert_eq!(
        body,
        json!({"error": {"code": 401, "message": "bad key", "status": "UNAUTHENTICATED"}})
    );
    for (status, kind, name) in [
        (400, ErrorKind::InvalidRequest, "INVALID_ARGUMENT"),
        (404, ErrorKind::NotFound, "NOT_FOUND"),
        (429, ErrorKind::RateLimit, "RESOURCE_EXHAUSTED"),
        (502, ErrorKind::Api, "INTERNAL"),
        (503, ErrorKind::Overloaded, "UNAVAILABLE"),
    ] {
        let body = error_body(Protocol::Gemini, status, "m", kind);
        assert_eq!(body["error"]["status"], name, "{status}");
        let read = parse_error_body(status, &bytes(&body));
        assert_eq!(read.message, "m");
        assert_eq!(read.kind, kind, "{status} reads back as its kind");
    }
}

#[test]
fn count_tokens_and_model_entries() {
    let request =
        decode_request(Protocol::Gemini, &fixture("gemini/request_tools.json")).expect("decode");
    let direct = gemini::count_tokens_body(&request);
    assert!(direct["totalTokens"].as_u64().unwrap_or(0) > 10, "{direct}");
    let wrapped = json!({"generateContentRequest": serde_json::from_slice::<Value>(
        &fixture("gemini/request_tools.json")).expect("json")});
    let same = gemini::decode_count_tokens(&wrapped).expect("wrapped form");
    assert_eq!(gemini::count_tokens_body(&same), direct);
    let entry = gemini::model_entry("claude-sonnet-4-5", "Anthropic");
    assert_eq!(entry["name"], "models/claude-sonnet-4-5");
    assert!(
        entry["supportedGenerationMethods"]
            .as_array()
            .is_some_and(|m| m.contains(&json!("streamGenerateContent")))
    );
}

#[test]
fn raw_chunks_classify_for_pass_through() {
    let event = |data: Value| SseEvent::data(data.to_string());
    let usage_only = event(json!({"usageMetadata": {"promptTokenCount": 3}}));
    assert_eq!(
        classify_wire_event(Protocol::Gemini, &usage_only),
        Phase::Preamble
    );
    let text = event(json!({"candidates": [{"content": {"parts": [{"text": "Hi"}]}}]}));
    assert_eq!(classify_wire_event(Protocol::Gemini, &text), Phase::Content);
    let last =
        json!({"candidates": [{"content": {"parts": [{"text": ""}]}, "finishReason": "STOP"}]});
    assert_eq!(
        classify_wire_event(Protocol::Gemini, &event(last.clone())),
        Phase::Content
    );
    assert!(gemini::is_last_chunk(&last));
    let error =
        event(json!({"error": {"code": 503, "message": "overloaded", "status": "UNAVAILABLE"}}));
    assert_eq!(classify_wire_event(Protocol::Gemini, &error), Phase::Error);
}

#[test]
fn a_stream_decodes_to_hub_events_in_order() {
    let mut decoder = StreamDecoder::new(Protocol::Gemini);
    let mut parser = protocol::SseParser::new();
    let mut events = Vec::new();
    for wire in parser.push(&fixture("gemini/stream_function_call.sse")) {
        events.extend(decoder.on_event(&wire));
    }
    assert!(matches!(&events[0], StreamEvent::Start { id, .. } if id == "r-2"));
    assert_eq!(events[1], StreamEvent::TextDelta("Listing.".into()));
    assert!(
        matches!(&events[2], StreamEvent::ToolCallStart { index: 0, name, .. } if name == "run_shell_command")
    );
    assert!(matches!(
        events.last(),
        Some(StreamEvent::Finish(StopReason::ToolUse))
    ));
}

#[test]
fn a_chat_stream_reaches_a_gemini_client_with_whole_calls_and_a_last_chunk() {
    let events = transcode(
        Protocol::OpenAiChat,
        Protocol::Gemini,
        &fixture("openai_chat/stream_tool_calls.sse"),
        7,
        true,
    );
    let text = to_text(&events);
    let chunks: Vec<Value> = text
        .lines()
        .filter_map(|line| line.strip_prefix("data: "))
        .map(|data| serde_json::from_str(data).expect("each chunk is JSON"))
        .collect();
    let calls: Vec<&Value> = chunks
        .iter()
        .flat_map(|c| {
            c["candidates"][0]["content"]["parts"]
                .as_array()
                .into_iter()
                .flatten()
        })
        .filter_map(|part| part.get("functionCall"))
        .collect();
    assert!(calls.len() >= 2, "{text}");
    assert!(calls.iter().all(|call| call["args"].is_object()));
    let last = chunks.last().expect("chunks");
    assert_eq!(last["candidates"][0]["finishReason"], "STOP");
    assert!(last["usageMetadata"]["totalTokenCount"].as_u64().is_some());
    assert_eq!(
        events.last().map(|e| e.phase),
        Some(Phase::Content),
        "closing chunk"
    );
}
