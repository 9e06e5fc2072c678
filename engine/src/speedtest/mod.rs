//! The speed test: a minimal real request to each entry, timing the first byte and the whole
//! answer. Channels are tested in parallel, the entries of one channel one after another (a
//! provider should not see a burst from us). Each result is stored on its entry and sent on a
//! progress channel as it arrives, so the UI and the CLI can show it live. A failed test
//! never disables an entry, except by the proxy's own rule (the `auto_disable_codes`
//! setting), and a successful one never enables one.

pub(crate) mod request;
mod runs;

pub use runs::DetachedRun;

pub use request::MAX_OUTPUT_TOKENS;

use std::time::{Duration, Instant};

use futures::StreamExt;
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;

use crate::AppState;
use crate::clock::now_ms;
use crate::store::{Channel, ChannelId, ChannelKey, Entry, EntryId};
use crate::upstream::UpstreamAdapter as _;

/// What to test.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "scope", content = "id")]
pub enum Scope {
    /// Every enabled entry on every enabled channel.
    All,
    /// Every entry of one channel, enabled or not (the user asked for it by name).
    Channel(ChannelId),
    /// One entry, enabled or not.
    Entry(EntryId),
}

/// Knobs with production defaults; tests shorten the timeout.
#[derive(Clone, Debug)]
pub struct SpeedTestOptions {
    /// Per entry, from sending the request to the last byte of the answer.
    pub timeout: Duration,
}

impl Default for SpeedTestOptions {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(30),
        }
    }
}

/// One entry's result, as the UI and `api-switch speedtest --json` show it.
pub use types::speedtest::TestResult;

/// Why one test failed.
#[derive(Debug, thiserror::Error)]
pub enum TestFailure {
    #[error("HTTP {status}: {message}")]
    Status { status: u16, message: String },
    #[error("no complete answer within {after_ms} ms")]
    Timeout { after_ms: u64 },
    #[error("cannot connect: {source}; check the base URL and that the provider is up")]
    Connect {
        #[source]
        source: reqwest::Error,
    },
    #[error("the connection failed: {source}")]
    Transport {
        #[source]
        source: reqwest::Error,
    },
    #[error("the upstream answered 200 with an empty body")]
    EmptyBody,
}

impl TestFailure {
    fn from_reqwest(error: reqwest::Error) -> Self {
        // The URL may carry a key in its query (Gemini style); it is dropped from the message.
        let source = error.without_url();
        if source.is_connect() {
            Self::Connect { source }
        } else {
            Self::Transport { source }
        }
    }

    fn status(&self) -> Option<u16> {
        match self {
            Self::Status { status, .. } => Some(*status),
            _ => None,
        }
    }
}

/// Timings of a successful test.
struct Timings {
    ttfb: Duration,
    total: Duration,
}

/// A speed test running in the background.
pub struct SpeedTestRun {
    /// Each entry's result as soon as it is known; closes when the run ends.
    pub progress: mpsc::UnboundedReceiver<TestResult>,
    /// Every result, in the order of the entries' priority, when the run ends.
    pub done: tokio::task::JoinHandle<Vec<TestResult>>,
    /// How many results the run produces: one per key of each tested entry's pool.
    pub total: usize,
    /// The entries that will be tested, channel by channel, each channel in priority order.
    pub entries: Vec<EntryId>,
}

impl AppState {
    /// Starts a speed test of `scope` in the background; see [`SpeedTestRun`].
    pub fn start_speed_test(&self, scope: Scope, options: SpeedTestOptions) -> SpeedTestRun {
        let (tx, progress) = mpsc::unbounded_channel();
        let plan = plan(self, scope);
        // One result per key of each entry's pool.
        let total = plan
            .iter()
            .map(|(channel, entries)| entries.len() * keys_to_test(channel).len())
            .sum();
        let entries: Vec<EntryId> = plan
            .iter()
            .flat_map(|(_, entries)| entries.iter().map(|e| e.id))
            .collect();
        let state = self.clone();
        let done = tokio::spawn(async move { state.run_plan(plan, &options, &tx).await });
        SpeedTestRun {
            progress,
            done,
            total,
            entries,
        }
    }

    /// Runs a speed test of `scope` to the end, sending each result to `progress` as it comes.
    pub async fn speed_test(
        &self,
        scope: Scope,
        options: &SpeedTestOptions,
        progress: &mpsc::UnboundedSender<TestResult>,
    ) -> Vec<TestResult> {
        self.run_plan(plan(self, scope), options, progress).await
    }

