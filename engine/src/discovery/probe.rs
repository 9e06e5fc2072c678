//! The requests calibration makes: a GET of a model list and a minimal chat POST, each with
//! the auth header of its API type, each turned into one [`Attempt`]. Nothing here decides
//! what to try next; that is `Search` in the module root.

use reqwest::{RequestBuilder, Response, StatusCode};
use serde_json::{Value, json};

use super::{Attempt, ChannelKind, DiscoveryError, ProbeOptions, Verdict};

/// How the key is sent; a rejection applies to every candidate with the same style.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(super) enum AuthStyle {
    Bearer,
    XApiKey,
    AzureApiKey,
}

impl AuthStyle {
    pub(super) fn of(api_type: ChannelKind) -> Self {
        match api_type {
            ChannelKind::Openai | ChannelKind::Custom | ChannelKind::Gemini => AuthStyle::Bearer,
            ChannelKind::Anthropic => AuthStyle::XApiKey,
            ChannelKind::Azure => AuthStyle::AzureApiKey,
        }
    }
}

/// The `anthropic-version` header every Anthropic request must carry.
const ANTHROPIC_VERSION: &str = "2023-06-01";
/// Longest upstream message kept in an attempt's detail.
const DETAIL_CHARS: usize = 200;

pub(super) struct Prober {
    client: reqwest::Client,
    key: String,
    chat_model: String,
}

impl Prober {
    pub(super) fn new(key: &str, options: &ProbeOptions) -> Result<Self, DiscoveryError> {
        let mut builder = reqwest::Client::builder().timeout(options.timeout);
        if let Some(proxy) = &options.proxy {
            let proxy = crate::http_client::reqwest_proxy(proxy)
                .map_err(|source| DiscoveryError::Client { source })?;
            builder = builder.proxy(proxy);
        }
        let client = builder
            .build()
            .map_err(|source| DiscoveryError::Client { source })?;
        Ok(Self {
            client,
            // A pasted pool is calibrated with its first key.
            key: crate::secrets::pool_keys(key)
                .next()
                .unwrap_or_default()
                .to_string(),
            chat_model: options.chat_probe_model.clone(),
        })
    }

    fn authorised(&self, api_type: ChannelKind, request: RequestBuilder) -> RequestBuilder {
        match AuthStyle::of(api_type) {
            AuthStyle::Bearer => request.bearer_auth(&self.key),
            AuthStyle::XApiKey => request
                .header("x-api-key", &self.key)
                .header("anthropic-version", ANTHROPIC_VERSION),
            AuthStyle::AzureApiKey => request.header("api-key", &self.key),
        }
    }

    /// GETs a model list; the ids when the answer is one.
    pub(super) async fn list_models(
        &self,
        api_type: ChannelKind,
        url: &str,
    ) -> (Attempt, Option<Vec<String>>) {
        let sent = self.authorised(api_type, self.client.get(url)).send().await;
        let mut attempt = attempt(api_type, "GET", url);
        let response = match sent {
            Ok(response) => response,
            Err(error) => return (failed(attempt, &error), None),
        };
        let status = response.status();
        attempt.status = Some(status.as_u16());
        if !status.is_success() {
            attempt.verdict = status_verdict(status);
            attempt.detail = body_excerpt(response, &self.key).await;
            return (attempt, None);
        }
        match response
            .json::<Value>()
            .await
            .ok()
            .and_then(|body| model_ids(&body))
        {
            Some(models) => {
                attempt.verdict = Verdict::ModelsListed;
                attempt.detail = Some(format!("{} models", models.len()));
                (attempt, Some(models))
            }
            None => {
                attempt.verdict = Verdict::NotAModelList;
                (attempt, None)
            }
        }
    }

