//! The frame every page shares: the HTML document, the router, and the layout with its
//! navigation, header (language, theme, logout) and the one live event stream the screens
//! listen to. Screens plug into `App`'s routes; none of them knows about another.

pub mod header;
pub mod language;
pub mod live;
mod nav;
pub mod origin;
pub mod theme;
pub mod time;

use leptos::prelude::*;
use leptos_meta::{MetaTags, Title, provide_meta_context};
use leptos_router::components::{Outlet, ParentRoute, Route, Router, Routes};
use leptos_router::{SsrMode, path};

use crate::components::toast::ToastHost;
use crate::i18n::{I18nContextProvider, t};
use crate::screens::{
    access_keys, channels, connect, dashboard, guide, login, logs, settings, test_chat,
};

/// How long the language and theme choices are remembered, in milliseconds (a year).
pub const REMEMBER_MS: i64 = 365 * 24 * 3600 * 1000;

/// The whole HTML document the server sends; `App` is what hydrates inside it. The bundle's
/// file names carry a content hash (`options.output_name`), so they can be cached forever.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    let stylesheet = format!("/{}/{}.css", options.site_pkg_dir, options.output_name);
    view! {
        <!DOCTYPE html>
        <html>
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="color-scheme" content="light dark"/>
                <link rel="icon" type="image/svg+xml" href="/favicon.svg"/>
                <link rel="stylesheet" href=stylesheet/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body class="min-h-screen bg-slate-50 text-slate-900 antialiased dark:bg-slate-950 dark:text-slate-100">
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    let theme = theme::provide_theme();
    let cookie = leptos_i18n::context::CookieOptions::default()
        .path("/")
        .max_age(REMEMBER_MS)
        .same_site(leptos_use::SameSite::Lax);
    view! {
        <I18nContextProvider cookie_options=cookie>
            <theme::ThemeAttribute theme/>
            <Title text="API Switch"/>
            <Router>
                <Routes fallback=NotFound>
                    <Route path=path!("/login") view=login::LoginScreen/>
                    <ParentRoute path=path!("") view=Layout>
                        <Route path=path!("") view=dashboard::DashboardScreen/>
                        <Route path=path!("logs") view=logs::LogsScreen/>
                        <Route path=path!("channels") view=channels::ChannelsScreen/>
                        <Route path=path!("entries") view=channels::EntriesScreen/>
                        <Route path=path!("chat") view=test_chat::TestChatScreen/>
                        <Route path=path!("connect") view=connect::ConnectScreen/>
                        <Route path=path!("keys") view=access_keys::AccessKeysScreen/>
                        // Sent whole (not streamed with a "loading" line the form then pushes
                        // down): the screen's layout shift was 0.66 on a throttled phone.
                        <Route path=path!("settings") view=settings::SettingsScreen ssr=SsrMode::Async/>
                        <Route path=path!("guide") view=guide::GuideScreen/>
                    </ParentRoute>
                </Routes>
            </Router>
        </I18nContextProvider>
    }
}

/// The pages `App`'s router serves, each with how it is rendered, for the server to register
/// at start-up. `leptos_axum::generate_route_list(App)` finds the same list by running the
/// app, and that run touched about 70 pages of view code an idle server then kept resident
/// (BENCHMARKS.md, 2026-12-08). A server test keeps this list equal to that one: a route added
/// above and not here fails it.
#[cfg(feature = "ssr")]
pub fn pages() -> Vec<leptos_axum::AxumRouteListing> {
    use leptos_router::Method;
    let page = |path: &str, mode: SsrMode| {
        leptos_axum::AxumRouteListing::new(path.to_owned(), mode, [Method::Get], Vec::new())
    };
    let streamed = [
        "/login",
        "/",
        "/logs",
        "/channels",
        "/entries",
        "/chat",
        "/connect",
        "/keys",
        "/guide",
    ];
    let mut pages: Vec<_> = streamed
        .into_iter()
        .map(|path| page(path, SsrMode::OutOfOrder))
        .collect();
    pages.push(page("/settings", SsrMode::Async));
    pages
}

/// Navigation beside (wide screens) or above (phones) the page, the header, the page itself.
#[component]
fn Layout() -> impl IntoView {
    live::provide_live_events();
    time::provide_clock();
    let menu_open = RwSignal::new(false);
    view! {
        <a href="#main" class="sr-only focus:not-sr-only focus:fixed focus:left-2 focus:top-2 focus:z-50 focus:rounded-md focus:bg-white focus:px-3 focus:py-2 focus:shadow dark:focus:bg-slate-800">
            {t!(crate::i18n::use_i18n(), shell.skip_to_content)}
        </a>
        <ToastHost>
            <div class="flex min-h-screen flex-col md:flex-row">
                <nav::Navigation open=menu_open/>
                <div class="flex min-w-0 flex-1 flex-col">
                    <header::Header menu_open/>
                    <main id="main" tabindex="-1" class="mx-auto w-full max-w-6xl flex-1 px-4 py-6 outline-none md:px-8">
                        <Outlet/>
                    </main>
                </div>
            </div>
        </ToastHost>
    }
}

#[component]
fn NotFound() -> impl IntoView {
    let i18n = crate::i18n::use_i18n();
    view! {
        <main class="mx-auto max-w-xl p-8">
            <h1 class="text-2xl font-semibold">{t!(i18n, shell.not_found_title)}</h1>
            <p class="mt-2 text-slate-600 dark:text-slate-400">{t!(i18n, shell.not_found_text)}</p>
            <a class="mt-4 inline-block text-indigo-700 underline dark:text-indigo-300" href="/">{t!(i18n, shell.go_home)}</a>
        </main>
    }
}
