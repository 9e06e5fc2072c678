//! A document is strict: a field nothing reads (`apikey`, `setings`) is a problem named with
//! its path, never silently dropped, and a value of the wrong type says where it is and what
//! was expected (`settings.cooldown_secs: expected a whole number, got string "600"`). Every
//! problem is collected; the caller reports them all at once.

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

/// Problems found so far, each `path: what is wrong`.
#[derive(Default)]
pub(super) struct Problems(pub(super) Vec<String>);

impl Problems {
    pub(super) fn add(&mut self, path: &str, problem: impl std::fmt::Display) {
        self.0.push(format!("{path}: {problem}"));
    }
}

/// `path.field`, or `field` at the top level.
pub(super) fn join(path: &str, field: &str) -> String {
    match (path, field) {
        ("", field) => field.to_owned(),
        (path, "") => path.to_owned(),
        (path, field) if field.starts_with('[') => format!("{path}{field}"),
        (path, field) => format!("{path}.{field}"),
    }
}

/// Each field of `obj` that is not one of `known` is a problem.
pub(super) fn known_fields(obj: &Map<String, Value>, path: &str, known: &[&str], p: &mut Problems) {
    for field in obj.keys().filter(|field| !known.contains(&field.as_str())) {
        p.add(&join(path, field), unknown_field(known));
    }
}

fn unknown_field(known: &[&str]) -> String {
    format!("unknown field; expected one of {}", known.join(", "))
}

/// `value` read as `T`: fields `T` does not read and a wrong type are problems under `path`.
pub(super) fn typed<T: DeserializeOwned>(value: &Value, path: &str, p: &mut Problems) -> Option<T> {
    let mut unknown = Vec::new();
    let mut track = serde_path_to_error::Track::new();
    let read = serde_ignored::deserialize(
        serde_path_to_error::Deserializer::new(value, &mut track),
        |field| unknown.push(ignored_path(&field)),
    );
    for field in unknown {
        p.add(&join(path, &field), "unknown field");
    }
    match read {
        Ok(value) => Some(value),
        Err(error) => {
            let at = track.path().to_string();
            let at = if at == "." { String::new() } else { at };
            p.add(&join(path, &at), describe(&error));
            None
        }
    }
}

/// A path from `serde_ignored` as the rest of the document's paths read: `a[0].b`.
fn ignored_path(path: &serde_ignored::Path<'_>) -> String {
    use serde_ignored::Path;
    match path {
        Path::Root => String::new(),
        Path::Seq { parent, index } => format!("{}[{index}]", ignored_path(parent)),
        Path::Map { parent, key } => join(&ignored_path(parent), key),
        Path::Some { parent }
        | Path::NewtypeStruct { parent }
        | Path::NewtypeVariant { parent } => ignored_path(parent),
    }
}

/// serde's `invalid type: string "600", expected u64` as `expected a whole number, got string
/// "600"`: what was wanted first, in words.
pub(super) fn describe(error: &serde_json::Error) -> String {
    let text = error.to_string();
    for prefix in ["invalid type: ", "invalid value: "] {
        if let Some((got, expected)) = text
            .strip_prefix(prefix)
            .and_then(|rest| rest.split_once(", expected "))
        {
            return format!("expected {}, got {got}", in_words(expected));
        }
    }
    text
}

fn in_words(expected: &str) -> &str {
    match expected {
        "u8" | "u16" | "u32" | "u64" | "usize" => "a whole number",
        "i8" | "i16" | "i32" | "i64" | "isize" => "a whole number",
        "f32" | "f64" => "a number",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Limits {
        rpm: Option<u32>,
        inner: Option<Inner>,
    }

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Inner {
        day: u64,
    }

    #[test]
    fn unknown_fields_and_wrong_types_are_named_with_their_paths() {
        let mut p = Problems::default();
        let value = serde_json::json!({"rmp": 3, "inner": {"day": 1, "extra": true}});
        assert!(typed::<Limits>(&value, "keys[0].limits", &mut p).is_some());
        p.0.sort();
        assert_eq!(
            p.0,
            [
                "keys[0].limits.inner.extra: unknown field",
                "keys[0].limits.rmp: unknown field",
            ]
        );
        let mut p = Problems::default();
        let value = serde_json::json!({"inner": {"day": "600"}});
        assert!(typed::<Limits>(&value, "x", &mut p).is_none());
        assert_eq!(
            p.0,
            ["x.inner.day: expected a whole number, got string \"600\""]
        );
    }
}
