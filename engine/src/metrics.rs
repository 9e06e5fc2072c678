//! `GET /metrics`: what the proxy did, in the Prometheus (OpenMetrics) text format, for the
//! monitoring tools people already run. Counters and histograms are fed from the request-log
//! rows on the background writer's thread (`Metrics::observe`), never on the request path: a
//! request costs nothing more than the row it already sends there. The state gauges (entries
//! cooling or switched off, each pool's keys) are read from the runtime when scraped.
//!
//! `prometheus-client` (the Prometheus project's own Rust client) rather than `metrics` with
//! `metrics-exporter-prometheus`: it adds two crates, itself and its derive (`dtoa`, `itoa` and
//! `parking_lot` are in the tree already), where the exporter brings `metrics`, `metrics-util`
//! with `crossbeam-epoch`, and `quanta`; and its typed label sets need no global recorder.
//!
//! Who may read it is the server's guard's business (loopback, a login or a metrics token).

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use std::sync::atomic::AtomicU64;

use crate::logs::RequestRecord;
use crate::proxy::Runtime;

/// The content type of what `Metrics::encode` writes.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    /// The proxy route (`chat_completions`, `messages`, ...).
    route: &'static str,
    /// The channel that answered; empty when none did.
    channel: String,
    status: u32,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct AttemptLabels {
    channel: String,
    /// `answered`, or why it failed (the log's error kind: `status`, `timeout`, ...).
    outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    route: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct TokenLabels {
    /// The access key's name the client presented (empty without one).
    app: String,
    model: String,
    /// `prompt` or `completion`.
    kind: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct UsageLabels {
    app: String,
    model: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct EntryStateLabels {
    /// `ready`, `cooling` or `disabled`.
    state: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct KeyStateLabels {
    channel: String,
    /// `usable`, `cooling` or `disabled`.
    state: &'static str,
}

type Timings = Family<RouteLabels, Histogram, fn() -> Histogram>;

/// Seconds from 5 ms to about 80 s, doubling: a fast cache hit to a long reasoning answer.
fn seconds_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.005, 2.0, 15))
}

/// The proxy's counters and gauges, one set per running server.
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    attempts: Family<AttemptLabels, Counter>,
    latency: Timings,
    first_content: Timings,
    tokens: Family<TokenLabels, Counter>,
    cost: Family<UsageLabels, Counter<f64, AtomicU64>>,
    entries: Family<EntryStateLabels, Gauge>,
    pool_keys: Family<KeyStateLabels, Gauge>,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut metrics = Self {
            registry: Registry::with_prefix("api_switch"),
            requests: Family::default(),
            attempts: Family::default(),
            latency: Timings::new_with_constructor(seconds_histogram),
            first_content: Timings::new_with_constructor(seconds_histogram),
            tokens: Family::default(),
            cost: Family::default(),
            entries: Family::default(),
            pool_keys: Family::default(),
        };
        let registry = &mut metrics.registry;
        registry.register(
            "requests",
            "Proxied requests by route, answering channel and the status the client got",
            metrics.requests.clone(),
        );
        registry.register(
            "attempts",
            "Attempts on entries by channel and outcome (a failover or hedge makes several)",
            metrics.attempts.clone(),
        );
        registry.register(
            "request_duration_seconds",
            "From a request's arrival to its last byte",
            metrics.latency.clone(),
        );
        registry.register(
            "first_content_seconds",
            "From the answering attempt's start to its first content",
            metrics.first_content.clone(),
        );
        registry.register(
            "tokens",
            "Tokens by app (access key name), model and kind (prompt or completion)",
            metrics.tokens.clone(),
        );
        registry.register(
            "cost_usd",
            "What the requests cost by app and model, where the model has a price",
            metrics.cost.clone(),
        );
        registry.register(
            "entries",
            "Entries by state: ready, cooling or disabled",
            metrics.entries.clone(),
        );
        registry.register(
            "pool_keys",
            "Each channel's keys by state: usable, cooling or disabled",
            metrics.pool_keys.clone(),
        );
        metrics
    }
}