    async fn run_plan(
        &self,
        plan: Vec<(Channel, Vec<Entry>)>,
        options: &SpeedTestOptions,
        progress: &mpsc::UnboundedSender<TestResult>,
    ) -> Vec<TestResult> {
        let order: Vec<EntryId> = plan
            .iter()
            .flat_map(|(_, entries)| entries.iter().map(|e| e.id))
            .collect();
        let per_channel = plan.into_iter().map(|(channel, entries)| async move {
            let mut results = Vec::with_capacity(entries.len());
            for entry in entries {
                let mut stored_ok = false;
                for key in keys_to_test(&channel) {
                    let result = self.test_entry(&channel, &entry, key, options).await;
                    // Per entry, a success with any key is what the entry's stored result says.
                    if !stored_ok {
                        self.store_result(&result);
                        stored_ok = result.ok;
                    }
                    // A closed receiver only means nobody is watching any more.
                    let _ = progress.send(result.clone());
                    self.emit(crate::events::Event::SpeedTest {
                        result: result.clone(),
                    });
                    results.push(result);
                }
            }
            results
        });
        let mut all = Vec::with_capacity(order.len());
        for results in futures::future::join_all(per_channel).await {
            all.extend(results);
        }
        all.sort_by_key(|r| order.iter().position(|id| *id == r.entry_id));
        // Stored results changed: screens listing them refetch.
        let version = self.bump();
        self.emit(crate::events::Event::ConfigChanged { version });
        all
    }

    /// Tests one entry (with one `key` of a pool, or the channel's only key) and applies the
    /// auto-disable rule: to the key of a pool, else to the entry.
    async fn test_entry(
        &self,
        channel: &Channel,
        entry: &Entry,
        key: Option<&ChannelKey>,
        options: &SpeedTestOptions,
    ) -> TestResult {
        let snapshot = self.snapshot();
        let client = snapshot.client_for(channel.id);
        let secret = key.map_or(channel.first_key(), |k| k.key.expose());
        let outcome = exchange(client, channel, secret, &entry.model, options.timeout).await;
        let mut result = TestResult {
            entry_id: entry.id,
            channel_id: channel.id,
            channel: channel.name.clone(),
            model: entry.model.clone(),
            ok: outcome.is_ok(),
            ttfb_ms: None,
            total_ms: None,
            status: None,
            error: None,
            auto_disabled: false,
            key: key
                .map(|k| crate::secrets::mask(k.key.expose()))
                .unwrap_or_default(),
            at_ms: 0,
        };
        match outcome {
            Ok(timings) => {
                result.ttfb_ms = Some(timings.ttfb.as_millis() as u64);
                // A test is traffic too: the `fastest` order learns from it.
                self.speeds()
                    .record(entry.id, timings.ttfb.as_millis() as u64);
                result.total_ms = Some(timings.total.as_millis() as u64);
            }
            Err(failure) => {
                result.status = failure.status();
                let message = crate::secrets::mask_keys(
                    &failure.to_string(),
                    channel.keys.iter().map(|k| k.key.expose()),
                );
                result.error = Some(redact(&message, secret));
                if let (Some(status), Some(key)) = (result.status, key)
                    && snapshot.settings.disables(status)
                {
                    let reason = format!(
                        "speed test: upstream answered HTTP {status}: the key was rejected"
                    );
                    self.disable_key(key.id, reason);
                } else if let Some(status) = result.status
                    && entry.enabled
                    && snapshot.settings.disables(status)
                {
                    self.auto_disable(
                        entry.id,
                        format!(
                            "speed test: upstream answered HTTP {status}: credentials or model gone"
                        ),
                    );
                    result.auto_disabled = true;
                }
            }
        }
        result.at_ms = now_ms();
        result
    }

    /// Stores `result` as its entry's last speed test.
    fn store_result(&self, result: &TestResult) {
        let stored = self.store().record_speed_test(result);
        // The entry may have been deleted while it was tested; the result still reaches the
        // caller, only the stored copy is lost.
        if let Err(error) = stored {
            tracing::warn!(%error, entry = result.entry_id, "cannot store a speed test result");
        }
    }
}

