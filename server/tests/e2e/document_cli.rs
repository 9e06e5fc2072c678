//! Issue 23 finding 3: the real Claude Code reads a PDF with its Read tool through a Chat
//! channel. Its tool result holds the PDF as an Anthropic `document` block; the Chat provider
//! must receive the file itself (a `file` part with the PDF's bytes), not an empty tool
//! message, and answers only then.

use super::agent_cli::{connect, node_bin, run_clean, text};
use super::support;

use std::sync::{Arc, Mutex};

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use engine::upstream::ChannelKind;
use serde_json::{Value, json};

const FINAL: &str = "The PDF arrived as a file.";
const MODEL: &str = "claude-sonnet-4-5";

type Seen = Arc<Mutex<Vec<Value>>>;

/// A one-page PDF saying "Quarterly report".
fn pdf() -> Vec<u8> {
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 100] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        "<< /Length 44 >>\nstream\nBT /F1 12 Tf 20 50 Td (Quarterly report) Tj ET\nendstream",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ];
    let mut out = String::from("%PDF-1.4\n");
    let mut offsets = Vec::new();
    for (i, object) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.push_str(&format!("{} 0 obj\n{object}\nendobj\n", i + 1));
    }
    let xref = out.len();
    out.push_str(&format!(
        "xref\n0 {}\n0000000000 65535 f \n",
        objects.len() + 1
    ));
    for offset in offsets {
        out.push_str(&format!("{offset:010} 00000 n \n"));
    }
    out.push_str(&format!(
        "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
        objects.len() + 1
    ));
    out.into_bytes()
}

fn sse(deltas: Vec<Value>, finish: &str) -> Response {
    let chunk = |delta: Value, finish: Value| {
        let chunk = json!({"id": "chatcmpl-d", "object": "chat.completion.chunk", "created": 1,
            "model": MODEL, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]});
        format!("data: {chunk}\n\n")
    };
    let mut body = chunk(json!({"role": "assistant", "content": ""}), Value::Null);
    for delta in deltas {
        body.push_str(&chunk(delta, Value::Null));
    }
    body.push_str(&chunk(json!({}), json!(finish)));
    body.push_str("data: [DONE]\n\n");
    ([("content-type", "text/event-stream")], body).into_response()
}

/// The Chat provider: asks for a Read of the PDF the prompt names, then answers once a
/// `file` part with the PDF has arrived.
async fn chat(State((seen, expected)): State<(Seen, String)>, Json(body): Json<Value>) -> Response {
    seen.lock().expect("seen").push(body.clone());
    let messages = body["messages"].as_array().cloned().unwrap_or_default();
    let offers_read = body["tools"]
        .as_array()
        .is_some_and(|tools| tools.iter().any(|t| t["function"]["name"] == "Read"));
    if !offers_read {
        return sse(vec![json!({"content": "ok"})], "stop");
    }
    let called = messages.iter().any(|m| m.get("tool_calls").is_some());
    if !called {
        let prompt = messages
            .iter()
            .rev()
            .find(|m| m["role"] == "user")
            .map(|m| m["content"].to_string())
            .unwrap_or_default();
        let path = prompt
            .split(|c: char| c.is_whitespace() || c == '"' || c == '\\')
            .find(|word| word.ends_with(".pdf"))
            .unwrap_or("missing.pdf")
            .to_owned();
        return sse(
            vec![
                json!({"tool_calls": [{"index": 0, "id": "call_read_1", "type": "function",
                "function": {"name": "Read", "arguments": json!({"file_path": path}).to_string()}}]}),
            ],
            "tool_calls",
        );
    }
    let file_arrived = messages.iter().any(|m| {
        m["content"].as_array().is_some_and(|parts| {
            parts.iter().any(|p| {
                p["type"] == "file"
                    && p["file"]["file_data"]
                        .as_str()
                        .is_some_and(|data| data.ends_with(&expected))
            })
        })
    });
    let answer = if file_arrived {
        FINAL.to_owned()
    } else {
        format!("no file part: {}", Value::Array(messages))
    };
    sse(vec![json!({"content": answer})], "stop")
}

#[tokio::test(flavor = "multi_thread")]
async fn claude_code_reads_a_pdf_through_a_chat_channel() {
    let claude = node_bin("claude");
    let pdf = pdf();
    let encoded = base64::engine::general_purpose::STANDARD.encode(&pdf);
    let seen: Seen = Arc::default();
    let app = axum::Router::new()
        .route("/v1/chat/completions", axum::routing::post(chat))
        .with_state((seen.clone(), encoded));
    let provider = format!("http://{}", support::serve_on_loopback(app).await);

    let data = tempfile::tempdir().expect("data");
    support::seed_channels(
        data.path(),
        &[(
            "chat-relay",
            ChannelKind::Custom,
            format!("{provider}/v1"),
            MODEL,
        )],
    );

    let output = tokio::task::spawn_blocking(move || {
        let server = support::serve_data(data.path());
        let home = tempfile::tempdir().expect("home");
        let work = tempfile::tempdir().expect("work");
        let file = work.path().join("report.pdf");
        std::fs::write(&file, pdf).expect("pdf");
        connect(
            home.path(),
            data.path(),
            &server.base_url,
            "claude-code",
            false,
        );
        std::thread::sleep(std::time::Duration::from_millis(1500));
        let prompt = format!("Read {} and tell me what it says.", file.display());
        let output = run_clean(
            &claude,
            &["-p", &prompt, "--model", MODEL, "--allowedTools", "Read"],
            home.path(),
            work.path(),
        );
        drop(server);
        output
    })
    .await
    .expect("Claude Code ran");
    assert!(output.status.success(), "{}", text(&output));
    assert!(
        String::from_utf8_lossy(&output.stdout).contains(FINAL),
        "the PDF did not reach the Chat provider as a file: {}",
        text(&output)
    );
    assert!(seen.lock().expect("seen").len() >= 2);
}
