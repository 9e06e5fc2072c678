//! Stateful Responses through any channel. OpenAI keeps each answer, so a Responses client
//! may send only the new turn with `previous_response_id`; a provider of another protocol
//! keeps nothing. So the hub keeps the conversations of the Responses answers it converted
//! (`store::stored_responses`: a day, the newest 2000, only when the client did not say
//! `store: false`), and when a request names one of them it sends the whole conversation
//! instead: the stored items, then the new input. An id the hub does not hold goes on
//! unchanged: an OpenAI channel may know it, and a converted request refuses it by name
//! (`protocol::fields`).

use std::sync::Arc;

use bytes::Bytes;
use protocol::Protocol;
use serde_json::{Map, Value, json};

use super::error::ProxyError;
use super::request::{Leg, ProxyRequest};
use super::runtime::Runtime;
use crate::store::StoredResponse;

const FIELD: &[u8] = b"\"previous_response_id\"";

/// A Responses body that continues an earlier answer: the body to serve (with a stored
/// conversation in place of its `previous_response_id` when the hub holds that conversation,
/// as it came otherwise) and the id it names (session affinity continues that answer's
/// session). Only bodies that name a previous response are parsed.
pub async fn continue_stored(
    runtime: &Runtime,
    body: Bytes,
) -> Result<(Bytes, Option<String>), ProxyError> {
    if !body.windows(FIELD.len()).any(|window| window == FIELD) {
        return Ok((body, None));
    }
    let mut request: Map<String, Value> =
        serde_json::from_slice(&body).map_err(|source| ProxyError::MalformedJson { source })?;
    let Some(id) = request
        .get("previous_response_id")
        .and_then(Value::as_str)
        .map(str::to_owned)
    else {
        return Ok((body, None));
    };
    let previous = Some(id.clone());
    let (store, writer) = (Arc::clone(runtime.store()), runtime.writer().clone());
    let stored = tokio::task::spawn_blocking(move || {
        let found = store.stored_response(&id, crate::clock::now_ms())?;
        if found.is_some() {
            return Ok(found);
        }
        // The answer may still wait in the writer's batch (a tool loop asks again at once).
        writer.flush();
        store.stored_response(&id, crate::clock::now_ms())
    })
    .await;
    let items = match stored {
        Ok(Ok(Some(items))) => items,
        Ok(Err(error)) => {
            tracing::warn!(%error, "cannot read a stored Responses conversation");
            return Ok((body, previous));
        }
        _ => return Ok((body, previous)),
    };
    let Ok(Value::Array(mut conversation)) = serde_json::from_str::<Value>(&items) else {
        return Ok((body, previous));
    };
    conversation.extend(input_items(request.get("input")));
    request.remove("previous_response_id");
    request.insert("input".into(), Value::Array(conversation));
    let body = serde_json::to_vec(&Value::Object(request))
        .map_err(|source| ProxyError::MalformedJson { source })?;
    Ok((Bytes::from(body), previous))
}

/// A Responses `input` as a list of items (a string is one user message).
fn input_items(input: Option<&Value>) -> Vec<Value> {
    match input {
        Some(Value::String(text)) => {
            vec![json!({"type": "message", "role": "user", "content": text})]
        }
        Some(Value::Array(items)) => items.clone(),
        _ => Vec::new(),
    }
}

/// A converted Responses request whose answer is to be kept: its whole input so far.
pub struct Pending {
    runtime: Arc<Runtime>,
    input: Vec<Value>,
}

/// What to keep of this attempt's answer: `Some` for a Responses client answered through a
/// conversion, unless it asked not to be stored.
pub fn pending(runtime: &Arc<Runtime>, request: &ProxyRequest, leg: Leg) -> Option<Pending> {
    if leg.client != Protocol::Responses || !leg.converts() {
        return None;
    }
    let body: Map<String, Value> = serde_json::from_slice(&request.body).ok()?;
    if body.get("store") == Some(&Value::Bool(false)) {
        return None;
    }
    Some(Pending {
        runtime: Arc::clone(runtime),
        input: input_items(body.get("input")),
    })
}

impl Pending {
    /// Keeps the conversation up to `response` (the Responses object the client got).
    pub fn remember(mut self, response: &Value) {
        let Some(id) = response.get("id").and_then(Value::as_str) else {
            return;
        };
        let output = response.get("output").and_then(Value::as_array);
        self.input.extend(output.into_iter().flatten().cloned());
        self.runtime.writer().conversation(StoredResponse {
            id: id.to_owned(),
            created_ms: crate::clock::now_ms(),
            items: Value::Array(self.input).to_string(),
        });
    }
}
