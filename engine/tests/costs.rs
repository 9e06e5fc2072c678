//! What each request costs: the usage of every real shape (OpenAI Chat with cached and
//! reasoning tokens, Anthropic with cache reads and writes, Responses) read streamed and not,
//! passed through and converted, priced at the channel's override or at the catalog's price
//! times its multiplier, and stored with the log row. A pass-through Chat stream whose client
//! did not ask for usage is asked for it, and the client gets the bytes it would have got
//! without.

mod common;

use std::collections::BTreeMap;

use axum::Json;
use axum::body::Body;
use axum::response::{IntoResponse, Response};
use common::{Proxy, log_rows, serve_on_loopback};
use engine::catalog::Catalog;
use engine::logs::RequestRecord;
use engine::upstream::ChannelKind;
use serde_json::{Value, json};
use types::pricing::{Price, Pricing, Usage};

/// Chat: 1000 prompt tokens of which 600 cached, 300 completion tokens of which 100 reasoning.
fn chat_usage() -> Value {
    json!({"prompt_tokens": 1000, "completion_tokens": 300, "total_tokens": 1300,
           "prompt_tokens_details": {"cached_tokens": 600},
           "completion_tokens_details": {"reasoning_tokens": 100}})
}

/// Anthropic: 100 plain input tokens, 800 read from the cache, 200 written to it, 50 output.
fn anthropic_usage() -> Value {
    json!({"input_tokens": 100, "output_tokens": 50,
           "cache_read_input_tokens": 800, "cache_creation_input_tokens": 200})
}

/// Responses: 2000 input tokens of which 1500 cached, 400 output of which 250 reasoning.
fn responses_usage() -> Value {
    json!({"input_tokens": 2000, "input_tokens_details": {"cached_tokens": 1500},
           "output_tokens": 400, "output_tokens_details": {"reasoning_tokens": 250},
           "total_tokens": 2400})
}

fn sse(events: &[(Option<&str>, Value)]) -> Response {
    let mut text = String::new();
    for (name, data) in events {
        if let Some(name) = name {
            text.push_str(&format!("event: {name}\n"));
        }
        text.push_str(&format!("data: {data}\n\n"));
    }
    Response::builder()
        .header("content-type", "text/event-stream")
        .body(Body::from(text))
        .expect("response")
}

/// Like OpenAI: usage only when asked; then `"usage":null` on every chunk and a last chunk
/// with no choices carrying it.
async fn chat(Json(body): Json<Value>) -> Response {
    let model = body["model"].clone();
    // The model `silent` never reports usage, asked or not.
    let silent = model == json!("silent");
    if body["stream"] != json!(true) {
        let mut answer = json!({"id": "c1", "object": "chat.completion", "created": 1,
            "model": model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": "hello"},
                         "finish_reason": "stop"}],
            "usage": chat_usage()});
        if silent {
            answer.as_object_mut().map(|a| a.remove("usage"));
        }
        return Json(answer).into_response();
    }
    let asked = body["stream_options"]["include_usage"] == json!(true) && !silent;
    let chunk = |delta: Value, finish: Value| {
        let mut chunk = json!({"id": "c1", "object": "chat.completion.chunk", "created": 1,
            "model": model, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]});
        if asked {
            chunk["usage"] = Value::Null;
        }
        chunk
    };
    let mut events = vec![
        (
            None,
            chunk(json!({"role": "assistant", "content": ""}), Value::Null),
        ),
        (None, chunk(json!({"content": "hello"}), Value::Null)),
        (None, chunk(json!({}), json!("stop"))),
    ];
    if asked {
        events.push((
            None,
            json!({"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": model,
                   "choices": [], "usage": chat_usage()}),
        ));
    }
    let mut response = sse(&events);
    let done = "data: [DONE]\n\n";
    let body = axum::body::to_bytes(std::mem::take(response.body_mut()), usize::MAX)
        .await
        .expect("body");
    *response.body_mut() = Body::from([&body[..], done.as_bytes()].concat());
    response
}

