//! Where clients reach this server: `http://` plus the host the browser used (the `Host`
//! header), so the addresses the Dashboard and the Guide show work when pasted, whether the
//! page was opened as `127.0.0.1:9090`, a LAN name or through a tunnel.

use leptos::prelude::*;

use crate::errors::UiError;

/// `http://HOST[:PORT]` as this request reached the server.
#[server]
pub async fn server_origin() -> Result<String, UiError> {
    let host = use_context::<http::request::Parts>()
        .and_then(|parts| {
            parts
                .headers
                .get(http::header::HOST)
                .and_then(|h| h.to_str().ok())
                .map(str::to_owned)
        })
        .or_else(|| use_context::<LeptosOptions>().map(|o| o.site_addr.to_string()))
        .unwrap_or_else(|| "127.0.0.1:9090".to_owned());
    Ok(format!("http://{host}"))
}

/// The origin as a resource (server-rendered, so the first paint already has it).
pub fn use_origin() -> Signal<String> {
    let origin = Resource::new(|| (), |_| server_origin());
    Signal::derive(move || {
        origin
            .get()
            .and_then(Result::ok)
            .unwrap_or_else(|| "http://127.0.0.1:9090".to_owned())
    })
}
