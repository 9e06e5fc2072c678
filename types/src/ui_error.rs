//! Errors as the UI receives them: a stable `code` and typed `params`, never English prose, so
//! the UI translates every message. The engine converts its own errors into these in one place
//! (`engine::ui_error`); its English `Display` stays for logs and the CLI.
//!
//! On the wire: `{"code": "<code>", "params": {...}}`. The codes and their params:
//!
//! | code | params | meaning |
//! |---|---|---|
//! | `not_found` | `what` (`channel`, `entry`, `access key`, ...), `id` | it was deleted meanwhile; reload |
//! | `required` | `field` | the field must not be empty |
//! | `out_of_range` | `field`, `min`, `max` | a number outside `min..=max` |
//! | `must_be_positive` | `field` | a number that must be greater than 0 |
//! | `not_an_error_status` | `field`, `status` | a status code outside 400-599 |
//! | `invalid_url` | `field`, `detail` | a base URL that cannot be used (`detail` in English) |
//! | `invalid_field` | `field`, `detail` | any other invalid value (`detail` in English) |
//! | `invalid_settings` | `problems`: a list of these errors | several settings at once |
//! | `already_exists` | `what`, `field` | a unique value is taken (an access key's `name` or `key`) |
//! | `invalid_config` | `problems`: English lines | an imported configuration is invalid |
//! | `database` | `detail` | the database failed (disk full, locked, corrupt); English detail |
//! | `upstream` | `detail` | a provider could not be reached or answered badly |
//! | `internal` | `detail` | anything else; English detail for a bug report |
//! | `request` | `detail` | the browser could not reach the server or read its answer |
//! | `config_file` | `path`, `detail` | an app's configuration file cannot be read, parsed or written |
//! | `no_backup` | `path` | there is no backup of an app's configuration to restore |
//! | `local_only` | | only a browser on the machine running API Switch may write its files |
//! | `locked_out` | `retry_after_secs` | too many wrong passwords from this client; wait that long |
//! | `invalid_catalog` | `from`, `problems`: English lines | a model catalog source was refused (nothing changed): each problem names the model and field, or why it could not be read |
//! | `listen_refused` | `address`, `detail` | the server cannot or may not listen there; `detail` is the CLI's English words (commands to run) |
//!
//! `field` values are the `Settings` / form field names (`cooldown_secs`, `base_url`, `name`,
//! `model`, `group`, `key`, ...), so the UI can both translate and point at the control.

use serde::{Deserialize, Serialize};

/// A failure the UI shows, translated from `code` and `params`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "code", content = "params", rename_all = "snake_case")]
pub enum UiError {
    NotFound {
        what: String,
        id: i64,
    },
    Required {
        field: String,
    },
    OutOfRange {
        field: String,
        min: u64,
        max: u64,
    },
    MustBePositive {
        field: String,
    },
    NotAnErrorStatus {
        field: String,
        status: u16,
    },
    InvalidUrl {
        field: String,
        detail: String,
    },
    InvalidField {
        field: String,
        detail: String,
    },
    InvalidSettings {
        problems: Vec<UiError>,
    },
    AlreadyExists {
        what: String,
        field: String,
    },
    InvalidConfig {
        problems: Vec<String>,
    },
    Database {
        detail: String,
    },
    Upstream {
        detail: String,
    },
    Internal {
        detail: String,
    },
    /// The server function call itself failed (network, encoding); from the browser side.
    Request {
        detail: String,
    },
    /// An app's configuration file (Connect) cannot be read, parsed or written.
    ConfigFile {
        path: String,
        detail: String,
    },
    /// Restore was asked for an app's configuration with no backup beside it.
    NoBackup {
        path: String,
    },
    /// Writing an app's files was asked from another machine's browser.
    LocalOnly,
    /// The login throttle locked this client out after wrong passwords.
    LockedOut {
        retry_after_secs: u64,
    },
    /// Settings -> Network: the new address is refused (not locked down for remote use) or
    /// cannot be bound; the server keeps listening where it was.
    ListenRefused {
        address: String,
        detail: String,
    },
    /// Settings -> Model catalog: the source could not be read or is not a valid catalog;
    /// the catalog in use did not change.
    InvalidCatalog {
        from: String,
        problems: Vec<String>,
    },
}

