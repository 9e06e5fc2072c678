//! The browser entry point: once the server-rendered page has loaded, `hydrate` attaches the
//! `app` crate's components to it, making every control live.

// The whole app's view type is one nested type; monomorphising it here goes deep.
#![recursion_limit = "512"]

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
}
