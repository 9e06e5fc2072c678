//! Session affinity against a provider that caches prompts per key: one 30-turn conversation
//! (each turn sends the whole conversation so far, as a coding agent does) through a group of
//! two channels, the first with a pool of 3 keys, served by two `api-switch` processes, one
//! with the group's affinity on (the default) and one with it off. The mock provider keeps a
//! cache per channel and key: a turn hits when the conversation before its last exchange was
//! sent before with the same key, and then reports those tokens as `cached_tokens`, as OpenAI
//! does. Halfway through, the key serving the conversation answers 429 once, so the figures
//! include one move. `--affinity` runs only this part and splices its section into the report.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::hash::{Hash, Hasher};
use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};

use anyhow::{Context, Result, ensure};
use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{Value, json};

use super::process::http_request;
use super::targets::SwitchSetup;
use crate::shell::say;

/// Turns of the conversation.
pub const TURNS: usize = 30;
/// The turn whose key answers 429 once (Retry-After 1 s).
const FAILING_TURN: usize = 15;
/// Tokens the mock provider counts per message.
const TOKENS_PER_MESSAGE: u64 = 400;
/// The group both configurations route through.
const GROUP: &str = "coding";
const MODEL: &str = "bench-coder";

/// The provider's memory: per (channel, key), the conversations it has seen; and whether the
/// next request fails.
#[derive(Default)]
struct Provider {
    seen: HashMap<(String, String), HashSet<u64>>,
    fail_next: bool,
}

type Shared = Arc<Mutex<Provider>>;

fn hash_of(messages: &[Value]) -> u64 {
    let mut hasher = std::hash::DefaultHasher::new();
    for message in messages {
        message.to_string().hash(&mut hasher);
    }
    hasher.finish()
}

async fn chat(
    State(provider): State<Shared>,
    UrlPath(channel): UrlPath<String>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    let key = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let messages = body["messages"].as_array().cloned().unwrap_or_default();
    // The conversation before this turn's exchange: all but the last assistant and user turn.
    let prefix = &messages[..messages.len().saturating_sub(2)];
    let cached = {
        let mut provider = provider.lock().unwrap_or_else(|p| p.into_inner());
        if std::mem::take(&mut provider.fail_next) {
            let error = json!({"error": {"message": "rate limited", "type": "rate_limit"}});
            return (
                StatusCode::TOO_MANY_REQUESTS,
                [("retry-after", "1")],
                Json(error),
            )
                .into_response();
        }
        let seen = provider.seen.entry((channel, key)).or_default();
        let hit = !prefix.is_empty() && seen.contains(&hash_of(prefix));
        seen.insert(hash_of(&messages));
        if hit { prefix.len() as u64 } else { 0 }
    };
    let prompt = messages.len() as u64 * TOKENS_PER_MESSAGE;
    Json(json!({"id": "c", "object": "chat.completion", "created": 1, "model": body["model"],
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "done"}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": prompt, "completion_tokens": 20, "total_tokens": prompt + 20,
                  "prompt_tokens_details": {"cached_tokens": cached * TOKENS_PER_MESSAGE}}}))
    .into_response()
}

async fn fail_next(State(provider): State<Shared>) -> StatusCode {
    provider.lock().unwrap_or_else(|p| p.into_inner()).fail_next = true;
    StatusCode::NO_CONTENT
}

/// The mock provider on its own runtime: `/{channel}/v1/chat/completions`, and
/// `/control/fail-next` to make the next request answer 429.
struct MockProvider {
    addr: SocketAddr,
    _runtime: tokio::runtime::Runtime,
}

impl MockProvider {
    fn start() -> Result<Self> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()?;
        let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let app = Router::new()
            .route("/{channel}/v1/chat/completions", post(chat))
            .route("/control/fail-next", post(fail_next))
            .with_state(Shared::default());
        runtime.spawn(async move {
            if let Ok(listener) = tokio::net::TcpListener::from_std(listener)
                && let Err(error) = axum::serve(listener, app).await
            {
                eprintln!("xtask: the caching provider stopped: {error}");
            }
        });
        Ok(Self {
            addr,
            _runtime: runtime,
        })
    }
}

