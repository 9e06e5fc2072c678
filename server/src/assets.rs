//! The UI bundle (wasm, its JavaScript glue, the stylesheet), compiled into the binary so the
//! executable alone serves the whole UI. `cargo xtask build-ui` names the files after their
//! content (`api_switch-<hash>.js`, `_bg.wasm`, `.css`, the stem written to `bundle.txt`) and
//! writes a brotli (`.br`) and a gzip (`.gz`) copy beside each. So a browser downloads each
//! version once, compressed, and then keeps it: fingerprinted names are cached for a year
//! (`immutable`), anything else is revalidated (`no-cache`). Release builds embed the folder;
//! debug builds read it from disk, so a rebuilt UI shows up without recompiling the server.

use std::borrow::Cow;

use axum::body::Body;
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
    UiBundle::get(&format!("{}.js", output_name())).is_some()
}

/// `GET /pkg/{*file}`: one file of the bundle, precompressed when the browser accepts it.
pub async fn bundle_file(Path(file): Path<String>, headers: HeaderMap) -> Response {
    let accept = headers
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    serve(&file, accept, &output_name(), |name| {
        UiBundle::get(name).map(|f| f.data)
    })
}

/// The encodings we store, best first: (`Accept-Encoding` token, file suffix).
const ENCODINGS: [(&str, &str); 2] = [("br", ".br"), ("gzip", ".gz")];

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

/// Answers a request for `file`: the best stored encoding the client accepts, the content
/// type of the original, and the caching its name allows. `lookup` reads the bundle (tests
/// pass their own files).
fn serve<'a>(
    file: &str,
    accept: &str,
    output_name: &str,
    lookup: impl Fn(&str) -> Option<Cow<'a, [u8]>>,
) -> Response {
    let Some(plain) = lookup(file) else {
        return (
            StatusCode::NOT_FOUND,
            format!("{file}: no such file in the UI bundle"),
        )
            .into_response();
    };
    let (body, encoding) = ENCODINGS
        .iter()
        .filter(|(coding, _)| accepts(accept, coding))
        .find_map(|(coding, suffix)| lookup(&format!("{file}{suffix}")).map(|b| (b, Some(*coding))))
        .unwrap_or((plain, None));
    let mime = mime_guess::from_path(file).first_or_octet_stream();
    let fingerprinted = output_name != PLAIN_OUTPUT_NAME && file.starts_with(output_name);
    let mut response = Body::from(body.into_owned()).into_response();
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

    const NAME: &str = "api_switch-0123abcd";

    /// A bundle with a plain, a brotli and a gzip copy of the wasm, and only a plain CSS file.
    fn lookup(file: &str) -> Option<Cow<'static, [u8]>> {
        let bytes: &'static [u8] = match file {
            "api_switch-0123abcd_bg.wasm" => b"plain wasm",
            "api_switch-0123abcd_bg.wasm.br" => b"brotli wasm",
            "api_switch-0123abcd_bg.wasm.gz" => b"gzip wasm",
            "api_switch-0123abcd.css" => b"plain css",
            "other.txt" => b"other",
            _ => return None,
        };
        Some(Cow::Borrowed(bytes))
    }

    async fn get(file: &str, accept: &str) -> (Response, String) {
        let response = serve(file, accept, NAME, lookup);
        let (parts, body) = response.into_parts();
        let body = to_bytes(body, usize::MAX).await.expect("body");
        (
            Response::from_parts(parts, Body::empty()),
            String::from_utf8_lossy(&body).into_owned(),
        )
    }

    fn header_of(response: &Response, name: header::HeaderName) -> Option<String> {
        response
            .headers()
            .get(name)
            .map(|v| v.to_str().expect("ascii").to_owned())
    }

    #[tokio::test]
    async fn brotli_is_preferred_then_gzip_then_the_plain_file() {
        let (response, body) = get(&format!("{NAME}_bg.wasm"), "gzip, deflate, br").await;
        assert_eq!(body, "brotli wasm");
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

        let (response, body) = get(&format!("{NAME}_bg.wasm"), "gzip").await;
        assert_eq!(body, "gzip wasm");
        assert_eq!(
            header_of(&response, header::CONTENT_ENCODING).as_deref(),
            Some("gzip")
        );

        let (response, body) = get(&format!("{NAME}_bg.wasm"), "br;q=0, gzip;q=0").await;
        assert_eq!(body, "plain wasm", "q=0 refuses an encoding");
        assert_eq!(header_of(&response, header::CONTENT_ENCODING), None);

        let (response, body) = get(&format!("{NAME}.css"), "br, gzip").await;
        assert_eq!(body, "plain css", "no compressed copy: the plain file");
        assert_eq!(header_of(&response, header::CONTENT_ENCODING), None);
    }

    #[tokio::test]
    async fn fingerprinted_files_are_immutable_and_others_revalidate() {
        let (response, _) = get(&format!("{NAME}_bg.wasm"), "").await;
        assert_eq!(
            header_of(&response, header::CACHE_CONTROL).as_deref(),
            Some(IMMUTABLE)
        );
        let (response, _) = get("other.txt", "").await;
        assert_eq!(
            header_of(&response, header::CACHE_CONTROL).as_deref(),
            Some("no-cache")
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
