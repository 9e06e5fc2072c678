//! Golden tests: documentation examples of each protocol converted to every other protocol,
//! requests, responses and streams, compared with reviewed expected outputs in `tests/golden/`.

mod common;

use common::{fixture, golden, golden_json, to_text, transcode};
use protocol::{EncodeOptions, Protocol, convert_request, convert_response};

const ALL: [Protocol; 4] = [
    Protocol::OpenAiChat,
    Protocol::Anthropic,
    Protocol::Responses,
    Protocol::Gemini,
];

fn short(protocol: Protocol) -> &'static str {
    match protocol {
        Protocol::OpenAiChat => "chat",
        Protocol::Anthropic => "anthropic",
        Protocol::Responses => "responses",
        Protocol::Gemini => "gemini",
    }
}

fn options() -> EncodeOptions {
    EncodeOptions {
        default_max_tokens: Some(32000),
        upstream_accepts_include_usage: true,
        upstream_supports_reasoning: true,
        model: None,
        ..EncodeOptions::default()
    }
}

fn request_goldens(from: Protocol, file: &str) {
    let body = fixture(file);
    for to in ALL.into_iter().filter(|to| *to != from) {
        let converted = convert_request(from, to, &body, &options()).expect("convert");
        golden_json(
            &format!("request_{}_to_{}.json", short(from), short(to)),
            &converted,
        );
    }
}

fn response_goldens(from: Protocol, file: &str) {
    let body = fixture(file);
    for to in ALL.into_iter().filter(|to| *to != from) {
        let converted = convert_response(from, to, &body).expect("convert");
        golden_json(
            &format!("response_{}_to_{}.json", short(from), short(to)),
            &converted,
        );
    }
}

fn stream_goldens(from: Protocol, file: &str, name: &str) {
    let body = fixture(file);
    for to in ALL.into_iter().filter(|to| *to != from) {
        let events = transcode(from, to, &body, 4096, true);
        golden(
            &format!("stream_{name}_to_{}.sse", short(to)),
            &to_text(&events),
        );
    }
}

#[test]
fn anthropic_request_with_tools_images_and_results() {
    request_goldens(Protocol::Anthropic, "anthropic/request_tools.json");
}

#[test]
fn chat_request_with_tools_images_and_results() {
    request_goldens(Protocol::OpenAiChat, "openai_chat/request_tools.json");
}

#[test]
fn responses_request_with_function_call_items() {
    request_goldens(Protocol::Responses, "responses/request.json");
}

#[test]
fn anthropic_response_with_thinking_and_tool_use() {
    response_goldens(Protocol::Anthropic, "anthropic/response_tool_use.json");
}

#[test]
fn chat_response_with_two_tool_calls() {
    response_goldens(Protocol::OpenAiChat, "openai_chat/response_tool_calls.json");
}

#[test]
fn responses_response_with_message_and_function_call() {
    response_goldens(Protocol::Responses, "responses/response.json");
}

#[test]
fn anthropic_text_stream() {
    stream_goldens(
        Protocol::Anthropic,
        "anthropic/stream_text.sse",
        "anthropic_text",
    );
}

#[test]
fn anthropic_tool_use_stream() {
    stream_goldens(
        Protocol::Anthropic,
        "anthropic/stream_tool_use.sse",
        "anthropic_tool_use",
    );
}

#[test]
fn anthropic_thinking_stream() {
    stream_goldens(
        Protocol::Anthropic,
        "anthropic/stream_thinking.sse",
        "anthropic_thinking",
    );
}

#[test]
fn chat_text_stream_with_usage() {
    stream_goldens(
        Protocol::OpenAiChat,
        "openai_chat/stream_text.sse",
        "chat_text",
    );
}

#[test]
fn chat_parallel_tool_calls_stream() {
    stream_goldens(
        Protocol::OpenAiChat,
        "openai_chat/stream_tool_calls.sse",
        "chat_tool_calls",
    );
}

#[test]
fn responses_text_stream() {
    stream_goldens(
        Protocol::Responses,
        "responses/stream_text.sse",
        "responses_text",
    );
}

#[test]
fn responses_function_call_stream() {
    stream_goldens(
        Protocol::Responses,
        "responses/stream_function_call.sse",
        "responses_function_call",
    );
}

#[test]
fn gemini_request_with_tools_image_thought_and_function_response() {
    request_goldens(Protocol::Gemini, "gemini/request_tools.json");
}

#[test]
fn gemini_response_with_thought_text_and_function_call() {
    response_goldens(Protocol::Gemini, "gemini/response_function_call.json");
}

#[test]
fn gemini_text_stream_with_thoughts() {
    stream_goldens(Protocol::Gemini, "gemini/stream_text.sse", "gemini_text");
}

#[test]
fn gemini_function_call_stream() {
    stream_goldens(
        Protocol::Gemini,
        "gemini/stream_function_call.sse",
        "gemini_function_call",
    );
}
