//! Keys are secrets: this module is where API Switch compares and hides them. Access keys are
//! compared in constant time, so a client cannot learn a key byte by byte from response times.
//! Provider keys and proxy passwords are shown masked (`types::secret::mask`: `sk-***abcd`, or
//! `***` for a short one). An upstream that echoes a key back is masked once, where its bytes
//! enter the engine: a `SecretMask` holds one channel's secrets and finds them all in one pass
//! (Aho-Corasick), and a `StreamMask` applies it to a stream whose chunks may split a secret.

use std::borrow::Cow;

use aho_corasick::{AhoCorasick, MatchKind};
use bytes::{Bytes, BytesMut};
use subtle::ConstantTimeEq;

pub use types::secret::{Secret, mask};

/// Secrets shorter than this are not searched for in text: replacing a few common characters
/// would garble messages without hiding anything worth hiding.
const SHORTEST_MASKED_KEY: usize = 6;

/// Whether the key a client presented is `stored`, compared in constant time over the bytes
/// (only the lengths can differ in time, and they say nothing about the content).
pub fn keys_match(stored: &str, presented: &str) -> bool {
    stored.as_bytes().ct_eq(presented.as_bytes()).into()
}

/// The keys of a channel's key pool: its `api_key` holds one key, or several separated by
/// commas, semicolons or line breaks.
pub fn pool_keys(pool: &str) -> impl Iterator<Item = &str> {
    pool.split(|c: char| c == ',' || c == ';' || c.is_whitespace())
        .map(str::trim)
        .filter(|key| !key.is_empty())
}

/// `text` with every occurrence of each of `keys` replaced by its masked form. Longer keys go
/// first, so a key that contains another is masked whole.
pub fn mask_keys<'k>(text: &str, keys: impl IntoIterator<Item = &'k str>) -> String {
    SecretMask::new(keys).mask_text(text).into_owned()
}

/// `text` (an upstream's error message, say) with every key of a channel's key pool (its
/// `api_key` field) masked.
pub fn mask_pool_keys(text: &str, pool: &str) -> String {
    mask_keys(text, pool_keys(pool))
}

/// The secrets of one channel (every key of its pool, its proxy's password), found and masked
/// in one pass over any bytes. Built once per configuration (the routing snapshot keeps one per
/// channel), so the request path only searches.
#[derive(Clone, Default)]
pub struct SecretMask {
    /// `None` when there is nothing to hide: the bytes pass without a look.
    finder: Option<AhoCorasick>,
    /// The secrets, in the finder's pattern order.
    secrets: Vec<Vec<u8>>,
    /// Each secret's masked form, in the same order.
    masked: Vec<Vec<u8>>,
}

impl std::fmt::Debug for SecretMask {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SecretMask({} secrets)", self.secrets.len())
    }
}

impl SecretMask {
    pub fn new<'s>(secrets: impl IntoIterator<Item = &'s str>) -> Self {
        let mut kept: Vec<&str> = secrets
            .into_iter()
            .filter(|secret| secret.len() >= SHORTEST_MASKED_KEY)
            .collect();
        kept.sort_unstable();
        kept.dedup();
        // Leftmost-longest: a secret that contains another is masked whole.
        let finder = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .build(&kept)
            .ok()
            .filter(|_| !kept.is_empty());
        SecretMask {
            finder,
            secrets: kept.iter().map(|s| s.as_bytes().to_vec()).collect(),
            masked: kept.iter().map(|s| mask(s).into_bytes()).collect(),
        }
    }

    /// The secrets of a channel: every key of its pool (not only the one a request used, so a
    /// pool's keys cannot be collected one per request) and its outbound proxy's password.
    pub fn for_channel(channel: &crate::store::Channel) -> Self {
        let keys = channel.keys.iter().map(|k| k.key.expose());
        let password = channel.proxy.as_ref().map(|p| p.password.expose());
        Self::new(keys.chain(password))
    }

    pub fn is_empty(&self) -> bool {
        self.finder.is_none()
    }

    /// `bytes` with every secret masked; borrowed (no copy) when none is there.
    pub fn mask<'b>(&self, bytes: &'b [u8]) -> Cow<'b, [u8]> {
        match &self.finder {
            Some(finder) if finder.is_match(bytes) => {
                Cow::Owned(finder.replace_all_bytes(bytes, &self.masked))
            }
            _ => Cow::Borrowed(bytes),
        }
    }

    /// `text` with every secret masked.
    pub fn mask_text<'t>(&self, text: &'t str) -> Cow<'t, str> {
        match self.mask(text.as_bytes()) {
            Cow::Borrowed(_) => Cow::Borrowed(text),
            // Whole UTF-8 secrets were replaced by UTF-8 masks: still UTF-8.
            Cow::Owned(bytes) => Cow::Owned(String::from_utf8_lossy(&bytes).into_owned()),
        }
    }

    /// `bytes` (a whole body) masked, without a copy when nothing is there.
    pub fn mask_bytes(&self, bytes: Bytes) -> Bytes {
        match self.mask(&bytes) {
            Cow::Borrowed(_) => bytes,
            Cow::Owned(masked) => Bytes::from(masked),
        }
    }

    /// How many bytes at the end of `bytes` may be the start of a secret that the next chunk
    /// completes: the longest suffix that is a proper prefix of some secret.
    fn unfinished_tail(&self, bytes: &[u8]) -> usize {
        let mut longest = 0;
        for secret in &self.secrets {
            let most = (secret.len() - 1).min(bytes.len());
            for len in (longest + 1..=most).rev() {
                let start = bytes.len() - len;
                if bytes[start] == secret[0] && bytes[start..] == secret[..len] {
                    longest = len;
                    break;
                }
            }
        }
        longest
    }
}

