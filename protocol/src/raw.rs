//! Reading a body without building a JSON tree. A pass-through request (client and channel
//! speak the same protocol) only needs its top-level `model` and `stream` fields and the field
//! that carries the conversation; [`RequestHead`] finds them in one validating scan that
//! allocates nothing for the rest, and [`RequestHead::with_model`] splices the entry's model
//! name into the original bytes. [`scan_answer`] does the same for an upstream's non-stream
//! answer: it checks the body is a JSON object and reads its token usage.
//!
//! `serde_json` with borrowed [`RawValue`]s was chosen over a tree after measuring both (and
//! `sonic-rs`'s lazy reader) on a 128 KB coding-agent body: `cargo bench -p protocol --bench
//! passthrough`.

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::value::RawValue;

/// Why a body could not be scanned.
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    #[error("not valid JSON: {source}")]
    InvalidJson {
        #[source]
        source: serde_json::Error,
    },
    #[error("not a JSON object")]
    NotAnObject,
}

/// The `model` field of a request, as routing needs to know it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModelField<'a> {
    /// Absent or `null`.
    Missing,
    /// Present but not a string.
    NotAString,
    Name(Cow<'a, str>),
}

/// The top-level fields routing and forwarding read, borrowed from the body. Every other field
/// was validated by the scan and is left as bytes.
#[derive(Debug, Deserialize)]
struct Fields<'a> {
    #[serde(borrow, default)]
    model: Option<&'a RawValue>,
    #[serde(borrow, default)]
    stream: Option<&'a RawValue>,
    #[serde(borrow, default)]
    messages: Option<&'a RawValue>,
    #[serde(borrow, default)]
    input: Option<&'a RawValue>,
}

/// A request body with the fields routing reads located, and the rest untouched.
#[derive(Debug)]
pub struct RequestHead<'a> {
    body: &'a [u8],
    fields: Fields<'a>,
}

/// Whether `body` starts (after whitespace) with `{`: the struct scan alone would also accept
/// an array, whose elements serde maps to fields by position.
fn opens_object(body: &[u8]) -> bool {
    body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{')
}

/// Tells a non-object apart from invalid JSON for a body that does not start with `{`.
fn non_object_error(body: &[u8]) -> ScanError {
    match serde_json::from_slice::<serde::de::IgnoredAny>(body) {
        Ok(_) => ScanError::NotAnObject,
        Err(source) => ScanError::InvalidJson { source },
    }
}

impl<'a> RequestHead<'a> {
    /// Validates `body` as one JSON object and locates its routing fields. A duplicated
    /// routing field is an error (which one counts would be ambiguous).
    pub fn scan(body: &'a [u8]) -> Result<RequestHead<'a>, ScanError> {
        if !opens_object(body) {
            return Err(non_object_error(body));
        }
        let fields = serde_json::from_slice::<Fields<'a>>(body)
            .map_err(|source| ScanError::InvalidJson { source })?;
        Ok(RequestHead { body, fields })
    }

    pub fn model(&self) -> ModelField<'a> {
        match self.fields.model {
            None => ModelField::Missing,
            Some(raw) => match serde_json::from_str::<Cow<'a, str>>(raw.get()) {
                Ok(name) => ModelField::Name(name),
                Err(_) => ModelField::NotAString,
            },
        }
    }

    /// `"stream": true`; anything else (absent, `false`, not a boolean) is a single answer.
    pub fn stream(&self) -> bool {
        self.fields.stream.is_some_and(|raw| raw.get() == "true")
    }

    /// Whether a top-level field routing checks is present and not `null`: `messages` or
    /// `input` (the others are not kept by the scan, so they read as absent).
    pub fn has(&self, field: &str) -> bool {
        match field {
            "messages" => self.fields.messages.is_some(),
            "input" => self.fields.input.is_some(),
            "model" => self.fields.model.is_some(),
            "stream" => self.fields.stream.is_some(),
            _ => false,
        }
    }

    /// The body with `model` set to `name`, every other byte as it came.
    pub fn with_model(&self, name: &str) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.body.len() + name.len() + 16);
        match self.fields.model {
            Some(raw) => {
                // The raw value borrows from `body`, so its address gives its place.
                let start = raw.get().as_ptr() as usize - self.body.as_ptr() as usize;
                let end = start + raw.get().len();
                out.extend_from_slice(&self.body[..start]);
                write_json_string(&mut out, name);
                out.extend_from_slice(&self.body[end..]);
            }
            None => {
                let open = self.body.iter().position(|b| *b == b'{').unwrap_or(0);
                out.extend_from_slice(&self.body[..=open]);
                out.extend_from_slice(b"\"model\":");
                write_json_string(&mut out, name);
                let rest = &self.body[open + 1..];
                if rest.iter().any(|b| !b.is_ascii_whitespace() && *b != b'}') {
                    out.push(b',');
                }
                out.extend_from_slice(rest);
            }
        }
        out
    }
}

