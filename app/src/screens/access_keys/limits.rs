//! A key's limits on the Access keys screen: its use against each limit it has ("12 / 60 per
//! minute", "$1.20 / $5.00 today"), refetched as requests finish, and the form that sets or
//! clears the four limits. An empty field is no limit; the proxy applies a change to the next
//! request.

use leptos::prelude::*;
use types::access_keys::{AccessKeyInfo, KeyLimits};

use crate::components::form::Field;
use crate::components::layout::Section;
use crate::components::money::format_usd;
use crate::components::style::{BUTTON_PRIMARY, BUTTON_SECONDARY, INPUT, MUTED};
use crate::components::toast::use_toasts;
use crate::errors::{ErrorText, UiError};
use crate::i18n::{t, t_string, use_i18n};

/// Replaces the limits of key `id` (every field `None`: no limits).
#[server]
pub async fn set_access_key_limits(id: i64, limits: KeyLimits) -> Result<(), UiError> {
    Ok(crate::engine_call::state()?
        .set_access_key_limits(id, limits)
        .await?)
}

/// How full a limit is: the text's colour turns amber from 80 % and red at the limit.
fn fill_class(used: f64, limit: f64) -> &'static str {
    match used / limit {
        f if f >= 1.0 => "font-medium text-red-700 dark:text-red-400",
        f if f >= 0.8 => "font-medium text-amber-800 dark:text-amber-300",
        _ => "",
    }
}

/// The key's use against each limit it has, one line each; "No limits" without any.
#[component]
pub fn KeyUseCell(key: AccessKeyInfo) -> impl IntoView {
    let i18n = use_i18n();
    let (limits, used) = (key.limits, key.used);
    if limits.is_none() {
        return view! { <span class=MUTED>{t!(i18n, keys.no_limits)}</span> }.into_any();
    }
    let mut lines: Vec<(f64, f64, Signal<String>, &'static str)> = Vec::new();
    if let Some(limit) = limits.requests_per_minute {
        let text = Signal::derive(move || {
            let (used, limit) = (used.requests_this_minute.to_string(), limit.to_string());
            t_string!(i18n, keys.use_per_minute, used, limit).to_string()
        });
        lines.push((
            f64::from(used.requests_this_minute),
            f64::from(limit),
            text,
            "rpm",
        ));
    }
    if let Some(limit) = limits.tokens_per_day {
        let text = Signal::derive(move || {
            let (used, limit) = (used.tokens_today.to_string(), limit.to_string());
            t_string!(i18n, keys.use_tokens_today, used, limit).to_string()
        });
        lines.push((used.tokens_today as f64, limit as f64, text, "tokens-day"));
    }
    if let Some(limit) = limits.usd_per_day {
        let text = Signal::derive(move || {
            let (used, limit) = (format_usd(used.usd_today), format_usd(limit));
            t_string!(i18n, keys.use_usd_today, used, limit).to_string()
        });
        lines.push((used.usd_today, limit, text, "usd-day"));
    }
    if let Some(limit) = limits.usd_per_month {
        let text = Signal::derive(move || {
            let (used, limit) = (format_usd(used.usd_this_month), format_usd(limit));
            t_string!(i18n, keys.use_usd_month, used, limit).to_string()
        });
        lines.push((used.usd_this_month, limit, text, "usd-month"));
    }
    view! {
        <ul class="space-y-0.5 whitespace-nowrap text-xs">
            {lines.into_iter().map(|(used, limit, text, which)| view! {
                <li class=fill_class(used, limit) data-limit=which>{move || text.get()}</li>
            }).collect_view()}
        </ul>
    }
    .into_any()
}

/// A limit field's text as the number it holds: empty is `None`, anything else must parse.
fn parse_field<T: std::str::FromStr>(text: &str) -> Result<Option<T>, ()> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    text.parse().map(Some).map_err(|_| ())
}

/// The four fields as limits; `None` when one is not a positive number.
fn limits_from(fields: [&str; 4]) -> Option<KeyLimits> {
    let limits = KeyLimits {
        requests_per_minute: parse_field(fields[0]).ok()?,
        tokens_per_day: parse_field(fields[1]).ok()?,
        usd_per_day: parse_field(fields[2]).ok()?,
        usd_per_month: parse_field(fields[3]).ok()?,
    };
    limits.problems().is_empty().then_some(limits)
}

fn text_of<T: ToString>(value: Option<T>) -> String {
    value.map(|v| v.to_string()).unwrap_or_default()
}

