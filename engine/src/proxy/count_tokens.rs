//! `POST /v1/messages/count_tokens`: Anthropic's token counter. When the route leads to an
//! `anthropic` channel, that channel counts (exactly, with the real tokenizer); otherwise, or
//! when it does not answer, the count is estimated locally with `protocol::anthropic`'s
//! heuristic. Counting is advisory, so a failed count never cools or disables an entry.

use std::time::Duration;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use protocol::Protocol;
use serde_json::Value;

use super::error::ProxyError;
use super::forward::{ProxyRequest, json_response};
use super::route;
use crate::AppState;
use crate::clock::now_ms;
use crate::upstream::{ChannelKind, Endpoint, Target};

/// Answers a count request: from an Anthropic channel when one is routable, else estimated.
pub async fn answer(state: &AppState, request: ProxyRequest) -> Response {
    if let Some((status, body)) = ask_anthropic(state, &request).await {
        return json_response(status, body);
    }
    match &request.hub {
        Ok(hub) => axum::Json(protocol::anthropic::count_tokens_body(hub)).into_response(),
        Err(source) => ProxyError::Convert {
            source: source.clone(),
        }
        .into_response_for(Protocol::Anthropic),
    }
}

/// The first Anthropic entry of the route counts; `None` when there is none or it failed.
async fn ask_anthropic(state: &AppState, request: &ProxyRequest) -> Option<(StatusCode, Bytes)> {
    let snapshot = state.snapshot();
    let route = route::select(&snapshot, state.cooldowns(), &request.model, now_ms());
    let candidate = route
        .candidates
        .iter()
        .chain(&route.cooling)
        .find(|c| c.channel.api_type == ChannelKind::Anthropic)?;
    let channel = &candidate.channel;
    let target = Target {
        base_url: &channel.base_url,
        model: &candidate.entry.model,
        api_version: &channel.api_version,
    };
    let mut body = request.body.clone();
    body.insert("model".into(), Value::String(candidate.entry.model.clone()));
    let limit = Duration::from_millis(snapshot.settings.first_byte_timeout_ms);
    let exchange = async {
        let response = snapshot
            .client
            .post(channel.api_type.url(target, Endpoint::CountTokens))
            .headers(channel.api_type.headers(&channel.api_key, &request.headers))
            .json(&body)
            .send()
            .await
            .ok()?;
        let status = response.status();
        let body = response.bytes().await.ok()?;
        status.is_success().then_some((status, body))
    };
    let answer = tokio::time::timeout(limit, exchange).await.ok().flatten();
    if answer.is_none() {
        tracing::warn!(channel = %channel.name, "count_tokens upstream did not answer; estimating locally");
    }
    answer
}
