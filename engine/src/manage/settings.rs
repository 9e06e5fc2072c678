//! Settings as the user changes them: the whole form (checked against the ranges first, every
//! problem listed), one setting alone (the language menus, "require access key", the listen
//! address Settings -> Network moved to), and the error rules.

use std::net::SocketAddr;

use types::language::UiLanguage;

use crate::AppState;
use crate::manage::ManageError;
use crate::store::{ErrorRule, Settings, StoreError};

impl AppState {
    /// The stored settings.
    pub async fn settings(&self) -> Result<Settings, StoreError> {
        self.blocking(|state| state.store().settings()).await
    }

    /// Stores where the server listens now (Settings -> Network moved it), for the next start
    /// without `--listen`.
    pub async fn store_listen_address(&self, address: SocketAddr) -> Result<(), StoreError> {
        self.blocking(move |state| {
            let mut settings = state.store().settings()?;
            if settings.listen_address == Some(address) {
                return Ok(());
            }
            settings.listen_address = Some(address);
            state.store().save_settings(&settings)?;
            state.reload()
        })
        .await
    }

    /// Saves settings the user chose, after checking their ranges.
    pub async fn update_settings(&self, settings: &Settings) -> Result<(), ManageError> {
        let settings = settings.clone();
        self.blocking(move |state| state.update_settings_now(&settings))
            .await
    }

    /// Changes the stored settings with `edit` and saves them (checked like the form), all on
    /// one trip to the blocking pool; `edit` answers `false` to leave them as they are.
    pub async fn edit_settings(
        &self,
        edit: impl FnOnce(&mut Settings) -> bool + Send + 'static,
    ) -> Result<(), ManageError> {
        self.blocking(move |state| {
            let mut settings = state.store().settings()?;
            if !edit(&mut settings) {
                return Ok(());
            }
            state.update_settings_now(&settings)
        })
        .await
    }

    /// Saves the UI's language alone (the tray labels its menu in it too).
    pub async fn set_ui_language(&self, language: UiLanguage) -> Result<(), ManageError> {
        self.edit_settings(move |settings| {
            let changed = settings.ui_language != language;
            settings.ui_language = language;
            changed
        })
        .await
    }

    /// Switches "require access key" alone, keeping every other setting.
    pub async fn set_access_key_required(&self, required: bool) -> Result<(), ManageError> {
        self.edit_settings(move |settings| {
            settings.require_access_key = required;
            true
        })
        .await
    }

    /// The error rules in force, in order (memory only).
    pub fn error_rules(&self) -> Vec<ErrorRule> {
        self.snapshot().settings.error_rules.clone()
    }

    /// Replaces the error rules (checked first; every problem is listed).
    pub async fn set_error_rules(&self, rules: Vec<ErrorRule>) -> Result<(), ManageError> {
        self.edit_settings(move |settings| {
            settings.error_rules = rules;
            true
        })
        .await
    }

    fn update_settings_now(&self, settings: &Settings) -> Result<(), ManageError> {
        let problems = settings.problems();
        if !problems.is_empty() {
            return Err(ManageError::Settings { problems });
        }
        self.store().save_settings(settings)?;
        Ok(self.reload()?)
    }
}
