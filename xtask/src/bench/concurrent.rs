//! Memory with many streams open at once: a thousand clients ask for the upstream's slow
//! answer (ten chunks over two seconds) at the same moment, while the server's resident memory
//! is sampled. Only the streams that arrived whole count as served.

use std::time::Duration;

use anyhow::Result;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::process::{RssSampler, request_head};
use super::targets::{Target, held_stream_body};
use super::upstream::{CHUNK_MARKER, HOLD_SHAPE};

/// The peak resident memory (KiB) of `target` while `streams` streams were open, and how many
/// of them completed with every chunk.
pub fn peak_with_streams(target: &Target, pid: u32, streams: usize) -> Result<(u64, usize)> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let head = request_head(
        target.stream,
        "POST",
        "/v1/chat/completions",
        &target.bearer,
        &held_stream_body(),
    );
    let sampler = RssSampler::start(pid);
    let completed = runtime.block_on(async {
        let mut set = tokio::task::JoinSet::new();
        for _ in 0..streams {
            set.spawn(one_stream(target.stream, head.clone()));
        }
        let mut completed = 0;
        while let Some(done) = set.join_next().await {
            if matches!(done, Ok(Ok(true))) {
                completed += 1;
            }
        }
        completed
    });
    Ok((sampler.finish(), completed))
}

/// True when the whole slow answer arrived.
async fn one_stream(addr: std::net::SocketAddr, head: String) -> std::io::Result<bool> {
    let mut socket = tokio::net::TcpStream::connect(addr).await?;
    socket.write_all(head.as_bytes()).await?;
    let mut received = Vec::new();
    let limit = Duration::from_secs(60);
    tokio::time::timeout(limit, socket.read_to_end(&mut received)).await??;
    let text = String::from_utf8_lossy(&received);
    Ok(text.matches(CHUNK_MARKER).count() == HOLD_SHAPE.chunks)
}