/// The form for one key's limits, below the list; `editing` closes it.
#[component]
pub fn LimitsEditor(
    key: AccessKeyInfo,
    editing: RwSignal<Option<AccessKeyInfo>>,
    refresh: RwSignal<u64>,
) -> impl IntoView {
    let i18n = use_i18n();
    let toasts = use_toasts();
    let id = key.id;
    let fields = [
        RwSignal::new(text_of(key.limits.requests_per_minute)),
        RwSignal::new(text_of(key.limits.tokens_per_day)),
        RwSignal::new(text_of(key.limits.usd_per_day)),
        RwSignal::new(text_of(key.limits.usd_per_month)),
    ];
    let error = RwSignal::new(None::<UiError>);
    let invalid = RwSignal::new(false);
    let save = Action::new_local(move |limits: &KeyLimits| {
        let limits = *limits;
        async move {
            match set_access_key_limits(id, limits).await {
                Ok(()) => {
                    toasts.success(t_string!(i18n, keys.limits_saved).to_string());
                    editing.set(None);
                    error.set(None);
                }
                Err(e) => error.set(Some(e)),
            }
            refresh.update(|n| *n += 1);
        }
    });
    let submit = move || {
        let texts = fields.map(|f| f.get_untracked());
        match limits_from([&texts[0], &texts[1], &texts[2], &texts[3]]) {
            Some(limits) => {
                invalid.set(false);
                save.dispatch(limits);
            }
            None => invalid.set(true),
        }
    };
    let name = key.name.clone();
    let labels: [(&str, Signal<String>, &str); 4] = [
        (
            "limit-rpm",
            Signal::derive(move || t_string!(i18n, keys.limit_rpm).to_string()),
            "1",
        ),
        (
            "limit-tokens-day",
            Signal::derive(move || t_string!(i18n, keys.limit_tokens_day).to_string()),
            "1",
        ),
        (
            "limit-usd-day",
            Signal::derive(move || t_string!(i18n, keys.limit_usd_day).to_string()),
            "0.01",
        ),
        (
            "limit-usd-month",
            Signal::derive(move || t_string!(i18n, keys.limit_usd_month).to_string()),
            "0.01",
        ),
    ];
    view! {
        <Section id="key-limits"
            title=Signal::derive(move || { let name = name.clone(); t_string!(i18n, keys.limits_title, name).to_string() })
            intro=Signal::derive(move || t_string!(i18n, keys.limits_intro).to_string())>
            <form class="grid gap-x-4 sm:grid-cols-2 lg:grid-cols-4" on:submit=move |ev| { ev.prevent_default(); submit(); }>
                {labels.into_iter().zip(fields).map(|((input_id, label, step), value)| view! {
                    <Field id=input_id label>
                        <input id=input_id class=INPUT type="number" min=step step=step inputmode="decimal"
                            placeholder=move || t_string!(i18n, keys.no_limit_placeholder).to_string()
                            prop:value=move || value.get() on:input=move |ev| value.set(event_target_value(&ev))/>
                    </Field>
                }).collect_view()}
                <div class="flex flex-wrap gap-2 sm:col-span-2 lg:col-span-4">
                    <button type="submit" id="save-limits" class=BUTTON_PRIMARY disabled=move || save.pending().get()>
                        {move || if save.pending().get() { t_string!(i18n, common.saving).to_string() } else { t_string!(i18n, keys.save_limits).to_string() }}
                    </button>
                    <button type="button" id="clear-limits" class=BUTTON_SECONDARY disabled=move || save.pending().get()
                        on:click=move |_| { invalid.set(false); save.dispatch(KeyLimits::default()); }>
                        {t!(i18n, keys.clear_limits)}
                    </button>
                    <button type="button" class=BUTTON_SECONDARY on:click=move |_| editing.set(None)>
                        {t!(i18n, common.cancel)}
                    </button>
                </div>
            </form>
            {move || invalid.get().then(|| view! {
                <p class="mt-2 text-sm text-red-700 dark:text-red-400" role="alert">{t!(i18n, keys.limit_invalid)}</p>
            })}
            <ErrorText error/>
        </Section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_fields_are_no_limit_and_bad_ones_refuse_the_form() {
        let limits = limits_from(["60", "", " 5.5 ", ""]);
        assert_eq!(
            limits,
            Some(KeyLimits {
                requests_per_minute: Some(60),
                usd_per_day: Some(5.5),
                ..KeyLimits::default()
            })
        );
        assert_eq!(limits_from(["", "", "", ""]), Some(KeyLimits::default()));
        assert_eq!(limits_from(["0", "", "", ""]), None);
        assert_eq!(limits_from(["1.5", "", "", ""]), None);
        assert_eq!(limits_from(["", "", "-2", ""]), None);
    }
}
