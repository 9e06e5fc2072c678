//! Test chat: a prompt sent through the proxy's own path (`proxy::serve`), in process, as an
//! OpenAI Chat Completions client asking for a stream would send it: routing, failover,
//! conversion, cooldowns and the request log all behave exactly as for an app. The answer
//! comes back as `ChatEvent`s: which entry answered (and the failed attempts before it, as the
//! proxy recorded them), the text as it streams, and the time taken.

use std::time::Instant;

use axum::http::HeaderMap;
use futures::{Stream, StreamExt};
use protocol::Protocol;
use serde_json::{Value, json};

pub use types::test_chat::{ChatAsk, ChatEvent, ChatFailure};

use crate::AppState;
use crate::logs::AttemptRecord;
use crate::proxy::sse::SseFramer;
use crate::proxy::{ProxyError, ProxyRequest, Served};
use crate::store::AUTO_GROUP;
use crate::upstream::Endpoint;

/// The routes a test chat can take: `auto`, every group, then every routable model name.
pub fn routes(state: &AppState) -> Vec<String> {
    let snapshot = state.snapshot();
    let mut routes = vec![AUTO_GROUP.to_owned()];
    let mut add = |name: &str| {
        if !routes.iter().any(|r| r.eq_ignore_ascii_case(name)) {
            routes.push(name.to_owned());
        }
    };
    for (entry, _) in snapshot.routable() {
        add(&entry.group);
    }
    for (entry, _) in snapshot.routable() {
        add(&entry.model);
    }
    routes
}

/// Starts a test chat; its events arrive on the returned stream, which ends after `Finished`
/// or `Failed`. Dropping the stream stops the chat (the proxy logs it as a client that left).
pub fn start(state: &AppState, ask: ChatAsk) -> impl Stream<Item = ChatEvent> + Send + use<> {
    let (events, receiver) = tokio::sync::mpsc::channel(64);
    let state = state.clone();
    tokio::spawn(async move {
        let page = events.clone();
        let mut chat = Chat {
            events,
            started: Instant::now(),
            first_text_ms: None,
        };
        tokio::select! {
            () = chat.run(&state, ask) => {}
            // The page stopped the chat or went away: dropping the run cancels the upstream
            // request at once, even while it waits for the first content.
            () = page.closed() => {}
        }
    });
    futures::stream::unfold(receiver, |mut receiver| async move {
        let event = receiver.recv().await?;
        Some((event, receiver))
    })
}

/// One running test chat: where its events go and its clock.
struct Chat {
    events: tokio::sync::mpsc::Sender<ChatEvent>,
    started: Instant,
    first_text_ms: Option<i64>,
}

impl Chat {
    fn elapsed_ms(&self) -> i64 {
        self.started.elapsed().as_millis() as i64
    }

    /// Sends one event; `false` when the page went away.
    async fn send(&mut self, event: ChatEvent) -> bool {
        self.events.send(event).await.is_ok()
    }

    async fn fail(&mut self, reason: ChatFailure, failed: Vec<AttemptRecord>) {
        let total_ms = self.elapsed_ms();
        self.send(ChatEvent::Failed {
            reason,
            failed,
            total_ms,
        })
        .await;
    }

    async fn run(&mut self, state: &AppState, ask: ChatAsk) {
        if ask.prompt.trim().is_empty() {
            return self.fail(ChatFailure::EmptyPrompt, Vec::new()).await;
        }
        let route = match ask.route.trim() {
            "" => AUTO_GROUP.to_owned(),
            route => route.to_owned(),
        };
        let body = json!({
            "model": route,
            "stream": true,
            "messages": [{"role": "user", "content": ask.prompt}],
        });
        let request = ProxyRequest::new(
            Endpoint::ChatCompletions,
            Protocol::OpenAiChat,
            body.to_string().into(),
            HeaderMap::new(),
            route.clone(),
            true,
            String::new(),
        );
        let response = match crate::proxy::serve(state.runtime(), request).await {
            Ok(response) => response,
            Err(error) => {
                return self
                    .fail(failure_of(&error, &route), attempts_of(error))
                    .await;
            }
        };
        let served = response.extensions().get::<Served>().cloned();
        let status = response.status();
        let failed = served
            .as_ref()
            .map(|s| s.failed.clone())
            .unwrap_or_default();
        if !status.is_success() {
            let body = axum::body::to_bytes(response.into_body(), 64 * 1024)
                .await
                .unwrap_or_default();
            let reason = ChatFailure::Refused {
                status: status.as_u16(),
                detail: error_message(&body),
            };
            return self.fail(reason, failed).await;
        }
        if let Some(served) = served {
            let answering = ChatEvent::Answering {
                answered: served.answered,
                failed: served.failed,
            };
            if !self.send(answering).await {
                return;
            }
        }
        self.relay(response.into_body(), failed).await;
    }