async fn messages(Json(body): Json<Value>) -> Response {
    let model = body["model"].clone();
    if body["stream"] != json!(true) {
        return Json(
            json!({"id": "m1", "type": "message", "role": "assistant", "model": model,
            "content": [{"type": "text", "text": "hello"}], "stop_reason": "end_turn",
            "usage": anthropic_usage()}),
        )
        .into_response();
    }
    let usage = anthropic_usage();
    sse(&[
        (
            Some("message_start"),
            json!({"type": "message_start", "message": {"id": "m1",
            "type": "message", "role": "assistant", "model": model, "content": [],
            "usage": {"input_tokens": usage["input_tokens"], "output_tokens": 1,
                      "cache_read_input_tokens": usage["cache_read_input_tokens"],
                      "cache_creation_input_tokens": usage["cache_creation_input_tokens"]}}}),
        ),
        (
            Some("content_block_start"),
            json!({"type": "content_block_start", "index": 0,
            "content_block": {"type": "text", "text": ""}}),
        ),
        (
            Some("content_block_delta"),
            json!({"type": "content_block_delta", "index": 0,
            "delta": {"type": "text_delta", "text": "hello"}}),
        ),
        (
            Some("content_block_stop"),
            json!({"type": "content_block_stop", "index": 0}),
        ),
        (
            Some("message_delta"),
            json!({"type": "message_delta",
            "delta": {"stop_reason": "end_turn"}, "usage": {"output_tokens": usage["output_tokens"]}}),
        ),
        (Some("message_stop"), json!({"type": "message_stop"})),
    ])
}

async fn responses(Json(body): Json<Value>) -> Response {
    let model = body["model"].clone();
    let done = json!({"id": "r1", "object": "response", "status": "completed", "model": model,
        "output": [{"type": "message", "id": "o1", "role": "assistant", "status": "completed",
                    "content": [{"type": "output_text", "text": "hello", "annotations": []}]}],
        "usage": responses_usage()});
    if body["stream"] != json!(true) {
        return Json(done).into_response();
    }
    sse(&[
        (
            Some("response.created"),
            json!({"type": "response.created",
            "response": {"id": "r1", "object": "response", "status": "in_progress", "model": model, "output": []}}),
        ),
        (
            Some("response.output_text.delta"),
            json!({"type": "response.output_text.delta",
            "item_id": "o1", "output_index": 0, "content_index": 0, "delta": "hello"}),
        ),
        (
            Some("response.completed"),
            json!({"type": "response.completed", "response": done}),
        ),
    ])
}

async fn upstream() -> String {
    let app = axum::Router::new()
        .route("/v1/chat/completions", axum::routing::post(chat))
        .route("/v1/messages", axum::routing::post(messages))
        .route("/v1/responses", axum::routing::post(responses));
    format!("http://{}", serve_on_loopback(app).await)
}

/// The price every test channel overrides its model with.
fn own_price() -> Price {
    Price {
        input: Some(2.0),
        output: Some(8.0),
        cache_read: Some(0.5),
        cache_write: Some(2.5),
        ..Price::default()
    }
}

/// A proxy with one channel of `kind` serving `model` at `pricing`.
async fn proxy_with(kind: ChannelKind, model: &str, pricing: Pricing) -> Proxy {
    let proxy = Proxy::start().await;
    let mut base_url = upstream().await;
    if kind == ChannelKind::Custom {
        // A relay's base URL names its API root.
        base_url.push_str("/v1");
    }
    let channel = proxy.channel_of("relay", kind, &base_url, "");
    proxy.entry(channel, model, "auto");
    proxy
        .state
        .set_channel_pricing(channel, &pricing)
        .await
        .expect("pricing");
    proxy
}

fn overridden(model: &str) -> Pricing {
    Pricing {
        // Overrides are taken as they are: the multiplier is for catalog prices.
        multiplier: 0.25,
        overrides: BTreeMap::from([(model.to_owned(), own_price())]),
    }
}

/// Sends `body` to `path` and returns the log row it left (and the client's bytes).
async fn row_of(proxy: &Proxy, path: &str, body: Value) -> (RequestRecord, String) {
    let response = proxy
        .http
        .post(format!("{}{path}", proxy.url))
        .json(&body)
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), 200);
    let text = response.text().await.expect("body");
    proxy.state.flush();
    let row = log_rows(proxy.state.store(), 1).remove(0);
    (row, text)
}

