//! JSON as the protocol modules hold it: wire bodies are read as untyped `serde_json::Value`
//! so that unknown fields never fail a conversion and can be passed through, and the small
//! readers over it every protocol module shares.
//!
//! The bytes of a converted body are read and written with sonic-rs, which fills and walks the
//! same `Value` but scans and escapes strings with SIMD. Strings are most of a coding agent's
//! 128 KB turn, and serde_json's byte-at-a-time escaping was the hottest function of a
//! conversion. sonic-rs allows 255 levels of nesting, more than a debug build's thread stack
//! holds, so [`parse`] first checks for serde_json's limit of 128 in a cheap pass.

use serde_json::{Map, Value};

/// Why bytes are not JSON, or a tree could not be written: what and where, never the bytes
/// themselves. sonic-rs's own message quotes the body around the fault, and a body's content
/// must not reach the request log.
#[derive(Debug, thiserror::Error)]
#[error("{reason}")]
pub struct JsonError {
    reason: String,
}

impl From<sonic_rs::Error> for JsonError {
    fn from(error: sonic_rs::Error) -> Self {
        let message = error.to_string();
        // The quoted fragment follows a blank line: "EOF while parsing at line 1 column 9\n\n\t…".
        let reason = message
            .lines()
            .next()
            .unwrap_or_default()
            .trim_end()
            .to_owned();
        JsonError { reason }
    }
}

/// A body's bytes as a JSON tree (any JSON value; callers check for an object). Nesting is
/// checked first ([`crate::raw::check_nesting`]), in a pass that skips strings with `memchr`.
pub(crate) fn parse(body: &[u8]) -> Result<Value, JsonError> {
    crate::raw::check_nesting(body).map_err(|error| JsonError {
        reason: match error {
            crate::raw::ScanError::InvalidJson { source } => source.to_string(),
            other => other.to_string(),
        },
    })?;
    Ok(sonic_rs::from_slice(body)?)
}

/// A JSON tree as the bytes sent on the wire: a converted request for an upstream, or a
/// converted answer for a client.
pub fn to_vec(value: &Value) -> Result<Vec<u8>, JsonError> {
    Ok(sonic_rs::to_vec(value)?)
}

pub(crate) fn str_field(value: &Value, key: &str) -> Option<String> {
    value.get(key).and_then(Value::as_str).map(str::to_owned)
}

pub(crate) fn u64_field(value: &Value, key: &str) -> Option<u64> {
    value.get(key).and_then(Value::as_u64)
}

pub(crate) fn f64_field(value: &Value, key: &str) -> Option<f64> {
    value.get(key).and_then(Value::as_f64)
}

/// Nested `a.b.c` lookup of a count, zero when absent (usage fields are often omitted).
pub(crate) fn count(value: &Value, path: &[&str]) -> u64 {
    path.iter()
        .try_fold(value, |v, key| v.get(*key))
        .and_then(Value::as_u64)
        .unwrap_or(0)
}

/// A string or an array of strings (`stop`), as a list.
pub(crate) fn string_list(value: Option<&Value>) -> Vec<String> {
    match value {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    }
}

/// The fields of `object` whose names are not in `known`.
pub(crate) fn unknown_fields(object: &Map<String, Value>, known: &[&str]) -> Map<String, Value> {
    object
        .iter()
        .filter(|(key, _)| !known.contains(&key.as_str()))
        .map(|(key, value)| (key.clone(), value.clone()))
        .collect()
}

/// Inserts `value` under `key` unless it is `None`.
pub(crate) fn put<T: Into<Value>>(object: &mut Map<String, Value>, key: &str, value: Option<T>) {
    if let Some(value) = value {
        object.insert(key.to_owned(), value.into());
    }
}

/// Tool-call arguments as a JSON object for protocols that carry them parsed (Anthropic
/// `input`). Arguments that are empty become `{}`; text that is not JSON is kept under `_raw`
/// rather than dropped, so nothing the model produced is lost.
pub(crate) fn arguments_object(arguments: &str) -> Value {
    if arguments.trim().is_empty() {
        return Value::Object(Map::new());
    }
    serde_json::from_str(arguments).unwrap_or_else(|_| serde_json::json!({ "_raw": arguments }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tree_and_the_bytes_match_serde_json() {
        let body = br#"{"s":"line\nbreak \"q\" \u00e9 \ud83d\ude00 \u0001","n":[0,-7,18446744073709551615,1.5e-7,2.0],"o":{"t":true,"f":false,"z":null},"k":{"b":1,"a":2}}"#;
        let ours = parse(body).expect("parses");
        let theirs: Value = serde_json::from_slice(body).expect("serde_json parses");
        assert_eq!(ours, theirs);
        let written = to_vec(&ours).expect("writes");
        assert_eq!(
            written,
            serde_json::to_vec(&theirs).expect("serde_json writes")
        );
    }

    #[test]
    fn bad_bytes_are_refused_without_quoting_them() {
        for body in [
            &b"{\"secret-content-here\": tru}"[..],
            b"{\"a\":\"\xff\xfe\"}",
            b"{\"a\":1} trailing",
            b"",
        ] {
            let error = parse(body).expect_err("refused");
            let message = error.to_string();
            assert!(
                !message.contains("secret") && !message.contains('\n'),
                "{message}"
            );
            assert!(!message.is_empty());
        }
    }

    #[test]
    fn nesting_is_limited() {
        let deep = |levels: usize| format!("{}{}", "[".repeat(levels), "]".repeat(levels));
        assert!(parse(deep(128).as_bytes()).is_ok());
        let error = parse(deep(129).as_bytes()).expect_err("too deep");
        assert!(
            error.to_string().contains("nested deeper than 128"),
            "{error}"
        );
        assert!(
            parse(deep(100_000).as_bytes()).is_err(),
            "no stack overflow"
        );
    }
}
