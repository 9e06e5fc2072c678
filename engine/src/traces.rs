//! OpenTelemetry traces, opt-in: each finished request becomes one span, with one child span
//! per attempted entry (hedges side by side, as their times say), sent over OTLP/HTTP to the
//! collector the standard variables name (`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, else
//! `OTEL_EXPORTER_OTLP_ENDPOINT` with `/v1/traces` appended; `OTEL_EXPORTER_OTLP_HEADERS`,
//! `OTEL_SERVICE_NAME` and `OTEL_BSP_*` as everywhere). Nothing set, nothing runs: no exporter,
//! no thread, and a request pays nothing.
//!
//! The spans are built from the request-log row on the background writer's thread, the way
//! `/metrics` is counted, with the times the row already holds (arrival, each attempt's start,
//! first byte, first content, end). So tracing never adds work to the request path, which
//! `tracing-opentelemetry` would (a live span per request and per attempt, its attributes
//! recorded as the request runs). The OpenTelemetry SDK batches them on its own thread. A
//! client that sends a W3C `traceparent` gets the request's span in its own trace: the header
//! is the one thing the request path keeps for tracing, and only while traces are on.
//!
//! What a span carries is what the log row shows: the route, the model asked for and the one
//! that answered, the channel, the status, the app (the access key's name, never the key),
//! tokens and cost; an attempt adds its outcome, its status, the error rule that fired and its
//! timings. Provider keys never reach a row, so they never reach a span.
//!
//! The exporter talks through the engine's own `reqwest` (the OTLP crate's pinned one would be
//! a second copy in the binary), on the server's tokio runtime: the SDK's export thread awaits
//! a task spawned there.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::http::HeaderValue;
use bytes::Bytes;
use opentelemetry::propagation::{Extractor, TextMapPropagator};
use opentelemetry::trace::{Span, SpanKind, Status, TraceContextExt, Tracer, TracerProvider as _};
use opentelemetry::{Context, KeyValue};
use opentelemetry_http::{HttpClient, HttpError};
use opentelemetry_otlp::{SpanExporter, WithExportConfig, WithHttpConfig};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::{SdkTracer, SdkTracerProvider};
use tokio::runtime::Handle;

use crate::logs::{AttemptRecord, RequestRecord};

/// The W3C Trace Context header a client's trace arrives in.
pub const TRACE_PARENT: &str = "traceparent";

/// Where the collector is, per the OpenTelemetry specification (the traces-only one wins).
const ENDPOINT_VARIABLES: [&str; 2] = [
    "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
    "OTEL_EXPORTER_OTLP_ENDPOINT",
];
/// The service name spans carry unless `OTEL_SERVICE_NAME` says otherwise.
const SERVICE_NAME: &str = "api-switch";
/// One export may take this long before it is given up (the collector is usually local).
const EXPORT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a stop waits for the last spans to go out.
const SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(5);

/// Why traces could not be set up; the server says so and serves without them.
#[derive(Debug, thiserror::Error)]
#[error("cannot export traces to {endpoint}: {reason}; fix or unset {variable}")]
pub struct TraceSetupError {
    endpoint: String,
    variable: &'static str,
    reason: String,
}

/// The trace exporter of a running server; spans go out in batches on the SDK's thread, and
/// dropping it sends what is left.
pub struct TraceExport {
    provider: SdkTracerProvider,
    tracer: SdkTracer,
    /// Where spans go, for the server's start-up line.
    endpoint: String,
}

impl TraceExport {
    /// The exporter the environment asks for, or `None` when no OTLP endpoint is set (traces
    /// are opt-in). `runtime` runs the HTTP requests.
    pub fn from_env(runtime: Handle) -> Result<Option<Self>, TraceSetupError> {
        let Some((variable, endpoint)) = endpoint_from_env() else {
            return Ok(None);
        };
        Self::to(&endpoint, runtime)
            .map(Some)
            .map_err(|reason| TraceSetupError {
                endpoint,
                variable,
                reason,
            })
    }

    /// An exporter sending to `endpoint`, the collector's full traces URL
    /// (`http://host:4318/v1/traces`); headers and batching still follow `OTEL_*`.
    pub fn to(endpoint: &str, runtime: Handle) -> Result<Self, String> {
        let exporter = SpanExporter::builder()
            .with_http()
            .with_http_client(OnTokio::new(runtime))
            .with_endpoint(endpoint)
            .with_timeout(EXPORT_TIMEOUT)
            .build()
            .map_err(|error| error.to_string())?;
        let mut resource = Resource::builder();
        if std::env::var_os("OTEL_SERVICE_NAME").is_none() {
            resource = resource.with_service_name(SERVICE_NAME);
        }
        let provider = SdkTracerProvider::builder()
            .with_batch_exporter(exporter)
            .with_resource(resource.build())
            .build();
        let tracer = provider.tracer("api-switch");
        Ok(Self {
            provider,
            tracer,
            endpoint: endpoint.to_owned(),
        })
    }

