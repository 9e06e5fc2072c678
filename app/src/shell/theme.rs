//! Light and dark theme. The choice (system, light or dark) lives in a cookie, so the server
//! renders `<html data-theme=...>` right on the first byte (no flash); "system" follows the
//! operating system through CSS (`prefers-color-scheme`, see `style/main.css`).

use codee::string::FromToStringCodec;
use leptos::prelude::*;
use leptos_meta::Html;
use leptos_use::{SameSite, UseCookieOptions, use_cookie_with_options};

/// The cookie holding the choice.
const COOKIE: &str = "api_switch_theme";

/// What the user picked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ThemeChoice {
    System,
    Light,
    Dark,
}

impl ThemeChoice {
    pub const ALL: [ThemeChoice; 3] = [Self::System, Self::Light, Self::Dark];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::System => "system",
            Self::Light => "light",
            Self::Dark => "dark",
        }
    }

    pub fn parse(value: &str) -> Self {
        match value {
            "light" => Self::Light,
            "dark" => Self::Dark,
            _ => Self::System,
        }
    }
}

/// The current theme and a way to change it (remembered for a year).
#[derive(Clone, Copy)]
pub struct Theme {
    pub choice: Signal<ThemeChoice>,
    set: WriteSignal<Option<String>>,
}

impl Theme {
    pub fn set(self, choice: ThemeChoice) {
        self.set.set(Some(choice.as_str().to_owned()));
    }
}

/// The theme from context (provided by `provide_theme` at the top of `App`).
pub fn use_theme() -> Theme {
    expect_context::<Theme>()
}

/// Reads the cookie and provides `Theme` to the whole app.
pub fn provide_theme() -> Theme {
    let (cookie, set) = use_cookie_with_options::<String, FromToStringCodec>(
        COOKIE,
        UseCookieOptions::default()
            .path("/")
            .max_age(super::REMEMBER_MS)
            .same_site(SameSite::Lax),
    );
    let choice = Signal::derive(move || {
        cookie.with(|c| ThemeChoice::parse(c.as_deref().unwrap_or_default()))
    });
    let theme = Theme { choice, set };
    provide_context(theme);
    theme
}

/// Keeps `<html data-theme>` in step with the choice (the CSS keys every colour on it).
#[component]
pub fn ThemeAttribute(theme: Theme) -> impl IntoView {
    view! { <Html {..} data-theme=move || theme.choice.get().as_str()/> }
}
