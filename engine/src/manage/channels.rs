//! Channels as the user manages them: create (alone, or with its fetched model list and the
//! chosen models as entries), edit, switch on or off, delete; and the reads the Channels screen
//! and the status card make of them.

use crate::AppState;
use crate::store::{
    ChannelId, ChannelUpdate, EntryId, FullConfig, NewChannel, SpeedTestRecord, StoreError,
};

impl AppState {
    pub async fn create_channel(&self, new: &NewChannel) -> Result<ChannelId, StoreError> {
        let new = new.clone();
        self.change(move |store| store.create_channel(&new)).await
    }

    /// Creates a channel with its fetched model list and the chosen models as entries, in one
    /// transaction (the add-channel form's "Save").
    pub async fn create_channel_with_models(
        &self,
        new: &NewChannel,
        fetched: &[String],
        chosen: &[String],
    ) -> Result<ChannelId, StoreError> {
        let (new, fetched, chosen) = (new.clone(), fetched.to_vec(), chosen.to_vec());
        self.change(move |store| {
            store.create_channel_with_models(&new, &fetched, jiff::Timestamp::now(), &chosen)
        })
        .await
    }

    pub async fn update_channel(
        &self,
        id: ChannelId,
        update: &ChannelUpdate,
    ) -> Result<(), StoreError> {
        let update = update.clone();
        self.change(move |store| store.update_channel(id, &update))
            .await
    }

    pub async fn set_channel_enabled(
        &self,
        id: ChannelId,
        enabled: bool,
    ) -> Result<(), StoreError> {
        self.change(move |store| store.set_channel_enabled(id, enabled))
            .await
    }

    pub async fn delete_channel(&self, id: ChannelId) -> Result<(), StoreError> {
        self.change(move |store| store.delete_channel(id)).await
    }

    /// Remembers the model list calibration fetched for the channel (shown as its models; not
    /// a routing change, so no reload).
    pub async fn set_channel_models(
        &self,
        id: ChannelId,
        models: &[String],
    ) -> Result<(), StoreError> {
        let models = models.to_vec();
        self.blocking(move |state| {
            state
                .store()
                .set_channel_models(id, &models, jiff::Timestamp::now())
        })
        .await
    }

    /// Every channel with its entries, as stored.
    pub async fn full_config(&self) -> Result<FullConfig, StoreError> {
        self.blocking(|state| state.store().full_config()).await
    }

    /// Each entry's last speed test, by entry id (the Channels screen's rows).
    pub async fn speed_test_records(
        &self,
    ) -> Result<std::collections::HashMap<EntryId, SpeedTestRecord>, StoreError> {
        self.blocking(|state| state.store().speed_tests()).await
    }

    /// How many channels are stored (the status card).
    pub async fn channel_count(&self) -> Result<u64, StoreError> {
        self.blocking(|state| state.store().channel_count()).await
    }
}
