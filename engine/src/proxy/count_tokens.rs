//! `POST /v1/messages/count_tokens`: Anthropic's token counter. When the route leads to an
//! `anthropic` channel, that channel counts (exactly, with the real tokenizer); otherwise, or
//! when it does not answer, the count is estimated locally with `protocol::anthropic`'s
//! heuristic. Counting is advisory, so a failed count never cools or disables an entry.

use std::time::Duration;

use super::attempt::json_response;
use super::error::ProxyError;
use super::masked::UpstreamAnswer;
use super::request::ProxyRequest;
use super::route;
use super::runtime::Runtime;
use crate::clock::now_ms;
use crate::upstream::{Endpoint, Target, UpstreamAdapter as _};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use protocol::{Protocol, RequestHead};

/// Answers a count request: from an Anthropic channel when one is routable, else estimated.
pub async fn answer(runtime: &Runtime, request: ProxyRequest) -> Response {
    if let Some((status, body)) = ask_anthropic(runtime, &request).await {
        return json_response(status, body);
    }
    match request.hub() {
        Ok(hub) => axum::Json(protocol::anthropic::count_tokens_body(hub)).into_response(),
        Err(source) => ProxyError::Convert { source }.into_response_for(Protocol::Anthropic),
    }
}

/// The first Anthropic entry of the route counts; `None` when there is none or it failed.
async fn ask_anthropic(runtime: &Runtime, request: &ProxyRequest) -> Option<(StatusCode, Bytes)> {
    let snapshot = runtime.snapshot();
    // Only Anthropic channels serve the count endpoint, so the route holds nothing else.
    let candidate = route::candidates(
        &snapshot.route_index,
        runtime.cooldowns(),
        runtime.speeds(),
        &request.model,
        Endpoint::CountTokens,
        now_ms(),
    )
    .next()?;
    let channel = &candidate.channel;
    let target = Target {
        base_url: &channel.base_url,
        model: &candidate.entry.model,
        api_version: &channel.api_version,
    };
    let body = RequestHead::scan(&request.body)
        .ok()?
        .with_model(&candidate.entry.model);
    let limit = Duration::from_millis(snapshot.settings.first_byte_timeout_ms);
    let exchange = async {
        let response = snapshot
            .client_for(channel.id)
            .post(channel.api_type.url(target, Endpoint::CountTokens))
            .headers(channel.api_type.headers(
                channel.first_key(),
                &request.headers,
                &channel.base_url,
            ))
            .header(http::header::CONTENT_TYPE, "application/json")
            .body(body)
            .send()
            .await
            .ok()?;
        let response = UpstreamAnswer::new(response, snapshot.mask_for(channel.id));
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
