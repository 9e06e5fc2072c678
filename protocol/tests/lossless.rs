//! Issue 23's findings, one case each: what a conversion used to drop or rewrite silently is
//! now carried, or emulated by a documented rule.

mod common;

use common::transcode;
use protocol::{EncodeOptions, Protocol, convert_request, convert_response};
use serde_json::{Value, json};

fn bytes(value: &Value) -> Vec<u8> {
    serde_json::to_vec(value).expect("json")
}

fn request(from: Protocol, to: Protocol, body: &Value) -> Value {
    convert_request(from, to, &bytes(body), &EncodeOptions::default()).expect("convert")
}

/// Finding 4: a failed, multi-part tool result keeps its error flag (as a marked text) and
/// its parts apart; an image in it stays labelled with its call.
#[test]
fn tool_errors_and_multi_part_output_survive_messages_to_chat_and_back() {
    let body = json!({"model": "m", "max_tokens": 100, "messages": [
        {"role": "user", "content": "go"},
        {"role": "assistant", "content": [{"type": "tool_use", "id": "t1", "name": "run", "input": {}}]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t1", "is_error": true, "content": [
            {"type": "text", "text": "ERR part1"},
            {"type": "text", "text": "ERR part2"},
            {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "iVBOR"}}
        ]}]}
    ]});
    let chat = request(Protocol::Anthropic, Protocol::OpenAiChat, &body);
    let messages = chat["messages"].as_array().expect("messages");
    let tool = messages.iter().find(|m| m["role"] == "tool").expect("tool");
    assert_eq!(tool["content"], "[tool error] ERR part1\nERR part2");
    let user = messages.last().expect("a user turn");
    assert_eq!(
        user["content"][0]["text"],
        "Attachments returned by tool call t1:"
    );
    assert_eq!(user["content"][1]["type"], "image_url");

    // Back to Anthropic (a Chat client's history to an Anthropic channel): the flag returns.
    let back = request(Protocol::OpenAiChat, Protocol::Anthropic, &chat);
    let result = &back["messages"][2]["content"][0];
    assert_eq!(result["type"], "tool_result");
    assert_eq!(result["is_error"], true);
    assert_eq!(result["content"][0]["text"], "ERR part1\nERR part2");

    let responses = request(Protocol::Anthropic, Protocol::Responses, &body);
    let output = responses["input"]
        .as_array()
        .expect("input")
        .iter()
        .find(|i| i["type"] == "function_call_output")
        .expect("output")
        .clone();
    assert_eq!(output["output"], "[tool error] ERR part1\nERR part2");
}

/// Finding 9: the client's own `max_output_tokens` is kept; the thinking budget fits under it.
#[test]
fn a_small_output_limit_is_kept_and_the_thinking_budget_fits_under_it() {
    let options = EncodeOptions {
        upstream_supports_reasoning: true,
        ..EncodeOptions::default()
    };
    let convert = |limit: u64| {
        let body = json!({"model": "claude", "input": "hi", "max_output_tokens": limit,
            "reasoning": {"effort": "high"}});
        convert_request(
            Protocol::Responses,
            Protocol::Anthropic,
            &bytes(&body),
            &options,
        )
        .expect("convert")
    };
    let small = convert(500);
    assert_eq!(small["max_tokens"], 500);
    assert!(small.get("thinking").is_none(), "{small}");
    let medium = convert(8000);
    assert_eq!(medium["max_tokens"], 8000);
    assert_eq!(medium["thinking"]["budget_tokens"], 4000);
    // No limit from the client: the default grows to make room for the budget.
    let body = json!({"model": "claude", "input": "hi", "reasoning": {"effort": "high"}});
    let open = convert_request(
        Protocol::Responses,
        Protocol::Anthropic,
        &bytes(&body),
        &options,
    )
    .expect("convert");
    assert!(open["max_tokens"].as_u64() > open["thinking"]["budget_tokens"].as_u64());
}

