//! Keys are secrets: this module is where API Switch compares and hides them. Access keys are
//! compared in constant time, so a client cannot learn a key byte by byte from response times.
//! Provider keys are masked (`sk-***abcd`) in any text that leaves the engine (log rows, the
//! 502 body, tracing), including an upstream's error message that echoes the key back.

use axum::body::{Body, to_bytes};
use axum::http::header;
use axum::response::Response;
use subtle::ConstantTimeEq;

/// Keys shorter than this are not searched for in text: replacing a few common characters
/// would garble messages without hiding anything worth hiding.
const SHORTEST_MASKED_KEY: usize = 6;

/// Whether the key a client presented is `stored`, compared in constant time over the bytes
/// (only the lengths can differ in time, and they say nothing about the content).
pub fn keys_match(stored: &str, presented: &str) -> bool {
    stored.as_bytes().ct_eq(presented.as_bytes()).into()
}

/// What a key looks like wherever it is shown: enough to recognise it, not to use it.
pub fn mask(secret: &str) -> String {
    let chars: Vec<char> = secret.chars().collect();
    if chars.is_empty() {
        return String::new();
    }
    if chars.len() <= 12 {
        return "***".into();
    }
    let head: String = chars[..3].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}***{tail}")
}

/// The keys of a channel's key pool: its `api_key` holds one key, or several separated by
/// commas, semicolons or line breaks.
pub fn pool_keys(pool: &str) -> impl Iterator<Item = &str> {
    pool.split(|c: char| c == ',' || c == ';' || c.is_whitespace())
        .map(str::trim)
        .filter(|key| !key.is_empty())
}

/// A key pool's text as it may be shown: each key masked, in order.
pub fn mask_pool(pool: &str) -> String {
    pool_keys(pool).map(mask).collect::<Vec<_>>().join(", ")
}

/// `text` with every occurrence of each of `keys` replaced by its masked form. Longer keys go
/// first, so a key that contains another is masked whole.
pub fn mask_keys<'k>(text: &str, keys: impl IntoIterator<Item = &'k str>) -> String {
    let mut keys: Vec<&str> = keys
        .into_iter()
        .filter(|key| key.len() >= SHORTEST_MASKED_KEY)
        .collect();
    keys.sort_by_key(|key| std::cmp::Reverse(key.len()));
    let mut masked = text.to_owned();
    for key in keys {
        if masked.contains(key) {
            masked = masked.replace(key, &mask(key));
        }
    }
    masked
}

/// `text` (an upstream's error message, say) with every key of a channel's key pool (its
/// `api_key` field) masked.
pub fn mask_pool_keys(text: &str, pool: &str) -> String {
    mask_keys(text, pool_keys(pool))
}

/// An upstream's error answer passed on to the client (already read into memory) with every
/// key of the channel's pool masked in its body.
pub async fn mask_in_response(response: Response, pool: &str) -> Response {
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = to_bytes(body, usize::MAX).await else {
        return Response::from_parts(parts, Body::empty());
    };
    let text = String::from_utf8_lossy(&bytes);
    if !pool_keys(pool).any(|key| key.len() >= SHORTEST_MASKED_KEY && text.contains(key)) {
        return Response::from_parts(parts, Body::from(bytes));
    }
    // The body's length changes; the framework sets it again from the new body.
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(mask_pool_keys(&text, pool)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn access_keys_match_only_when_equal() {
        assert!(keys_match("sk-client-1", "sk-client-1"));
        assert!(!keys_match("sk-client-1", "sk-client-2"));
        assert!(!keys_match("sk-client-1", "sk-client-"));
        assert!(!keys_match("sk-client-1", ""));
    }

    #[test]
    fn every_key_of_a_pool_echoed_by_an_upstream_is_masked() {
        let pool = "sk-live-aaaaaaaaaaaa1111,\nsk-live-bbbbbbbbbbbb2222";
        let echoed =
            "Incorrect API key provided: sk-live-bbbbbbbbbbbb2222 (and sk-live-aaaaaaaaaaaa1111)";
        let masked = mask_pool_keys(echoed, pool);
        assert!(!masked.contains("sk-live-bbbbbbbbbbbb2222"), "{masked}");
        assert!(!masked.contains("sk-live-aaaaaaaaaaaa1111"), "{masked}");
        assert!(masked.contains("sk-***2222"), "{masked}");
        assert!(masked.contains("sk-***1111"), "{masked}");
    }

    #[test]
    fn a_key_containing_another_is_masked_whole_and_short_keys_are_left() {
        let masked = mask_keys(
            "key sk-abcdef-long-suffix here",
            ["sk-abcdef", "sk-abcdef-long-suffix", "ab"],
        );
        assert_eq!(masked, "key sk-***ffix here");
        assert_eq!(
            mask_keys("nothing to hide", ["sk-abcdef"]),
            "nothing to hide"
        );
    }
}
