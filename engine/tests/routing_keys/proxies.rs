//! Two small outbound proxies on real sockets, written for these tests: an HTTP forward proxy
//! (absolute-form requests, `Proxy-Authorization: Basic`) and a SOCKS5 proxy (RFC 1928, with
//! RFC 1929 username/password when it is given credentials). Each counts the connections it
//! relayed and the credentials it saw, then copies bytes both ways.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt, copy_bidirectional};
use tokio::net::{TcpListener, TcpStream};

/// What a test proxy saw.
#[derive(Default)]
pub struct Seen {
    /// One per relayed connection: the credentials presented (`user:pass`, empty for none).
    pub connections: Vec<String>,
}

pub struct TestProxy {
    pub url: String,
    seen: Arc<Mutex<Seen>>,
}

impl TestProxy {
    pub fn connections(&self) -> Vec<String> {
        self.seen.lock().expect("seen").connections.clone()
    }
}

/// An HTTP forward proxy: reads the request head, notes its `Proxy-Authorization`, connects
/// to the absolute URI's host and relays the connection as it is.
pub async fn http_proxy() -> TestProxy {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let seen = Arc::new(Mutex::new(Seen::default()));
    let noted = seen.clone();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            tokio::spawn(relay_http(client, noted.clone()));
        }
    });
    TestProxy { url, seen }
}

async fn relay_http(mut client: TcpStream, seen: Arc<Mutex<Seen>>) {
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let Ok(n) = client.read(&mut buf).await else {
            return;
        };
        if n == 0 {
            return;
        }
        head.extend_from_slice(&buf[..n]);
    }
    let text = String::from_utf8_lossy(&head).into_owned();
    let target = text
        .split_whitespace()
        .nth(1)
        .and_then(|uri| uri.strip_prefix("http://"))
        .and_then(|rest| rest.split('/').next())
        .unwrap_or_default()
        .to_owned();
    let credentials = text
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("proxy-authorization")
                .then(|| value.trim().strip_prefix("Basic ").map(decode_basic))?
        })
        .unwrap_or_default();
    seen.lock().expect("seen").connections.push(credentials);
    let Ok(mut upstream) = TcpStream::connect(&target).await else {
        return;
    };
    if upstream.write_all(&head).await.is_err() {
        return;
    }
    let _ = copy_bidirectional(&mut client, &mut upstream).await;
}

fn decode_basic(encoded: &str) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut bits = 0u32;
    let mut count = 0;
    let mut out = Vec::new();
    for c in encoded.trim().bytes().take_while(|c| *c != b'=') {
        let Some(value) = ALPHABET.iter().position(|a| *a == c) else {
            break;
        };
        bits = (bits << 6) | value as u32;
        count += 6;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count) as u8);
            bits &= (1 << count) - 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A SOCKS5 proxy (CONNECT only). With `credentials`, it asks for username/password and
/// refuses others; without, it takes "no authentication".
pub async fn socks5_proxy(credentials: Option<(&str, &str)>) -> TestProxy {
    socks5_proxy_answering_after(credentials, Duration::ZERO).await
}

/// A SOCKS5 proxy that waits `delay` before it answers a CONNECT: a connection through it
/// takes at least that long to open, as a far proxy or a slow TLS handshake would.
pub async fn socks5_proxy_answering_after(
    credentials: Option<(&str, &str)>,
    delay: Duration,
) -> TestProxy {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("socks5://{}", listener.local_addr().expect("addr"));
    let seen = Arc::new(Mutex::new(Seen::default()));
    let noted = seen.clone();
    let wanted = credentials.map(|(u, p)| format!("{u}:{p}"));
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let (seen, wanted) = (noted.clone(), wanted.clone());
            tokio::spawn(async move {
                let _ = relay_socks5(client, seen, wanted, delay).await;
            });
        }
    });
    TestProxy { url, seen }
}

async fn relay_socks5(
    mut client: TcpStream,
    seen: Arc<Mutex<Seen>>,
    wanted: Option<String>,
    delay: Duration,
) -> std::io::Result<()> {
    let mut greeting = [0u8; 2];
    client.read_exact(&mut greeting).await?;
    let mut methods = vec![0u8; greeting[1] as usize];
    client.read_exact(&mut methods).await?;
    let mut presented = String::new();
    if let Some(wanted) = &wanted {
        if !methods.contains(&2) {
            client.write_all(&[5, 0xff]).await?;
            return Ok(());
        }
        client.write_all(&[5, 2]).await?;
        let mut version_and_len = [0u8; 2];
        client.read_exact(&mut version_and_len).await?;
        let mut user = vec![0u8; version_and_len[1] as usize];
        client.read_exact(&mut user).await?;
        let mut len = [0u8; 1];
        client.read_exact(&mut len).await?;
        let mut pass = vec![0u8; len[0] as usize];
        client.read_exact(&mut pass).await?;
        presented = format!(
            "{}:{}",
            String::from_utf8_lossy(&user),
            String::from_utf8_lossy(&pass)
        );
        let ok = presented == *wanted;
        client.write_all(&[1, if ok { 0 } else { 1 }]).await?;
        if !ok {
            return Ok(());
        }
    } else {
        client.write_all(&[5, 0]).await?;
    }
    let mut request = [0u8; 4];
    client.read_exact(&mut request).await?;
    let host = match request[3] {
        1 => {
            let mut ip = [0u8; 4];
            client.read_exact(&mut ip).await?;
            std::net::Ipv4Addr::from(ip).to_string()
        }
        3 => {
            let mut len = [0u8; 1];
            client.read_exact(&mut len).await?;
            let mut name = vec![0u8; len[0] as usize];
            client.read_exact(&mut name).await?;
            String::from_utf8_lossy(&name).into_owned()
        }
        _ => {
            let mut ip = [0u8; 16];
            client.read_exact(&mut ip).await?;
            format!("[{}]", std::net::Ipv6Addr::from(ip))
        }
    };
    let mut port = [0u8; 2];
    client.read_exact(&mut port).await?;
    let target = format!("{host}:{}", u16::from_be_bytes(port));
    seen.lock().expect("seen").connections.push(presented);
    let mut upstream = TcpStream::connect(&target).await?;
    tokio::time::sleep(delay).await;
    client.write_all(&[5, 0, 0, 1, 0, 0, 0, 0, 0, 0]).await?;
    copy_bidirectional(&mut client, &mut upstream).await?;
    Ok(())
}
