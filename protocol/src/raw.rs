//! Reading a body without building a JSON tree. A pass-through request (client and channel
//! speak the same protocol) only needs its top-level `model` and `stream` fields and the field
//! that carries the conversation; [`RequestHead`] finds them in one scan that allocates nothing
//! for the rest, and [`RequestHead::with_model`] splices the entry's model name into the
//! original bytes. [`scan_answer`] does the same for an upstream's non-stream answer: it checks
//! the body is a JSON object and reads its token usage.
//!
//! The scan checks the top level fully (an object of string keys, no duplicated routing field,
//! nothing after it) and the nesting of every value (brackets and strings balance, at most 128
//! levels deep), but not the grammar inside nested values: like any forwarding proxy it leaves
//! that to the upstream, whose own 400 then reaches the client in its protocol's shape.
//! Strings, most of a coding
//! agent's 128 KB, are skipped with `memchr`. Measured against a full validating scan
//! (`serde_json` with borrowed `RawValue`s, ~190 µs for 128 KB on the shared bench machine),
//! a `RawValue` map and `sonic-rs`'s lazy reader (~220 µs each): `cargo bench -p protocol
//! --bench passthrough`.

use std::borrow::Cow;

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

/// Where one top-level value lies in the body: `start..end`.
type Span = Option<(usize, usize)>;

/// The top-level fields routing and forwarding read, as places in the body.
#[derive(Debug, Default)]
struct Fields {
    model: Span,
    stream: Span,
    messages: Span,
    input: Span,
    /// Gemini's conversation.
    contents: Span,
    usage: Span,
    stream_options: Span,
    /// Where a client names its conversation (session affinity reads these; a repeated one is
    /// not an error, the last counts, since routing does not depend on it).
    prompt_cache_key: Span,
    conversation: Span,
    metadata: Span,
}

/// A request body with the fields routing reads located, and the rest untouched.
#[derive(Debug)]
pub struct RequestHead<'a> {
    body: &'a [u8],
    fields: Fields,
}

/// Tells a non-object apart from invalid JSON for a body that does not start with `{`.
fn non_object_error(body: &[u8]) -> ScanError {
    match serde_json::from_slice::<serde::de::IgnoredAny>(body) {
        Ok(_) => ScanError::NotAnObject,
        Err(source) => ScanError::InvalidJson { source },
    }
}

fn invalid(problem: &str, at: usize) -> ScanError {
    ScanError::InvalidJson {
        source: <serde_json::Error as serde::de::Error>::custom(format!("{problem} at byte {at}")),
    }
}

fn skip_whitespace(body: &[u8], mut i: usize) -> usize {
    while body
        .get(i)
        .is_some_and(|b| matches!(b, b' ' | b'\n' | b'\r' | b'\t'))
    {
        i += 1;
    }
    i
}

/// `i` is just past an opening quote; returns the index just past the closing one.
fn skip_string(body: &[u8], mut i: usize) -> Result<usize, ScanError> {
    loop {
        match memchr::memchr2(b'"', b'\\', &body[i..]) {
            None => return Err(invalid("unterminated string", i)),
            Some(at) if body[i + at] == b'"' => return Ok(i + at + 1),
            // A backslash escapes the next byte, whatever it is.
            Some(at) => i += at + 2,
        }
        if i > body.len() {
            return Err(invalid("unterminated string", body.len()));
        }
    }
}

/// The deepest nesting of objects and arrays a body may have: serde_json's own limit, checked
/// here before any recursive parser (sonic-rs allows 255 levels, more than a thread's stack
/// holds in a debug build) or the recursive hub decoders see the body.
const MAX_NESTING: usize = 128;

/// Checks that `body` is one JSON value whose brackets and strings balance and nest at most
/// [`MAX_NESTING`] levels deep; the grammar inside is left to the parser that follows.
pub(crate) fn check_nesting(body: &[u8]) -> Result<(), ScanError> {
    let end = skip_value(body, skip_whitespace(body, 0), MAX_NESTING)?;
    if skip_whitespace(body, end) != body.len() {
        return Err(invalid("trailing characters after the value", end));
    }
    Ok(())
}

