//! Running the `api-switch` program and a minimal upstream for it, on real sockets.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// The program under test: the release build when `API_SWITCH_RELEASE_BIN` names one (as in
/// `cargo xtask test`), else the debug build of this package.
pub fn binary() -> PathBuf {
    std::env::var_os("API_SWITCH_RELEASE_BIN")
        .map(PathBuf::from)
        .filter(|path| path.exists())
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_api-switch")))
}

/// A port nobody listens on right now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

/// Starts `api-switch serve` on `port` with its data in `data` and waits until `/health`
/// answers (panics after 30 s).
pub fn serve(data: &Path, port: u16) -> Running {
    let running = spawn(data, port);
    wait_healthy(port);
    running
}

/// Starts `api-switch serve` on `port` with its data in `data`, without waiting for it.
pub fn spawn(data: &Path, port: u16) -> Running {
    let child = Command::new(binary())
        .args([
            "serve",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--data-dir",
        ])
        .arg(data)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start api-switch");
    Running(child)
}

/// Waits until `/health` on `port` answers 200; panics after 30 s.
pub fn wait_healthy(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(30);
    let client = reqwest::blocking::Client::new();
    while Instant::now() < deadline {
        if let Ok(response) = client
            .get(format!("http://127.0.0.1:{port}/health"))
            .timeout(Duration::from_secs(1))
            .send()
            && response.status().is_success()
        {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("api-switch on port {port} did not become healthy within 30 s");
}

/// A child process killed when the test ends, pass or fail.
pub struct Running(pub Child);

impl Running {
    /// SIGKILL (on unix `Child::kill` is exactly that), then reap.
    pub fn stop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.stop();
    }
}

/// An upstream that answers every request with a small Chat Completions answer, one request
/// per connection, on its own thread. Counts the requests.
pub struct TinyUpstream {
    pub base_url: String,
    pub requests: Arc<AtomicUsize>,
}

impl TinyUpstream {
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let base_url = format!("http://{}", listener.local_addr().expect("addr"));
        let requests = Arc::new(AtomicUsize::new(0));
        let counter = requests.clone();
        std::thread::spawn(move || {
            for socket in listener.incoming().flatten() {
                let counter = counter.clone();
                std::thread::spawn(move || answer(socket, &counter));
            }
        });
        Self { base_url, requests }
    }
}

fn answer(socket: TcpStream, counter: &AtomicUsize) {
    let _ = socket.set_read_timeout(Some(Duration::from_secs(5)));
    let mut reader = BufReader::new(match socket.try_clone() {
        Ok(s) => s,
        Err(_) => return,
    });
    let mut length = 0usize;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        if let Some((name, value)) = line.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().unwrap_or(0);
        }
        if line == "\r\n" {
            break;
        }
    }
    let mut body = vec![0u8; length];
    if reader.read_exact(&mut body).is_err() {
        return;
    }
    counter.fetch_add(1, Ordering::SeqCst);
    let answer = r#"{"id":"c1","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"ok"},"finish_reason":"stop"}],"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}}"#;
    let mut socket = socket;
    let _ = write!(
        socket,
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{answer}",
        answer.len()
    );
}
