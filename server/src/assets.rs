//! The UI bundle (wasm, its JavaScript glue, the stylesheet), compiled into the binary so the
//! executable alone serves the whole UI. `cargo xtask build-ui` names the files after their
//! content (`api_switch-<hash>.js`, `_bg.wasm`, `.css`, the stem written to `bundle.txt`) and
//! keeps only a brotli copy of each (`.br`): every current browser accepts brotli, so that copy
//! is sent as it is, and the binary carries each file once, at a fifth of its size. The rare
//! client without brotli gets the file decompressed as it is sent. Fingerprinted names are
//! cached for a year (`immutable`), anything else is revalidated (`no-cache`). Release builds
//! embed the folder; debug builds read it from disk, so a rebuilt UI shows up without
//! recompiling the server.

use std::borrow::Cow;
use std::io::Read;

use axum::body::{Body, Bytes};
use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

#[derive(rust_embed::Embed)]
#[folder = "$CARGO_MANIFEST_DIR/../target/site/pkg"]
// A checkout that has not built the UI yet still compiles; `has_ui_bundle` tells.
#[allow_missing = true]
struct UiBundle;

/// The bundle's file name stem when no fingerprinted bundle is present (a checkout that has
/// not built the UI, or an old build).
pub const PLAIN_OUTPUT_NAME: &str = "api_switch";

/// The file holding the fingerprinted stem, written by `cargo xtask build-ui`.
const BUNDLE_NAME_FILE: &str = "bundle.txt";

/// The suffix of the one (brotli) copy each bundle file is stored as.
const BROTLI_SUFFIX: &str = ".br";

/// How much of a file is decompressed at a time for a client without brotli.
const DECODE_CHUNK: usize = 64 * 1024;

/// Long-lived caching for content-named files: their name changes whenever their bytes do.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// The stem the hydration script asks for (`/pkg/<stem>.js`, `<stem>_bg.wasm`, `<stem>.css`).
pub fn output_name() -> String {
    UiBundle::get(BUNDLE_NAME_FILE)
        .and_then(|file| String::from_utf8(file.data.into_owned()).ok())
        .map(|name| name.trim().to_owned())
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| PLAIN_OUTPUT_NAME.to_owned())
}

/// Whether the bundle holds the hydration script, i.e. the UI was built before this binary.
pub fn has_ui_bundle() -> bool {
    UiBundle::get(&format!("{}.js{BROTLI_SUFFIX}", output_name())).is_some()
}

/// `GET /pkg/{*file}`: one file of the bundle, brotli-compressed when the browser accepts it.
pub async fn bundle_file(Path(file): Path<String>, headers: HeaderMap) -> Response {
    let accept = headers
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    serve(&file, accept, &output_name(), |name| {
        UiBundle::get(name).map(|f| f.data)
    })
}

/// Whether `accept` (an `Accept-Encoding` value) allows `coding` (a `q=0` refuses it).
fn accepts(accept: &str, coding: &str) -> bool {
    accept.split(',').any(|part| {
        let mut pieces = part.split(';').map(str::trim);
        let name = pieces.next().unwrap_or_default();
        let refused = pieces.any(|p| {
            p.strip_prefix("q=")
                .and_then(|q| q.parse::<f32>().ok())
                .is_some_and(|q| q == 0.0)
        });
        (name.eq_ignore_ascii_case(coding) || name == "*") && !refused
    })
}

/// Answers a request for `file`: a file stored as it is (`bundle.txt`), else its brotli copy,
/// sent compressed when the client accepts brotli and decompressed otherwise, with the content
/// type of the original and the caching its name allows. `lookup` reads the bundle (tests pass
/// their own files).
fn serve(
    file: &str,
    accept: &str,
    output_name: &str,
    lookup: impl Fn(&str) -> Option<Cow<'static, [u8]>>,
) -> Response {
    let (body, encoding) = match lookup(file) {
        Some(plain) => (Body::from(plain), None),
        None => match lookup(&format!("{file}{BROTLI_SUFFIX}")) {
            Some(brotli) if accepts(accept, "br") => (Body::from(brotli), Some("br")),
            Some(brotli) => (decompressed(brotli), None),
            None => {
                return (
                    StatusCode::NOT_FOUND,
                    format!("{file}: no such file in the UI bundle"),
                )
                    .into_response();
            }
        },
    };
    let mime = mime_guess::from_path(file).first_or_octet_stream();
    let fingerprinted = output_name != PLAIN_OUTPUT_NAME && file.starts_with(output_name);
    let mut response = body.into_response();
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(mime.as_ref()) {
        headers.insert(header::CONTENT_TYPE, value);
    }
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(if fingerprinted { IMMUTABLE } else { "no-cache" }),
    );
    // Caches must keep one copy per encoding.
    headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    if let Some(coding) = encoding {
        headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static(coding));
    }
    response
}

