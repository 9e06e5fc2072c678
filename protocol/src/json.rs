//! Small readers over `serde_json::Value` shared by every protocol module. Wire bodies are read
//! as untyped JSON so that unknown fields never fail a conversion and can be passed through.

use serde_json::{Map, Value};

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
