//! Request intake shared by every inbound protocol's handlers (`http`, `gemini_http`): the
//! body read within its limit and checked (UTF-8, one JSON object, the fields routing needs,
//! found without a tree), the access key found and known (re-read when it may be new), its
//! limits applied, and the model list `GET /models` answers. Each check fails with the
//! `ProxyError` the handler answers in its client's shape.

use std::sync::Arc;

use axum::body::{Body, to_bytes};
use axum::http::{HeaderMap, header};
use bytes::Bytes;
use serde_json::{Value, json};

use protocol::{RequestHead, ScanError};

use super::error::ProxyError;
use super::runtime::Runtime;
use super::snapshot::Snapshot;
use crate::store::AUTO_GROUP;
use crate::upstream::Endpoint;

/// The body's routing fields, found without a tree; a body that is not one JSON object is
/// the client's 400.
pub fn scan_head(body: &[u8]) -> Result<RequestHead<'_>, ProxyError> {
    RequestHead::scan(body).map_err(|error| match error {
        ScanError::NotAnObject => ProxyError::NotAnObject,
        ScanError::InvalidJson { source } => ProxyError::MalformedJson { source },
    })
}

/// The name of the client's access key (empty when unknown), once the key's limits let the
/// request through (`limits`). Counting tokens generates nothing: neither limited nor counted.
pub fn admit(
    runtime: &Runtime,
    endpoint: Endpoint,
    key: Option<&crate::store::AccessKey>,
) -> Result<String, ProxyError> {
    let Some(key) = key else {
        return Ok(String::new());
    };
    if !matches!(endpoint, Endpoint::CountTokens) {
        runtime.key_meters().admit(&key.name, &key.limits)?;
    }
    Ok(key.name.clone())
}

/// A body must be UTF-8 before any upstream sees it (JSON is UTF-8; a provider's error for
/// anything else would cool every candidate it reached). SIMD-checked: a few GB/s, so a large
/// pass-through body pays next to nothing; the exact offset is found only for a bad body.
pub fn require_utf8(body: &[u8]) -> Result<(), ProxyError> {
    if simdutf8::basic::from_utf8(body).is_ok() {
        return Ok(());
    }
    let valid_up_to = match simdutf8::compat::from_utf8(body) {
        Ok(_) => body.len(),
        Err(error) => error.valid_up_to(),
    };
    Err(ProxyError::NotUtf8 { valid_up_to })
}

pub async fn read_body(body: Body, limit: usize) -> Result<Bytes, ProxyError> {
    to_bytes(body, limit).await.map_err(|source| {
        let too_large = std::error::Error::source(&source)
            .is_some_and(|inner| inner.is::<http_body_util::LengthLimitError>());
        if too_large {
            ProxyError::TooLarge { limit }
        } else {
            ProxyError::BodyRead { source }
        }
    })
}

/// The client's key from `Authorization: Bearer`, `x-api-key` or (Gemini's) `x-goog-api-key`.
pub fn presented_key(headers: &HeaderMap) -> Option<&str> {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        });
    let named = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    bearer
        .or_else(|| named("x-api-key"))
        .or_else(|| named("x-goog-api-key"))
        .map(str::trim)
        .filter(|k| !k.is_empty())
}

/// The access key `presented` (see `presented_key`), when it is one of ours (compared in
/// constant time). The proxy's handlers and the guard's rule for remote clients both ask here.
pub fn known_access_key<'s>(
    snapshot: &'s Snapshot,
    presented: &str,
) -> Option<&'s crate::store::AccessKey> {
    snapshot
        .access_keys
        .iter()
        .find(|k| crate::secrets::keys_match(k.key.expose(), presented))
}

/// The snapshot to serve a request with. When keys are required and the one presented is not
/// in it, the access keys are re-read first (`key_recheck`): `api-switch connect` may have
/// created it a moment ago.
pub async fn snapshot_knowing_key(runtime: &Runtime, headers: &HeaderMap) -> Arc<Snapshot> {
    let arrived = std::time::Instant::now();
    let snapshot = runtime.snapshot();
    let unknown = snapshot.settings.require_access_key
        && presented_key(headers).is_some_and(|key| known_access_key(&snapshot, key).is_none());
    if !unknown {
        return snapshot;
    }
    runtime.recheck_access_keys(arrived).await;
    runtime.snapshot()
}

/// The client's access key (`None` when unknown), or 401 when keys are required.
pub fn authenticate<'s>(
    snapshot: &'s Snapshot,
    headers: &HeaderMap,
) -> Result<Option<&'s crate::store::AccessKey>, ProxyError> {
    authenticate_presented(snapshot, presented_key(headers))
}

/// [`authenticate`] for a key the caller found (Gemini clients may send it as `?key=`).
pub fn authenticate_presented<'s>(
    snapshot: &'s Snapshot,
    presented: Option<&str>,
) -> Result<Option<&'s crate::store::AccessKey>, ProxyError> {
    let known = presented.and_then(|key| known_access_key(snapshot, key));
    match (known, presented, snapshot.settings.require_access_key) {
        (Some(key), _, _) => Ok(Some(key)),
        (None, _, false) => Ok(None),
        (None, None, true) => Err(ProxyError::MissingKey),
        (None, Some(_), true) => Err(ProxyError::InvalidKey),
    }
}

/// The model list: the `auto` group's models in its order mode, then every other routable
/// model in priority order, then aliases, then the groups (`auto` first).
pub fn model_list(snapshot: &Snapshot, speeds: &crate::ordering::Speeds) -> Value {
    let mut data: Vec<Value> = Vec::new();
    let mut seen: Vec<String> = Vec::new();
    let mut push = |id: &str, owned_by: &str, data: &mut Vec<Value>| {
        if !seen.iter().any(|s| s.eq_ignore_ascii_case(id)) {
            seen.push(id.to_owned());
            data.push(json!({"id": id, "object": "model", "created": 0, "owned_by": owned_by}));
        }
    };
    let index = &snapshot.route_index;
    for candidate in index.group_order(AUTO_GROUP, speeds) {
        push(&candidate.entry.model, &candidate.channel.name, &mut data);
    }
    for (entry, channel) in snapshot.routable() {
        push(&entry.model, &channel.name, &mut data);
    }
    for (entry, channel) in snapshot.routable() {
        for alias in &entry.aliases {
            push(alias, &channel.name, &mut data);
        }
    }
    push(AUTO_GROUP, "api-switch", &mut data);
    for (entry, _) in snapshot.routable() {
        push(&entry.group, "api-switch", &mut data);
    }
    json!({"object": "list", "data": data})
}
