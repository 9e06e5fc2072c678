//! A fault-injection upstream: a raw TCP server that reads one HTTP request per connection
//! and then misbehaves in one chosen way, the ways real providers and networks fail. Raw
//! sockets, not a web framework, because most of these faults are not valid HTTP.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// How the upstream answers (or fails) every request it gets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// No fault: a complete Chat Completions answer, streamed (with a `finish_reason` chunk and
    /// `[DONE]`, as OpenAI sends) when the request asks for a stream. The content is
    /// `healthy:<model>`.
    None,
    /// A status line and part of a body, then a TCP reset.
    ResetMidResponse,
    /// Reads the request and never answers (until the proxy gives up and closes).
    Hang,
    /// Bytes that are not HTTP at all, then a close.
    Garbage,
    /// 200 `text/event-stream` and only keep-alive comments, every `every`, for `for_how_long`,
    /// then a close: a stalled stream that still looks alive.
    KeepAliveStall {
        every: Duration,
        for_how_long: Duration,
    },
    /// 200 `text/event-stream` with the role chunk (no content), then a close.
    CloseMidStream,
    /// 200 `text/event-stream` whose first event is an error quoting the key it was sent
    /// (`Authorization`), as some relays do.
    EchoKeyInError,
    /// 400 with a JSON error quoting the key it was sent: the client's own error, passed on.
    EchoKeyInClientError,
}

/// A running fault upstream.
pub struct FaultUpstream {
    pub base_url: String,
    connections: Arc<AtomicUsize>,
}

impl FaultUpstream {
    pub async fn start(fault: Fault) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let base_url = format!("http://{}", listener.local_addr().expect("addr"));
        let connections = Arc::new(AtomicUsize::new(0));
        let counter = connections.clone();
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                counter.fetch_add(1, Ordering::SeqCst);
                tokio::spawn(misbehave(socket, fault));
            }
        });
        Self {
            base_url,
            connections,
        }
    }

    /// Connections accepted so far.
    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

/// The request head and body, read as far as `Content-Length` says; `None` when the peer
/// closed first.
async fn read_request(socket: &mut TcpStream) -> Option<String> {
    let mut seen = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        let n = socket.read(&mut buf).await.ok()?;
        if n == 0 {
            return None;
        }
        seen.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&seen).into_owned();
        if let Some(head_end) = text.find("\r\n\r\n") {
            let length = text[..head_end]
                .lines()
                .find_map(|l| {
                    let (name, value) = l.split_once(':')?;
                    name.eq_ignore_ascii_case("content-length")
                        .then(|| value.trim().parse::<usize>().ok())?
                })
                .unwrap_or(0);
            if seen.len() >= head_end + 4 + length {
                return Some(text);
            }
        }
    }
}

fn header_value<'a>(request: &'a str, name: &str) -> &'a str {
    request
        .lines()
        .find_map(|l| {
            let (n, v) = l.split_once(':')?;
            n.eq_ignore_ascii_case(name).then_some(v.trim())
        })
        .unwrap_or_default()
}

const SSE_HEAD: &str =
    "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n";

/// One chunk of a chunked body.
fn chunk(data: &str) -> String {
    format!("{:x}\r\n{data}\r\n", data.len())
}

/// A complete answer to `request`, closing the connection after it.
fn healthy_answer(request: &str) -> String {
    let body = request
        .split_once("\r\n\r\n")
        .map(|(_, b)| b)
        .unwrap_or_default();
    let parsed: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
    let model = parsed["model"].as_str().unwrap_or_default();
    let content = format!("healthy:{model}");
    if parsed["stream"].as_bool() == Some(true) {
        let chunk_of = |delta: serde_json::Value, finish: serde_json::Value| {
            let event = serde_json::json!({"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": model,
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]});
            chunk(&format!("data: {event}\n\n"))
        };
        let null = serde_json::Value::Null;
        format!(
            "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n{}{}{}{}0\r\n\r\n",
            chunk_of(
                serde_json::json!({"role": "assistant", "content": ""}),
                null.clone()
            ),
            chunk_of(serde_json::json!({"content": content}), null),
            chunk_of(serde_json::json!({}), serde_json::json!("stop")),
            chunk("data: [DONE]\n\n"),
        )
    } else {
        let answer = serde_json::json!({"id": "c1", "object": "chat.completion", "created": 1, "model": model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5}})
        .to_string();
        format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{answer}",
            answer.len()
        )
    }
}

async fn misbehave(mut socket: TcpStream, fault: Fault) {
    let Some(request) = read_request(&mut socket).await else {
        return;
    };
    match fault {
        Fault::None => {
            let _ = socket.write_all(healthy_answer(&request).as_bytes()).await;
        }
        Fault::ResetMidResponse => {
            let _ = socket
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 400\r\n\r\n{\"id\":\"c1\",\"choi")
                .await;
            let _ = socket.flush().await;
            tokio::time::sleep(Duration::from_millis(5)).await;
            #[expect(
                deprecated,
                reason = "SO_LINGER 0 is exactly the reset this fault needs"
            )]
            let _ = socket.set_linger(Some(Duration::ZERO));
        }
        Fault::Hang => {
            // Holds the connection until the proxy closes it.
            let mut buf = [0u8; 1024];
            while matches!(socket.read(&mut buf).await, Ok(n) if n > 0) {}
        }
        Fault::Garbage => {
            let _ = socket
                .write_all(b"\x00\xff\xfeNOT HTTP AT ALL\r\n\x13\x37garbage\r\n\r\n")
                .await;
        }
        Fault::KeepAliveStall {
            every,
            for_how_long,
        } => {
            let _ = socket.write_all(SSE_HEAD.as_bytes()).await;
            let until = tokio::time::Instant::now() + for_how_long;
            while tokio::time::Instant::now() < until {
                if socket
                    .write_all(chunk(": keep-alive\n\n").as_bytes())
                    .await
                    .is_err()
                {
                    return;
                }
                tokio::time::sleep(every).await;
            }
        }
        Fault::CloseMidStream => {
            let role = "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}]}\n\n";
            let _ = socket
                .write_all(format!("{SSE_HEAD}{}", chunk(role)).as_bytes())
                .await;
            let _ = socket.flush().await;
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        Fault::EchoKeyInClientError => {
            let key = header_value(&request, "authorization").trim_start_matches("Bearer ");
            let body = format!(
                "{{\"error\":{{\"message\":\"bad request for key {key}\",\"type\":\"invalid_request_error\"}}}}"
            );
            let _ = socket
                .write_all(
                    format!(
                        "HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                        body.len()
                    )
                    .as_bytes(),
                )
                .await;
        }
        Fault::EchoKeyInError => {
            let key = header_value(&request, "authorization");
            let event = format!(
                "data: {{\"error\":{{\"message\":\"Incorrect API key provided: {}\"}}}}\n\n",
                key.trim_start_matches("Bearer ")
            );
            let _ = socket
                .write_all(format!("{SSE_HEAD}{}0\r\n\r\n", chunk(&event)).as_bytes())
                .await;
        }
    }
}
