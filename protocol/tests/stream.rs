//! Stream transcoding behaviour beyond the goldens: chunking independence, tool calls routed by
//! index with arguments arriving before the id and name, usage chunks, event order, and the
//! failover phases the engine relies on.

mod common;

use common::{fixture, parse_all, to_text, transcode};
use protocol::hub::StreamEvent;
use protocol::{Phase, Protocol, SseEvent, StreamDecoder, classify_wire_event};
use serde_json::Value;

const ALL: [Protocol; 3] = [
    Protocol::OpenAiChat,
    Protocol::Anthropic,
    Protocol::Responses,
];

#[test]
fn output_does_not_depend_on_network_chunking() {
    for (from, file) in [
        (Protocol::OpenAiChat, "openai_chat/stream_text.sse"),
        (Protocol::Anthropic, "anthropic/stream_thinking.sse"),
        (Protocol::Responses, "responses/stream_function_call.sse"),
    ] {
        let input = fixture(file);
        for to in ALL {
            let whole = to_text(&transcode(from, to, &input, input.len(), true));
            let bytewise = to_text(&transcode(from, to, &input, 1, true));
            assert_eq!(whole, bytewise, "{file} -> {to:?}");
        }
    }
}

fn chat_chunk(delta: &str, finish: &str) -> String {
    format!(
        "data: {{\"id\":\"c1\",\"model\":\"m\",\"choices\":[{{\"index\":0,\"delta\":{delta},\"finish_reason\":{finish}}}]}}\n\n"
    )
}