    /// Where the spans go.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// Queues the spans of one finished request served on `route` (on the writer's thread),
    /// in the client's trace when it sent a valid `traceparent`.
    pub fn export(&self, row: &RequestRecord, route: &'static str, parent: Option<&HeaderValue>) {
        // Both times are whole milliseconds from two clocks: the request's span is widened to
        // hold its attempts, as it did.
        let arrived = row
            .attempts
            .iter()
            .map(|a| a.at_ms)
            .fold(row.at_ms - row.latency_ms.max(0), i64::min);
        let ended = row
            .attempts
            .iter()
            .map(|a| a.at_ms + a.elapsed_ms.max(0))
            .fold(row.at_ms, i64::max);
        let parent = parent.map_or_else(Context::new, |value| {
            TraceContextPropagator::new().extract(&TraceParent(value))
        });
        let mut span = self
            .tracer
            .span_builder(format!("{route} {}", row.requested_model))
            .with_kind(SpanKind::Server)
            .with_start_time(time(arrived))
            .with_attributes(request_attributes(row, route))
            .start_with_context(&self.tracer, &parent);
        if !row.error.is_empty() {
            span.set_status(Status::error(row.error.clone()));
        } else if row.status < 400 {
            span.set_status(Status::Ok);
        }
        let request = Context::new().with_span(span);
        for attempt in &row.attempts {
            self.export_attempt(attempt, &request);
        }
        request.span().end_with_timestamp(time(ended));
    }

    fn export_attempt(&self, attempt: &AttemptRecord, request: &Context) {
        let mut span = self
            .tracer
            .span_builder(format!("attempt {}", attempt.channel))
            .with_kind(SpanKind::Client)
            .with_start_time(time(attempt.at_ms))
            .with_attributes(attempt_attributes(attempt))
            .start_with_context(&self.tracer, request);
        let moments = [
            ("first byte", attempt.ttfb_ms),
            ("first content", attempt.first_content_ms),
        ];
        for (name, after_ms) in moments {
            if let Some(after_ms) = after_ms {
                span.add_event_with_timestamp(name, time(attempt.at_ms + after_ms), Vec::new());
            }
        }
        span.set_status(match &attempt.error_kind {
            None => Status::Ok,
            Some(kind) => Status::error(kind.as_str().to_owned()),
        });
        span.end_with_timestamp(time(attempt.at_ms + attempt.elapsed_ms.max(0)));
    }
}

impl Drop for TraceExport {
    fn drop(&mut self) {
        if let Err(error) = self.provider.shutdown_with_timeout(SHUTDOWN_TIMEOUT) {
            tracing::warn!(%error, "the last trace spans may not have been sent");
        }
    }
}

/// The request span's attributes: OpenTelemetry's GenAI and HTTP names where they fit, the
/// rest under `api_switch.`.
fn request_attributes(row: &RequestRecord, route: &'static str) -> Vec<KeyValue> {
    let mut attributes = vec![
        KeyValue::new("api_switch.route", route),
        KeyValue::new("gen_ai.request.model", row.requested_model.clone()),
        KeyValue::new("http.response.status_code", i64::from(row.status)),
        KeyValue::new("api_switch.stream", row.stream),
        KeyValue::new("api_switch.attempts", i64::from(row.attempt_count)),
        KeyValue::new("api_switch.latency_ms", row.latency_ms),
    ];
    let texts = [
        ("api_switch.channel", &row.channel),
        ("gen_ai.response.model", &row.model),
        ("api_switch.app", &row.client_key_name),
        ("api_switch.session", &row.session),
        ("api_switch.session_moved", &row.session_moved),
        ("error.message", &row.error),
    ];
    for (name, value) in texts {
        if !value.is_empty() {
            attributes.push(KeyValue::new(name, value.clone()));
        }
    }
    let numbers = [
        ("api_switch.first_token_ms", row.first_token_ms),
        ("gen_ai.usage.input_tokens", row.prompt_tokens),
        ("gen_ai.usage.output_tokens", row.completion_tokens),
        ("api_switch.usage.cache_read_tokens", row.cache_read_tokens),
        (
            "api_switch.usage.cache_write_tokens",
            row.cache_write_tokens,
        ),
        ("api_switch.usage.reasoning_tokens", row.reasoning_tokens),
    ];
    for (name, value) in numbers {
        if let Some(value) = value {
            attributes.push(KeyValue::new(name, value));
        }
    }
    if row.tokens_estimated {
        attributes.push(KeyValue::new("api_switch.usage.estimated", true));
    }
    if let Some(cost) = row.cost_usd {
        attributes.push(KeyValue::new("api_switch.cost_usd", cost));
    }
    attributes
}