/// A brotli file decompressed as it is sent, a chunk at a time, so no whole plain copy is held
/// and no worker is blocked for long. A corrupt file ends the body with an error.
fn decompressed(brotli: Cow<'static, [u8]>) -> Body {
    let mut reader =
        brotli_decompressor::Decompressor::new(std::io::Cursor::new(brotli), DECODE_CHUNK);
    let mut failed = false;
    let chunks = std::iter::from_fn(move || {
        if failed {
            return None;
        }
        let mut chunk = vec![0; DECODE_CHUNK];
        match reader.read(&mut chunk) {
            Ok(0) => None,
            Ok(n) => {
                chunk.truncate(n);
                Some(Ok(Bytes::from(chunk)))
            }
            Err(error) => {
                failed = true;
                Some(Err(error))
            }
        }
    });
    Body::from_stream(futures::stream::iter(chunks))
}

/// `GET /favicon.svg` (and `/favicon.ico`, which browsers ask for on their own).
pub async fn favicon() -> Response {
    (
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        include_str!("../assets/favicon.svg"),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::to_bytes;
    use std::io::Write;
    use std::sync::LazyLock;

    const NAME: &str = "api_switch-0123abcd";

    /// Something wasm-sized and compressible, so decompression spans several chunks.
    static WASM: LazyLock<Vec<u8>> = LazyLock::new(|| {
        (0..300_000u32)
            .flat_map(|i| (i % 251).to_le_bytes())
            .collect()
    });

    fn brotli(data: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        {
            let mut writer = brotli::CompressorWriter::new(&mut out, 4096, 5, 22);
            writer.write_all(data).expect("compress");
        }
        out
    }

    static WASM_BR: LazyLock<Vec<u8>> = LazyLock::new(|| brotli(&WASM));

    /// A bundle as `cargo xtask build-ui` leaves it: brotli copies and the stem file.
    fn lookup(file: &str) -> Option<Cow<'static, [u8]>> {
        let bytes: &'static [u8] = match file {
            "api_switch-0123abcd_bg.wasm.br" => WASM_BR.as_slice(),
            "broken.js.br" => b"not brotli at all",
            "bundle.txt" => NAME.as_bytes(),
            _ => return None,
        };
        Some(Cow::Borrowed(bytes))
    }

    async fn get(file: &str, accept: &str) -> (Response, Result<Bytes, axum::Error>) {
        let response = serve(file, accept, NAME, lookup);
        let (parts, body) = response.into_parts();
        let body = to_bytes(body, usize::MAX).await;
        (Response::from_parts(parts, Body::empty()), body)
    }

    fn header_of(response: &Response, name: header::HeaderName) -> Option<String> {
        response
            .headers()
            .get(name)
            .map(|v| v.to_str().expect("ascii").to_owned())
    }

    #[tokio::test]
    async fn brotli_is_sent_as_stored_to_clients_that_accept_it() {
        let (response, body) = get(&format!("{NAME}_bg.wasm"), "gzip, deflate, br").await;
        assert_eq!(body.expect("body").as_ref(), WASM_BR.as_slice());
        assert_eq!(
            header_of(&response, header::CONTENT_ENCODING).as_deref(),
            Some("br")
        );
        assert_eq!(
            header_of(&response, header::CONTENT_TYPE).as_deref(),
            Some("application/wasm"),
            "the type of the original, not of the .br file"
        );
        assert_eq!(
            header_of(&response, header::VARY).as_deref(),
            Some("accept-encoding")
        );
    }

    #[tokio::test]
    async fn clients_without_brotli_get_the_file_decompressed() {
        for accept in ["gzip", "br;q=0, gzip", ""] {
            let (response, body) = get(&format!("{NAME}_bg.wasm"), accept).await;
            let body = body.expect("body");
            assert_eq!(body.len(), WASM.len(), "{accept:?}");
            assert!(
                body.as_ref() == WASM.as_slice(),
                "{accept:?}: the original bytes"
            );
            assert_eq!(header_of(&response, header::CONTENT_ENCODING), None);
            assert_eq!(
                header_of(&response, header::CONTENT_TYPE).as_deref(),
                Some("application/wasm")
            );
        }
        let (_, body) = get("broken.js", "gzip").await;
        assert!(body.is_err(), "a corrupt file ends the body with an error");
    }

    #[tokio::test]
    async fn fingerprinted_files_are_immutable_and_others_revalidate() {
        let (response, _) = get(&format!("{NAME}_bg.wasm"), "br").await;
        assert_eq!(
            header_of(&response, header::CACHE_CONTROL).as_deref(),
            Some(IMMUTABLE)
        );
        let (response, _) = get("bundle.txt", "br").await;
        assert_eq!(
            header_of(&response, header::CACHE_CONTROL).as_deref(),
            Some("no-cache")
        );
        assert_eq!(
            header_of(&response, header::CONTENT_ENCODING),
            None,
            "stored plain"
        );
        let (response, _) = get("missing.js", "br").await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
    }

    #[test]
    fn accept_encoding_is_parsed_with_weights_and_wildcards() {
        assert!(accepts("gzip, br", "br"));
        assert!(accepts("BR", "br"));
        assert!(accepts("*", "gzip"));
        assert!(!accepts("gzip", "br"));
        assert!(!accepts("br;q=0", "br"));
        assert!(accepts("br;q=0.5", "br"));
        assert!(!accepts("", "br"));
    }
}
