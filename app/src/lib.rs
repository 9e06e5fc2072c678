//! API Switch's web UI. Components render on the server (feature `ssr`) and hydrate in the
//! browser (feature `hydrate`); each page keeps its server functions beside it, and those
//! functions call straight into the engine through the `AppState` in context.

pub mod pages;

use leptos::prelude::*;
use leptos_meta::{MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::StaticSegment;
use leptos_router::components::{A, Route, Router, Routes};

use pages::channels::ChannelsPage;
use pages::overview::OverviewPage;
use pages::settings::SettingsPage;

/// The whole HTML document the server sends; `App` is what hydrates inside it.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <link rel="icon" type="image/svg+xml" href="/favicon.svg"/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body class="bg-slate-50 text-slate-900 min-h-screen">
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Stylesheet id="api-switch-css" href="/pkg/api_switch.css"/>
        <Title text="API Switch"/>
        <Router>
            <div class="flex min-h-screen">
                <Navigation/>
                <main class="flex-1 p-8">
                    <Routes fallback=|| view! { <p class="text-slate-500">"Page not found."</p> }>
                        <Route path=StaticSegment("") view=OverviewPage/>
                        <Route path=StaticSegment("channels") view=ChannelsPage/>
                        <Route path=StaticSegment("settings") view=SettingsPage/>
                    </Routes>
                </main>
            </div>
        </Router>
    }
}

#[component]
fn Navigation() -> impl IntoView {
    let link = "block rounded px-3 py-2 text-slate-700 hover:bg-slate-200 aria-[current=page]:bg-slate-900 aria-[current=page]:text-white";
    view! {
        <nav class="w-56 shrink-0 border-r border-slate-200 bg-white p-4" aria-label="Main">
            <div class="mb-6 px-3 text-lg font-semibold">"API Switch"</div>
            <ul class="space-y-1">
                <li><A href="/" attr:class=link>"Overview"</A></li>
                <li><A href="/channels" attr:class=link>"Channels"</A></li>
                <li><A href="/settings" attr:class=link>"Settings"</A></li>
            </ul>
        </nav>
    }
}
