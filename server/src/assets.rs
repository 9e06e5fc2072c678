//! The UI bundle (wasm, its JavaScript glue, the stylesheet), compiled into the binary so the
//! executable alone serves the whole UI. Release builds embed the files; debug builds read the
//! same folder from disk, so a rebuilt UI shows up without recompiling the server.

use axum::body::Body;
use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

#[derive(rust_embed::Embed)]
#[folder = "$CARGO_MANIFEST_DIR/../target/site/pkg"]
// A checkout that has not built the UI yet still compiles; `has_ui_bundle` tells.
#[allow_missing = true]
struct UiBundle;

/// The file name stem the hydration script asks for (`/pkg/api_switch.js`, `_bg.wasm`).
pub const OUTPUT_NAME: &str = "api_switch";

/// Whether the bundle holds the hydration script, i.e. the UI was built before this binary.
pub fn has_ui_bundle() -> bool {
    UiBundle::get(&format!("{OUTPUT_NAME}.js")).is_some()
}

/// `GET /pkg/{*file}`: one file of the bundle.
pub async fn bundle_file(Path(file): Path<String>) -> Response {
    match UiBundle::get(&file) {
        Some(content) => {
            let mime = mime_guess::from_path(&file).first_or_octet_stream();
            (
                [
                    (header::CONTENT_TYPE, mime.as_ref().to_owned()),
                    (header::CACHE_CONTROL, "no-cache".to_owned()),
                ],
                Body::from(content.data.into_owned()),
            )
                .into_response()
        }
        None => (
            StatusCode::NOT_FOUND,
            format!("{file}: no such file in the UI bundle"),
        )
            .into_response(),
    }
}

/// `GET /favicon.svg` (and `/favicon.ico`, which browsers ask for on their own).
pub async fn favicon() -> Response {
    (
        [(header::CONTENT_TYPE, "image/svg+xml")],
        include_str!("../assets/favicon.svg"),
    )
        .into_response()
}
