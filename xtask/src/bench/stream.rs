//! Streaming timing as a client sees it: a plain socket sends one streaming request and stamps
//! the moment each content chunk's marker arrives, giving the time to the first chunk and the
//! gaps between chunks. Comparing those with the upstream's fixed interval shows whether a
//! target forwards chunks as they arrive or holds them back.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use anyhow::{Result, ensure};

use super::process::request_head;
use super::targets::{Target, stream_body};
use super::upstream::CHUNK_MARKER;

/// One streamed answer: when each content chunk arrived, counted from sending the request.
#[derive(Clone, Debug)]
pub struct StreamRun {
    pub arrivals: Vec<Duration>,
}

impl StreamRun {
    pub fn first_chunk(&self) -> Option<Duration> {
        self.arrivals.first().copied()
    }

    pub fn gaps(&self) -> impl Iterator<Item = Duration> + '_ {
        self.arrivals.windows(2).map(|pair| pair[1] - pair[0])
    }
}

/// Sends one streaming request to `target` and times every content chunk.
pub fn measure(target: &Target, expected_chunks: usize) -> Result<StreamRun> {
    measure_body(target, &stream_body(), expected_chunks)
}

/// Sends `body` as a streaming request to `target` and times every content chunk.
pub fn measure_body(target: &Target, body: &str, expected_chunks: usize) -> Result<StreamRun> {
    let mut socket = TcpStream::connect(target.stream)?;
    socket.set_nodelay(true)?;
    socket.set_read_timeout(Some(Duration::from_secs(60)))?;
    let head = request_head(
        target.stream,
        "POST",
        "/v1/chat/completions",
        &target.bearer,
        body,
    );
    let started = Instant::now();
    socket.write_all(head.as_bytes())?;
    let marker = CHUNK_MARKER.as_bytes();
    let (mut received, mut scanned) = (Vec::new(), 0);
    let mut arrivals = Vec::new();
    let mut buffer = [0u8; 16 * 1024];
    loop {
        let read = socket.read(&mut buffer)?;
        if read == 0 {
            break;
        }
        let now = started.elapsed();
        received.extend_from_slice(&buffer[..read]);
        while let Some(at) = find(&received[scanned..], marker) {
            arrivals.push(now);
            scanned += at + marker.len();
        }
    }
    ensure!(
        received.starts_with(b"HTTP/1.1 200"),
        "{}: the streaming request failed: {}",
        target.name,
        String::from_utf8_lossy(&received[..received.len().min(300)])
    );
    ensure!(
        arrivals.len() == expected_chunks,
        "{}: expected {expected_chunks} content chunks, got {}",
        target.name,
        arrivals.len()
    );
    Ok(StreamRun { arrivals })
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

/// Several streamed answers from one target, summarised.
#[derive(Clone, Debug)]
pub struct StreamSummary {
    pub first_chunk_median: Duration,
    pub gap_mean: Duration,
    /// The largest distance of any gap from the upstream's interval.
    pub gap_worst_deviation: Duration,
}

pub fn summarise(runs: &[StreamRun], interval: Duration) -> StreamSummary {
    let mut firsts: Vec<Duration> = runs.iter().filter_map(StreamRun::first_chunk).collect();
    firsts.sort();
    let gaps: Vec<Duration> = runs.iter().flat_map(StreamRun::gaps).collect();
    let gap_mean = if gaps.is_empty() {
        Duration::ZERO
    } else {
        gaps.iter().sum::<Duration>() / gaps.len() as u32
    };
    let gap_worst_deviation = gaps
        .iter()
        .map(|gap| gap.abs_diff(interval))
        .max()
        .unwrap_or_default();
    StreamSummary {
        first_chunk_median: firsts.get(firsts.len() / 2).copied().unwrap_or_default(),
        gap_mean,
        gap_worst_deviation,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench::upstream::{StreamShape, StreamUpstream};

    #[test]
    fn the_client_sees_every_chunk_the_streaming_upstream_sends() {
        let shape = StreamShape {
            chunks: 4,
            interval: Duration::from_millis(1),
        };
        let upstream = StreamUpstream::start(shape).expect("start the streaming upstream");
        let target = Target {
            name: "direct".into(),
            chat: upstream.addr,
            stream: upstream.addr,
            bearer: "test".into(),
            service: None,
        };
        let run = measure(&target, shape.chunks).expect("a streamed answer");
        assert_eq!(run.arrivals.len(), 4);
        assert_eq!(run.gaps().count(), 3);
        assert!(run.arrivals.windows(2).all(|w| w[0] <= w[1]));
    }
}
