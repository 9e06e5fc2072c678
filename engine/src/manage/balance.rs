//! A channel's balance settings as the user sets them (kind, threshold, new-api user id and
//! access token), and the kind calibration detects for a new channel from its host. Look-ups
//! themselves are `balance::refresh`'s.

use types::balance::BalanceSettings;

use crate::AppState;
use crate::balance::detect::detect;
use crate::store::{ChannelId, Store, StoreError, TokenChange};

impl AppState {
    /// Sets how the channel's balance is looked up and when it warns; `token` keeps or replaces
    /// the new-api access token (which never goes back to the browser).
    pub async fn set_balance_settings(
        &self,
        channel: ChannelId,
        settings: &BalanceSettings,
        token: TokenChange,
    ) -> Result<(), StoreError> {
        let settings = settings.clone();
        self.change(move |store| store.set_balance_settings(channel, &settings, &token))
            .await
    }
}

/// Stores the balance kind `base_url`'s host is known to answer, for a channel calibration
/// just created; an unknown host keeps `auto`.
pub(super) fn remember_detected_kind(
    store: &Store,
    channel: ChannelId,
    base_url: &str,
) -> Result<(), StoreError> {
    let Some(kind) = detect(base_url) else {
        return Ok(());
    };
    let settings = BalanceSettings {
        kind,
        ..BalanceSettings::default()
    };
    store.set_balance_settings(channel, &settings, &TokenChange::Keep)
}