/// Channel `a` with a pool of 3 keys first, channel `b` with one key second, in `GROUP`.
fn config(provider: SocketAddr, affinity: bool) -> Value {
    let base = |channel: &str| format!("http://{provider}/{channel}");
    json!({"version": 1, "settings": {"cooldown_secs": 300},
        "channels": [
            {"name": "a", "api_type": "openai", "base_url": base("a"), "api_key": "",
             "keys": [{"key": "sk-bench-a-one"}, {"key": "sk-bench-a-two"}, {"key": "sk-bench-a-three"}],
             "entries": [{"model": MODEL, "group": GROUP, "priority": 0}]},
            {"name": "b", "api_type": "openai", "base_url": base("b"), "api_key": "sk-bench-b-one",
             "entries": [{"model": MODEL, "group": GROUP, "priority": 1}]}],
        "groups": [{"group": GROUP, "order": "custom", "affinity": affinity}]})
}

/// One configuration's conversation: tokens sent, tokens read from the cache, turns that hit.
#[derive(Clone, Copy, Debug, Default)]
struct Figures {
    prompt: u64,
    cached: u64,
    hits: usize,
}

impl Figures {
    fn rate(self) -> f64 {
        if self.prompt == 0 {
            return 0.0;
        }
        self.cached as f64 / self.prompt as f64 * 100.0
    }
}

/// Runs the conversation through `addr`.
fn conversation(addr: SocketAddr, provider: SocketAddr, session: &str) -> Result<Figures> {
    let mut messages: Vec<Value> = Vec::new();
    let mut figures = Figures::default();
    for turn in 1..=TURNS {
        messages.push(json!({"role": "user", "content": format!("step {turn} of the task")}));
        if turn == FAILING_TURN {
            http_request(provider, "POST", "/control/fail-next", "", "{}")?;
        }
        let body = json!({"model": GROUP, "prompt_cache_key": session, "messages": messages});
        let (status, response) = http_request(
            addr,
            "POST",
            "/v1/chat/completions",
            "bench",
            &body.to_string(),
        )?;
        ensure!(status == 200, "turn {turn} answered {status}");
        let text = String::from_utf8_lossy(&response);
        let json_start = text.find("\r\n\r\n").context("no body")? + 4;
        let answer: Value = serde_json::from_str(&text[json_start..])?;
        let usage = &answer["usage"];
        let cached = usage["prompt_tokens_details"]["cached_tokens"]
            .as_u64()
            .unwrap_or(0);
        figures.prompt += usage["prompt_tokens"].as_u64().unwrap_or(0);
        figures.cached += cached;
        figures.hits += usize::from(cached > 0);
        messages.push(answer["choices"][0]["message"].clone());
    }
    Ok(figures)
}

/// Runs the conversation with affinity off, then on; returns the section.
pub fn run(binary: &Path, work: &Path) -> Result<String> {
    let mut results = Vec::new();
    for (label, affinity) in [("affinity-off", false), ("affinity-on", true)] {
        // A provider of its own: one configuration must not warm the other's cache.
        let provider = MockProvider::start()?;
        let setup = SwitchSetup {
            binary,
            work,
            label,
        };
        setup.import(&config(provider.addr, affinity))?;
        let (_service, addr, _) = setup.serve()?;
        let figures = conversation(addr, provider.addr, &format!("bench-{label}"))?;
        say(&format!(
            "affinity {label:<13} cache hit rate {:>5.1} % ({} of {TURNS} turns hit)",
            figures.rate(),
            figures.hits
        ));
        results.push(figures);
    }
    section(&results)
}

fn section(results: &[Figures]) -> Result<String> {
    let mut md = String::new();
    writeln!(md, "## Session affinity and the provider's prompt cache\n")?;
    writeln!(
        md,
        "One {TURNS}-turn conversation (`prompt_cache_key` set, each turn resending the whole \
         conversation, {TOKENS_PER_MESSAGE} tokens a message) through a group of two channels, \
         the first with a pool of 3 keys. The mock provider caches per channel and key: a turn \
         hits when the conversation before it was sent with the same key. At turn \
         {FAILING_TURN} the serving key answers 429 once. Cached / prompt tokens as the \
         provider reported them (`cargo xtask bench --affinity`).\n"
    )?;
    writeln!(md, "| Configuration | cache hit rate | turns that hit |")?;
    writeln!(md, "|---|---:|---:|")?;
    let labels = ["affinity off (keys rotate)", "affinity on (the default)"];
    for (label, figures) in labels.iter().zip(results) {
        writeln!(
            md,
            "| {label} | {:.1} % | {} of {TURNS} |",
            figures.rate(),
            figures.hits
        )?;
    }
    Ok(md)
}
