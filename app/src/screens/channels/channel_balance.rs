//! A channel's relay balance on the Channels screen: the figure in its row with a refresh
//! button, and in its edit form the balance settings (which endpoint to ask, the threshold
//! below which it warns, and new-api's user id and access token). The token is write-only:
//! the form says whether one is stored, an empty field keeps it.

use leptos::prelude::*;
use types::balance::{BalanceKind, BalanceSettings, ChannelBalance};

use crate::components::balance::{BalanceFigure, refresh_balances};
use crate::components::style::{BUTTON_SMALL, INPUT, MUTED};
use crate::errors::UiError;
use crate::i18n::{t, t_string, use_i18n};

use super::PageContext;

/// Sets how the channel's balance is looked up; an empty `access_token` keeps the stored one.
#[server(input = leptos::server_fn::codec::Json)]
pub async fn save_balance_settings(
    channel_id: i64,
    settings: BalanceSettings,
    access_token: String,
) -> Result<(), UiError> {
    let token = match access_token.trim() {
        "" => engine::store::TokenChange::Keep,
        token => engine::store::TokenChange::Set(token.into()),
    };
    Ok(crate::engine_call::state()?
        .set_balance_settings(channel_id, &settings, token)
        .await?)
}

/// The figure in a channel's row, with a button that looks it up now.
#[component]
pub fn BalanceCell(
    channel_id: i64,
    name: String,
    balance: Option<ChannelBalance>,
) -> impl IntoView {
    let i18n = use_i18n();
    let page = expect_context::<PageContext>();
    let asked = balance.as_ref().is_some_and(|b| b.asked_as.is_some());
    let pending = RwSignal::new(false);
    let refresh = move |_| {
        pending.set(true);
        page.run(async move {
            let done = refresh_balances(Some(channel_id)).await;
            pending.try_set(false);
            done
        });
    };
    view! {
        <div class="flex items-center gap-2" data-balance-cell=channel_id>
            {balance.map(|balance| view! { <BalanceFigure balance/> })}
            {asked.then(|| view! {
                <button type="button" class=BUTTON_SMALL data-refresh-balance=channel_id
                    disabled=move || pending.get()
                    aria-label=move || t_string!(i18n, balance.refresh_label, name = name.clone()).to_string()
                    on:click=refresh>
                    {move || if pending.get() { t_string!(i18n, balance.refreshing).to_string() } else { t_string!(i18n, balance.refresh).to_string() }}
                </button>
            })}
        </div>
    }
}

/// The balance settings being edited with a channel.
#[derive(Clone, Copy)]
pub struct BalanceDraft {
    kind: RwSignal<String>,
    threshold: RwSignal<String>,
    user_id: RwSignal<String>,
    access_token: RwSignal<String>,
    has_token: bool,
    problem: RwSignal<Option<String>>,
}

impl BalanceDraft {
    pub fn new(saved: Option<&ChannelBalance>) -> Self {
        let settings = saved.map(|b| b.settings.clone()).unwrap_or_default();
        Self {
            kind: RwSignal::new(settings.kind.as_str().to_owned()),
            threshold: RwSignal::new(
                settings
                    .threshold
                    .map(|t| t.to_string())
                    .unwrap_or_default(),
            ),
            user_id: RwSignal::new(settings.user_id),
            access_token: RwSignal::new(String::new()),
            has_token: saved.is_some_and(|b| b.has_access_token),
            problem: RwSignal::new(None),
        }
    }

    /// The settings and the new token (empty: keep), or what cannot be read.
    pub fn read(self) -> Result<(BalanceSettings, String), String> {
        let text = self.threshold.get_untracked();
        let threshold = match text.trim() {
            "" => None,
            figure => Some(
                figure
                    .parse::<f64>()
                    .map_err(|_| format!("threshold: {text}"))?,
            ),
        };
        let settings = BalanceSettings {
            kind: BalanceKind::parse(&self.kind.get_untracked()).unwrap_or_default(),
            threshold,
            user_id: self.user_id.get_untracked().trim().to_owned(),
        };
        match settings.problem() {
            Some(problem) => Err(problem),
            None => Ok((settings, self.access_token.get_untracked())),
        }
    }

