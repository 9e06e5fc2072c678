//! Changes the user makes to channels, entries, groups, settings and access keys. Each is one
//! store transaction (all of it lands or none of it) followed by a snapshot reload, so the running proxy routes by the new
//! configuration at once and `AppState::subscribe` tells the UI to refresh. The UI's server
//! functions call these; nothing here ever enables what the user did not.

use crate::AppState;
use crate::store::{ChannelId, ChannelUpdate, EntryId, NewChannel, NewEntry, Settings, StoreError};

/// A setting the user gave that is out of range; lists every problem.
#[derive(Debug, thiserror::Error)]
pub enum ManageError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("invalid settings: {}", problems.iter().map(|(f, p)| format!("{f}: {p}")).collect::<Vec<_>>().join("; "))]
    Settings {
        problems: Vec<(&'static str, String)>,
    },
}

impl AppState {
    fn then_reload<T>(&self, result: Result<T, StoreError>) -> Result<T, StoreError> {
        let value = result?;
        self.reload()?;
        Ok(value)
    }

    pub fn create_channel(&self, new: &NewChannel) -> Result<ChannelId, StoreError> {
        self.then_reload(self.store().create_channel(new))
    }

    /// Creates a channel with its fetched model list and the chosen models as entries, in one
    /// transaction (the add-channel form's "Save").
    pub fn create_channel_with_models(
        &self,
        new: &NewChannel,
        fetched: &[String],
        chosen: &[String],
    ) -> Result<ChannelId, StoreError> {
        self.then_reload(self.store().create_channel_with_models(
            new,
            fetched,
            jiff::Timestamp::now(),
            chosen,
        ))
    }

    /// Makes each picked model an entry of the channel, skipping models that already are; one
    /// transaction. Returns how many were added.
    pub fn add_entries(
        &self,
        channel_id: ChannelId,
        models: &[String],
    ) -> Result<usize, StoreError> {
        self.then_reload(self.store().add_entries(channel_id, models))
    }

    pub fn update_channel(&self, id: ChannelId, update: &ChannelUpdate) -> Result<(), StoreError> {
        self.then_reload(self.store().update_channel(id, update))
    }

    pub fn set_channel_enabled(&self, id: ChannelId, enabled: bool) -> Result<(), StoreError> {
        self.then_reload(self.store().set_channel_enabled(id, enabled))
    }

    pub fn delete_channel(&self, id: ChannelId) -> Result<(), StoreError> {
        self.then_reload(self.store().delete_channel(id))
    }

    /// Creates an entry; also how a model is added to a channel by hand.
    pub fn create_entry(&self, new: &NewEntry) -> Result<EntryId, StoreError> {
        self.then_reload(self.store().create_entry(new))
    }

    pub fn rename_entry(&self, id: EntryId, display_name: &str) -> Result<(), StoreError> {
        self.then_reload(self.store().rename_entry(id, display_name))
    }

    pub fn move_entry_to_group(&self, id: EntryId, group: &str) -> Result<(), StoreError> {
        self.then_reload(self.store().set_entry_group(id, group))
    }

    /// The whole priority order in one call (see `Store::reorder_entries`).
    pub fn reorder_entries(&self, order: &[EntryId]) -> Result<(), StoreError> {
        self.then_reload(self.store().reorder_entries(order))
    }

    pub fn move_entry_to_top_of_auto(&self, id: EntryId) -> Result<(), StoreError> {
        self.then_reload(self.store().move_entry_to_top_of_auto(id))
    }

    /// The tray menu's act: an `auto` entry first in `auto`; other groups' entries are refused.
    pub fn move_auto_entry_to_top(&self, id: EntryId) -> Result<(), StoreError> {
        self.then_reload(self.store().move_auto_entry_to_top(id))
    }

    /// Only the user calls this; the proxy never enables an entry.
    pub fn set_entry_enabled(&self, id: EntryId, enabled: bool) -> Result<(), StoreError> {
        self.then_reload(self.store().set_entry_enabled(id, enabled))
    }

    pub fn delete_entry(&self, id: EntryId) -> Result<(), StoreError> {
        self.then_reload(self.store().delete_entry(id))
    }

    /// Saves settings the user chose, after checking their ranges.
    pub fn update_settings(&self, settings: &Settings) -> Result<(), ManageError> {
        let problems = settings.problems();
        if !problems.is_empty() {
            return Err(ManageError::Settings { problems });
        }
        Ok(self.then_reload(self.store().save_settings(settings))?)
    }

    pub fn create_access_key(&self, name: &str, key: &str) -> Result<i64, StoreError> {
        self.then_reload(self.store().create_access_key(name, key))
    }

    pub fn delete_access_key(&self, id: i64) -> Result<(), StoreError> {
        self.then_reload(self.store().delete_access_key(id))
    }
}