/// Finding 9: a relay that says `stop` after tool calls still hands the client its calls as
/// tool use, single answer and stream.
#[test]
fn stop_with_tool_calls_is_tool_use() {
    let answer = json!({"id": "c", "object": "chat.completion", "created": 5, "model": "m",
        "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": null,
            "tool_calls": [{"id": "call_1", "type": "function", "function": {"name": "f", "arguments": "{}"}}]}}]});
    let anthropic = convert_response(Protocol::OpenAiChat, Protocol::Anthropic, &bytes(&answer))
        .expect("convert");
    assert_eq!(anthropic["stop_reason"], "tool_use");

    let chunk = |delta: Value, finish: Value| {
        format!(
            "data: {}\n\n",
            json!({"id": "c", "object": "chat.completion.chunk", "created": 5, "model": "m",
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]})
        )
    };
    let stream = [
        chunk(json!({"role": "assistant"}), Value::Null),
        chunk(
            json!({"tool_calls": [{"index": 0, "id": "call_1", "type": "function", "function": {"name": "f", "arguments": "{}"}}]}),
            Value::Null,
        ),
        chunk(json!({}), json!("stop")),
        "data: [DONE]\n\n".to_owned(),
    ]
    .concat();
    let events = transcode(
        Protocol::OpenAiChat,
        Protocol::Anthropic,
        stream.as_bytes(),
        11,
        false,
    );
    let text = common::to_text(&events);
    assert!(text.contains(r#""stop_reason":"tool_use""#), "{text}");
}

/// Finding 11: tool-call arguments a provider sent that are not JSON reach a Messages or Gemini
/// client, whose calls must hold an object, as `{"_raw": text}`: the text is kept, as the
/// README's rule says.
#[test]
fn tool_call_arguments_that_are_not_json_are_kept_under_raw() {
    let answer = json!({"id": "c", "object": "chat.completion", "created": 5, "model": "m",
        "choices": [{"index": 0, "finish_reason": "tool_calls", "message": {"role": "assistant", "content": null,
            "tool_calls": [{"id": "call_1", "type": "function", "function": {"name": "f", "arguments": "{\"path\": \"a.txt"}}]}}]});
    let anthropic = convert_response(Protocol::OpenAiChat, Protocol::Anthropic, &bytes(&answer))
        .expect("convert");
    let call = &anthropic["content"][0];
    assert_eq!(call["type"], "tool_use", "{anthropic}");
    assert_eq!(
        call["input"],
        json!({"_raw": "{\"path\": \"a.txt"}),
        "{anthropic}"
    );
    let gemini =
        convert_response(Protocol::OpenAiChat, Protocol::Gemini, &bytes(&answer)).expect("convert");
    let args = &gemini["candidates"][0]["content"]["parts"][0]["functionCall"]["args"];
    assert_eq!(args, &json!({"_raw": "{\"path\": \"a.txt"}), "{gemini}");
}

/// Finding 11: DeepSeek's `prompt_cache_hit_tokens` count as cached reads.
#[test]
fn deepseek_cache_hits_are_cached_reads() {
    let answer = json!({"id": "c", "object": "chat.completion", "created": 5, "model": "deepseek-chat",
        "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": "hi"}}],
        "usage": {"prompt_tokens": 100, "completion_tokens": 5, "total_tokens": 105,
            "prompt_cache_hit_tokens": 80, "prompt_cache_miss_tokens": 20}});
    let anthropic = convert_response(Protocol::OpenAiChat, Protocol::Anthropic, &bytes(&answer))
        .expect("convert");
    assert_eq!(anthropic["usage"]["cache_read_input_tokens"], 80);
    assert_eq!(anthropic["usage"]["input_tokens"], 20);
}

fn chat_refusal() -> Value {
    json!({"id": "c", "object": "chat.completion", "created": 5, "model": "gpt-4o",
        "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant",
            "content": null, "refusal": "I can't help with that."}}]})
}

/// Finding 5: a refusal is an answer said in each protocol's own way, never an empty one.
#[test]
fn a_chat_refusal_is_a_refusal_in_every_protocol() {
    let anthropic = convert_response(
        Protocol::OpenAiChat,
        Protocol::Anthropic,
        &bytes(&chat_refusal()),
    )
    .expect("convert");
    assert_eq!(anthropic["stop_reason"], "refusal");
    assert_eq!(anthropic["content"][0]["text"], "I can't help with that.");

    let responses = convert_response(
        Protocol::OpenAiChat,
        Protocol::Responses,
        &bytes(&chat_refusal()),
    )
    .expect("convert");
    assert_eq!(
        responses["output"][0]["content"][0],
        json!({"type": "refusal", "refusal": "I can't help with that."})
    );
    // And back: a Responses refusal reaches a Chat client as `refusal`.
    let chat = convert_response(
        Protocol::Responses,
        Protocol::OpenAiChat,
        &bytes(&responses),
    )
    .expect("convert");
    assert_eq!(
        chat["choices"][0]["message"]["refusal"],
        "I can't help with that."
    );
    assert_eq!(chat["choices"][0]["message"]["content"], Value::Null);
}