    /// Shows `problem` (or clears it).
    pub fn show(self, problem: Option<String>) {
        self.problem.set(problem);
    }
}

/// A kind's name in the form: providers by their own names (not translated), the two choices
/// that are not a provider in the UI's language.
fn kind_label(kind: BalanceKind) -> &'static str {
    match kind {
        BalanceKind::Auto | BalanceKind::Off => "",
        BalanceKind::NewApi => "new-api / one-api (/api/user/self)",
        BalanceKind::OpenaiBilling => "OpenAI billing (/v1/dashboard/billing)",
        BalanceKind::Openrouter => "OpenRouter",
        BalanceKind::Deepseek => "DeepSeek",
        BalanceKind::Moonshot => "Moonshot",
        BalanceKind::Siliconflow => "SiliconFlow",
    }
}

#[component]
pub fn BalanceEditor(channel_id: i64, draft: BalanceDraft) -> impl IntoView {
    let i18n = use_i18n();
    let field = move |suffix: &str| format!("balance-{suffix}-{channel_id}");
    let label = "block text-sm font-medium text-slate-800 dark:text-slate-200";
    let options = BalanceKind::ALL.map(|kind| {
        let value = kind.as_str();
        let selected = move || draft.kind.get() == value;
        match kind {
            BalanceKind::Auto => view! { <option value=value selected=selected>{t!(i18n, balance.kind_auto)}</option> }.into_any(),
            BalanceKind::Off => view! { <option value=value selected=selected>{t!(i18n, balance.kind_off)}</option> }.into_any(),
            kind => view! { <option value=value lang="en" selected=selected>{kind_label(kind)}</option> }.into_any(),
        }
    });
    let token_hint = move || {
        if draft.has_token {
            t_string!(i18n, balance.token_stored).to_string()
        } else {
            t_string!(i18n, balance.token_hint).to_string()
        }
    };
    view! {
        <fieldset class="grid gap-3 md:col-span-2 md:grid-cols-2" data-balance-settings=channel_id>
            <legend class="mb-1 text-sm font-medium text-slate-800 dark:text-slate-200">{t!(i18n, balance.legend)}</legend>
            <div class="space-y-1">
                <label for=field("kind") class=label>{t!(i18n, balance.kind)}</label>
                <select id=field("kind") class=INPUT aria-describedby=field("kind-hint")
                    on:change=move |ev| draft.kind.set(event_target_value(&ev))>
                    {options.into_iter().collect_view()}
                </select>
                <p id=field("kind-hint") class=format!("text-xs {MUTED}")>{t!(i18n, balance.kind_hint)}</p>
            </div>
            <div class="space-y-1">
                <label for=field("threshold") class=label>{t!(i18n, balance.threshold)}</label>
                <input id=field("threshold") class=INPUT inputmode="decimal" aria-describedby=field("threshold-hint")
                    prop:value=move || draft.threshold.get() on:input=move |ev| draft.threshold.set(event_target_value(&ev))/>
                <p id=field("threshold-hint") class=format!("text-xs {MUTED}")>{t!(i18n, balance.threshold_hint)}</p>
            </div>
            <div class="space-y-1">
                <label for=field("user") class=label>{t!(i18n, balance.user_id)}</label>
                <input id=field("user") class=format!("{INPUT} font-mono") spellcheck="false" autocomplete="off"
                    prop:value=move || draft.user_id.get() on:input=move |ev| draft.user_id.set(event_target_value(&ev))/>
            </div>
            <div class="space-y-1">
                <label for=field("token") class=label>{t!(i18n, balance.access_token)}</label>
                <input id=field("token") class=format!("{INPUT} font-mono") type="password" autocomplete="off"
                    aria-describedby=field("token-hint")
                    prop:value=move || draft.access_token.get() on:input=move |ev| draft.access_token.set(event_target_value(&ev))/>
                <p id=field("token-hint") class=format!("text-xs {MUTED}") data-token-stored=draft.has_token.to_string()>{token_hint}</p>
            </div>
            <p class="text-sm text-red-700 dark:text-red-300 md:col-span-2" role="alert" data-balance-error="">
                {move || draft.problem.get().map(|problem| t_string!(i18n, balance.problem, problem = problem).to_string())}
            </p>
        </fieldset>
    }
}