/// An attempt span's attributes.
fn attempt_attributes(attempt: &AttemptRecord) -> Vec<KeyValue> {
    let outcome = attempt
        .error_kind
        .as_ref()
        .map_or("answered", |kind| kind.as_str());
    let mut attributes = vec![
        KeyValue::new("api_switch.channel", attempt.channel.clone()),
        KeyValue::new("api_switch.entry_id", attempt.entry_id),
        KeyValue::new("gen_ai.request.model", attempt.model.clone()),
        KeyValue::new("api_switch.outcome", outcome.to_owned()),
        KeyValue::new("api_switch.elapsed_ms", attempt.elapsed_ms),
    ];
    if let Some(kind) = &attempt.error_kind {
        attributes.push(KeyValue::new("error.type", kind.as_str().to_owned()));
    }
    if let Some(status) = attempt.status {
        attributes.push(KeyValue::new(
            "http.response.status_code",
            i64::from(status),
        ));
    }
    if let Some(ms) = attempt.ttfb_ms {
        attributes.push(KeyValue::new("api_switch.ttfb_ms", ms));
    }
    if let Some(ms) = attempt.first_content_ms {
        attributes.push(KeyValue::new("api_switch.first_content_ms", ms));
    }
    if let Some(rule) = &attempt.rule {
        attributes.push(KeyValue::new("api_switch.error_rule", rule.clone()));
    }
    attributes
}

/// The client's `traceparent` header, as the W3C propagator reads it (`tracestate` is not
/// kept: nothing here acts on vendor state).
struct TraceParent<'a>(&'a HeaderValue);

impl Extractor for TraceParent<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        (key == TRACE_PARENT)
            .then(|| self.0.to_str().ok())
            .flatten()
    }

    fn keys(&self) -> Vec<&str> {
        vec![TRACE_PARENT]
    }
}

/// The variable that names the collector and its traces URL: the traces-only variable as it
/// is, the general one with `/v1/traces` appended (as the specification says).
fn endpoint_from_env() -> Option<(&'static str, String)> {
    ENDPOINT_VARIABLES
        .iter()
        .enumerate()
        .find_map(|(at, variable)| {
            let value = std::env::var(variable).ok()?;
            let value = value.trim();
            if value.is_empty() {
                return None;
            }
            let endpoint = if at == 0 {
                value.to_owned()
            } else {
                format!("{}/v1/traces", value.trim_end_matches('/'))
            };
            Some((*variable, endpoint))
        })
}

/// Unix milliseconds as the SDK's time.
fn time(unix_ms: i64) -> SystemTime {
    UNIX_EPOCH + Duration::from_millis(u64::try_from(unix_ms).unwrap_or(0))
}

/// The OTLP exporter's HTTP client: the SDK exports from its own thread, outside any tokio
/// runtime, so each request runs as a task on the server's runtime and is awaited from there.
#[derive(Debug)]
struct OnTokio {
    client: reqwest::Client,
    runtime: Handle,
}

impl OnTokio {
    fn new(runtime: Handle) -> Self {
        Self {
            // Building with only a timeout cannot fail (no TLS configuration is read).
            client: reqwest::Client::builder()
                .timeout(EXPORT_TIMEOUT)
                .build()
                .unwrap_or_default(),
            runtime,
        }
    }
}

#[async_trait::async_trait]
impl HttpClient for OnTokio {
    async fn send_bytes(
        &self,
        request: http::Request<Bytes>,
    ) -> Result<http::Response<Bytes>, HttpError> {
        let request = reqwest::Request::try_from(request)?;
        let client = self.client.clone();
        let task = self.runtime.spawn(async move {
            let response = client.execute(request).await?;
            let status = response.status();
            let body = response.bytes().await?;
            Ok::<_, reqwest::Error>((status, body))
        });
        let (status, body) = task.await??;
        Ok(http::Response::builder().status(status).body(body)?)
    }
}