fn write_json_string(out: &mut Vec<u8>, text: &str) {
    // Writing a `str` into a `Vec` cannot fail.
    let _ = serde_json::to_writer(&mut *out, text);
}

/// Token counts an answer reports, in any protocol's names.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UsageCounts {
    /// `prompt_tokens` (Chat) or `input_tokens` (Anthropic, Responses).
    pub prompt: Option<i64>,
    /// `completion_tokens` (Chat) or `output_tokens` (Anthropic, Responses).
    pub completion: Option<i64>,
}

#[derive(Deserialize)]
struct AnswerFields<'a> {
    #[serde(borrow, default)]
    usage: Option<&'a RawValue>,
}

#[derive(Deserialize, Default)]
struct UsageFields<'a> {
    #[serde(borrow, default)]
    prompt_tokens: Option<&'a RawValue>,
    #[serde(borrow, default)]
    input_tokens: Option<&'a RawValue>,
    #[serde(borrow, default)]
    completion_tokens: Option<&'a RawValue>,
    #[serde(borrow, default)]
    output_tokens: Option<&'a RawValue>,
}

impl UsageFields<'_> {
    fn counts(&self) -> UsageCounts {
        let int = |raw: Option<&RawValue>| raw.and_then(|raw| raw.get().parse::<i64>().ok());
        UsageCounts {
            prompt: int(self.prompt_tokens).or_else(|| int(self.input_tokens)),
            completion: int(self.completion_tokens).or_else(|| int(self.output_tokens)),
        }
    }
}

/// Token counts of a `usage` object given as raw JSON; empty when it is not one.
pub fn usage_counts(usage: &str) -> UsageCounts {
    serde_json::from_str::<UsageFields<'_>>(usage)
        .map(|fields| fields.counts())
        .unwrap_or_default()
}

/// Checks that an upstream's non-stream answer is one JSON object and reads its top-level
/// `usage`, without building a tree.
pub fn scan_answer(body: &[u8]) -> Result<UsageCounts, ScanError> {
    if !opens_object(body) {
        return Err(non_object_error(body));
    }
    let fields = serde_json::from_slice::<AnswerFields<'_>>(body)
        .map_err(|source| ScanError::InvalidJson { source })?;
    Ok(fields
        .usage
        .map(|raw| usage_counts(raw.get()))
        .unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_model_is_spliced_in_and_every_other_byte_kept() {
        let body = br#"{ "messages":[{"role":"user","content":"{\"model\":1}"}], "model" : "auto","stream":true }"#;
        let head = RequestHead::scan(body).expect("scan");
        assert_eq!(head.model(), ModelField::Name("auto".into()));
        assert!(head.stream() && head.has("messages") && !head.has("input"));
        let out = head.with_model("gpt-\"4o\"");
        assert_eq!(
            std::str::from_utf8(&out).expect("utf8"),
            r#"{ "messages":[{"role":"user","content":"{\"model\":1}"}], "model" : "gpt-\"4o\"","stream":true }"#
        );
    }

    #[test]
    fn problems_are_told_apart() {
        assert!(matches!(
            RequestHead::scan(b"[1,2]"),
            Err(ScanError::NotAnObject)
        ));
        assert!(matches!(
            RequestHead::scan(b"{\"model\":"),
            Err(ScanError::InvalidJson { .. })
        ));
        let head = RequestHead::scan(br#"{"model":null,"messages":null}"#).expect("scan");
        assert_eq!(head.model(), ModelField::Missing);
        assert!(!head.has("messages"));
        let head = RequestHead::scan(br#"{"model":5}"#).expect("scan");
        assert_eq!(head.model(), ModelField::NotAString);
        let inserted = RequestHead::scan(b"{}").expect("scan").with_model("m");
        assert_eq!(&inserted[..], br#"{"model":"m"}"#);
    }

    #[test]
    fn answers_are_checked_and_their_usage_read() {
        let usage = scan_answer(br#"{"id":"x","usage":{"prompt_tokens":3,"completion_tokens":2}}"#)
            .expect("scan");
        assert_eq!(
            usage,
            UsageCounts {
                prompt: Some(3),
                completion: Some(2)
            }
        );
        let usage =
            scan_answer(br#"{"usage":{"input_tokens":7,"output_tokens":1}}"#).expect("scan");
        assert_eq!((usage.prompt, usage.completion), (Some(7), Some(1)));
        assert_eq!(
            scan_answer(br#"{"usage":"n/a"}"#).expect("scan"),
            UsageCounts::default()
        );
        assert!(scan_answer(b"not json").is_err());
        assert!(matches!(scan_answer(b"[]"), Err(ScanError::NotAnObject)));
    }
}
