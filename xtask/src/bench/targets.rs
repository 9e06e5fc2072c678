//! The targets measured side by side: the upstreams directly, `api-switch` with one channel,
//! `api-switch` with 200 channels / 2,000 entries whose first three candidates are cooling down,
//! and the LiteLLM proxy. Each is a pair of addresses (non-streaming, streaming) plus the
//! process behind it, so load, streaming and memory measurements treat them alike.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use serde_json::{Value, json};

use super::process::{Service, free_port, http_request, local, wait_healthy};
use super::upstream::{CHAT_MODEL, CHUNK_MARKER, HOLD_MARKER, Nginx, STREAM_MODEL, StreamUpstream};

/// Channels in the large configuration, and entries per channel.
pub const LARGE_CHANNELS: usize = 200;
pub const ENTRIES_PER_CHANNEL: usize = 10;
/// How many of the first candidates point at the always-failing upstream.
pub const COOLING: usize = 3;

pub struct Target {
    pub name: String,
    pub chat: SocketAddr,
    pub stream: SocketAddr,
    pub bearer: String,
    /// The process serving this target; none for the upstreams themselves.
    pub service: Option<Service>,
}

impl Target {
    pub fn direct(nginx: &Nginx, stream: &StreamUpstream) -> Self {
        Self {
            name: "direct".into(),
            chat: nginx.addr,
            stream: stream.addr,
            bearer: "bench".into(),
            service: None,
        }
    }

    pub fn pid(&self) -> Option<u32> {
        self.service.as_ref().map(Service::pid)
    }
}

/// The request body every non-streaming load request sends.
pub fn chat_body() -> String {
    json!({"model": CHAT_MODEL, "messages": [{"role": "user", "content": "Say hello."}]})
        .to_string()
}

pub fn stream_body() -> String {
    json!({"model": STREAM_MODEL, "stream": true,
           "messages": [{"role": "user", "content": "Count."}]})
    .to_string()
}

/// A streaming request the upstream answers slowly (`HOLD_SHAPE`), to hold a stream open.
pub fn held_stream_body() -> String {
    json!({"model": STREAM_MODEL, "stream": true,
           "messages": [{"role": "user", "content": HOLD_MARKER}]})
    .to_string()
}

fn channel(name: &str, base: &str, entries: Vec<Value>) -> Value {
    json!({"name": name, "api_type": "openai", "base_url": base,
           "api_key": "sk-bench-upstream", "entries": entries})
}

fn entry(model: &str, priority: usize) -> Value {
    json!({"model": model, "group": "auto", "priority": priority, "enabled": true})
}

/// One channel for each upstream: the chat model on nginx, the stream model on the stream server.
pub fn one_channel_config(nginx: SocketAddr, stream: SocketAddr) -> Value {
    json!({"version": 1, "settings": {"cooldown_secs": 1800}, "channels": [
        channel("bench", &format!("http://{nginx}"), vec![entry(CHAT_MODEL, 0)]),
        channel("bench-stream", &format!("http://{stream}"), vec![entry(STREAM_MODEL, 1)]),
    ]})
}

/// 200 channels of 10 entries each, all carrying the chat model, so a chat request matches 200
/// candidates; the first `COOLING` channels point at nginx's failing prefix and also carry the
/// stream model. One more channel serves the stream model from the streaming upstream (a
/// channel has one base URL), so the stream route also starts with `COOLING` cooled entries.
pub fn large_config(nginx: SocketAddr, stream: SocketAddr) -> Value {
    let mut channels: Vec<Value> = (0..LARGE_CHANNELS)
        .map(|c| {
            let failing = c < COOLING;
            let base = if failing {
                format!("http://{nginx}/fail")
            } else {
                format!("http://{nginx}")
            };
            let first = c * ENTRIES_PER_CHANNEL;
            let entries = (0..ENTRIES_PER_CHANNEL)
                .map(|m| match m {
                    0 => entry(CHAT_MODEL, first),
                    1 if failing => entry(STREAM_MODEL, first + 1),
                    _ => entry(&format!("model-{c}-{m}"), first + m),
                })
                .collect();
            channel(&format!("large-{c}"), &base, entries)
        })
        .collect();
    let last = LARGE_CHANNELS * ENTRIES_PER_CHANNEL;
    channels.push(channel(
        "bench-stream",
        &format!("http://{stream}"),
        vec![entry(STREAM_MODEL, last)],
    ));
    json!({"version": 1, "settings": {"cooldown_secs": 1800}, "channels": channels})
}

/// An `api-switch` release binary serving one imported configuration from a throwaway folder.
pub struct SwitchSetup<'a> {
    pub binary: &'a Path,
    pub work: &'a Path,
    pub label: &'a str,
}

