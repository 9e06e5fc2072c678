//! The main navigation: a sidebar on wide screens, a panel opened from the header's menu
//! button on phones. The current page is marked with `aria-current` (the router sets it).

use leptos::prelude::*;
use leptos_router::components::A;

use crate::components::icons::{Icon, IconName};
use crate::i18n::{t, use_i18n};

const LINK: &str = "flex items-center gap-3 rounded-md px-3 py-2 text-sm font-medium text-slate-700 hover:bg-slate-100 hover:text-slate-900 focus-visible:outline-2 focus-visible:outline-indigo-600 aria-[current=page]:bg-indigo-50 aria-[current=page]:text-indigo-800 dark:text-slate-300 dark:hover:bg-slate-800 dark:hover:text-white dark:aria-[current=page]:bg-indigo-950 dark:aria-[current=page]:text-indigo-200";

#[component]
pub fn Navigation(open: RwSignal<bool>) -> impl IntoView {
    let i18n = use_i18n();
    // A click on a link closes the phone menu; on wide screens it is always shown.
    let close = move |_| open.set(false);
    view! {
        <nav
            id="main-nav"
            aria-label=move || t_string_nav(i18n)
            class="shrink-0 border-b border-slate-200 bg-white md:block md:w-60 md:border-b-0 md:border-r dark:border-slate-800 dark:bg-slate-900"
            class:hidden=move || !open.get()
        >
            <a href="/" class="hidden items-center gap-2 px-5 pb-2 pt-5 text-lg font-semibold tracking-tight md:flex">
                <img src="/favicon.svg" alt="" width="24" height="24"/>
                "API Switch"
            </a>
            <ul class="space-y-1 p-3" on:click=close>
                <li><A href="/" exact=true attr:class=LINK><Icon name=IconName::Gauge/>{t!(i18n, nav.dashboard)}</A></li>
                <li><A href="/logs" attr:class=LINK><Icon name=IconName::List/>{t!(i18n, nav.logs)}</A></li>
                <li><A href="/channels" attr:class=LINK><Icon name=IconName::Plug/>{t!(i18n, nav.channels)}</A></li>
                <li><A href="/entries" attr:class=LINK><Icon name=IconName::Layers/>{t!(i18n, nav.entries)}</A></li>
                <li><A href="/chat" attr:class=LINK><Icon name=IconName::Chat/>{t!(i18n, nav.chat)}</A></li>
                <li><A href="/connect" attr:class=LINK><Icon name=IconName::Link/>{t!(i18n, nav.connect)}</A></li>
                <li><A href="/keys" attr:class=LINK><Icon name=IconName::Key/>{t!(i18n, nav.keys)}</A></li>
                <li><A href="/settings" attr:class=LINK><Icon name=IconName::Cog/>{t!(i18n, nav.settings)}</A></li>
                <li><A href="/guide" attr:class=LINK><Icon name=IconName::Book/>{t!(i18n, nav.guide)}</A></li>
            </ul>
        </nav>
    }
}

fn t_string_nav(i18n: leptos_i18n::I18nContext<crate::i18n::Locale>) -> String {
    crate::i18n::t_string!(i18n, nav.label).to_string()
}