    /// POSTs the smallest chat request the type accepts.
    pub(super) async fn chat(&self, api_type: ChannelKind, url: &str) -> Attempt {
        let body = json!({
            "model": self.chat_model,
            "messages": [{"role": "user", "content": "hi"}],
            "max_tokens": 1,
        });
        let sent = self
            .authorised(api_type, self.client.post(url).json(&body))
            .send()
            .await;
        let mut attempt = attempt(api_type, "POST", url);
        let response = match sent {
            Ok(response) => response,
            Err(error) => return failed(attempt, &error),
        };
        let status = response.status();
        attempt.status = Some(status.as_u16());
        let is_json = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("json"));
        let detail = body_excerpt(response, &self.key).await;
        // OpenAI answers an unknown model with 404 too; its JSON error then names the model.
        let unknown_model = status == StatusCode::NOT_FOUND
            && is_json
            && detail
                .as_deref()
                .is_some_and(|d| d.to_lowercase().contains("model"));
        attempt.verdict = match status_verdict(status) {
            // Any JSON answer but a missing route proves the endpoint: an unknown model or a
            // bad parameter is an API talking back. A web page for every path is not.
            Verdict::UnexpectedStatus | Verdict::ModelsListed if is_json => Verdict::ChatAnswered,
            Verdict::UnexpectedStatus | Verdict::ModelsListed => Verdict::UnexpectedStatus,
            Verdict::NotFound if unknown_model => Verdict::ChatAnswered,
            other => other,
        };
        attempt.detail = detail;
        attempt
    }
}

fn attempt(api_type: ChannelKind, method: &'static str, url: &str) -> Attempt {
    Attempt {
        api_type,
        method,
        url: url.to_string(),
        status: None,
        verdict: Verdict::UnexpectedStatus,
        detail: None,
    }
}

fn failed(mut attempt: Attempt, error: &reqwest::Error) -> Attempt {
    let (verdict, detail) = if error.is_timeout() {
        (Verdict::Timeout, "no answer within the timeout")
    } else if error.is_connect() {
        (Verdict::ConnectFailed, "cannot connect")
    } else {
        (Verdict::UnexpectedStatus, "request failed")
    };
    attempt.verdict = verdict;
    // reqwest's message names the URL, never the headers, so it cannot leak the key.
    attempt.detail = Some(format!("{detail}: {error}"));
    attempt
}

/// The verdict for a status; success is reported as `ModelsListed` for the caller to refine.
fn status_verdict(status: StatusCode) -> Verdict {
    match status.as_u16() {
        200..=299 => Verdict::ModelsListed,
        401 | 403 => Verdict::KeyRejected,
        404 | 405 => Verdict::NotFound,
        _ => Verdict::UnexpectedStatus,
    }
}

/// The start of the upstream's answer, for the attempt list the UI shows; a key the upstream
/// echoes back is masked first (before cutting, so no half key survives).
async fn body_excerpt(response: Response, key: &str) -> Option<String> {
    let text = crate::secrets::mask_pool_keys(&response.text().await.ok()?, key);
    let text = text.trim();
    (!text.is_empty()).then(|| text.chars().take(DETAIL_CHARS).collect())
}

/// Model ids from the list shapes in use: OpenAI/Anthropic/Azure `{"data": [{"id"}]}` and
/// Gemini's native `{"models": [{"name": "models/x"}]}`.
fn model_ids(body: &Value) -> Option<Vec<String>> {
    if let Some(data) = body.get("data").and_then(Value::as_array) {
        return Some(
            data.iter()
                .filter_map(|m| m.get("id").and_then(Value::as_str))
                // Gemini's OpenAI-compatible list says `models/gemini-2.5-pro`; requests take
                // the bare name.
                .map(|id| id.trim_start_matches("models/").to_string())
                .collect(),
        );
    }
    let models = body.get("models").and_then(Value::as_array)?;
    Some(
        models
            .iter()
            .filter_map(|m| m.get("name").and_then(Value::as_str))
            .map(|name| name.trim_start_matches("models/").to_string())
            .collect(),
    )
}