/// Skips one value starting at `i`; returns the index just past it. Containers are followed
/// to their matching bracket, at most `levels` deep; scalars to the next delimiter.
fn skip_value(body: &[u8], start: usize, levels: usize) -> Result<usize, ScanError> {
    let mut i = start;
    match body.get(i) {
        None => Err(invalid("a value is missing", i)),
        Some(b'"') => skip_string(body, i + 1),
        Some(b'{' | b'[') => {
            let mut open = Vec::with_capacity(16);
            while let Some(&b) = body.get(i) {
                match b {
                    b'"' => {
                        i = skip_string(body, i + 1)?;
                        continue;
                    }
                    b'{' | b'[' if open.len() == levels => {
                        return Err(invalid("nested deeper than 128 levels", i));
                    }
                    b'{' => open.push(b'}'),
                    b'[' => open.push(b']'),
                    b'}' | b']' => {
                        if open.pop() != Some(b) {
                            return Err(invalid("mismatched bracket", i));
                        }
                        if open.is_empty() {
                            return Ok(i + 1);
                        }
                    }
                    _ => {}
                }
                i += 1;
            }
            Err(invalid("unclosed bracket", i))
        }
        Some(_) => {
            while body
                .get(i)
                .is_some_and(|b| !matches!(b, b',' | b'}' | b']' | b' ' | b'\n' | b'\r' | b'\t'))
            {
                i += 1;
            }
            if i == start {
                return Err(invalid("a value is missing", i));
            }
            Ok(i)
        }
    }
}

/// Scans the top-level object of `body`, noting where the routing fields are.
fn scan(body: &[u8]) -> Result<Fields, ScanError> {
    let mut i = skip_whitespace(body, 0);
    if body.get(i) != Some(&b'{') {
        return Err(non_object_error(body));
    }
    let mut fields = Fields::default();
    i = skip_whitespace(body, i + 1);
    if body.get(i) == Some(&b'}') {
        return finish(body, i + 1, fields);
    }
    loop {
        if body.get(i) != Some(&b'"') {
            return Err(invalid("expected a string key", i));
        }
        let key_end = skip_string(body, i + 1)?;
        let key = &body[i + 1..key_end - 1];
        i = skip_whitespace(body, key_end);
        if body.get(i) != Some(&b':') {
            return Err(invalid("expected `:`", i));
        }
        let value_start = skip_whitespace(body, i + 1);
        // The top-level object is the first of the levels.
        let value_end = skip_value(body, value_start, MAX_NESTING - 1)?;
        let slot = match key {
            b"model" => Some(&mut fields.model),
            b"stream" => Some(&mut fields.stream),
            b"messages" => Some(&mut fields.messages),
            b"input" => Some(&mut fields.input),
            b"contents" => Some(&mut fields.contents),
            // Gemini's name for it; no body carries both.
            b"usage" | b"usageMetadata" => Some(&mut fields.usage),
            b"stream_options" => Some(&mut fields.stream_options),
            _ => {
                let session = match key {
                    b"prompt_cache_key" => Some(&mut fields.prompt_cache_key),
                    b"conversation" => Some(&mut fields.conversation),
                    b"metadata" => Some(&mut fields.metadata),
                    _ => None,
                };
                if let Some(session) = session {
                    *session = Some((value_start, value_end));
                }
                None
            }
        };
        if let Some(slot) = slot {
            if slot.is_some() {
                return Err(invalid("a routing field is given twice", i));
            }
            *slot = Some((value_start, value_end));
        }
        i = skip_whitespace(body, value_end);
        match body.get(i) {
            Some(b',') => i = skip_whitespace(body, i + 1),
            Some(b'}') => return finish(body, i + 1, fields),
            _ => return Err(invalid("expected `,` or `}`", i)),
        }
    }
}

fn finish(body: &[u8], end: usize, fields: Fields) -> Result<Fields, ScanError> {
    let rest = skip_whitespace(body, end);
    if rest != body.len() {
        return Err(invalid("trailing characters", rest));
    }
    Ok(fields)
}

impl<'a> RequestHead<'a> {
    /// Scans `body` (see the module doc for what is checked) and locates its routing fields.
    /// A duplicated routing field is an error (which one counts would be ambiguous).
    pub fn scan(body: &'a [u8]) -> Result<RequestHead<'a>, ScanError> {
        Ok(RequestHead {
            body,
            fields: scan(body)?,
        })
    }

    fn raw(&self, span: Span) -> Option<&'a [u8]> {
        span.map(|(start, end)| &self.body[start..end])
    }