#[test]
fn a_streamed_chat_refusal_is_content_and_a_refusal_in_every_protocol() {
    let chunk = |delta: Value, finish: Value| {
        format!(
            "data: {}\n\n",
            json!({"id": "c", "object": "chat.completion.chunk", "created": 5, "model": "gpt-4o",
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]})
        )
    };
    let stream = [
        chunk(
            json!({"role": "assistant", "content": null, "refusal": ""}),
            Value::Null,
        ),
        chunk(json!({"refusal": "I can't "}), Value::Null),
        chunk(json!({"refusal": "help with that."}), Value::Null),
        chunk(json!({}), json!("stop")),
        "data: [DONE]\n\n".to_owned(),
    ]
    .concat();
    let first =
        protocol::SseParser::new().push(chunk(json!({"refusal": "x"}), Value::Null).as_bytes());
    assert_eq!(
        protocol::classify_wire_event(Protocol::OpenAiChat, &first[0]),
        protocol::hub::Phase::Content,
        "a refusal is content, so the stream is not a failure"
    );

    let anthropic = common::to_text(&transcode(
        Protocol::OpenAiChat,
        Protocol::Anthropic,
        stream.as_bytes(),
        13,
        false,
    ));
    assert!(
        anthropic.contains(r#""stop_reason":"refusal""#),
        "{anthropic}"
    );
    assert!(anthropic.contains("help with that."), "{anthropic}");

    let responses = common::to_text(&transcode(
        Protocol::OpenAiChat,
        Protocol::Responses,
        stream.as_bytes(),
        13,
        false,
    ));
    assert!(responses.contains("response.refusal.delta"), "{responses}");
    assert!(
        responses.contains(r#"{"refusal":"I can't help with that.","type":"refusal"}"#),
        "{responses}"
    );
}

/// Findings 2 and 8: a field whose absence would change the answer is refused, naming the
/// field and the channel's protocol; harmless values of the same fields pass; a structured
/// answer is carried where the target has one.
#[test]
fn fields_a_conversion_cannot_honour_are_refused_by_name() {
    let check = |client: Protocol, target: Protocol, mut body: Value| {
        let fields = body.as_object_mut().expect("object");
        fields.insert("model".into(), json!("m"));
        match client {
            Protocol::Responses => fields.insert("input".into(), json!("hi")),
            _ => fields.insert(
                "messages".into(),
                json!([{"role": "user", "content": "hi"}]),
            ),
        };
        let request = protocol::decode_request(client, &bytes(&body)).expect("decode");
        protocol::fields::check(client, target, &request)
    };
    let refused =
        check(Protocol::OpenAiChat, Protocol::Anthropic, json!({"n": 3})).expect_err("n: 3");
    let message = refused.to_string();
    assert!(message.contains("`n`"), "{message}");
    assert!(message.contains("Anthropic Messages"), "{message}");
    assert_eq!(refused.status_code(), 400);
    check(
        Protocol::OpenAiChat,
        Protocol::Anthropic,
        json!({"n": 1, "seed": 7}),
    )
    .expect("one answer and a seed are fine");
    check(
        Protocol::OpenAiChat,
        Protocol::Anthropic,
        json!({"response_format": {"type": "text"}}),
    )
    .expect("plain text is fine");
    for (field, value) in [
        (
            "response_format",
            json!({"type": "json_schema", "json_schema": {"name": "x", "schema": {}}}),
        ),
        ("logprobs", json!(true)),
    ] {
        let error = check(
            Protocol::OpenAiChat,
            Protocol::Anthropic,
            json!({field: value}),
        )
        .expect_err(field);
        assert!(error.to_string().contains(&format!("`{field}`")), "{error}");
    }
    for target in [Protocol::Anthropic, Protocol::OpenAiChat] {
        let error = check(
            Protocol::Responses,
            target,
            json!({"previous_response_id": "resp_1", "store": false}),
        )
        .expect_err("previous_response_id");
        assert!(
            error.to_string().contains("previous_response_id"),
            "{error}"
        );
    }
    let structured = json!({"text": {"format": {"type": "json_schema", "name": "answer",
        "schema": {"type": "object"}, "strict": true}}});
    let error = check(Protocol::Responses, Protocol::Anthropic, structured.clone())
        .expect_err("structured output for Anthropic");
    assert!(error.to_string().contains("`text`"), "{error}");
    check(Protocol::Responses, Protocol::OpenAiChat, structured).expect("Chat has its own");
}

/// Finding 8: a structured answer reaches a Chat provider as its `response_format`.
#[test]
fn structured_output_is_carried_to_chat() {
    let responses = json!({"model": "m", "input": "hi", "text": {"format": {"type": "json_schema",
        "name": "answer", "schema": {"type": "object"}, "strict": true}, "verbosity": "low"}});
    let chat = request(Protocol::Responses, Protocol::OpenAiChat, &responses);
    assert_eq!(
        chat["response_format"],
        json!({"type": "json_schema", "json_schema": {"name": "answer", "schema": {"type": "object"}, "strict": true}})
    );
    let anthropic = json!({"model": "m", "max_tokens": 10, "messages": [{"role": "user", "content": "hi"}],
        "output_format": {"type": "json_schema", "schema": {"type": "object"}}});
    let chat = request(Protocol::Anthropic, Protocol::OpenAiChat, &anthropic);
    assert_eq!(
        chat["response_format"]["json_schema"]["schema"],
        json!({"type": "object"})
    );
    let json_mode =
        json!({"model": "m", "input": "hi", "text": {"format": {"type": "json_object"}}});
    let chat = request(Protocol::Responses, Protocol::OpenAiChat, &json_mode);
    assert_eq!(chat["response_format"], json!({"type": "json_object"}));
}

/// A native Gemini channel has rules too: what it cannot say is refused by name (several
/// answers, log probabilities, a Responses conversation it never saw), and a structured
/// answer, sampling and limits are carried into `generationConfig`, from every client.
#[test]
fn conversions_to_native_gemini_carry_or_refuse_each_field() {
    let gemini = Protocol::Gemini;
    let chat = json!({"model": "m", "messages": [{"role": "user", "content": "hi"}], "n": 2});
    let decoded = protocol::decode_request(Protocol::OpenAiChat, &bytes(&chat)).expect("decode");
    let error = protocol::fields::check(Protocol::OpenAiChat, gemini, &decoded).expect_err("n: 2");
    assert!(
        error.to_string().contains("`n`") && error.to_string().contains("Gemini"),
        "{error}"
    );
    let responses = json!({"model": "m", "input": "hi", "previous_response_id": "resp_9"});
    let decoded =
        protocol::decode_request(Protocol::Responses, &bytes(&responses)).expect("decode");
    protocol::fields::check(Protocol::Responses, gemini, &decoded)
        .expect_err("previous_response_id");

    let schema = json!({"type": "object", "properties": {"a": {"type": "string"}}});
    let chat = json!({"model": "m", "messages": [{"role": "user", "content": "hi"}],
        "temperature": 0.3, "top_p": 0.9, "max_completion_tokens": 77, "stop": ["END"],
        "response_format": {"type": "json_schema", "json_schema": {"name": "a", "schema": schema}}});
    let anthropic = json!({"model": "m", "max_tokens": 77, "temperature": 0.3, "top_p": 0.9,
        "stop_sequences": ["END"], "messages": [{"role": "user", "content": "hi"}],
        "output_format": {"type": "json_schema", "schema": schema}});
    let responses = json!({"model": "m", "input": "hi", "temperature": 0.3, "top_p": 0.9,
        "max_output_tokens": 77, "text": {"format": {"type": "json_schema", "name": "a", "schema": schema}}});
    for (client, body) in [
        (Protocol::OpenAiChat, chat),
        (Protocol::Anthropic, anthropic),
        (Protocol::Responses, responses),
    ] {
        let decoded = protocol::decode_request(client, &bytes(&body)).expect("decode");
        protocol::fields::check(client, gemini, &decoded).expect("nothing to refuse");
        let sent = request(client, gemini, &body);
        let config = &sent["generationConfig"];
        assert_eq!(
            config["responseMimeType"], "application/json",
            "{client:?}: {sent}"
        );
        assert_eq!(config["responseJsonSchema"], schema, "{client:?}: {sent}");
        assert_eq!(config["temperature"], 0.3, "{client:?}: {sent}");
        assert_eq!(config["topP"], 0.9, "{client:?}: {sent}");
        assert_eq!(config["maxOutputTokens"], 77, "{client:?}: {sent}");
        if client != Protocol::Responses {
            assert_eq!(
                config["stopSequences"],
                json!(["END"]),
                "{client:?}: {sent}"
            );
        }
    }
    // Codex's local_shell is run by the client: refused by name, never silently left out.
    let shell = json!({"model": "m", "input": "ls", "tools": [{"type": "local_shell"}]});
    let decoded = protocol::decode_request(Protocol::Responses, &bytes(&shell)).expect("decode");
    for target in [Protocol::Anthropic, Protocol::OpenAiChat, gemini] {
        let error = protocol::fields::check(Protocol::Responses, target, &decoded)
            .expect_err("local_shell");
        assert!(error.to_string().contains("local_shell"), "{error}");
    }
    let search = json!({"model": "m", "input": "hi", "tools": [{"type": "web_search"}]});
    let decoded = protocol::decode_request(Protocol::Responses, &bytes(&search)).expect("decode");
    protocol::fields::check(Protocol::Responses, gemini, &decoded)
        .expect("a search OpenAI runs is left out by its rule");
    // A Chat client's structured answer is still refused for Anthropic, now that it is read.
    let chat = json!({"model": "m", "messages": [{"role": "user", "content": "hi"}],
        "response_format": {"type": "json_object"}});
    let decoded = protocol::decode_request(Protocol::OpenAiChat, &bytes(&chat)).expect("decode");
    let error = protocol::fields::check(Protocol::OpenAiChat, Protocol::Anthropic, &decoded)
        .expect_err("json mode for Anthropic");
    assert!(error.to_string().contains("`response_format`"), "{error}");
}

/// Finding 11: the legacy `functions` and `function_call` reach the target with their calls
/// and results, never a result without its call.
#[test]
fn legacy_functions_are_tools() {
    let body = json!({"model": "m", "functions": [{"name": "f", "parameters": {"type": "object"}}],
    "function_call": {"name": "f"},
    "messages": [
        {"role": "user", "content": "go"},
        {"role": "assistant", "content": null, "function_call": {"name": "f", "arguments": "{\"a\":1}"}},
        {"role": "function", "name": "f", "content": "done"}
    ]});
    let anthropic = request(Protocol::OpenAiChat, Protocol::Anthropic, &body);
    assert_eq!(anthropic["tools"][0]["name"], "f");
    assert_eq!(
        anthropic["tool_choice"],
        json!({"type": "tool", "name": "f"})
    );
    let call = &anthropic["messages"][1]["content"][0];
    assert_eq!(
        (call["type"].as_str(), call["id"].as_str()),
        (Some("tool_use"), Some("f"))
    );
    assert_eq!(call["input"], json!({"a": 1}));
    let result = &anthropic["messages"][2]["content"][0];
    assert_eq!(result["tool_use_id"], "f");
}

/// Finding 7: a client that asks OpenAI to cache its prompt gets Anthropic's cache marks on
/// the system prompt and the latest user turn; a Chat provider gets the key itself.
#[test]
fn prompt_cache_key_keeps_the_prompt_cached_across_a_conversion() {
    let body = json!({"model": "m", "instructions": "You are Codex.", "prompt_cache_key": "conv-1",
    "input": [
        {"type": "message", "role": "user", "content": "first"},
        {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "ok"}]},
        {"type": "message", "role": "user", "content": "second"}
    ]});
    let anthropic = request(Protocol::Responses, Protocol::Anthropic, &body);
    let ephemeral = json!({"type": "ephemeral"});
    assert_eq!(
        anthropic["system"][0]["cache_control"], ephemeral,
        "{anthropic}"
    );
    assert_eq!(
        anthropic["messages"][2]["content"][0]["cache_control"],
        ephemeral
    );
    assert!(
        anthropic["messages"][0]["content"][0]
            .get("cache_control")
            .is_none()
    );
    let chat = request(Protocol::Responses, Protocol::OpenAiChat, &body);
    assert_eq!(chat["prompt_cache_key"], "conv-1");
    // Without the key nothing is marked.
    let mut plain = body.clone();
    plain
        .as_object_mut()
        .expect("object")
        .remove("prompt_cache_key");
    let anthropic = request(Protocol::Responses, Protocol::Anthropic, &plain);
    assert!(
        !anthropic.to_string().contains("cache_control"),
        "{anthropic}"
    );
}

