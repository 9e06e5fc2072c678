//! The boundary: an upstream's answer as the rest of the proxy may read it. Every byte an
//! upstream sends passes through here, masked with its channel's `SecretMask` (every key of
//! the pool, the proxy's password) before anything reads it: the judge and the error rules,
//! a single answer, a stream (its events, its error events, its converted form), and from
//! there the client's answer, the request log, `/api/events`, Test chat and every log line.
//! Masking once, where bytes enter, is what makes each of those exits safe by construction.

use std::sync::Arc;
use std::time::Duration;

use axum::http::{HeaderMap, StatusCode};
use bytes::Bytes;
use futures::{Stream, StreamExt};

use super::capture::Capture;
use crate::secrets::{SecretMask, StreamMask};

/// An upstream's answer whose body can only be read masked.
pub struct UpstreamAnswer {
    response: reqwest::Response,
    mask: Arc<SecretMask>,
    /// The captured exchange and this attempt's place in it: what is read, masked, is kept.
    capture: Option<(Capture, usize)>,
    /// How long opening a new connection for it took; `None` on a kept-alive one.
    connect_time: Option<Duration>,
}

impl UpstreamAnswer {
    pub fn new(response: reqwest::Response, mask: Arc<SecretMask>) -> Self {
        UpstreamAnswer {
            response,
            mask,
            capture: None,
            connect_time: None,
        }
    }

    /// Notes how long its new connection took to open (`http_client::timing_connect`).
    pub fn connected_in(mut self, connect_time: Option<Duration>) -> Self {
        self.connect_time = connect_time;
        self
    }

    /// How long opening a new connection for it took; `None` when it reused one.
    pub fn connect_time(&self) -> Option<Duration> {
        self.connect_time
    }

    /// Keeps what is read of this answer (masked) as `attempt` of `capture`.
    pub fn captured(mut self, capture: Option<(Capture, usize)>) -> Self {
        if let Some((capture, attempt)) = &capture {
            capture.attempt_answered(*attempt, self.status().as_u16(), self.headers());
        }
        self.capture = capture;
        self
    }

    pub fn status(&self) -> StatusCode {
        self.response.status()
    }

    pub fn headers(&self) -> &HeaderMap {
        self.response.headers()
    }

    /// The whole body, masked.
    pub async fn bytes(self) -> reqwest::Result<Bytes> {
        let body = self.response.bytes().await?;
        let body = self.mask.mask_bytes(body);
        if let Some((capture, attempt)) = &self.capture {
            capture.attempt_body(*attempt, &body);
        }
        Ok(body)
    }

    /// The whole body, masked, with when its first byte arrived (Unix milliseconds; `None`
    /// for an empty body). Read chunk by chunk, as `bytes` does inside: a body that arrives in
    /// one chunk is not copied.
    pub async fn bytes_timed(mut self) -> reqwest::Result<(Bytes, Option<i64>)> {
        let Some(first) = self.response.chunk().await? else {
            return Ok((Bytes::new(), None));
        };
        let first_at = Some(crate::clock::now_ms());
        let body = match self.response.chunk().await? {
            None => first,
            Some(second) => {
                let mut body = bytes::BytesMut::from(first);
                body.extend_from_slice(&second);
                while let Some(chunk) = self.response.chunk().await? {
                    body.extend_from_slice(&chunk);
                }
                body.freeze()
            }
        };
        Ok((self.mask.mask_bytes(body), first_at))
    }

    /// The body as it arrives, masked chunk by chunk; a secret split across chunks is held
    /// until it is whole (`StreamMask`).
    pub fn bytes_stream(self) -> impl Stream<Item = reqwest::Result<Bytes>> + Send + 'static {
        let masking = StreamMask::new(self.mask);
        let capture = self.capture;
        let chunks = self
            .response
            .bytes_stream()
            .map(Some)
            .chain(futures::stream::once(async { None }));
        chunks
            .scan(masking, |masking, chunk| {
                let out = match chunk {
                    Some(Ok(chunk)) => Some(Ok(masking.push(chunk))),
                    Some(Err(error)) => Some(Err(error)),
                    // The end: whatever was held completed no secret.
                    None => Some(Ok(masking.finish())),
                };
                futures::future::ready(out)
            })
            .filter(|chunk| futures::future::ready(!matches!(chunk, Ok(bytes) if bytes.is_empty())))
            .inspect(move |chunk| {
                if let (Some((capture, attempt)), Ok(bytes)) = (&capture, chunk) {
                    capture.attempt_chunk(*attempt, bytes);
                }
            })
    }
}