    /// The raw value of a field, `None` when absent or `null`.
    fn present(&self, span: Span) -> Option<&'a [u8]> {
        self.raw(span).filter(|raw| *raw != b"null")
    }

    pub fn model(&self) -> ModelField<'a> {
        match self.present(self.fields.model) {
            None => ModelField::Missing,
            Some(raw) => match serde_json::from_slice::<Cow<'a, str>>(raw) {
                Ok(name) => ModelField::Name(name),
                Err(_) => ModelField::NotAString,
            },
        }
    }

    /// `"stream": true`; anything else (absent, `false`, not a boolean) is a single answer.
    pub fn stream(&self) -> bool {
        self.raw(self.fields.stream) == Some(b"true")
    }

    /// Whether a top-level field routing checks is present and not `null`: `messages`,
    /// `input`, `model` or `stream` (others are not located by the scan, so read as absent).
    pub fn has(&self, field: &str) -> bool {
        let span = match field {
            "messages" => self.fields.messages,
            "input" => self.fields.input,
            "contents" => self.fields.contents,
            "model" => self.fields.model,
            "stream" => self.fields.stream,
            _ => None,
        };
        self.present(span).is_some()
    }

    /// The conversation the client names, for session affinity, as raw JSON string bytes
    /// (quotes and escapes included: only compared, never shown): Chat's and Responses'
    /// `prompt_cache_key`, then Responses' `conversation` (an id, or an object with one),
    /// then Anthropic's `metadata.user_id` (where Claude Code puts its session). Only the
    /// small values named are read; the rest of the body is not looked at again.
    pub fn session(&self) -> Option<&'a [u8]> {
        let string = |raw: &'a [u8]| raw.starts_with(b"\"").then_some(raw);
        if let Some(key) = self.present(self.fields.prompt_cache_key).and_then(string) {
            return Some(key);
        }
        let conversation = self.present(self.fields.conversation);
        if let Some(id) = conversation.and_then(|raw| string(raw).or_else(|| member(raw, "id"))) {
            return Some(id);
        }
        self.present(self.fields.metadata)
            .and_then(|raw| member(raw, "user_id"))
    }

    /// The body with `model` set to `name`, every other byte as it came.
    pub fn with_model(&self, name: &str) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.body.len() + name.len() + 16);
        match self.fields.model {
            Some((start, end)) => {
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

    /// The body with `model` set to `name` and Chat Completions' usage chunk asked for
    /// (`"stream_options":{"include_usage":true}` first in the object), every other byte as
    /// it came; `None` when the body has `stream_options` of its own, which are left alone.
    pub fn with_model_asking_usage(&self, name: &str) -> Option<Vec<u8>> {
        if self.fields.stream_options.is_some() {
            return None;
        }
        let body = self.with_model(name);
        // `with_model` keeps the object's `{` (it starts the scanned body) and puts at least the
        // model after it, so a comma always follows the inserted field.
        let open = body.iter().position(|b| *b == b'{')?;
        let mut out = Vec::with_capacity(body.len() + ASK_USAGE.len());
        out.extend_from_slice(&body[..=open]);
        out.extend_from_slice(ASK_USAGE);
        out.extend_from_slice(&body[open + 1..]);
        Some(out)
    }
}

/// The raw string value of `name` in the object `raw` (a small object such as `metadata`);
/// `None` when it is absent, not a string or `raw` is not an object.
fn member<'a>(raw: &'a [u8], name: &str) -> Option<&'a [u8]> {
    // A small object: a map of borrowed raw values allocates one node per member, no strings.
    let members: std::collections::BTreeMap<&'a str, &'a serde_json::value::RawValue> =
        serde_json::from_slice(raw).ok()?;
    let value = members.get(name)?.get().as_bytes();
    value.starts_with(b"\"").then_some(value)
}

/// What `with_model_asking_usage` inserts.
const ASK_USAGE: &[u8] = br#""stream_options":{"include_usage":true},"#;

fn write_json_string(out: &mut Vec<u8>, text: &str) {
    // Writing a `str` into a `Vec` cannot fail.
    let _ = serde_json::to_writer(&mut *out, text);
}