/// Finding 3: documents reach every protocol. A PDF a Claude Code Read returned travels to a
/// Chat provider as a file part (the tool message says where it went), a text document as
/// the tool's text; Chat file parts and Responses input files reach Anthropic as documents.
#[test]
fn documents_are_carried_in_every_direction() {
    let pdf = "JVBERi0xLjQK";
    let body = json!({"model": "m", "max_tokens": 100, "messages": [
        {"role": "user", "content": "read it"},
        {"role": "assistant", "content": [{"type": "tool_use", "id": "r1", "name": "Read", "input": {"file_path": "a.pdf"}}]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "r1", "content": [
            {"type": "document", "source": {"type": "base64", "media_type": "application/pdf", "data": pdf}},
            {"type": "document", "title": "notes.txt", "source": {"type": "text", "media_type": "text/plain", "data": "line one"}}
        ]}]}
    ]});
    let chat = request(Protocol::Anthropic, Protocol::OpenAiChat, &body);
    let messages = chat["messages"].as_array().expect("messages");
    let tool = messages.iter().find(|m| m["role"] == "tool").expect("tool");
    assert_eq!(tool["content"], "Document notes.txt:\nline one");
    let user = messages.last().expect("user");
    assert_eq!(
        user["content"][0]["text"],
        "Attachments returned by tool call r1:"
    );
    assert_eq!(
        user["content"][1],
        json!({"type": "file", "file": {"filename": "document.pdf", "file_data": format!("data:application/pdf;base64,{pdf}")}})
    );

    let chat_client = json!({"model": "m", "messages": [{"role": "user", "content": [
        {"type": "text", "text": "summarise"},
        {"type": "file", "file": {"filename": "r.pdf", "file_data": format!("data:application/pdf;base64,{pdf}")}}
    ]}]});
    let anthropic = request(Protocol::OpenAiChat, Protocol::Anthropic, &chat_client);
    assert_eq!(
        anthropic["messages"][0]["content"][1],
        json!({"type": "document", "title": "r.pdf", "source": {"type": "base64", "media_type": "application/pdf", "data": pdf}})
    );

    let responses_client = json!({"model": "m", "input": [{"type": "message", "role": "user", "content": [
        {"type": "input_file", "filename": "r.pdf", "file_data": format!("data:application/pdf;base64,{pdf}")}
    ]}]});
    let anthropic = request(Protocol::Responses, Protocol::Anthropic, &responses_client);
    assert_eq!(anthropic["messages"][0]["content"][0]["type"], "document");
    let chat = request(Protocol::Responses, Protocol::OpenAiChat, &responses_client);
    assert_eq!(
        chat["messages"][0]["content"][0]["file"]["filename"],
        "r.pdf"
    );
}

