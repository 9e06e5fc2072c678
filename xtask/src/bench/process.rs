//! The processes a bench run starts (nginx, api-switch, LiteLLM) and how it talks to them:
//! each child is owned by a `Service` that stops it when dropped, so an aborted run leaves
//! nothing listening; a tiny blocking HTTP/1.1 client polls health and sends warm-up requests
//! without pulling an HTTP client crate into xtask.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

/// A child process that is stopped when this value goes away.
pub struct Service {
    name: String,
    child: Child,
}

impl Service {
    /// Starts `command` with its output going to `log` (kept for when something fails).
    pub fn start(name: &str, command: &mut Command, log: &Path) -> Result<Self> {
        let out = std::fs::File::create(log)
            .with_context(|| format!("cannot create the log file {}", log.display()))?;
        let err = out.try_clone()?;
        let child = command
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .with_context(|| format!("cannot start {name} ({command:?})"))?;
        Ok(Self {
            name: name.to_owned(),
            child,
        })
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Waits for the process to end by itself; fails after `limit`.
    pub fn wait_exit(&mut self, limit: Duration) -> Result<std::process::ExitStatus> {
        let since = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait()? {
                return Ok(status);
            }
            if since.elapsed() > limit {
                bail!("{} was still running after {limit:?}", self.name);
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Fails with the log's path when the process has already exited.
    pub fn ensure_running(&mut self, log: &Path) -> Result<()> {
        if let Some(status) = self.child.try_wait()? {
            bail!(
                "{} exited early ({status}); see {}",
                self.name,
                log.display()
            );
        }
        Ok(())
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        // SIGKILL is fine: every service here is stateless or uses a throwaway data folder.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A port on 127.0.0.1 that was free a moment ago.
pub fn free_port() -> Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0").context("cannot bind a local port")?;
    Ok(listener.local_addr()?.port())
}

pub fn local(port: u16) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], port))
}

/// One HTTP/1.1 request on a fresh connection; returns the status and the raw body bytes.
pub fn http_request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    bearer: &str,
    body: &str,
) -> Result<(u16, Vec<u8>)> {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(2))?;
    stream.set_read_timeout(Some(Duration::from_secs(60)))?;
    stream.write_all(request_head(addr, method, path, bearer, body).as_bytes())?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response)?;
    let status = parse_status(&response).with_context(|| {
        format!(
            "{method} {path} on {addr} answered something that is not HTTP: {:?}",
            String::from_utf8_lossy(&response[..response.len().min(200)])
        )
    })?;
    Ok((status, response))
}

/// The request text for a JSON POST (or a GET when `body` is empty), closing the connection.
pub fn request_head(
    addr: SocketAddr,
    method: &str,
    path: &str,
    bearer: &str,
    body: &str,
) -> String {
    format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {bearer}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
}

fn parse_status(response: &[u8]) -> Option<u16> {
    let line = response.split(|b| *b == b'\n').next()?;
    let text = std::str::from_utf8(line).ok()?;
    text.split_whitespace().nth(1)?.parse().ok()
}

/// Polls `GET path` until it answers 200; returns how long that took from `since`.
pub fn wait_healthy(
    service: &mut Service,
    log: &Path,
    addr: SocketAddr,
    path: &str,
    since: Instant,
    limit: Duration,
) -> Result<Duration> {
    loop {
        if let Ok((200, _)) = http_request(addr, "GET", path, "bench", "") {
            return Ok(since.elapsed());
        }
        service.ensure_running(log)?;
        if since.elapsed() > limit {
            bail!(
                "{addr}{path} did not answer 200 within {limit:?}; see {}",
                log.display()
            );
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// Resident memory of `pid` and all its descendants, in KiB (LiteLLM may fork workers).
pub fn tree_rss_kib(pid: u32) -> u64 {
    let mut total = 0;
    let mut pending = vec![pid];
    while let Some(current) = pending.pop() {
        total += rss_kib(current).unwrap_or(0);
        pending.extend(children(current));
    }
    total
}

fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

pub fn children(pid: u32) -> Vec<u32> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|candidate| parent_of(*candidate) == Some(pid))
        .collect()
}

fn parent_of(pid: u32) -> Option<u32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name may hold spaces and parentheses; the fields after the last ')' do not.
    let after = &stat[stat.rfind(')')? + 1..];
    after.split_whitespace().nth(1)?.parse().ok()
}

/// Samples a process tree's resident memory in the background and keeps the peak.
pub struct RssSampler {
    stop: Arc<AtomicBool>,
    handle: JoinHandle<u64>,
}

impl RssSampler {
    pub fn start(pid: u32) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let handle = std::thread::spawn(move || {
            let mut peak = 0;
            while !flag.load(Ordering::Relaxed) {
                peak = peak.max(tree_rss_kib(pid));
                std::thread::sleep(Duration::from_millis(100));
            }
            peak
        });
        Self { stop, handle }
    }

    /// The peak in KiB.
    pub fn finish(self) -> u64 {
        self.stop.store(true, Ordering::Relaxed);
        self.handle.join().unwrap_or(0)
    }
}
