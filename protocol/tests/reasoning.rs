//! Reasoning round trips: what a provider reasoned (Anthropic thinking with its signature,
//! `redacted_thinking`, a Chat `reasoning_content`) reaches a client of any protocol in a form
//! that client sends back, and the next turn gives it back to the provider as the provider
//! needs it. Streams and single answers both.

mod common;

use common::{parse_all, transcode};
use protocol::{EncodeOptions, Protocol, convert_request, convert_response};
use serde_json::{Value, json};

const SIGNATURE: &str = "EqQBCgIYAhIMsignature";
const REDACTED: &str = "EmwKAhgBEgyredacted";

/// An Anthropic answer that thought (signed), had some thinking redacted, then called a tool.
fn anthropic_answer() -> Value {
    json!({
        "id": "msg_1", "type": "message", "role": "assistant", "model": "claude-sonnet-4-5",
        "content": [
            {"type": "thinking", "thinking": "Check the weather first.", "signature": SIGNATURE},
            {"type": "redacted_thinking", "data": REDACTED},
            {"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {"city": "Paris"}}
        ],
        "stop_reason": "tool_use", "usage": {"input_tokens": 10, "output_tokens": 5}
    })
}

fn bytes(value: &Value) -> Vec<u8> {
    serde_json::to_vec(value).expect("json")
}

/// The assistant content blocks of the Anthropic request a converted next turn becomes.
fn anthropic_history(from: Protocol, next_turn: &Value) -> Vec<Value> {
    let request = convert_request(
        from,
        Protocol::Anthropic,
        &bytes(next_turn),
        &EncodeOptions::default(),
    )
    .expect("convert");
    let assistant = request["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .find(|m| m["role"] == "assistant")
        .expect("an assistant turn")
        .clone();
    assistant["content"].as_array().expect("blocks").clone()
}

fn assert_anthropic_blocks_restored(blocks: &[Value]) {
    assert_eq!(
        blocks[0],
        json!({"type": "thinking", "thinking": "Check the weather first.", "signature": SIGNATURE}),
        "{blocks:#?}"
    );
    assert_eq!(
        blocks[1],
        json!({"type": "redacted_thinking", "data": REDACTED}),
        "{blocks:#?}"
    );
    assert_eq!(blocks[2]["type"], "tool_use", "{blocks:#?}");
}

#[test]
fn anthropic_thinking_survives_a_responses_client_and_comes_back_signed() {
    let answer = convert_response(
        Protocol::Anthropic,
        Protocol::Responses,
        &bytes(&anthropic_answer()),
    )
    .expect("convert");
    let output = answer["output"].as_array().expect("output").clone();
    assert_eq!(output[0]["type"], "reasoning");
    assert_eq!(output[1]["type"], "reasoning");
    // Codex sends its output items back as they came, then the tool's result.
    let mut input = vec![json!({"type": "message", "role": "user", "content": "Weather?"})];
    input.extend(output);
    input.push(json!({"type": "function_call_output", "call_id": "toolu_1", "output": "sunny"}));
    let next = json!({"model": "claude-sonnet-4-5", "input": input});
    assert_anthropic_blocks_restored(&anthropic_history(Protocol::Responses, &next));
}

#[test]
fn anthropic_thinking_survives_a_chat_client_and_comes_back_signed() {
    let answer = convert_response(
        Protocol::Anthropic,
        Protocol::OpenAiChat,
        &bytes(&anthropic_answer()),
    )
    .expect("convert");
    let message = answer["choices"][0]["message"].clone();
    assert_eq!(message["reasoning_content"], "Check the weather first.");
    let next = json!({"model": "claude-sonnet-4-5", "messages": [
        {"role": "user", "content": "Weather?"},
        message,
        {"role": "tool", "tool_call_id": "toolu_1", "content": "sunny"}
    ]});
    assert_anthropic_blocks_restored(&anthropic_history(Protocol::OpenAiChat, &next));
}

/// A DeepSeek-style Chat answer: reasoning, then a tool call.
fn chat_answer() -> Value {
    json!({
        "id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": "deepseek-reasoner",
        "choices": [{"index": 0, "finish_reason": "tool_calls", "message": {
            "role": "assistant", "content": null, "reasoning_content": "I should look it up.",
            "tool_calls": [{"id": "call_1", "type": "function",
                "function": {"name": "get_weather", "arguments": "{\"city\":\"Paris\"}"}}]
        }}],
        "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}
    })
}

/// The Chat assistant message a converted next turn sends a Chat provider.
fn chat_history(from: Protocol, next_turn: &Value, options: &EncodeOptions) -> Value {
    let request =
        convert_request(from, Protocol::OpenAiChat, &bytes(next_turn), options).expect("convert");
    request["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .find(|m| m["role"] == "assistant")
        .expect("an assistant message")
        .clone()
}

#[test]
fn deepseek_reasoning_content_goes_back_through_an_anthropic_client() {
    let answer = convert_response(
        Protocol::OpenAiChat,
        Protocol::Anthropic,
        &bytes(&chat_answer()),
    )
    .expect("convert");
    assert_eq!(answer["content"][0]["type"], "thinking");
    let next = json!({"model": "deepseek-reasoner", "max_tokens": 100, "messages": [
        {"role": "user", "content": "Weather?"},
        {"role": "assistant", "content": answer["content"]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "call_1", "content": "sunny"}]}
    ]});
    let message = chat_history(Protocol::Anthropic, &next, &EncodeOptions::default());
    assert_eq!(
        message["reasoning_content"], "I should look it up.",
        "{message}"
    );
    assert_eq!(message["tool_calls"][0]["id"], "call_1");
    // Nothing was signed, so nothing but the text is sent.
    assert!(message.get("reasoning_details").is_none(), "{message}");

    let refused = EncodeOptions {
        upstream_rejects_reasoning_input: true,
        ..EncodeOptions::default()
    };
    let message = chat_history(Protocol::Anthropic, &next, &refused);
    assert!(message.get("reasoning_content").is_none(), "{message}");
}

#[test]
fn deepseek_reasoning_content_goes_back_through_a_responses_client() {
    let answer = convert_response(
        Protocol::OpenAiChat,
        Protocol::Responses,
        &bytes(&chat_answer()),
    )
    .expect("convert");
    let mut input = vec![json!({"type": "message", "role": "user", "content": "Weather?"})];
    input.extend(answer["output"].as_array().expect("output").iter().cloned());
    input.push(json!({"type": "function_call_output", "call_id": "call_1", "output": "sunny"}));
    let next = json!({"model": "deepseek-reasoner", "input": input});
    let message = chat_history(Protocol::Responses, &next, &EncodeOptions::default());
    assert_eq!(
        message["reasoning_content"], "I should look it up.",
        "{message}"
    );
    assert_eq!(message["tool_calls"][0]["id"], "call_1");
}

fn anthropic_stream() -> String {
    let events = [
        json!({"type": "message_start", "message": {"id": "msg_s", "type": "message", "role": "assistant", "model": "claude-sonnet-4-5", "content": [], "usage": {"input_tokens": 3, "output_tokens": 1}}}),
        json!({"type": "content_block_start", "index": 0, "content_block": {"type": "thinking", "thinking": "", "signature": ""}}),
        json!({"type": "content_block_delta", "index": 0, "delta": {"type": "thinking_delta", "thinking": "Check the weather first."}}),
        json!({"type": "content_block_delta", "index": 0, "delta": {"type": "signature_delta", "signature": SIGNATURE}}),
        json!({"type": "content_block_stop", "index": 0}),
        json!({"type": "content_block_start", "index": 1, "content_block": {"type": "redacted_thinking", "data": REDACTED}}),
        json!({"type": "content_block_stop", "index": 1}),
        json!({"type": "content_block_start", "index": 2, "content_block": {"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {}}}),
        json!({"type": "content_block_delta", "index": 2, "delta": {"type": "input_json_delta", "partial_json": "{\"city\":\"Paris\"}"}}),
        json!({"type": "content_block_stop", "index": 2}),
        json!({"type": "message_delta", "delta": {"stop_reason": "tool_use"}, "usage": {"output_tokens": 5}}),
        json!({"type": "message_stop"}),
    ];
    events
        .iter()
        .map(|e| format!("event: {}\ndata: {e}\n\n", e["type"].as_str().unwrap_or("")))
        .collect()
}

/// The data of every event a transcoded stream produced, parsed.
fn transcoded(from: Protocol, to: Protocol, input: &str, chunk: usize) -> Vec<Value> {
    let events = transcode(from, to, input.as_bytes(), chunk, false);
    let text = common::to_text(&events);
    parse_all(text.as_bytes())
        .iter()
        .filter_map(|e| serde_json::from_str(&e.data).ok())
        .collect()
}

#[test]
fn a_streamed_signature_and_redacted_thinking_reach_a_responses_client_in_its_items() {
    for chunk in [7, 4096] {
        let events = transcoded(
            Protocol::Anthropic,
            Protocol::Responses,
            &anthropic_stream(),
            chunk,
        );
        let completed = events
            .iter()
            .find(|e| e["type"] == "response.completed")
            .expect("completed");
        let mut input = vec![json!({"type": "message", "role": "user", "content": "Weather?"})];
        input.extend(
            completed["response"]["output"]
                .as_array()
                .expect("output")
                .iter()
                .cloned(),
        );
        input
            .push(json!({"type": "function_call_output", "call_id": "toolu_1", "output": "sunny"}));
        // Codex keeps the items of `output_item.done`; they agree with `response.completed`.
        let done: Vec<&Value> = events
            .iter()
            .filter(|e| e["type"] == "response.output_item.done")
            .map(|e| &e["item"])
            .collect();
        assert_eq!(done.len(), 3, "{done:#?}");
        assert_eq!(*done[0], input[1]);
        let next = json!({"model": "claude-sonnet-4-5", "input": input});
        assert_anthropic_blocks_restored(&anthropic_history(Protocol::Responses, &next));
    }
}

#[test]
fn a_streamed_signature_reaches_a_chat_client_and_back_to_an_anthropic_stream() {
    let chat = transcoded(
        Protocol::Anthropic,
        Protocol::OpenAiChat,
        &anthropic_stream(),
        5,
    );
    let details: Vec<&Value> = chat
        .iter()
        .filter_map(|c| c.pointer("/choices/0/delta/reasoning_details/0"))
        .collect();
    assert_eq!(details.len(), 2, "{chat:#?}");
    assert_eq!(details[0]["signature"], SIGNATURE);
    assert_eq!(details[1]["data"], REDACTED);

    // A Chat stream carrying them (an OpenRouter-style relay serving Claude) gives an
    // Anthropic client its signature_delta and redacted block.
    let chat_wire: String = chat
        .iter()
        .map(|c| format!("data: {c}\n\n"))
        .chain(std::iter::once("data: [DONE]\n\n".to_owned()))
        .collect();
    let anthropic = transcoded(Protocol::OpenAiChat, Protocol::Anthropic, &chat_wire, 9);
    assert!(
        anthropic.iter().any(
            |e| e["delta"]["type"] == "signature_delta" && e["delta"]["signature"] == SIGNATURE
        ),
        "{anthropic:#?}"
    );
    assert!(
        anthropic
            .iter()
            .any(|e| e["content_block"] == json!({"type": "redacted_thinking", "data": REDACTED})),
        "{anthropic:#?}"
    );
}