const PATCH: &str = "*** Begin Patch\n*** Add File: hello.txt\n+hello\n*** End Patch\n";

/// Finding 1: Codex's freeform `apply_patch` reaches a JSON-tool provider as a function with
/// one string argument, and its earlier calls and results stay in the history.
#[test]
fn codex_freeform_tools_are_offered_as_one_string_argument() {
    let body = json!({"model": "m", "tools": [
        {"type": "custom", "name": "apply_patch", "description": "Edit files.",
         "format": {"type": "grammar", "syntax": "lark", "definition": "start: ..."}}
    ],
    "input": [
        {"type": "message", "role": "user", "content": "add hello.txt"},
        {"type": "custom_tool_call", "call_id": "call_p", "name": "apply_patch", "input": PATCH},
        {"type": "custom_tool_call_output", "call_id": "call_p", "output": "Done!"}
    ]});
    for target in [Protocol::OpenAiChat, Protocol::Anthropic] {
        let converted = request(Protocol::Responses, target, &body);
        let text = converted.to_string();
        assert!(text.contains("apply_patch"), "{target:?}: {text}");
        let (schema, call, result) = match target {
            Protocol::OpenAiChat => (
                converted["tools"][0]["function"]["parameters"].clone(),
                serde_json::from_str::<Value>(
                    converted["messages"][1]["tool_calls"][0]["function"]["arguments"]
                        .as_str()
                        .expect("arguments"),
                )
                .expect("json"),
                converted["messages"][2]["content"].clone(),
            ),
            _ => (
                converted["tools"][0]["input_schema"].clone(),
                converted["messages"][1]["content"][0]["input"].clone(),
                converted["messages"][2]["content"][0]["content"][0]["text"].clone(),
            ),
        };
        assert_eq!(schema["required"], json!(["input"]), "{target:?}");
        assert_eq!(call, json!({"input": PATCH}), "{target:?}");
        assert_eq!(result, "Done!", "{target:?}");
    }
}