/// Checks that an upstream's non-stream answer is one JSON object (as the request scan does)
/// and reads its top-level `usage` in `protocol`'s names (see [`crate::decode_usage`]),
/// without building a tree of the rest.
pub fn scan_answer(
    protocol: crate::Protocol,
    body: &[u8],
) -> Result<Option<crate::hub::Usage>, ScanError> {
    let fields = scan(body)?;
    Ok(fields
        .usage
        .and_then(|(start, end)| {
            serde_json::from_slice::<serde_json::Value>(&body[start..end]).ok()
        })
        .and_then(|usage| crate::decode_usage(protocol, &usage)))
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
    fn the_usage_chunk_is_asked_for_only_when_the_client_set_no_stream_options() {
        let head =
            RequestHead::scan(br#"{"model":"auto","stream":true,"messages":[]}"#).expect("scan");
        let out = head.with_model_asking_usage("gpt").expect("asked");
        assert_eq!(
            std::str::from_utf8(&out).expect("utf8"),
            r#"{"stream_options":{"include_usage":true},"model":"gpt","stream":true,"messages":[]}"#
        );
        let own = br#"{"model":"a","stream":true,"stream_options":{"include_usage":false}}"#;
        let head = RequestHead::scan(own).expect("scan");
        assert_eq!(head.with_model_asking_usage("gpt"), None);
    }

    #[test]
    fn the_session_is_read_from_the_field_each_protocol_names_it_in() {
        let session = |body: &[u8]| {
            let head = RequestHead::scan(body).expect("scan");
            head.session()
                .map(|raw| String::from_utf8_lossy(raw).into_owned())
        };
        let chat = br#"{"model":"a","prompt_cache_key":"k1","messages":[]}"#;
        assert_eq!(session(chat).as_deref(), Some(r#""k1""#));
        let conversation = br#"{"model":"a","conversation":{"id":"conv_9"},"input":"hi"}"#;
        assert_eq!(session(conversation).as_deref(), Some(r#""conv_9""#));
        let claude = br#"{"model":"a","metadata":{"user_id":"user_x_session_1f"},"messages":[]}"#;
        assert_eq!(session(claude).as_deref(), Some(r#""user_x_session_1f""#));
        assert_eq!(
            session(br#"{"model":"a","metadata":{},"messages":[]}"#),
            None
        );
        assert_eq!(session(br#"{"model":"a","prompt_cache_key":7}"#), None);
        assert_eq!(session(br#"{"model":"a","messages":[]}"#), None);
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
    fn the_scan_follows_nesting_and_strings_and_rejects_what_cannot_be_forwarded() {
        let nested = br#"{"a":[{"b":"]}\"{["},[1,2,{"c":null}]],"model":"m","n":-1.5e3,"t":true}"#;
        let head = RequestHead::scan(nested).expect("scan");
        assert_eq!(head.model(), ModelField::Name("m".into()));
        for bad in [
            &br#"{"a":[1,2}"#[..],
            br#"{"a":"open}"#,
            br#"{"model":"a","model":"b"}"#,
            br#"{"a":1} x"#,
            br#"{"a" 1}"#,
            br#"{a:1}"#,
            br#"{"a":}"#,
            br#"{"a":1,}"#,
        ] {
            assert!(
                matches!(RequestHead::scan(bad), Err(ScanError::InvalidJson { .. })),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    #[test]
    fn nesting_deeper_than_128_levels_is_refused() {
        let nested = |levels: usize| {
            format!(
                r#"{{"model":"m","a":{}{}}}"#,
                "[".repeat(levels),
                "]".repeat(levels)
            )
        };
        assert!(
            RequestHead::scan(nested(127).as_bytes()).is_ok(),
            "128 levels"
        );
        let error = RequestHead::scan(nested(128).as_bytes()).expect_err("129 levels");
        assert!(
            error.to_string().contains("nested deeper than 128"),
            "{error}"
        );
    }

    #[test]
    fn answers_are_checked_and_their_usage_read() {
        use crate::Protocol;
        let usage = scan_answer(
            Protocol::OpenAiChat,
            br#"{"id":"x","usage":{"prompt_tokens":30,"completion_tokens":2,"prompt_tokens_details":{"cached_tokens":20},"completion_tokens_details":{"reasoning_tokens":1}}}"#,
        )
        .expect("scan")
        .expect("usage");
        assert_eq!(
            (
                usage.total_input(),
                usage.cache_read,
                usage.output,
                usage.reasoning
            ),
            (30, 20, 2, 1)
        );
        let usage = scan_answer(
            Protocol::Anthropic,
            br#"{"usage":{"input_tokens":7,"output_tokens":1,"cache_read_input_tokens":100,"cache_creation_input_tokens":50}}"#,
        )
        .expect("scan")
        .expect("usage");
        assert_eq!(
            (
                usage.input,
                usage.cache_read,
                usage.cache_creation,
                usage.output
            ),
            (7, 100, 50, 1)
        );
        assert_eq!(
            scan_answer(Protocol::OpenAiChat, br#"{"usage":"n/a"}"#).expect("scan"),
            None
        );
        assert_eq!(
            scan_answer(Protocol::OpenAiChat, br#"{"id":"x"}"#).expect("scan"),
            None
        );
        assert!(scan_answer(Protocol::OpenAiChat, b"not json").is_err());
        assert!(matches!(
            scan_answer(Protocol::OpenAiChat, b"[]"),
            Err(ScanError::NotAnObject)
        ));
    }
}