    /// Turns the proxy's Chat Completions stream into text events until it ends.
    async fn relay(&mut self, body: axum::body::Body, failed: Vec<AttemptRecord>) {
        let mut stream = body.into_data_stream();
        let mut framer = SseFramer::default();
        loop {
            let chunk = match stream.next().await {
                Some(Ok(chunk)) => chunk,
                Some(Err(error)) => {
                    let detail = error.to_string();
                    return self.fail(ChatFailure::Broken { detail }, failed).await;
                }
                None => break,
            };
            framer.push(&chunk);
            while let Some(event) = framer.next_event() {
                match read_chunk(&event.fields.data) {
                    Piece::Nothing => {}
                    Piece::Done => return self.finish().await,
                    Piece::Text(text) => {
                        self.first_text_ms.get_or_insert(self.elapsed_ms());
                        if !self.send(ChatEvent::Text { text }).await {
                            return;
                        }
                    }
                    Piece::Error(detail) => {
                        return self.fail(ChatFailure::Broken { detail }, failed).await;
                    }
                }
            }
        }
        // The proxy ends a broken stream with an error event, so a plain end is complete.
        self.finish().await;
    }

    async fn finish(&mut self) {
        let total_ms = self.elapsed_ms();
        let first_text_ms = self.first_text_ms;
        self.send(ChatEvent::Finished {
            total_ms,
            first_text_ms,
        })
        .await;
    }
}

/// What one Chat Completions stream event carries for the chat.
enum Piece {
    Nothing,
    Text(String),
    Error(String),
    Done,
}

fn read_chunk(data: &str) -> Piece {
    if data.trim() == "[DONE]" {
        return Piece::Done;
    }
    let Ok(chunk) = serde_json::from_str::<Value>(data) else {
        return Piece::Nothing;
    };
    if let Some(error) = chunk.get("error") {
        let message = error.get("message").and_then(Value::as_str);
        return Piece::Error(message.unwrap_or("the stream reported an error").to_owned());
    }
    let text = chunk
        .pointer("/choices/0/delta/content")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if text.is_empty() {
        Piece::Nothing
    } else {
        Piece::Text(text.to_owned())
    }
}

/// The `error.message` of an OpenAI-shaped error body, or the body itself.
fn error_message(body: &[u8]) -> String {
    serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|v| v.pointer("/error/message")?.as_str().map(str::to_owned))
        .unwrap_or_else(|| String::from_utf8_lossy(body).into_owned())
}

fn failure_of(error: &ProxyError, route: &str) -> ChatFailure {
    match error {
        ProxyError::NoRoute { .. } => ChatFailure::NoRoute {
            route: route.to_owned(),
        },
        ProxyError::AllFailed { .. } => ChatFailure::AllFailed,
        other => ChatFailure::Refused {
            status: other.status_code().as_u16(),
            detail: other.to_string(),
        },
    }
}

/// The attempts a failed request made, as far as the error tells (it keeps no timings).
fn attempts_of(error: ProxyError) -> Vec<AttemptRecord> {
    let ProxyError::AllFailed { attempts, .. } = error else {
        return Vec::new();
    };
    attempts
        .into_iter()
        .map(|attempt| AttemptRecord {
            channel: attempt.channel,
            model: attempt.model,
            status: attempt.failure.status(),
            error_kind: Some(attempt.failure.kind()),
            ..AttemptRecord::default()
        })
        .collect()
}
