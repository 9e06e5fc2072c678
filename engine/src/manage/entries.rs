//! Entries (a channel's model as routing sees it) as the user manages them: add by hand or
//! from the fetched list, rename, move to a group, reorder, move to the top, set aliases,
//! switch on or off, delete; and the groups they form.

use crate::AppState;
use crate::store::{ChannelId, EntryId, GroupRow, NewEntry, StoreError, TopOf};

impl AppState {
    /// Creates an entry; also how a model is added to a channel by hand.
    pub async fn create_entry(&self, new: &NewEntry) -> Result<EntryId, StoreError> {
        let new = new.clone();
        self.change(move |store| store.create_entry(&new)).await
    }

    /// Makes each picked model an entry of the channel, skipping models that already are; one
    /// transaction. Returns how many were added.
    pub async fn add_entries(
        &self,
        channel_id: ChannelId,
        models: &[String],
    ) -> Result<usize, StoreError> {
        let models = models.to_vec();
        self.change(move |store| store.add_entries(channel_id, &models))
            .await
    }

    pub async fn rename_entry(&self, id: EntryId, display_name: &str) -> Result<(), StoreError> {
        let display_name = display_name.to_owned();
        self.change(move |store| store.rename_entry(id, &display_name))
            .await
    }

    pub async fn move_entry_to_group(&self, id: EntryId, group: &str) -> Result<(), StoreError> {
        let group = group.to_owned();
        self.change(move |store| store.set_entry_group(id, &group))
            .await
    }

    /// The whole priority order in one call (see `Store::reorder_entries`).
    pub async fn reorder_entries(&self, order: &[EntryId]) -> Result<(), StoreError> {
        let order = order.to_vec();
        self.change(move |store| store.reorder_entries(&order))
            .await
    }

    /// Puts the entry first in a group (see `Store::move_entry_to_top` and `TopOf`): the
    /// Channels screen moves it into AUTO, the tray only reorders AUTO's own entries.
    pub async fn move_entry_to_top(&self, id: EntryId, top_of: TopOf) -> Result<(), StoreError> {
        self.change(move |store| store.move_entry_to_top(id, &top_of))
            .await
    }

    /// Replaces an entry's aliases (other names it answers to).
    pub async fn set_entry_aliases(
        &self,
        id: EntryId,
        aliases: &[String],
    ) -> Result<(), StoreError> {
        let aliases = aliases.to_vec();
        self.change(move |store| store.set_entry_aliases(id, &aliases))
            .await
    }

    /// Only the user calls this; the proxy never enables an entry.
    pub async fn set_entry_enabled(&self, id: EntryId, enabled: bool) -> Result<(), StoreError> {
        self.change(move |store| store.set_entry_enabled(id, enabled))
            .await
    }

    pub async fn delete_entry(&self, id: EntryId) -> Result<(), StoreError> {
        self.change(move |store| store.delete_entry(id)).await
    }

    /// Every group with how many entries it holds; `auto` is always listed.
    pub async fn groups(&self) -> Result<Vec<GroupRow>, StoreError> {
        self.blocking(|state| state.store().groups()).await
    }
}