/// The entries to test, grouped by channel, each group in priority order.
fn plan(state: &AppState, scope: Scope) -> Vec<(Channel, Vec<Entry>)> {
    let snapshot = state.snapshot();
    let chosen: Vec<(&Entry, &Channel)> = match scope {
        Scope::All => snapshot.routable().collect(),
        Scope::Channel(id) => snapshot
            .entries
            .iter()
            .filter(|e| e.channel_id == id)
            .filter_map(|e| Some((e, snapshot.channels.get(&e.channel_id)?)))
            .collect(),
        Scope::Entry(id) => snapshot
            .entries
            .iter()
            .filter(|e| e.id == id)
            .filter_map(|e| Some((e, snapshot.channels.get(&e.channel_id)?)))
            .collect(),
    };
    let mut plan: Vec<(Channel, Vec<Entry>)> = Vec::new();
    for (entry, channel) in chosen {
        match plan.iter_mut().find(|(c, _)| c.id == channel.id) {
            Some((_, entries)) => entries.push(entry.clone()),
            None => plan.push((channel.clone(), vec![entry.clone()])),
        }
    }
    plan
}

/// The keys each entry of `channel` is tested with: every key of a pool the user has not
/// switched off, or (`None`) the channel's only key.
fn keys_to_test(channel: &Channel) -> Vec<Option<&ChannelKey>> {
    let enabled: Vec<_> = channel
        .keys
        .iter()
        .filter(|k| k.enabled)
        .map(Some)
        .collect();
    if channel.keys.len() <= 1 || enabled.is_empty() {
        return vec![None];
    }
    enabled
}

/// Sends the test request with `key` and reads the whole answer, within `timeout`.
async fn exchange(
    client: &reqwest::Client,
    channel: &Channel,
    key: &str,
    model: &str,
    timeout: Duration,
) -> Result<Timings, TestFailure> {
    let request = request::build(channel, model);
    let started = Instant::now();
    let run = async {
        let response = client
            .post(&request.url)
            .headers(
                channel
                    .api_type
                    .headers(key, &http::HeaderMap::new(), &channel.base_url),
            )
            .json(&request.body)
            .send()
            .await
            .map_err(TestFailure::from_reqwest)?;
        let status = response.status();
        if !status.is_success() {
            let body = response.text().await.unwrap_or_default();
            return Err(TestFailure::Status {
                status: status.as_u16(),
                message: error_message(&body),
            });
        }
        let mut body = response.bytes_stream();
        let mut ttfb = None;
        while let Some(chunk) = body.next().await {
            let chunk = chunk.map_err(TestFailure::from_reqwest)?;
            if !chunk.is_empty() && ttfb.is_none() {
                ttfb = Some(started.elapsed());
            }
        }
        let ttfb = ttfb.ok_or(TestFailure::EmptyBody)?;
        Ok(Timings {
            ttfb,
            total: started.elapsed(),
        })
    };
    match tokio::time::timeout(timeout, run).await {
        Ok(outcome) => outcome,
        Err(_) => Err(TestFailure::Timeout {
            after_ms: timeout.as_millis() as u64,
        }),
    }
}

/// The upstream's own message (`error.message` in every major API's error shape), else the
/// start of the body.
fn error_message(body: &str) -> String {
    const LIMIT: usize = 300;
    let parsed: Option<serde_json::Value> = serde_json::from_str(body).ok();
    let message = parsed
        .as_ref()
        .and_then(|v| v.pointer("/error/message").or_else(|| v.get("message")))
        .and_then(|m| m.as_str())
        .unwrap_or(body)
        .trim();
    match message.char_indices().nth(LIMIT) {
        Some((cut, _)) => format!("{}…", &message[..cut]),
        None if message.is_empty() => "(empty body)".to_owned(),
        None => message.to_owned(),
    }
}

/// Upstreams sometimes echo the key they rejected; it never leaves the engine.
fn redact(message: &str, key: &str) -> String {
    if key.len() < 4 {
        return message.to_owned();
    }
    message.replace(key, "<key>")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_messages_come_from_the_error_shape_and_keys_are_redacted() {
        let body = r#"{"error":{"message":"Incorrect API key provided: sk-abc123"}}"#;
        let message = error_message(body);
        assert_eq!(message, "Incorrect API key provided: sk-abc123");
        assert_eq!(
            redact(&message, "sk-abc123"),
            "Incorrect API key provided: <key>"
        );
        assert_eq!(error_message(""), "(empty body)");
        assert_eq!(error_message("Bad Gateway"), "Bad Gateway");
    }
}
