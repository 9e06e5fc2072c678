//! A channel's way out as the user manages it: its key pool (replace it, edit it by key id,
//! switch one key on or off, see each masked with its state right now) and its outbound
//! proxy. Only the user switches a key on.

use crate::AppState;
use crate::clock::now_ms;
use crate::secrets::mask;
use crate::store::{Channel, ChannelId, KeyId, OutboundProxy, StoreError};
use types::routing::{KeptKey, KeyView};

impl AppState {
    /// Makes the channel's pool exactly `keys`, in order; a key that stays keeps its state.
    pub async fn set_channel_keys(
        &self,
        channel: ChannelId,
        keys: &[String],
    ) -> Result<(), StoreError> {
        let keys = keys.to_vec();
        self.change(move |store| store.set_channel_keys(channel, &keys))
            .await
    }

    /// Edits the pool by key id (see `Store::edit_channel_keys`): the UI keeps and removes
    /// keys it only knows masked, and adds new ones. A removed key's cooldown is forgotten.
    pub async fn edit_channel_keys(
        &self,
        channel: ChannelId,
        keep: &[KeyId],
        add: &str,
    ) -> Result<(), StoreError> {
        let (keep, add) = (keep.to_vec(), add.to_owned());
        self.blocking(move |state| state.edit_channel_keys_now(channel, &keep, &add))
            .await
    }

    /// The pool editor's "Save": the pool becomes the `keep` keys (in order) followed by the
    /// keys pasted in `add`, then each kept key the user switched is switched (on also ends
    /// its cooldown and loses the system's reason).
    pub async fn save_channel_keys(
        &self,
        channel: ChannelId,
        keep: &[KeptKey],
        add: &str,
    ) -> Result<(), StoreError> {
        let (keep, add) = (keep.to_vec(), add.to_owned());
        self.blocking(move |state| {
            let before = state.channel_keys(channel);
            let ids: Vec<KeyId> = keep.iter().map(|k| k.id).collect();
            state.edit_channel_keys_now(channel, &ids, &add)?;
            let switched = keep.iter().filter(|wanted| {
                before
                    .iter()
                    .any(|k| k.id == wanted.id && k.enabled != wanted.enabled)
            });
            for key in switched {
                state.set_channel_key_enabled_now(key.id, key.enabled)?;
            }
            Ok(())
        })
        .await
    }

    /// Switches one key on or off (the user's choice; on also ends its cooldown).
    pub async fn set_channel_key_enabled(
        &self,
        key: KeyId,
        enabled: bool,
    ) -> Result<(), StoreError> {
        self.blocking(move |state| state.set_channel_key_enabled_now(key, enabled))
            .await
    }

    fn edit_channel_keys_now(
        &self,
        channel: ChannelId,
        keep: &[KeyId],
        add: &str,
    ) -> Result<(), StoreError> {
        for removed in self.store().edit_channel_keys(channel, keep, add)? {
            self.key_pools().forget(removed);
        }
        self.reload()
    }

    fn set_channel_key_enabled_now(&self, key: KeyId, enabled: bool) -> Result<(), StoreError> {
        self.store().set_channel_key_enabled(key, enabled)?;
        self.key_pools().forget(key);
        self.reload()
    }

    /// Sets the channel's outbound proxy; `None` sends its requests directly.
    pub async fn set_channel_proxy(
        &self,
        channel: ChannelId,
        proxy: Option<&OutboundProxy>,
    ) -> Result<(), StoreError> {
        let proxy = proxy.cloned();
        self.change(move |store| store.set_channel_proxy(channel, proxy.as_ref()))
            .await
    }

    /// Every channel as stored (with its keys and proxy).
    pub async fn channels(&self) -> Result<Vec<Channel>, StoreError> {
        self.blocking(|state| state.store().channels()).await
    }

    /// The channel's keys as the UI shows them: masked, with their state right now (memory
    /// only: no store work).
    pub fn channel_keys(&self, channel: ChannelId) -> Vec<KeyView> {
        let snapshot = self.snapshot();
        let Some(found) = snapshot.channels.get(&channel) else {
            return Vec::new();
        };
        let now = now_ms();
        found
            .keys
            .iter()
            .map(|key| {
                // A key the proxy switched off since the last reload is off already, though
                // the snapshot (read from the store) does not say so yet.
                let just_disabled = self.key_pools().disabled_reason(key.id);
                KeyView {
                    id: key.id,
                    channel_id: channel,
                    masked: mask(key.key.expose()),
                    enabled: key.enabled && just_disabled.is_none(),
                    disabled_reason: just_disabled.unwrap_or_else(|| key.disabled_reason.clone()),
                    cooling_until_ms: self.key_pools().cooling_until(key.id, now),
                }
            })
            .collect()
    }
}
