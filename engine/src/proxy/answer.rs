//! Relaying a single (non-stream) answer: read it whole, check it, and convert it when the
//! client speaks another protocol. A pass-through answer is checked without a tree
//! (`protocol::scan_answer`: one JSON object, and its token usage) and sent byte for byte.

use bytes::Bytes;
use types::pricing::Usage;

use super::attempt::transport_failure;
use super::error::AttemptFailure;
use super::error_rules;
use super::masked::UpstreamAnswer;
use super::request::{Leg, ProxyRequest};
use crate::store::ErrorRule;

/// A checked answer in the client's protocol, with the token counts for the log.
pub struct Answer {
    pub body: Bytes,
    pub usage: Usage,
    /// Bytes of generated text, counted only when the upstream reported no usage (for the
    /// estimate); 0 otherwise.
    pub text_bytes: usize,
    /// When the body's first byte arrived, Unix milliseconds (none for an empty body).
    pub first_byte_at_ms: Option<i64>,
}

/// Reads `response` (a success, masked) whole and shapes it for the client. A small 200 body
/// that is an error the error rules know (`insufficient_quota` with status 200) fails the
/// attempt.
pub async fn read(
    response: UpstreamAnswer,
    leg: Leg,
    rules: &[ErrorRule],
    request: &ProxyRequest,
) -> Result<Answer, AttemptFailure> {
    let (body, first_byte_at_ms) = response.bytes_timed().await.map_err(transport_failure)?;
    if let Some(failure) = error_rules::judge_ok_body(rules, &body) {
        return Err(failure);
    }
    if !leg.converts() {
        let usage = protocol::scan_answer(leg.upstream, &body).map_err(|error| {
            AttemptFailure::InvalidBody {
                problem: error.to_string(),
            }
        })?;
        // No usage: the text is counted for an estimate (a tree only on this rare path).
        let text_bytes = match usage {
            Some(_) => 0,
            None => protocol::decode_response(leg.upstream, &body).map_or(0, |hub| hub.text_len()),
        };
        return Ok(Answer {
            body,
            usage: super::record::usage_from(usage.as_ref()),
            text_bytes,
            first_byte_at_ms,
        });
    }
    let mut hub = protocol::decode_response(leg.upstream, &body).map_err(|source| {
        AttemptFailure::Unreadable {
            source: std::sync::Arc::new(source),
        }
    })?;
    if let Ok(asked) = request.hub()
        && leg.client == protocol::Protocol::Responses
    {
        hub.restore_freeform_calls(&asked.tools);
    }
    if hub.created == 0 {
        // Anthropic answers carry no time; OpenAI clients expect one, as streams get.
        hub.created = jiff::Timestamp::now().as_second().max(0) as u64;
    }
    let converted = protocol::encode_response(leg.client, &hub);
    let usage = super::record::usage_from(Some(&hub.usage));
    let text_bytes = hub.text_len();
    let body = protocol::json::to_vec(&converted).map_err(|error| AttemptFailure::Internal {
        problem: format!("cannot serialise the converted answer: {error}"),
    })?;
    Ok(Answer {
        body: Bytes::from(body),
        usage,
        text_bytes,
        first_byte_at_ms,
    })
}
