//! Small browser-side helpers: JSON over `fetch` for the plain HTTP endpoints that are not
//! server functions (`/api/auth/*`), and where the page was loaded from. On the server these
//! do nothing useful and are never called.

use serde_json::Value;

/// An HTTP answer: its status and its JSON body (`Null` when there was none).
pub struct JsonAnswer {
    pub status: u16,
    pub body: Value,
}

/// `method url` with an optional JSON body, same-origin, cookies included.
#[cfg(feature = "hydrate")]
pub async fn fetch_json(
    method: &str,
    url: &str,
    body: Option<&Value>,
) -> Result<JsonAnswer, String> {
    use wasm_bindgen::JsCast;
    use wasm_bindgen_futures::JsFuture;

    let init = web_sys::RequestInit::new();
    init.set_method(method);
    init.set_credentials(web_sys::RequestCredentials::SameOrigin);
    let headers = web_sys::Headers::new().map_err(|e| format!("{e:?}"))?;
    headers
        .set("Accept", "application/json")
        .map_err(|e| format!("{e:?}"))?;
    if let Some(body) = body {
        headers
            .set("Content-Type", "application/json")
            .map_err(|e| format!("{e:?}"))?;
        init.set_body(&wasm_bindgen::JsValue::from_str(&body.to_string()));
    }
    init.set_headers(&headers);
    let request =
        web_sys::Request::new_with_str_and_init(url, &init).map_err(|e| format!("{e:?}"))?;
    let window = web_sys::window().ok_or("no window")?;
    let response: web_sys::Response = JsFuture::from(window.fetch_with_request(&request))
        .await
        .map_err(|e| format!("{e:?}"))?
        .dyn_into()
        .map_err(|e| format!("{e:?}"))?;
    let status = response.status();
    let text = match response.text() {
        Ok(promise) => JsFuture::from(promise)
            .await
            .ok()
            .and_then(|t| t.as_string()),
        Err(_) => None,
    };
    let body = text
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or(Value::Null);
    Ok(JsonAnswer { status, body })
}

/// On the server there is no browser to fetch from.
#[cfg(not(feature = "hydrate"))]
pub async fn fetch_json(
    _method: &str,
    _url: &str,
    _body: Option<&Value>,
) -> Result<JsonAnswer, String> {
    Err("fetch is only available in the browser".into())
}

/// Sends the browser to `path` with a full page load (after login or logout the server
/// renders the next page with the new session).
pub fn go_to(path: &str) {
    #[cfg(feature = "hydrate")]
    if let Some(window) = web_sys::window() {
        let _ = window.location().set_href(path);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = path;
}