/// A `SecretMask` over a stream: each chunk is masked as it passes, except for a tail that
/// may be the start of a secret split across chunks, held until the next chunk (or the end)
/// shows what it is. An SSE event ends in a line break, which no key contains, so a stream of
/// whole events is never held back.
#[derive(Debug)]
pub struct StreamMask {
    mask: std::sync::Arc<SecretMask>,
    held: BytesMut,
}

impl StreamMask {
    pub fn new(mask: std::sync::Arc<SecretMask>) -> Self {
        StreamMask {
            mask,
            held: BytesMut::new(),
        }
    }

    /// The masked bytes of `chunk` that can be released now.
    pub fn push(&mut self, chunk: Bytes) -> Bytes {
        if self.mask.is_empty() {
            return chunk;
        }
        let masked = if self.held.is_empty() {
            self.mask.mask_bytes(chunk)
        } else {
            self.held.extend_from_slice(&chunk);
            let joined = self.held.split().freeze();
            self.mask.mask_bytes(joined)
        };
        let keep = self.mask.unfinished_tail(&masked);
        let release = masked.len() - keep;
        self.held.extend_from_slice(&masked[release..]);
        masked.slice(..release)
    }

    /// What is still held when the stream ends: it completed no secret, so it goes as it is.
    pub fn finish(&mut self) -> Bytes {
        self.held.split().freeze()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

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
        let pool = "sk-live-aaaaaaaaaaaaaaaa1111,\nsk-live-bbbbbbbbbbbbbbbb2222";
        let echoed = "Incorrect API key provided: sk-live-bbbbbbbbbbbbbbbb2222 (and sk-live-aaaaaaaaaaaaaaaa1111)";
        let masked = mask_pool_keys(echoed, pool);
        assert!(!masked.contains("sk-live-bbbbbbbbbbbbbbbb2222"), "{masked}");
        assert!(!masked.contains("sk-live-aaaaaaaaaaaaaaaa1111"), "{masked}");
        assert!(masked.contains("sk-***2222"), "{masked}");
        assert!(masked.contains("sk-***1111"), "{masked}");
    }

    #[test]
    fn a_key_containing_another_is_masked_whole_and_short_keys_are_left() {
        let masked = mask_keys(
            "key sk-abcdef-a-much-longer-suffix here",
            ["sk-abcdef", "sk-abcdef-a-much-longer-suffix", "ab"],
        );
        assert_eq!(masked, "key sk-***ffix here");
        assert_eq!(
            mask_keys("nothing to hide", ["sk-abcdef"]),
            "nothing to hide"
        );
    }

    #[test]
    fn a_secret_split_across_chunks_is_masked_and_whole_events_are_not_held() {
        let key = "sk-stream-split-0123456789abcdef";
        let mask = Arc::new(SecretMask::new([key]));
        let text = format!("data: {{\"error\":\"bad key {key}\"}}\n\n");
        for cut in 0..text.len() {
            let mut stream = StreamMask::new(Arc::clone(&mask));
            let mut out = Vec::new();
            out.extend_from_slice(&stream.push(Bytes::copy_from_slice(&text.as_bytes()[..cut])));
            out.extend_from_slice(&stream.push(Bytes::copy_from_slice(&text.as_bytes()[cut..])));
            out.extend_from_slice(&stream.finish());
            let out = String::from_utf8(out).expect("utf-8");
            assert!(!out.contains(key), "cut at {cut}: {out}");
            assert!(out.contains("sk-***cdef"), "cut at {cut}: {out}");
        }
        let mut stream = StreamMask::new(mask);
        let event = Bytes::from_static(b"data: {\"content\":\"sk-stre\"}\n\n");
        assert_eq!(
            stream.push(event.clone()),
            event,
            "a whole event is not held"
        );
        let tail = stream.push(Bytes::from_static(b"data: sk-str"));
        assert_eq!(
            tail,
            Bytes::from_static(b"data: "),
            "a possible key start is held"
        );
        assert_eq!(stream.finish(), Bytes::from_static(b"sk-str"));
    }

    #[test]
    fn a_channels_mask_holds_every_key_of_its_pool_and_its_proxy_password() {
        let channel = crate::store::Channel {
            id: 1,
            name: "relay".into(),
            api_type: crate::upstream::ChannelKind::Custom,
            base_url: "http://127.0.0.1:1".into(),
            enabled: true,
            api_version: String::new(),
            keys: ["sk-pool-first-key-00000001", "sk-pool-second-key-0000002"]
                .into_iter()
                .enumerate()
                .map(|(id, key)| crate::store::ChannelKey {
                    id: id as i64 + 1,
                    key: key.into(),
                    enabled: true,
                    disabled_reason: String::new(),
                    disabled_at_ms: 0,
                })
                .collect(),
            proxy: Some(crate::store::OutboundProxy {
                url: "http://127.0.0.1:3128".into(),
                username: "me".into(),
                password: "PROXYPASSWORDsecret".into(),
            }),
            pricing: Default::default(),
        };
        let mask = SecretMask::for_channel(&channel);
        let text = "sk-pool-second-key-0000002 PROXYPASSWORDsecret sk-pool-first-key-00000001";
        assert_eq!(mask.mask_text(text), "sk-***0002 *** sk-***0001");
    }
}