/// Finding 1, the way back: a provider's JSON call of the freeform tool reaches Codex as a
/// `custom_tool_call` with the raw patch, single answer and stream.
#[test]
fn a_providers_call_of_a_freeform_tool_reaches_codex_as_a_custom_tool_call() {
    let arguments = json!({"input": PATCH}).to_string();
    let answer = json!({"id": "c", "object": "chat.completion", "created": 5, "model": "m",
        "choices": [{"index": 0, "finish_reason": "tool_calls", "message": {"role": "assistant", "content": null,
            "tool_calls": [{"id": "call_p", "type": "function", "function": {"name": "apply_patch", "arguments": arguments}}]}}]});
    let mut hub = protocol::decode_response(Protocol::OpenAiChat, &bytes(&answer)).expect("decode");
    let asked = protocol::decode_request(
        Protocol::Responses,
        &bytes(&json!({"model": "m", "input": "x", "tools": [{"type": "custom", "name": "apply_patch"}]})),
    )
    .expect("decode");
    hub.restore_freeform_calls(&asked.tools);
    let responses = protocol::encode_response(Protocol::Responses, &hub);
    assert_eq!(responses["output"][0]["type"], "custom_tool_call");
    assert_eq!(responses["output"][0]["input"], PATCH);

    let chunk = |delta: Value, finish: Value| {
        format!(
            "data: {}\n\n",
            json!({"id": "c", "object": "chat.completion.chunk", "created": 5, "model": "m",
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]})
        )
    };
    let (head, tail) = arguments.split_at(arguments.len() / 2);
    let stream = [
        chunk(json!({"role": "assistant"}), Value::Null),
        chunk(json!({"tool_calls": [{"index": 0, "id": "call_p", "type": "function", "function": {"name": "apply_patch", "arguments": head}}]}), Value::Null),
        chunk(json!({"tool_calls": [{"index": 0, "function": {"arguments": tail}}]}), Value::Null),
        chunk(json!({}), json!("tool_calls")),
        "data: [DONE]\n\n".to_owned(),
    ]
    .concat();
    let mut decoder = protocol::StreamDecoder::new(Protocol::OpenAiChat);
    let mut encoder = protocol::StreamEncoder::new(Protocol::Responses, 5, false);
    encoder.set_freeform_tools(vec!["apply_patch".to_owned()]);
    let mut out = String::new();
    for event in common::parse_all(stream.as_bytes()) {
        for hub_event in decoder.on_event(&event) {
            out.extend(
                encoder
                    .on_event(&hub_event)
                    .iter()
                    .map(|e| e.data.clone() + "\n"),
            );
        }
    }
    out.extend(encoder.finish().iter().map(|e| e.data.clone() + "\n"));
    let done: Vec<Value> = out
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|e| e["type"] == "response.output_item.done")
        .collect();
    assert_eq!(done.len(), 1, "{out}");
    assert_eq!(done[0]["item"]["type"], "custom_tool_call");
    assert_eq!(done[0]["item"]["input"], PATCH);
    assert!(!out.contains("function_call_arguments"), "{out}");
}

