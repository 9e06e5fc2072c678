//! A channel's key pool on the Channels screen: the row's short summary ("3 keys, 1 cooling")
//! and the editor in the channel's edit form. The browser only ever holds keys masked, each
//! with its id and state (ready, cooling with the time left, off with the system's reason);
//! the user switches keys on or off, removes some and pastes new ones, and saving sends the
//! ids to keep, their switches and the pasted text, never a stored key.

use std::future::Future;

use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use types::routing::{KeptKey, KeyView};

use crate::components::style::{BUTTON_SMALL, INPUT, MUTED};
use crate::errors::UiError;
use crate::i18n::{Locale, t, t_string, td_string, use_i18n};
use crate::shell::time::use_clock;

/// Every channel's keys, masked, with the server's clock (for the time left of a cooldown).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct KeyPools {
    pub now_ms: i64,
    pub keys: Vec<KeyView>,
}

impl KeyPools {
    /// The keys of one channel, in rotation order.
    pub fn of(&self, channel: i64) -> Vec<KeyView> {
        let keys = self.keys.iter().filter(|k| k.channel_id == channel);
        keys.cloned().collect()
    }
}

#[server]
pub async fn channel_key_pools() -> Result<KeyPools, UiError> {
    let state = crate::engine_call::state()?;
    let mut ids: Vec<i64> = state.snapshot().channels.keys().copied().collect();
    ids.sort_unstable();
    let keys = ids.into_iter().flat_map(|id| state.channel_keys(id));
    Ok(KeyPools {
        now_ms: engine::clock::now_ms(),
        keys: keys.collect(),
    })
}

/// Makes the pool the `keep` keys (in order, each switched as given) followed by the keys
/// pasted in `add` (one a line). A key switched on by the user loses the system's reason.
#[server(input = leptos::server_fn::codec::Json)]
pub async fn save_channel_keys(
    channel_id: i64,
    keep: Vec<KeptKey>,
    add: String,
) -> Result<(), UiError> {
    Ok(crate::engine_call::state()?
        .save_channel_keys(channel_id, &keep, &add)
        .await?)
}

/// What a key can do right now, as the row and the editor say it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum KeyState {
    Ready,
    Cooling,
    /// Off, by the user's switch or (with a reason) by the system.
    Off,
}

fn key_state(key: &KeyView, now_ms: i64) -> KeyState {
    if !key.enabled {
        KeyState::Off
    } else if key.cooling_until_ms.is_some_and(|until| until > now_ms) {
        KeyState::Cooling
    } else {
        KeyState::Ready
    }
}

/// "3 keys, 1 cooling, 1 off" under the row's masked key (nothing for a pool of one ready key).
#[component]
pub fn KeyPoolSummary(keys: Vec<KeyView>, now_ms: i64) -> impl IntoView {
    let i18n = use_i18n();
    let count = keys.len();
    let cooling = keys
        .iter()
        .filter(|k| key_state(k, now_ms) == KeyState::Cooling)
        .count();
    let off = keys.iter().filter(|k| !k.enabled).count();
    let text = move || {
        let mut parts = vec![if count == 1 {
            t_string!(i18n, key_pool.summary_one_key).to_string()
        } else {
            t_string!(i18n, key_pool.summary_keys, count).to_string()
        }];
        if cooling > 0 {
            parts.push(t_string!(i18n, key_pool.summary_cooling, count = cooling).to_string());
        }
        if off > 0 {
            parts.push(t_string!(i18n, key_pool.summary_off, count = off).to_string());
        }
        parts.join(t_string!(i18n, key_pool.summary_separator))
    };
    (count > 1 || cooling + off > 0).then(|| {
        view! {
            <span class=format!("mt-1 block whitespace-nowrap font-sans text-xs {MUTED}") data-key-summary="">{text}</span>
        }
    })
}

/// One key of the pool being edited: as listed, plus the user's switch and removal.
#[derive(Clone, Debug, PartialEq)]
pub struct DraftKey {
    pub key: KeyView,
    pub enabled: bool,
    pub removed: bool,
}

/// The editor's state, held by the edit form so one Save sends everything.
#[derive(Clone, Copy)]
pub struct KeyPoolDraft {
    pub keys: RwSignal<Vec<DraftKey>>,
    /// Pasted new keys, one a line.
    pub added: RwSignal<String>,
}

impl KeyPoolDraft {
    pub fn new(keys: Vec<KeyView>) -> Self {
        let keys = keys
            .into_iter()
            .map(|key| DraftKey {
                enabled: key.enabled,
                removed: false,
                key,
            })
            .collect();
        Self {
            keys: RwSignal::new(keys),
            added: RwSignal::new(String::new()),
        }
    }