#[test]
fn chat_tool_arguments_before_id_and_name_are_kept_and_interleaved_calls_routed_by_index() {
    let input = [
        chat_chunk(r#"{"role":"assistant"}"#, "null"),
        // Arguments for call 1 arrive before its id and name.
        chat_chunk(r#"{"tool_calls":[{"index":1,"function":{"arguments":"{\"b\":"}}]}"#, "null"),
        chat_chunk(r#"{"tool_calls":[{"index":0,"id":"call_a","function":{"name":"first","arguments":"{\"a\""}}]}"#, "null"),
        chat_chunk(r#"{"tool_calls":[{"index":1,"id":"call_b","function":{"name":"second","arguments":"2}"}}]}"#, "null"),
        chat_chunk(r#"{"tool_calls":[{"index":0,"function":{"arguments":":1}"}}]}"#, "null"),
        chat_chunk("{}", "\"tool_calls\""),
        "data: [DONE]\n\n".to_owned(),
    ]
    .concat();
    let mut decoder = StreamDecoder::new(Protocol::OpenAiChat);
    let events: Vec<StreamEvent> = parse_all(input.as_bytes())
        .iter()
        .flat_map(|e| decoder.on_event(e))
        .collect();
    let mut arguments = [String::new(), String::new()];
    let mut names = Vec::new();
    for event in &events {
        match event {
            StreamEvent::ToolCallStart { index, id, name } => {
                names.push((*index, id.clone(), name.clone()))
            }
            StreamEvent::ToolCallArguments { index, delta } => arguments[*index].push_str(delta),
            _ => {}
        }
    }
    assert_eq!(
        names,
        vec![
            (0, "call_a".into(), "first".into()),
            (1, "call_b".into(), "second".into())
        ]
    );
    assert_eq!(arguments, ["{\"a\":1}".to_owned(), "{\"b\":2}".to_owned()]);

    // Re-encoded as Anthropic, each call's JSON lands in its own block.
    let anthropic = transcode(
        Protocol::OpenAiChat,
        Protocol::Anthropic,
        input.as_bytes(),
        7,
        false,
    );
    let mut blocks: std::collections::BTreeMap<u64, String> = Default::default();
    for event in &anthropic {
        let data: Value = serde_json::from_str(&event.event.data).expect("json");
        if data["delta"]["type"] == "input_json_delta" {
            let index = data["index"].as_u64().expect("index");
            blocks
                .entry(index)
                .or_default()
                .push_str(data["delta"]["partial_json"].as_str().expect("str"));
        }
    }
    let inputs: Vec<Value> = blocks
        .values()
        .map(|s| serde_json::from_str(s).expect("complete JSON"))
        .collect();
    assert_eq!(
        inputs,
        vec![serde_json::json!({"a": 1}), serde_json::json!({"b": 2})]
    );
}

#[test]
fn chat_call_without_a_name_is_flushed_at_the_end_not_dropped() {
    let input = [chat_chunk(
        r#"{"tool_calls":[{"index":0,"function":{"arguments":"{}"}}]}"#,
        "null",
    )]
    .concat();
    let mut decoder = StreamDecoder::new(Protocol::OpenAiChat);
    let mut events: Vec<StreamEvent> = parse_all(input.as_bytes())
        .iter()
        .flat_map(|e| decoder.on_event(e))
        .collect();
    events.extend(decoder.finish());
    assert!(events.contains(&StreamEvent::ToolCallArguments {
        index: 0,
        delta: "{}".into()
    }));
}

fn event_names(events: &[protocol::TranscodedEvent]) -> Vec<String> {
    events
        .iter()
        .map(|e| e.event.event.clone().unwrap_or_default())
        .collect()
}

#[test]
fn anthropic_output_follows_the_documented_event_order() {
    let events = transcode(
        Protocol::OpenAiChat,
        Protocol::Anthropic,
        &fixture("openai_chat/stream_text.sse"),
        64,
        false,
    );
    assert_eq!(
        event_names(&events),
        [
            "message_start",
            "ping",
            "content_block_start",
            "content_block_delta",
            "content_block_delta",
            "content_block_stop",
            "message_delta",
            "message_stop"
        ]
    );
    let delta: Value = serde_json::from_str(&events[6].event.data).expect("json");
    assert_eq!(delta["delta"]["stop_reason"], "end_turn");
    assert_eq!(delta["usage"]["output_tokens"], 10);
    assert_eq!(delta["usage"]["input_tokens"], 19);
}

#[test]
fn chat_usage_chunk_only_when_the_client_asked() {
    let input = fixture("anthropic/stream_text.sse");
    let with = transcode(
        Protocol::Anthropic,
        Protocol::OpenAiChat,
        &input,
        4096,
        true,
    );
    let without = transcode(
        Protocol::Anthropic,
        Protocol::OpenAiChat,
        &input,
        4096,
        false,
    );
    let usage_chunks = |events: &[protocol::TranscodedEvent]| {
        events
            .iter()
            .filter(|e| e.event.data.contains("\"prompt_tokens\""))
            .count()
    };
    assert_eq!(usage_chunks(&with), 1);
    assert_eq!(usage_chunks(&without), 0);
    for events in [&with, &without] {
        assert_eq!(events.last().map(|e| e.event.data.as_str()), Some("[DONE]"));
    }
}

#[test]
fn responses_output_ends_with_completed_and_numbers_every_event() {
    let events = transcode(
        Protocol::Anthropic,
        Protocol::Responses,
        &fixture("anthropic/stream_tool_use.sse"),
        100,
        false,
    );
    let names = event_names(&events);
    assert_eq!(names.first().map(String::as_str), Some("response.created"));
    assert_eq!(names.last().map(String::as_str), Some("response.completed"));
    for (expected, event) in events.iter().enumerate() {
        let data: Value = serde_json::from_str(&event.event.data).expect("json");
        assert_eq!(data["sequence_number"], expected as u64);
        assert_eq!(data["type"], event.event.event.clone().expect("named"));
    }
    let completed: Value =
        serde_json::from_str(&events.last().expect("last").event.data).expect("json");
    let output = completed["response"]["output"].as_array().expect("output");
    assert_eq!(output.len(), 2);
    assert_eq!(output[1]["call_id"], "toolu_01T1x1fJ34qAmk2tNTrN7Up6");
    assert_eq!(
        output[1]["arguments"],
        "{\"location\": \"San Francisco, CA\", \"unit\": \"fahrenheit\"}"
    );
}

#[test]
fn preamble_is_everything_before_the_first_content() {
    for (from, file) in [
        (Protocol::OpenAiChat, "openai_chat/stream_text.sse"),
        (Protocol::Anthropic, "anthropic/stream_text.sse"),
        (Protocol::Responses, "responses/stream_text.sse"),
    ] {
        for to in ALL {
            let events = transcode(from, to, &fixture(file), 4096, true);
            let first_content = events
                .iter()
                .position(|e| e.phase == Phase::Content)
                .expect("content");
            assert!(
                first_content > 0,
                "{file} -> {to:?}: the opening events are preamble"
            );
            assert!(
                events[..first_content]
                    .iter()
                    .all(|e| e.phase == Phase::Preamble)
            );
            // The first content event belongs to the first text delta (a block or item opening
            // for it, or the delta itself); no text was released in the preamble.
            let text_at = events.iter().position(|e| {
                e.event.data.contains("\"Hello\"") || e.event.data.contains("\"Hi\"")
            });
            let text_at = text_at.expect("the first text delta is present");
            assert!(
                text_at >= first_content && text_at <= first_content + 2,
                "{file} -> {to:?}"
            );
        }
    }
}

#[test]
fn raw_wire_events_classify_for_pass_through() {
    let anthropic = parse_all(&fixture("anthropic/stream_text.sse"));
    let phases: Vec<Phase> = anthropic
        .iter()
        .map(|e| classify_wire_event(Protocol::Anthropic, e))
        .collect();
    assert_eq!(
        &phases[..4],
        [
            Phase::Preamble,
            Phase::Preamble,
            Phase::Preamble,
            Phase::Content
        ]
    );
    let chat = parse_all(&fixture("openai_chat/stream_text.sse"));
    assert_eq!(
        classify_wire_event(Protocol::OpenAiChat, &chat[0]),
        Phase::Preamble
    );
    assert_eq!(
        classify_wire_event(Protocol::OpenAiChat, &chat[1]),
        Phase::Content
    );
    let responses = parse_all(&fixture("responses/stream_text.sse"));
    let phases: Vec<Phase> = responses
        .iter()
        .map(|e| classify_wire_event(Protocol::Responses, e))
        .collect();
    assert_eq!(
        &phases[..5],
        [
            Phase::Preamble,
            Phase::Preamble,
            Phase::Preamble,
            Phase::Preamble,
            Phase::Content
        ]
    );
    let error = SseEvent::named(
        "error",
        r#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#,
    );
    assert_eq!(
        classify_wire_event(Protocol::Anthropic, &error),
        Phase::Error
    );
    let chat_error = SseEvent::data(r#"{"error":{"message":"boom","type":"server_error"}}"#);
    assert_eq!(
        classify_wire_event(Protocol::OpenAiChat, &chat_error),
        Phase::Error
    );
}

#[test]
fn in_band_errors_are_reencoded_in_the_client_shape() {
    let input = b"event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n";
    let events = transcode(
        Protocol::Anthropic,
        Protocol::OpenAiChat,
        input,
        4096,
        false,
    );
    assert_eq!(events[0].phase, Phase::Error);
    let body: Value = serde_json::from_str(&events[0].event.data).expect("json");
    assert_eq!(body["error"]["message"], "Overloaded");
    assert_eq!(body["error"]["code"], "server_overloaded");
    assert_eq!(events.len(), 1, "nothing follows an in-band error");

    let events = transcode(
        Protocol::OpenAiChat,
        Protocol::Anthropic,
        b"data: {\"error\":{\"message\":\"quota\",\"type\":\"insufficient_quota\"}}\n\n",
        4096,
        false,
    );
    assert_eq!(event_names(&events), ["error"]);
    let body: Value = serde_json::from_str(&events[0].event.data).expect("json");
    assert_eq!(body["error"]["type"], "rate_limit_error");
}

#[test]
fn a_garbage_tool_call_index_is_ignored_without_allocating() {
    let input = chat_chunk(
        r#"{"tool_calls":[{"index":1000000000000000,"id":"x","function":{"name":"f","arguments":"{}"}}]}"#,
        "null",
    );
    let events = transcode(
        Protocol::OpenAiChat,
        Protocol::Anthropic,
        input.as_bytes(),
        4096,
        false,
    );
    assert!(events.iter().all(|e| !e.event.data.contains("tool_use")));
}
