//! Security headers on every answer. UI answers may not be framed by any page
//! (`X-Frame-Options: DENY` and CSP `frame-ancestors 'none'`), so a page on another origin
//! cannot trick a click into the UI (clickjacking). Pages carry a script policy the Leptos
//! bundle satisfies: its inline hydration and resource scripts carry the per-response nonce
//! Leptos renders, the bundle is loaded from this origin and compiled as WebAssembly
//! (`'wasm-unsafe-eval'`); nothing else runs. Every answer is `nosniff` and sends no `Referer`
//! onwards.

use axum::http::{HeaderMap, HeaderValue, header};

use super::Area;

/// The policy of every UI answer that is not a rendered page (JSON, the bundle's files):
/// nothing may load from it or frame it.
const NON_PAGE_POLICY: &str =
    "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/// The policy of a rendered page whose inline scripts carry `nonce`. Styles may be inline
/// (`style` attributes rendered on the server); scripts only with the nonce or from here.
pub fn page_policy(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; \
         connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; \
         frame-ancestors 'none'"
    )
}

/// Sets a rendered page's policy from inside the render (the nonce lives in Leptos's context,
/// generated for this response); call it from the shell function.
pub fn set_page_policy() {
    use leptos::prelude::use_context;
    let (Some(nonce), Some(options)) = (
        leptos::nonce::use_nonce(),
        use_context::<leptos_axum::ResponseOptions>(),
    ) else {
        return;
    };
    if let Ok(value) = HeaderValue::from_str(&page_policy(&nonce)) {
        options.insert_header(header::CONTENT_SECURITY_POLICY, value);
    }
}

/// Adds the headers every answer of `area` carries (see the module doc); a page's own policy,
/// set during rendering, is kept.
pub fn secure(area: Area, headers: &mut HeaderMap) {
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    if matches!(area, Area::Proxy(_)) {
        return;
    }
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(NON_PAGE_POLICY),
        );
    }
}