/// Finding 9: Anthropic's `pause_turn` is a normal stop in Chat's own words, not a raw reason
/// outside OpenAI's list.
#[test]
fn pause_turn_is_a_chat_stop() {
    let answer = json!({"id": "m", "type": "message", "role": "assistant", "model": "c",
        "content": [{"type": "text", "text": "searching"}], "stop_reason": "pause_turn",
        "usage": {"input_tokens": 1, "output_tokens": 1}});
    let chat = convert_response(Protocol::Anthropic, Protocol::OpenAiChat, &bytes(&answer))
        .expect("convert");
    assert_eq!(chat["choices"][0]["finish_reason"], "stop");
}

/// Finding 11: a `max_tokens` above the model's own maximum is lowered to it (the provider
/// would refuse it), and a model the catalog knows does not reason gets no reasoning setting.
#[test]
fn output_limits_and_reasoning_settings_fit_the_upstream_model() {
    let options = EncodeOptions {
        max_output_tokens: Some(8192),
        upstream_lacks_reasoning: true,
        ..EncodeOptions::default()
    };
    let body = json!({"model": "m", "input": "hi", "max_output_tokens": 100000,
        "reasoning": {"effort": "high"}});
    let chat = convert_request(
        Protocol::Responses,
        Protocol::OpenAiChat,
        &bytes(&body),
        &options,
    )
    .expect("convert");
    assert_eq!(chat["max_tokens"], 8192);
    assert!(chat.get("reasoning_effort").is_none(), "{chat}");
    let anthropic = convert_request(
        Protocol::Responses,
        Protocol::Anthropic,
        &bytes(&body),
        &options,
    )
    .expect("convert");
    assert_eq!(anthropic["max_tokens"], 8192);
    assert!(anthropic.get("thinking").is_none(), "{anthropic}");
    // A reasoning model keeps the effort, and a budget that fits under its limit.
    let reasoning = EncodeOptions {
        max_output_tokens: Some(8192),
        upstream_supports_reasoning: true,
        ..EncodeOptions::default()
    };
    let anthropic = convert_request(
        Protocol::Responses,
        Protocol::Anthropic,
        &bytes(&body),
        &reasoning,
    )
    .expect("convert");
    assert_eq!(anthropic["max_tokens"], 8192);
    assert_eq!(anthropic["thinking"]["budget_tokens"], 4096);
}