fn chat_body(stream: bool) -> Value {
    json!({"model": "m", "stream": stream, "messages": [{"role": "user", "content": "hi"}]})
}

fn messages_body(stream: bool) -> Value {
    json!({"model": "m", "stream": stream, "max_tokens": 64,
           "messages": [{"role": "user", "content": "hi"}]})
}

fn responses_body(stream: bool) -> Value {
    json!({"model": "m", "stream": stream, "input": "hi"})
}

fn assert_cost(row: &RequestRecord, usage: Usage, price: &Price) {
    let tokens = (
        row.prompt_tokens,
        row.completion_tokens,
        row.cache_read_tokens,
        row.cache_write_tokens,
        row.reasoning_tokens,
    );
    let expected = (
        usage.prompt,
        usage.completion,
        usage.cache_read,
        usage.cache_write,
        usage.reasoning,
    );
    assert_eq!(tokens, expected, "{row:?}");
    let want = price.cost(&usage).expect("priced");
    let got = row.cost_usd.expect("the row has a cost");
    assert!((got - want).abs() < 1e-12, "cost {got} != {want}");
    assert!(!row.tokens_estimated);
}

fn chat_counts() -> Usage {
    Usage {
        prompt: Some(1000),
        completion: Some(300),
        cache_read: Some(600),
        reasoning: Some(100),
        ..Usage::default()
    }
}

fn anthropic_counts() -> Usage {
    Usage {
        prompt: Some(1100),
        completion: Some(50),
        cache_read: Some(800),
        cache_write: Some(200),
        ..Usage::default()
    }
}

fn responses_counts() -> Usage {
    Usage {
        prompt: Some(2000),
        completion: Some(400),
        cache_read: Some(1500),
        reasoning: Some(250),
        ..Usage::default()
    }
}

#[tokio::test]
async fn chat_usage_with_cached_and_reasoning_tokens_is_priced_exactly_streamed_or_not() {
    let proxy = proxy_with(ChannelKind::Openai, "m", overridden("m")).await;
    for stream in [false, true] {
        let (row, _) = row_of(&proxy, "/v1/chat/completions", chat_body(stream)).await;
        assert_cost(&row, chat_counts(), &own_price());
        // 400 plain x 2 + 600 cached x 0.5 + 300 out x 8, per million.
        let figure = (400.0 * 2.0 + 600.0 * 0.5 + 300.0 * 8.0) / 1e6;
        assert!((row.cost_usd.expect("cost") - figure).abs() < 1e-12);
    }
}

#[tokio::test]
async fn anthropic_cache_reads_and_writes_are_priced_passed_through_and_converted() {
    let proxy = proxy_with(ChannelKind::Anthropic, "m", overridden("m")).await;
    for stream in [false, true] {
        let (row, _) = row_of(&proxy, "/v1/messages", messages_body(stream)).await;
        assert_cost(&row, anthropic_counts(), &own_price());
        // A Chat client on the same channel: converted, same usage, same cost.
        let (row, _) = row_of(&proxy, "/v1/chat/completions", chat_body(stream)).await;
        assert_cost(&row, anthropic_counts(), &own_price());
    }
}

#[tokio::test]
async fn responses_usage_is_priced_passed_through_and_chat_usage_converted_for_anthropic_clients() {
    let proxy = proxy_with(ChannelKind::Openai, "m", overridden("m")).await;
    for stream in [false, true] {
        let (row, _) = row_of(&proxy, "/v1/responses", responses_body(stream)).await;
        assert_cost(&row, responses_counts(), &own_price());
        // An Anthropic client on an OpenAI channel: converted to Chat and back.
        let (row, _) = row_of(&proxy, "/v1/messages", messages_body(stream)).await;
        assert_cost(&row, chat_counts(), &own_price());
    }
}