impl UiError {
    /// The stable code, as serialised.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotFound { .. } => "not_found",
            Self::Required { .. } => "required",
            Self::OutOfRange { .. } => "out_of_range",
            Self::MustBePositive { .. } => "must_be_positive",
            Self::NotAnErrorStatus { .. } => "not_an_error_status",
            Self::InvalidUrl { .. } => "invalid_url",
            Self::InvalidField { .. } => "invalid_field",
            Self::InvalidSettings { .. } => "invalid_settings",
            Self::AlreadyExists { .. } => "already_exists",
            Self::InvalidConfig { .. } => "invalid_config",
            Self::Database { .. } => "database",
            Self::Upstream { .. } => "upstream",
            Self::Internal { .. } => "internal",
            Self::Request { .. } => "request",
            Self::ConfigFile { .. } => "config_file",
            Self::NoBackup { .. } => "no_backup",
            Self::LocalOnly => "local_only",
            Self::LockedOut { .. } => "locked_out",
            Self::ListenRefused { .. } => "listen_refused",
            Self::InvalidCatalog { .. } => "invalid_catalog",
        }
    }
}

/// English, for logs and the CLI; the UI translates `code` and `params` instead.
impl std::fmt::Display for UiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NotFound { what, id } => write!(f, "no {what} with id {id}"),
            Self::Required { field } => write!(f, "{field}: must not be empty"),
            Self::OutOfRange { field, min, max } => {
                write!(f, "{field}: must be between {min} and {max}")
            }
            Self::MustBePositive { field } => write!(f, "{field}: must be greater than 0"),
            Self::NotAnErrorStatus { field, status } => {
                write!(f, "{field}: {status} is not an HTTP error status")
            }
            Self::InvalidUrl { field, detail } | Self::InvalidField { field, detail } => {
                write!(f, "{field}: {detail}")
            }
            Self::InvalidSettings { problems } => {
                let list: Vec<String> = problems.iter().map(ToString::to_string).collect();
                write!(f, "invalid settings: {}", list.join("; "))
            }
            Self::AlreadyExists { what, field } => write!(f, "a {what} with this {field} exists"),
            Self::InvalidConfig { problems } => {
                write!(f, "invalid configuration: {}", problems.join("; "))
            }
            Self::Database { detail } => write!(f, "database error: {detail}"),
            Self::Upstream { detail } => write!(f, "upstream error: {detail}"),
            Self::Internal { detail } => write!(f, "internal error: {detail}"),
            Self::Request { detail } => write!(f, "request failed: {detail}"),
            Self::ConfigFile { path, detail } => write!(f, "{path}: {detail}"),
            Self::NoBackup { path } => write!(f, "no backup of {path} to restore"),
            Self::LocalOnly => write!(
                f,
                "only a browser on the machine running API Switch may write its apps' files"
            ),
            Self::LockedOut { retry_after_secs } => write!(
                f,
                "too many wrong passwords; try again in {retry_after_secs} seconds"
            ),
            Self::ListenRefused { detail, .. } => write!(f, "{detail}"),
            Self::InvalidCatalog { from, problems } => write!(
                f,
                "the catalog from {from} was not used: {}",
                problems.join("; ")
            ),
        }
    }
}

impl std::error::Error for UiError {}

/// `UiError` as a Leptos server function's error type: `Result<T, UiError>` in a `#[server]`
/// function, encoded as the JSON above.
#[cfg(feature = "server-fn")]
impl server_fn::error::FromServerFnError for UiError {
    type Encoder = server_fn::codec::JsonEncoding;

    fn from_server_fn_error(value: server_fn::error::ServerFnErrorErr) -> Self {
        Self::Request {
            detail: value.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_serialise_as_code_and_params() {
        let error = UiError::OutOfRange {
            field: "cooldown_secs".into(),
            min: 300,
            max: 1800,
        };
        let json = serde_json::to_value(&error).expect("json");
        assert_eq!(
            json,
            serde_json::json!({
                "code": "out_of_range",
                "params": {"field": "cooldown_secs", "min": 300, "max": 1800}
            })
        );
        assert_eq!(json["code"], error.code());
        let back: UiError = serde_json::from_value(json).expect("back");
        assert_eq!(back, error);
    }
}