impl Metrics {
    /// Counts one finished request, served on `route` (on the writer's thread, off the request
    /// path).
    pub fn observe(&self, row: &RequestRecord, route: &'static str) {
        self.requests
            .get_or_create(&RequestLabels {
                route,
                channel: row.channel.clone(),
                status: row.status.into(),
            })
            .inc();
        for attempt in &row.attempts {
            let outcome = attempt
                .error_kind
                .as_ref()
                .map_or("answered", |k| k.as_str());
            self.attempts
                .get_or_create(&AttemptLabels {
                    channel: attempt.channel.clone(),
                    outcome: outcome.to_owned(),
                })
                .inc();
        }
        let route = RouteLabels { route };
        self.latency
            .get_or_create(&route)
            .observe(seconds(row.latency_ms));
        let answered = row.attempts.last().filter(|a| a.error_kind.is_none());
        if let Some(ms) = answered.and_then(|a| a.first_content_ms) {
            self.first_content
                .get_or_create(&route)
                .observe(seconds(ms));
        }
        self.count_usage(row);
    }

    fn count_usage(&self, row: &RequestRecord) {
        let counted = [
            ("prompt", row.prompt_tokens),
            ("completion", row.completion_tokens),
        ];
        for (kind, tokens) in counted {
            let Some(tokens) = tokens.and_then(|t| u64::try_from(t).ok()) else {
                continue;
            };
            self.tokens
                .get_or_create(&TokenLabels {
                    app: row.client_key_name.clone(),
                    model: row.model.clone(),
                    kind,
                })
                .inc_by(tokens);
        }
        if let Some(cost) = row.cost_usd.filter(|c| *c > 0.0) {
            self.cost
                .get_or_create(&UsageLabels {
                    app: row.client_key_name.clone(),
                    model: row.model.clone(),
                })
                .inc_by(cost);
        }
    }

    /// The text a scrape gets, with the state gauges read from `runtime` now.
    pub fn encode(&self, runtime: &Runtime) -> String {
        self.read_state(runtime);
        let mut text = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut text, &self.registry);
        text
    }

    /// Entries and pool keys by state, as routing sees them at this moment.
    fn read_state(&self, runtime: &Runtime) {
        let snapshot = runtime.snapshot();
        let now = crate::clock::now_ms();
        let mut entries = [("ready", 0), ("cooling", 0), ("disabled", 0)];
        for entry in &snapshot.entries {
            let state = if !entry.enabled {
                2
            } else if runtime.cooldowns().cooling_until(entry.id, now).is_some() {
                1
            } else {
                0
            };
            entries[state].1 += 1;
        }
        for (state, count) in entries {
            self.entries
                .get_or_create(&EntryStateLabels { state })
                .set(count);
        }
        // Channels come and go: only those in the snapshot are listed.
        self.pool_keys.clear();
        let pools = runtime.key_pools();
        for channel in snapshot.channels.values() {
            let mut keys = [("usable", 0), ("cooling", 0), ("disabled", 0)];
            for key in &channel.keys {
                let state = if !key.enabled || pools.disabled_reason(key.id).is_some() {
                    2
                } else if pools.cooling_until(key.id, now).is_some() {
                    1
                } else {
                    0
                };
                keys[state].1 += 1;
            }
            for (state, count) in keys {
                self.pool_keys
                    .get_or_create(&KeyStateLabels {
                        channel: channel.name.clone(),
                        state,
                    })
                    .set(count);
            }
        }
    }
}

fn seconds(ms: i64) -> f64 {
    ms.max(0) as f64 / 1000.0
}

impl crate::AppState {
    /// What a scrape of `/metrics` gets.
    pub fn metrics_text(&self) -> String {
        let runtime = self.runtime();
        runtime.metrics().encode(runtime)
    }
}