/// Finding 6: what Anthropic's web search did stays in the conversation for a Chat provider:
/// the search, the sources it found, and the cited text's sources.
#[test]
fn server_tool_history_and_citations_stay_as_text() {
    let body = json!({"model": "m", "max_tokens": 100, "messages": [
        {"role": "user", "content": "news?"},
        {"role": "assistant", "content": [
            {"type": "server_tool_use", "id": "srvtoolu_1", "name": "web_search", "input": {"query": "rust 2026"}},
            {"type": "web_search_tool_result", "tool_use_id": "srvtoolu_1", "content": [
                {"type": "web_search_result", "url": "https://blog.rust-lang.org/", "title": "Rust Blog", "encrypted_content": "x"}
            ]},
            {"type": "text", "text": "Rust 1.100 is out.", "citations": [
                {"type": "web_search_result_location", "url": "https://blog.rust-lang.org/", "title": "Rust Blog", "cited_text": "1.100", "encrypted_index": "y"}
            ]}
        ]},
        {"role": "user", "content": "more?"}
    ]});
    let chat = request(Protocol::Anthropic, Protocol::OpenAiChat, &body);
    let assistant = chat["messages"][1]["content"]
        .as_str()
        .expect("text")
        .to_owned();
    assert!(
        assistant.contains(r#"[web_search: {"query":"rust 2026"}]"#),
        "{assistant}"
    );
    assert!(
        assistant.contains("- Rust Blog <https://blog.rust-lang.org/>"),
        "{assistant}"
    );
    assert!(
        assistant.contains("Rust 1.100 is out. [sources: Rust Blog <https://blog.rust-lang.org/>]"),
        "{assistant}"
    );
}