#[tokio::test]
async fn a_chat_stream_is_asked_for_usage_and_the_client_gets_the_bytes_it_would_have_got() {
    let direct = upstream().await;
    let proxy = proxy_with(ChannelKind::Custom, "m", overridden("m")).await;
    let (row, through_proxy) = row_of(&proxy, "/v1/chat/completions", chat_body(true)).await;
    assert_cost(&row, chat_counts(), &own_price());
    // What the upstream sends a client that does not ask for usage, byte for byte.
    let without_usage = reqwest::Client::new()
        .post(format!("{direct}/v1/chat/completions"))
        .json(&chat_body(true))
        .send()
        .await
        .expect("direct")
        .text()
        .await
        .expect("body");
    assert!(!without_usage.contains("usage"));
    assert_eq!(through_proxy, without_usage);

    // A client that asks gets the usage chunk, as it asked.
    let mut asking = chat_body(true);
    asking["stream_options"] = json!({"include_usage": true});
    let (row, text) = row_of(&proxy, "/v1/chat/completions", asking).await;
    assert!(text.contains("\"choices\":[]") && text.contains("\"cached_tokens\":600"));
    assert_cost(&row, chat_counts(), &own_price());
}

#[tokio::test]
async fn catalog_prices_are_multiplied_and_a_model_without_a_price_costs_no_price_not_zero() {
    // A model the catalog prices (whichever comes first), on a relay selling at 0.3x.
    let catalog = Catalog::embedded();
    let (listed, price) = catalog
        .models()
        .iter()
        .find_map(|m| {
            Some((
                m.id.clone(),
                m.price
                    .clone()
                    .filter(|p| p.input.is_some() && p.output.is_some())?,
            ))
        })
        .expect("the catalog prices some model");
    let pricing = Pricing {
        multiplier: 0.3,
        ..Pricing::default()
    };
    let proxy = proxy_with(ChannelKind::Openai, &listed, pricing).await;
    let mut body = chat_body(false);
    body["model"] = json!(listed);
    let (row, _) = row_of(&proxy, "/v1/chat/completions", body).await;
    assert_cost(&row, chat_counts(), &price.times(0.3));

    let proxy = proxy_with(
        ChannelKind::Openai,
        "no-such-model-anywhere",
        Pricing::default(),
    )
    .await;
    let mut body = chat_body(false);
    body["model"] = json!("no-such-model-anywhere");
    let (row, _) = row_of(&proxy, "/v1/chat/completions", body).await;
    assert_eq!(row.prompt_tokens, Some(1000));
    assert_eq!(row.cost_usd, None, "no price is not free");
}

#[tokio::test]
async fn a_bad_pricing_is_refused_and_changes_nothing() {
    let proxy = proxy_with(ChannelKind::Openai, "m", overridden("m")).await;
    let channel = proxy.state.store().channels().expect("channels")[0].id;
    for bad in [
        Pricing {
            multiplier: 0.0,
            ..Pricing::default()
        },
        Pricing {
            multiplier: f64::NAN,
            ..Pricing::default()
        },
        Pricing {
            multiplier: 1.0,
            overrides: BTreeMap::from([(
                "m".to_owned(),
                Price {
                    input: Some(-1.0),
                    ..own_price()
                },
            )]),
        },
    ] {
        let error = proxy
            .state
            .set_channel_pricing(channel, &bad)
            .await
            .expect_err("refused");
        assert!(error.to_string().contains("pric"), "{error}");
    }
    let stored = proxy.state.store().channels().expect("channels")[0]
        .pricing
        .clone();
    assert_eq!(stored, overridden("m"));
}

#[tokio::test]
async fn a_provider_that_reports_no_usage_gets_an_estimate_marked_as_such() {
    let proxy = proxy_with(ChannelKind::Custom, "silent", overridden("silent")).await;
    for stream in [false, true] {
        let mut body = chat_body(stream);
        body["model"] = json!("silent");
        let sent = serde_json::to_vec(&body).expect("json").len() as i64;
        let (row, text) = row_of(&proxy, "/v1/chat/completions", body).await;
        assert!(row.tokens_estimated, "{row:?}");
        // One token per 4 bytes: the request body, and the answer's text ("hello").
        assert_eq!(row.prompt_tokens, Some((sent + 3) / 4));
        assert_eq!(row.completion_tokens, Some(2));
        assert!(row.cost_usd.is_some_and(|c| c > 0.0));
        assert!(!text.contains("usage"));
    }
}
