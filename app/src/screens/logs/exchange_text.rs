//! What the Exchange view shows, as plain values: a body pretty-printed, the differences
//! between what the client sent and what the provider got (JSON paths added, removed and
//! changed, from `json-patch`'s diff), an attempt as a curl command (its headers are masked
//! already), and the exchange as a download.

use json_patch::PatchOperation;
use serde_json::Value;
use types::capture::{CapturedAttempt, Exchange};

/// A body as JSON pretty-printed, or as it came when it is not JSON (or was cut).
pub fn pretty(text: &str) -> String {
    serde_json::from_str::<Value>(text)
        .ok()
        .and_then(|value| serde_json::to_string_pretty(&value).ok())
        .unwrap_or_else(|| text.to_owned())
}

/// One difference: the JSON path and what it holds on either side.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Difference {
    Added {
        path: String,
        value: String,
    },
    Removed {
        path: String,
        was: String,
    },
    Changed {
        path: String,
        was: String,
        now: String,
    },
}

/// The differences from `sent` to `got`; `None` when either is not JSON.
pub fn differences(sent: &str, got: &str) -> Option<Vec<Difference>> {
    let sent: Value = serde_json::from_str(sent).ok()?;
    let got: Value = serde_json::from_str(got).ok()?;
    let short = |value: &Value| {
        let text = value.to_string();
        match text.char_indices().nth(120) {
            Some((cut, _)) => format!("{}…", &text[..cut]),
            None => text,
        }
    };
    let at = |path: &str| sent.pointer(path).map(short).unwrap_or_default();
    let patch = json_patch::diff(&sent, &got);
    Some(
        patch
            .0
            .iter()
            .filter_map(|operation| match operation {
                PatchOperation::Add(add) => Some(Difference::Added {
                    path: add.path.to_string(),
                    value: short(&add.value),
                }),
                PatchOperation::Remove(remove) => Some(Difference::Removed {
                    path: remove.path.to_string(),
                    was: at(remove.path.as_str()),
                }),
                PatchOperation::Replace(replace) => Some(Difference::Changed {
                    path: replace.path.to_string(),
                    was: at(replace.path.as_str()),
                    now: short(&replace.value),
                }),
                _ => None,
            })
            .collect(),
    )
}

/// The attempt as a curl command (its headers masked when captured, so the key is too).
pub fn curl(attempt: &CapturedAttempt) -> String {
    let quote = |text: &str| format!("'{}'", text.replace('\'', r"'\''"));
    let mut command = format!("curl {}", quote(&attempt.url));
    for (name, value) in &attempt.request_headers {
        command.push_str(&format!(" \\\n  -H {}", quote(&format!("{name}: {value}"))));
    }
    command.push_str(&format!(
        " \\\n  --data-binary {}",
        quote(&attempt.request_body.text)
    ));
    command
}

/// The exchange as a `data:` URL for a download link (`exchange-<id>.json`).
pub fn download_href(exchange: &Exchange) -> String {
    let json = serde_json::to_string_pretty(exchange).unwrap_or_default();
    let encoded: String = url::form_urlencoded::byte_serialize(json.as_bytes()).collect();
    // Form encoding writes spaces as `+`, which a data URL would keep as a plus.
    format!(
        "data:application/json;charset=utf-8,{}",
        encoded.replace('+', "%20")
    )
}

/// A size for people: `5.0 MB`, `256 KB`, `12 B`.
pub fn size(bytes: u64) -> String {
    match bytes {
        b if b >= 1024 * 1024 => format!("{:.1} MB", b as f64 / (1024.0 * 1024.0)),
        b if b >= 1024 => format!("{} KB", b / 1024),
        b => format!("{b} B"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn differences_name_the_paths_added_removed_and_changed() {
        let sent = r#"{"model":"tools","max_tokens":100,"system":"be brief"}"#;
        let got =
            r#"{"model":"gpt-tools","max_tokens":100,"stream_options":{"include_usage":true}}"#;
        let found = differences(sent, got).expect("json");
        assert!(found.contains(&Difference::Changed {
            path: "/model".into(),
            was: "\"tools\"".into(),
            now: "\"gpt-tools\"".into()
        }));
        assert!(found.contains(&Difference::Removed {
            path: "/system".into(),
            was: "\"be brief\"".into()
        }));
        assert!(
            found
                .iter()
                .any(|d| matches!(d, Difference::Added { path, .. } if path == "/stream_options"))
        );
        assert_eq!(found.len(), 3);
        assert!(differences("not json", got).is_none());
    }

    #[test]
    fn curl_quotes_what_it_sends() {
        let attempt = CapturedAttempt {
            url: "http://up/v1/chat/completions".into(),
            request_headers: vec![("authorization".into(), "Bearer sk-***abcd".into())],
            request_body: types::capture::CapturedBody {
                text: r#"{"a":"it's"}"#.into(),
                ..Default::default()
            },
            ..Default::default()
        };
        let command = curl(&attempt);
        assert!(command.starts_with("curl 'http://up/v1/chat/completions'"));
        assert!(command.contains("-H 'authorization: Bearer sk-***abcd'"));
        assert!(command.contains(r#"--data-binary '{"a":"it'\''s"}'"#));
    }

    #[test]
    fn sizes_read_for_people() {
        assert_eq!(size(12), "12 B");
        assert_eq!(size(256 * 1024), "256 KB");
        assert_eq!(size(5 * 1024 * 1024 + 10), "5.0 MB");
    }
}
