//! The user's controls over how requests reach a channel and how failures are judged: a
//! channel's key pool (replace it, switch one key on or off, see each masked with its state),
//! its outbound proxy, and the error rules. Like `manage`, each change is one store
//! transaction followed by a reload, so the running proxy uses it at once; the UI's server
//! functions call these. Only the user switches a key on.

use crate::AppState;
use crate::clock::now_ms;
use crate::manage::ManageError;
use crate::secrets::mask;
use crate::store::{ChannelId, ErrorRule, KeyId, OutboundProxy, StoreError};

pub use types::routing::KeyView;

impl AppState {
    /// Makes the channel's pool exactly `keys`, in order; a key that stays keeps its state.
    pub fn set_channel_keys(&self, channel: ChannelId, keys: &[String]) -> Result<(), StoreError> {
        self.store().set_channel_keys(channel, keys)?;
        self.reload()
    }

    /// Edits the pool by key id (see `Store::edit_channel_keys`): the UI keeps and removes
    /// keys it only knows masked, and adds new ones. A removed key's cooldown is forgotten.
    pub fn edit_channel_keys(
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

    /// Switches one key on or off (the user's choice; on also ends its cooldown).
    pub fn set_channel_key_enabled(&self, key: KeyId, enabled: bool) -> Result<(), StoreError> {
        self.store().set_channel_key_enabled(key, enabled)?;
        self.key_pools().forget(key);
        self.reload()
    }

    /// Sets the channel's outbound proxy; `None` sends its requests directly.
    pub fn set_channel_proxy(
        &self,
        channel: ChannelId,
        proxy: Option<&OutboundProxy>,
    ) -> Result<(), StoreError> {
        self.store().set_channel_proxy(channel, proxy)?;
        self.reload()
    }

    /// The channel's keys as the UI shows them: masked, with their state right now.
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

    /// The error rules in force, in order.
    pub fn error_rules(&self) -> Vec<ErrorRule> {
        self.snapshot().settings.error_rules.clone()
    }

    /// Replaces the error rules (checked first; every problem is listed).
    pub fn set_error_rules(&self, rules: Vec<ErrorRule>) -> Result<(), ManageError> {
        let mut settings = self.store().settings()?;
        settings.error_rules = rules;
        self.update_settings(&settings)
    }
}
