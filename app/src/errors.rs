//! Turning the engine's typed errors (`types::ui_error::UiError`: a code and parameters) into
//! one translated sentence. Every failure a screen shows goes through `error_message`, so no
//! English from the engine ever reaches a Chinese page.

use leptos::prelude::*;
pub use types::ui_error::UiError;

use crate::i18n::{Locale, td_string};

/// A form field's name as the user knows it; unknown names are shown as they are.
pub fn field_label(locale: Locale, field: &str) -> String {
    match field {
        "cooldown_secs" => td_string!(locale, fields.cooldown_secs).to_string(),
        "auto_disable_codes" => td_string!(locale, fields.auto_disable_codes).to_string(),
        "connect_timeout_ms" => td_string!(locale, fields.connect_timeout_ms).to_string(),
        "first_byte_timeout_ms" => td_string!(locale, fields.first_byte_timeout_ms).to_string(),
        "stream_idle_timeout_ms" => td_string!(locale, fields.stream_idle_timeout_ms).to_string(),
        "total_timeout_ms" => td_string!(locale, fields.total_timeout_ms).to_string(),
        "max_body_bytes" => td_string!(locale, fields.max_body_bytes).to_string(),
        "log_retention_days" => td_string!(locale, fields.log_retention_days).to_string(),
        "log_retention_rows" => td_string!(locale, fields.log_retention_rows).to_string(),
        "allowed_hosts" => td_string!(locale, fields.allowed_hosts).to_string(),
        "session_ttl_secs" => td_string!(locale, fields.session_ttl_secs).to_string(),
        "probe_interval_secs" => td_string!(locale, fields.probe_interval_secs).to_string(),
        "browser_origins" => td_string!(locale, fields.browser_origins).to_string(),
        "trusted_proxies" => td_string!(locale, fields.trusted_proxies).to_string(),
        "listen_address" => td_string!(locale, fields.listen_address).to_string(),
        "name" => td_string!(locale, fields.name).to_string(),
        "key" => td_string!(locale, fields.key).to_string(),
        "base_url" => td_string!(locale, fields.base_url).to_string(),
        "model" => td_string!(locale, fields.model).to_string(),
        "group" => td_string!(locale, fields.group).to_string(),
        "password" => td_string!(locale, fields.password).to_string(),
        "proxy" => td_string!(locale, channel_proxy.legend).to_string(),
        "requests_per_minute" => td_string!(locale, keys.limit_rpm).to_string(),
        "tokens_per_day" => td_string!(locale, keys.limit_tokens_day).to_string(),
        "usd_per_day" => td_string!(locale, keys.limit_usd_day).to_string(),
        "usd_per_month" => td_string!(locale, keys.limit_usd_month).to_string(),
        other => other.to_owned(),
    }
}

/// What kind of thing was not found, as the user says it.
fn thing_label(locale: Locale, what: &str) -> String {
    match what {
        "channel" => td_string!(locale, things.channel).to_string(),
        "entry" => td_string!(locale, things.entry).to_string(),
        "access key" | "access_key" => td_string!(locale, things.access_key).to_string(),
        "key" => td_string!(locale, key_pool.thing).to_string(),
        other => other.to_owned(),
    }
}

/// The translated sentence for `error` in `locale`.
pub fn error_message(locale: Locale, error: &UiError) -> String {
    match error {
        UiError::NotFound { what, id } => {
            let what = thing_label(locale, what);
            td_string!(locale, errors.not_found, what, id = *id).to_string()
        }
        UiError::Required { field } => {
            let field = field_label(locale, field);
            td_string!(locale, errors.required, field).to_string()
        }
        UiError::OutOfRange { field, min, max } => {
            let field = field_label(locale, field);
            td_string!(locale, errors.out_of_range, field, min = *min, max = *max).to_string()
        }
        UiError::MustBePositive { field } => {
            let field = field_label(locale, field);
            td_string!(locale, errors.must_be_positive, field).to_string()
        }
        UiError::NotAnErrorStatus { field, status } => {
            let field = field_label(locale, field);
            td_string!(locale, errors.not_an_error_status, field, status = *status).to_string()
        }
        UiError::InvalidUrl { field, detail } => {
            let field = field_label(locale, field);
            td_string!(locale, errors.invalid_url, field, detail).to_string()
        }
        UiError::InvalidField { field, .. } if field == "current_password" => {
            td_string!(locale, errors.wrong_current_password).to_string()
        }
        UiError::InvalidField { field, detail } if field == "password" => {
            let min = detail.clone();
            td_string!(locale, errors.password_too_short, min).to_string()
        }
        UiError::InvalidField { field, detail } => {
            let field = field_label(locale, field);
            td_string!(locale, errors.invalid_field, field, detail).to_string()
        }
        UiError::InvalidSettings { problems } => problems
            .iter()
            .map(|p| error_message(locale, p))
            .collect::<Vec<_>>()
            .join(" "),
        UiError::AlreadyExists { what, field } => {
            let what = thing_label(locale, what);
            let field = field_label(locale, field);
            td_string!(locale, errors.already_exists, what, field).to_string()
        }
        UiError::InvalidCatalog { from, problems } => {
            let detail = problems.join("; ");
            td_string!(locale, errors.invalid_catalog, from, detail).to_string()
        }
        UiError::InvalidConfig { problems } => {
            let detail = problems.join("; ");
            td_string!(locale, errors.invalid_config, detail).to_string()
        }
        UiError::Database { detail } => td_string!(locale, errors.database, detail).to_string(),
        UiError::Upstream { detail } => td_string!(locale, errors.upstream, detail).to_string(),
        UiError::Internal { detail } => td_string!(locale, errors.internal, detail).to_string(),
        UiError::Request { detail } => td_string!(locale, errors.request, detail).to_string(),
        UiError::ConfigFile { path, detail } => {
            td_string!(locale, errors.config_file, path, detail).to_string()
        }
        UiError::NoBackup { path } => td_string!(locale, errors.no_backup, path).to_string(),
        UiError::LocalOnly => td_string!(locale, errors.local_only).to_string(),
        UiError::LockedOut { retry_after_secs } => {
            td_string!(locale, errors.locked_out, secs = *retry_after_secs).to_string()
        }
        // The detail is `serve`'s own English (with the commands to run), as the CLI prints it.
        UiError::ListenRefused { detail, .. } => {
            td_string!(locale, errors.listen_refused, detail).to_string()
        }
    }
}

/// A failure shown in place, in the current language, announced to screen readers.
#[component]
pub fn ErrorText(#[prop(into)] error: Signal<Option<UiError>>) -> impl IntoView {
    let i18n = crate::i18n::use_i18n();
    move || {
        error.get().map(|error| {
            let text = error_message(i18n.get_locale(), &error);
            view! {
                <p role="alert" class="mt-2 whitespace-pre-line rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800 dark:border-red-900 dark:bg-red-950 dark:text-red-200">
                    {text}
                </p>
            }
        })
    }
}
