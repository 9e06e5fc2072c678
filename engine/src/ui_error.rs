//! The one place engine errors become `UiError`, the typed code-and-parameters form the UI
//! translates (the codes are listed on `types::ui_error`). The engine's own error types keep
//! their English `Display` for logs and the CLI; server functions return `UiError`.

pub use types::ui_error::UiError;

use crate::config::ConfigError;
use crate::manage::{CatalogUpdateError, ManageError};
use crate::store::StoreError;

impl From<StoreError> for UiError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::NotFound { what, id } => UiError::NotFound {
                what: what.to_owned(),
                id,
            },
            StoreError::Invalid { field, problem } => field_problem(field, &problem),
            StoreError::Sqlite(source) if is_unique_key_violation(&source) => {
                UiError::AlreadyExists {
                    what: "access key".into(),
                    field: "key".into(),
                }
            }
            other @ (StoreError::Open { .. }
            | StoreError::Files { .. }
            | StoreError::Migrate(_)
            | StoreError::Sqlite(_)
            | StoreError::Settings { .. }
            | StoreError::Exchange { .. }
            | StoreError::Kind { .. }) => UiError::Database {
                detail: other.to_string(),
            },
        }
    }
}

impl From<ManageError> for UiError {
    fn from(error: ManageError) -> Self {
        match error {
            ManageError::Store(error) => error.into(),
            ManageError::Settings { problems } => UiError::InvalidSettings {
                problems: problems
                    .iter()
                    .map(|(field, problem)| field_problem(field, problem))
                    .collect(),
            },
        }
    }
}

impl From<ConfigError> for UiError {
    fn from(error: ConfigError) -> Self {
        match error {
            ConfigError::Invalid { problems } => UiError::InvalidConfig { problems },
            ConfigError::Json { source } => UiError::InvalidConfig {
                problems: vec![source.to_string()],
            },
            ConfigError::Store(error) => error.into(),
        }
    }
}

impl From<CatalogUpdateError> for UiError {
    fn from(error: CatalogUpdateError) -> Self {
        match error {
            CatalogUpdateError::Invalid { from, problems } => UiError::InvalidCatalog {
                from,
                problems: problems.iter().map(ToString::to_string).collect(),
            },
            CatalogUpdateError::Read(error) => UiError::InvalidCatalog {
                from: error.source_name().to_owned(),
                problems: vec![error.to_string()],
            },
            CatalogUpdateError::Store(error) => error.into(),
        }
    }
}

/// A field's problem, as the store and `Settings::problems` word it, as a code.
fn field_problem(field: &str, problem: &str) -> UiError {
    let field_name = field.to_owned();
    if problem.starts_with("must not be empty") {
        return UiError::Required { field: field_name };
    }
    if problem == "must be greater than 0" {
        return UiError::MustBePositive { field: field_name };
    }
    if problem == crate::manage::NAME_TAKEN {
        return UiError::AlreadyExists {
            what: "access key".into(),
            field: field_name,
        };
    }
    if let Some(range) = types::settings_ranges::of(field) {
        return UiError::OutOfRange {
            field: field_name,
            min: range.min,
            max: range.max,
        };
    }
    match field {
        "auto_disable_codes" => match problem.split_whitespace().next().map(str::parse) {
            Some(Ok(status)) => UiError::NotAnErrorStatus {
                field: field_name,
                status,
            },
            _ => UiError::InvalidField {
                field: field_name,
                detail: problem.to_owned(),
            },
        },
        "base_url" => UiError::InvalidUrl {
            field: field_name,
            detail: problem.to_owned(),
        },
        _ => UiError::InvalidField {
            field: field_name,
            detail: problem.to_owned(),
        },
    }
}

fn is_unique_key_violation(error: &rusqlite::Error) -> bool {
    matches!(
        error,
        rusqlite::Error::SqliteFailure(code, Some(message))
            if code.code == rusqlite::ErrorCode::ConstraintViolation
                && message.contains("access_keys.key")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::AppState;
    use crate::store::Settings;

    fn state() -> (tempfile::TempDir, AppState) {
        let dir = tempfile::tempdir().expect("temp dir");
        let state = AppState::open(dir.path().join("api-switch.db")).expect("open");
        (dir, state)
    }

    #[tokio::test]
    async fn every_settings_problem_becomes_a_code_with_its_parameters() {
        let (_dir, state) = state();
        let settings = Settings {
            cooldown_secs: 5,
            auto_disable_codes: vec![401, 200],
            connect_timeout_ms: 0,
            ..Settings::default()
        };
        let error = UiError::from(state.update_settings(&settings).await.expect_err("invalid"));
        assert_eq!(
            error,
            UiError::InvalidSettings {
                problems: vec![
                    UiError::OutOfRange {
                        field: "cooldown_secs".into(),
                        min: 300,
                        max: 1800
                    },
                    UiError::NotAnErrorStatus {
                        field: "auto_disable_codes".into(),
                        status: 200
                    },
                    UiError::OutOfRange {
                        field: "connect_timeout_ms".into(),
                        min: 1000,
                        max: 300_000
                    },
                ]
            }
        );
    }

    #[tokio::test]
    async fn store_errors_become_codes() {
        let (_dir, state) = state();
        let missing = UiError::from(state.delete_channel(42).await.expect_err("no channel"));
        assert_eq!(
            missing,
            UiError::NotFound {
                what: "channel".into(),
                id: 42
            }
        );
        state
            .create_access_key("a", "sk-same-key")
            .await
            .expect("key");
        let taken = UiError::from(
            state
                .create_access_key("b", "sk-same-key")
                .await
                .expect_err("dup"),
        );
        assert_eq!(
            taken,
            UiError::AlreadyExists {
                what: "access key".into(),
                field: "key".into()
            }
        );
        let empty = state
            .create_entry(&crate::store::NewEntry::new(1, " "))
            .await;
        assert_eq!(
            UiError::from(empty.expect_err("empty model")),
            UiError::Required {
                field: "model".into()
            }
        );
    }
}