    /// Whether the user changed anything (an unchanged pool is not sent).
    pub fn changed(self) -> bool {
        let touched = self
            .keys
            .with_untracked(|keys| keys.iter().any(|k| k.removed || k.enabled != k.key.enabled));
        touched || !self.added.get_untracked().trim().is_empty()
    }

    /// The call that saves the pool as the user left it (nothing is sent when nothing
    /// changed). The form's values are read now, so the form may close before it runs.
    pub fn save(self, channel_id: i64) -> impl Future<Output = Result<(), UiError>> {
        let args = self.changed().then(|| {
            let keep = self.keys.with_untracked(|keys| {
                keys.iter()
                    .filter(|k| !k.removed)
                    .map(|k| KeptKey {
                        id: k.key.id,
                        enabled: k.enabled,
                    })
                    .collect()
            });
            (keep, self.added.get_untracked())
        });
        async move {
            let Some((keep, add)) = args else {
                return Ok(());
            };
            save_channel_keys(channel_id, keep, add).await
        }
    }

    fn update(self, id: i64, change: impl FnOnce(&mut DraftKey)) {
        self.keys.update(|keys| {
            if let Some(key) = keys.iter_mut().find(|k| k.key.id == id) {
                change(key);
            }
        });
    }
}

/// The pool in the edit form: each key masked with its state, a switch and a remove button,
/// then a box to paste new keys.
#[component]
pub fn KeyPoolEditor(channel_id: i64, draft: KeyPoolDraft, now_ms: i64) -> impl IntoView {
    let i18n = use_i18n();
    let add_id = format!("add-keys-{channel_id}");
    let add_hint = format!("add-keys-hint-{channel_id}");
    let legend_count = move || draft.keys.with(|k| k.iter().filter(|k| !k.removed).count());
    let listed = draft.keys.get_untracked();
    view! {
        <fieldset class="space-y-2 md:col-span-2" data-key-pool=channel_id>
            <legend class="text-sm font-medium text-slate-800 dark:text-slate-200">
                {move || t_string!(i18n, key_pool.legend, count = legend_count()).to_string()}
            </legend>
            <p class=format!("text-xs {MUTED}")>{t!(i18n, key_pool.intro)}</p>
            <ul class="divide-y divide-slate-200 rounded-md border border-slate-200 bg-white dark:divide-slate-800 dark:border-slate-800 dark:bg-slate-900">
                {listed.is_empty().then(|| view! {
                    <li class=format!("px-3 py-2 text-sm {MUTED}")>{t!(i18n, key_pool.empty)}</li>
                })}
                {listed.into_iter().map(|k| view! { <KeyLine key=k.key draft now_ms/> }).collect_view()}
            </ul>
            <label for=add_id.clone() class="block pt-1 text-sm font-medium text-slate-800 dark:text-slate-200">{t!(i18n, key_pool.add_label)}</label>
            <textarea id=add_id class=format!("{INPUT} font-mono") rows="2" autocomplete="off" spellcheck="false"
                aria-describedby=add_hint.clone() data-add-keys=""
                prop:value=move || draft.added.get() on:input=move |ev| draft.added.set(event_target_value(&ev))></textarea>
            <p id=add_hint class=format!("text-xs {MUTED}")>{t!(i18n, key_pool.add_hint)}</p>
        </fieldset>
    }
}

