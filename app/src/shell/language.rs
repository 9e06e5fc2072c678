//! Choosing the UI's language. The page switches at once and a cookie makes the next
//! server-rendered page agree; the choice is also saved as `Settings::ui_language`, because the
//! desktop tray, which has no cookie, labels its menu in the same language.

use leptos::prelude::*;
use types::language::UiLanguage;

use crate::errors::UiError;
use crate::i18n::{Locale, use_i18n};

/// Saves the language the user chose in the UI (only that one setting).
#[server]
pub async fn save_ui_language(language: UiLanguage) -> Result<(), UiError> {
    Ok(crate::engine_call::state()?
        .set_ui_language(language)
        .await?)
}

/// What a language menu runs on `change`; call it while building the component.
pub fn use_switch_language() -> impl Fn(Locale) + Copy + 'static {
    let i18n = use_i18n();
    move |locale| {
        i18n.set_locale(locale);
        let language = match locale {
            Locale::zh => UiLanguage::Zh,
            Locale::en => UiLanguage::En,
        };
        leptos::task::spawn_local(async move {
            // The page already speaks the new language; only the tray would lag behind.
            if let Err(error) = save_ui_language(language).await {
                leptos::logging::warn!("the UI language was not saved for the tray: {error}");
            }
        });
    }
}
