//! Issue 24, `GET /metrics` on the real binary: a known mix of traffic (a failover from a dead
//! channel, which cools it, then answers straight from the live one, streamed and not, with
//! and without an access key) read back through a Prometheus text parser; and who may read it:
//! never another site's page, a remote client only with a login or a metrics token.

use std::collections::HashMap;
use std::time::Duration;

use prometheus_parse::{Sample, Scrape, Value};
use serde_json::json;

use super::{config_with_editor_key, dead_url, run, serve, start_upstream};

const APP_KEY: &str = "sk-as-editor-0123456789abcdef";

/// The samples of a scrape, by metric name and labels (`name{a="x",b="y"}`, labels sorted).
fn by_series(samples: &[Sample]) -> HashMap<String, f64> {
    samples
        .iter()
        .filter_map(|sample| {
            let value = match &sample.value {
                Value::Counter(v) | Value::Gauge(v) | Value::Untyped(v) => *v,
                Value::Histogram(_) | Value::Summary(_) => return None,
            };
            let mut labels: Vec<_> = sample
                .labels
                .iter()
                .map(|(k, v)| format!("{k}=\"{v}\""))
                .collect();
            labels.sort();
            Some((format!("{}{{{}}}", sample.metric, labels.join(",")), value))
        })
        .collect()
}

async fn scrape(url: &str) -> HashMap<String, f64> {
    let response = reqwest::get(format!("{url}/metrics")).await.expect("get");
    assert_eq!(response.status(), 200);
    let content_type = response.headers()["content-type"].to_str().expect("ascii");
    assert!(
        content_type.starts_with("application/openmetrics-text"),
        "{content_type}"
    );
    let text = response.text().await.expect("text");
    let lines = text.lines().map(|line| Ok(line.to_owned()));
    by_series(
        &Scrape::parse(lines)
            .expect("a Prometheus text scrape")
            .samples,
    )
}

async fn chat(url: &str, key: Option<&str>, stream: bool) {
    let mut request = reqwest::Client::new()
        .post(format!("{url}/v1/chat/completions"))
        .json(&json!({"model": "gpt-test", "stream": stream,
            "messages": [{"role": "user", "content": "hi"}]}));
    if let Some(key) = key {
        request = request.bearer_auth(key);
    }
    let response = request.send().await.expect("send");
    assert_eq!(response.status(), 200);
    response.bytes().await.expect("body");
}

fn value(series: &HashMap<String, f64>, name: &str) -> f64 {
    *series
        .get(name)
        .unwrap_or_else(|| panic!("no {name} in {series:#?}"))
}

#[tokio::test]
async fn metrics_count_a_known_mix_of_traffic_and_refuse_other_sites_and_strangers() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("config.json");
    let config = config_with_editor_key(&start_upstream().await, &dead_url(), APP_KEY);
    std::fs::write(&file, config.to_string()).expect("write");
    run(&["import", file.to_str().expect("utf-8 path")], dir.path());
    let token =
        String::from_utf8(run(&["metrics-token", "create", "prometheus"], dir.path()).stdout)
            .expect("utf-8")
            .trim()
            .to_owned();
    let server = serve(dir.path()).await;
    let url = &server.url;

    // The first request fails over (the dead channel refuses the connection and cools); the
    // next ones go straight to the live channel. Three single answers with the editor's key
    // (3 prompt + 2 completion tokens each), one stream without a key.
    for _ in 0..3 {
        chat(url, Some(APP_KEY), false).await;
    }
    chat(url, None, true).await;

    let requests =
        r#"api_switch_requests_total{channel="live",route="chat_completions",status="200"}"#;
    let mut series = HashMap::new();
    for _ in 0..100 {
        series = scrape(url).await;
        if series.get(requests) == Some(&4.0) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(value(&series, requests), 4.0);
    let attempts = |channel: &str, outcome: &str| {
        value(
            &series,
            &format!(r#"api_switch_attempts_total{{channel="{channel}",outcome="{outcome}"}}"#),
        )
    };
    assert_eq!(attempts("dead", "connect"), 1.0);
    assert_eq!(attempts("live", "answered"), 4.0);
    let tokens = |kind: &str| {
        value(
            &series,
            &format!(r#"api_switch_tokens_total{{app="editor",kind="{kind}",model="gpt-test"}}"#),
        )
    };
    assert_eq!((tokens("prompt"), tokens("completion")), (9.0, 6.0));
    let timed = |histogram: &str| {
        value(
            &series,
            &format!(r#"api_switch_{histogram}_count{{route="chat_completions"}}"#),
        )
    };
    assert_eq!(timed("request_duration_seconds"), 4.0);
    assert_eq!(timed("first_content_seconds"), 4.0);
    let entries = |state: &str| {
        value(
            &series,
            &format!(r#"api_switch_entries{{state="{state}"}}"#),
        )
    };
    assert_eq!(
        (entries("ready"), entries("cooling"), entries("disabled")),
        (1.0, 1.0, 0.0)
    );
    let live_keys = r#"api_switch_pool_keys{channel="live",state="usable"}"#;
    assert_eq!(value(&series, live_keys), 1.0);
    let scraped = reqwest::get(format!("{url}/metrics"))
        .await
        .expect("get")
        .text()
        .await
        .expect("text");
    for secret in ["sk-live-0123456789", "sk-dead-0123456789", APP_KEY] {
        assert!(!scraped.contains(secret), "{secret} in the metrics");
    }

    let client = reqwest::Client::new();
    let status = |request: reqwest::RequestBuilder| async move {
        request.send().await.expect("send").status().as_u16()
    };
    let metrics = format!("{url}/metrics");
    // Another site's page, by either header a browser sends, even with a valid token.
    let cross_site = client
        .get(&metrics)
        .header("sec-fetch-site", "cross-site")
        .bearer_auth(&token);
    assert_eq!(status(cross_site).await, 403);
    let foreign_origin = client
        .get(&metrics)
        .header("origin", "https://evil.example");
    assert_eq!(status(foreign_origin).await, 403);
    // A remote client (through a reverse proxy) needs a login or the token.
    let remote = || {
        client
            .get(&metrics)
            .header("x-forwarded-for", "203.0.113.9")
    };
    assert_eq!(status(remote()).await, 401);
    assert_eq!(status(remote().bearer_auth("not-a-token")).await, 401);
    assert_eq!(status(remote().bearer_auth(&token)).await, 200);
    // Revoked: refused at once.
    run(&["metrics-token", "revoke", "prometheus"], dir.path());
    assert_eq!(status(remote().bearer_auth(&token)).await, 401);
}