/// One key: masked, its state, its switch and its remove button (which becomes "Undo").
#[component]
fn KeyLine(key: KeyView, draft: KeyPoolDraft, now_ms: i64) -> impl IntoView {
    let i18n = use_i18n();
    let id = key.id;
    let masked = key.masked.clone();
    let state = key_state(&key, now_ms);
    let drafted = move |read: fn(&DraftKey) -> bool| {
        draft
            .keys
            .with(|keys| keys.iter().find(|k| k.key.id == id).is_some_and(read))
    };
    let enabled = move || drafted(|k| k.enabled);
    let removed = move || drafted(|k| k.removed);
    let switch_label = {
        let masked = masked.clone();
        move || t_string!(i18n, key_pool.switch_label, key = masked.clone()).to_string()
    };
    let remove_label = {
        let masked = masked.clone();
        move || {
            let key = masked.clone();
            if removed() {
                t_string!(i18n, key_pool.keep_label, key).to_string()
            } else {
                t_string!(i18n, key_pool.remove_label, key).to_string()
            }
        }
    };
    let state_name = match state {
        KeyState::Ready => "ready",
        KeyState::Cooling => "cooling",
        KeyState::Off => "off",
    };
    view! {
        <li class="flex flex-wrap items-center gap-x-3 gap-y-1 px-3 py-2" data-key=id data-state=state_name
            data-removed=move || removed().to_string()>
            <code class="font-mono text-sm" class:line-through=removed translate="no">{masked}</code>
            <span class="min-w-0 flex-1 text-xs">
                {move || if removed() {
                    view! { <span class="text-red-700 dark:text-red-300">{t!(i18n, key_pool.removed_on_save)}</span> }.into_any()
                } else {
                    view! { <KeyStateText key=key.clone() state now_ms/> }.into_any()
                }}
            </span>
            <input type="checkbox" role="switch" disabled=removed
                class="relative h-5 w-9 shrink-0 cursor-pointer appearance-none rounded-full bg-slate-300 transition-colors before:absolute before:left-0.5 before:top-0.5 before:h-4 before:w-4 before:rounded-full before:bg-white before:shadow before:transition-transform checked:bg-indigo-600 checked:before:translate-x-4 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600 disabled:cursor-not-allowed disabled:opacity-50 dark:bg-slate-600 dark:checked:bg-indigo-500"
                prop:checked=enabled aria-label=switch_label data-key-switch=""
                on:change=move |ev| {
                    let on = event_target_checked(&ev);
                    draft.update(id, |k| k.enabled = on);
                }/>
            <button type="button" class=BUTTON_SMALL aria-label=remove_label data-key-remove="" on:click=move |_| draft.update(id, |k| k.removed = !k.removed)>
                {move || if removed() { t_string!(i18n, key_pool.keep) } else { t_string!(i18n, key_pool.remove) }}
            </button>
        </li>
    }
}

/// The key's state in words: ready, cooling (with the time left, ticking), off by the user,
/// or switched off by the system with why.
#[component]
fn KeyStateText(key: KeyView, state: KeyState, now_ms: i64) -> impl IntoView {
    let i18n = use_i18n();
    let clock = use_clock();
    match state {
        KeyState::Ready => view! {
            <span class="font-medium text-emerald-700 dark:text-emerald-400">{t!(i18n, key_pool.state_ready)}</span>
        }
        .into_any(),
        KeyState::Cooling => {
            let until = key.cooling_until_ms.unwrap_or(now_ms);
            let left = move || {
                let secs = ((until - clock.now_or(now_ms)).max(0) + 999) / 1000;
                format!("{}:{:02}", secs / 60, secs % 60)
            };
            view! {
                <span class="font-medium text-amber-800 dark:text-amber-300">
                    {t!(i18n, key_pool.state_cooling)}" "
                    <span class="sr-only">{t!(i18n, key_pool.time_left)}" "</span>
                    <span class="font-mono tabular-nums" data-countdown="">{left}</span>
                </span>
            }
            .into_any()
        }
        KeyState::Off if key.disabled_reason.is_empty() => view! {
            <span class=MUTED>{t!(i18n, key_pool.state_off)}</span>
        }
        .into_any(),
        KeyState::Off => {
            let reason = key.disabled_reason.clone();
            view! {
                <span class="text-red-700 dark:text-red-300" data-reason="">
                    {move || reason_words(i18n.get_locale(), &reason)}
                </span>
            }
            .into_any()
        }
    }
}

/// Why the system switched a key off, in the page's language. The engine words it as
/// "[speed test: ]upstream answered HTTP 401: ..." or "error rule \"phrase\" matched: ...".
fn reason_words(locale: Locale, reason: &str) -> String {
    let status = reason
        .split("answered HTTP ")
        .nth(1)
        .and_then(|rest| rest.get(..3))
        .and_then(|code| code.parse::<u16>().ok());
    if let Some(status) = status {
        return td_string!(locale, key_pool.reason_status, status).to_string();
    }
    if let Some(rule) = reason
        .strip_prefix("error rule ")
        .and_then(|rest| rest.split(" matched").next())
    {
        return td_string!(locale, key_pool.reason_rule, rule).to_string();
    }
    td_string!(locale, key_pool.reason_other).to_string()
}

#[cfg(test)]
mod tests {
    use super::reason_words;
    use crate::i18n::Locale;

    #[test]
    fn the_systems_reasons_are_worded_in_the_pages_language() {
        let http = "upstream answered HTTP 401: the key was rejected";
        assert!(reason_words(Locale::en, http).contains("401"));
        let test = "speed test: upstream answered HTTP 403: the key was rejected";
        assert!(reason_words(Locale::zh, test).contains("403"));
        let rule = "error rule \"invalid api key\" matched: the key was rejected";
        let worded = reason_words(Locale::en, rule);
        assert!(worded.contains("\"invalid api key\""), "{worded}");
        assert!(!worded.contains("matched"), "{worded}");
        assert_ne!(reason_words(Locale::zh, "something else"), "something else");
    }
}