impl SwitchSetup<'_> {
    fn data_dir(&self) -> PathBuf {
        self.work.join(format!("data-{}", self.label))
    }

    fn log(&self) -> PathBuf {
        self.work.join(format!("api-switch-{}.log", self.label))
    }

    /// Writes `config` to a file and imports it into a fresh data folder.
    pub fn import(&self, config: &Value) -> Result<()> {
        let data = self.data_dir();
        if data.exists() {
            std::fs::remove_dir_all(&data)?;
        }
        let file = self.work.join(format!("config-{}.json", self.label));
        std::fs::write(&file, serde_json::to_vec_pretty(config)?)?;
        let output = Command::new(self.binary)
            .arg("import")
            .arg(&file)
            .arg("--data-dir")
            .arg(&data)
            .output()
            .with_context(|| format!("cannot run {}", self.binary.display()))?;
        if !output.status.success() {
            bail!(
                "`api-switch import {}` failed: {}",
                file.display(),
                String::from_utf8_lossy(&output.stderr)
            );
        }
        Ok(())
    }

    /// Starts the server and returns it with the time it took to answer `/health`.
    pub fn serve(&self) -> Result<(Service, SocketAddr, Duration)> {
        let addr = local(free_port()?);
        let log = self.log();
        let started = Instant::now();
        let mut service = Service::start(
            &format!("api-switch ({})", self.label),
            Command::new(self.binary)
                .arg("serve")
                .arg("--data-dir")
                .arg(self.data_dir())
                .arg("--listen")
                .arg(addr.to_string()),
            &log,
        )?;
        let took = wait_healthy(
            &mut service,
            &log,
            addr,
            "/health",
            started,
            Duration::from_secs(30),
        )?;
        Ok((service, addr, took))
    }
}

/// Sends one chat and one stream request so lazy set-up (and the cooldowns) happen before timing.
pub fn warm_up(target: &Target) -> Result<()> {
    let (status, body) = http_request(
        target.chat,
        "POST",
        "/v1/chat/completions",
        &target.bearer,
        &chat_body(),
    )?;
    ensure!(
        status == 200,
        "{}: the warm-up chat request answered {status}: {}",
        target.name,
        String::from_utf8_lossy(&body)
    );
    let (status, body) = http_request(
        target.stream,
        "POST",
        "/v1/chat/completions",
        &target.bearer,
        &stream_body(),
    )?;
    let text = String::from_utf8_lossy(&body);
    ensure!(
        status == 200 && text.contains(CHUNK_MARKER),
        "{}: the warm-up stream request answered {status}: {text}",
        target.name
    );
    Ok(())
}

/// LiteLLM's proxy with one worker, pointed at the same two upstreams.
pub fn start_litellm(
    venv: &Path,
    work: &Path,
    master_key: &str,
    nginx: SocketAddr,
    stream: SocketAddr,
) -> Result<(Service, SocketAddr, Duration)> {
    let config = work.join("litellm.yaml");
    std::fs::write(&config, litellm_config(nginx, stream))?;
    let addr = local(free_port()?);
    let log = work.join("litellm.log");
    let started = Instant::now();
    let mut service = Service::start(
        "LiteLLM",
        Command::new(venv.join("bin/litellm"))
            .arg("--config")
            .arg(&config)
            .args(["--host", "127.0.0.1", "--port"])
            .arg(addr.port().to_string())
            .args(["--num_workers", "1"])
            .env("LITELLM_MASTER_KEY", master_key)
            // The cost map is otherwise downloaded at start; this machine may have no network.
            .env("LITELLM_LOCAL_MODEL_COST_MAP", "True")
            .env("LITELLM_LOG", "ERROR"),
        &log,
    )?;
    let took = wait_healthy(
        &mut service,
        &log,
        addr,
        "/health/liveliness",
        started,
        Duration::from_secs(180),
    )?;
    Ok((service, addr, took))
}

fn litellm_config(nginx: SocketAddr, stream: SocketAddr) -> String {
    format!(
        "# Generated by `cargo xtask bench`.
model_list:
  - model_name: {CHAT_MODEL}
    litellm_params:
      model: openai/{CHAT_MODEL}
      api_base: http://{nginx}/v1
      api_key: sk-bench-upstream
  - model_name: {STREAM_MODEL}
    litellm_params:
      model: openai/{STREAM_MODEL}
      api_base: http://{stream}/v1
      api_key: sk-bench-upstream
general_settings:
  master_key: os.environ/LITELLM_MASTER_KEY
litellm_settings:
  telemetry: false
  set_verbose: false
"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_large_configuration_has_2000_entries_and_3_failing_channels_first() {
        let config = large_config(local(1), local(2));
        let channels = config["channels"].as_array().expect("channels");
        let entries: usize = channels
            .iter()
            .map(|c| c["entries"].as_array().map_or(0, Vec::len))
            .sum();
        assert_eq!(channels.len(), LARGE_CHANNELS + 1);
        assert_eq!(entries, LARGE_CHANNELS * ENTRIES_PER_CHANNEL + 1);
        let failing: Vec<bool> = channels
            .iter()
            .map(|c| c["base_url"].as_str().is_some_and(|u| u.ends_with("/fail")))
            .collect();
        assert_eq!(failing.iter().filter(|f| **f).count(), COOLING);
        assert!(failing[..COOLING].iter().all(|f| *f));
    }
}
