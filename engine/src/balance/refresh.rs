//! Looking channels' balances up and keeping the figures: on demand (one channel, or all) and
//! in the background every few hours (`spawn_balance_refresh`). Each look-up goes through the
//! channel's own client (its outbound proxy honoured) with its first enabled key; its result,
//! known or not, is stored and sent live as `BalanceChecked`, and a figure that has just fallen
//! below the user's threshold is also sent as `BalanceLow`. Errors are masked with the
//! channel's secrets before they are kept: a provider may echo the key it refused.

use std::time::Duration;

use types::balance::{Balance, ChannelBalance};

use super::detect::{asked_as, origin};
use super::{Ask, BalanceError, look_up};
use crate::AppState;
use crate::clock::now_ms;
use crate::events::Event;
use crate::store::{Channel, ChannelId, StoreError, StoredBalance};

/// How old a figure may grow before the background refresh looks it up again.
pub const REFRESH_EVERY: Duration = Duration::from_secs(3 * 60 * 60);

/// How often the background task checks for figures that are due.
const DUE_CHECK_EVERY: Duration = Duration::from_secs(10 * 60);

/// The view of one channel's stored balance.
fn view(channel: &Channel, stored: StoredBalance) -> ChannelBalance {
    let has_access_token = !stored.access_token.expose().trim().is_empty();
    ChannelBalance {
        channel: channel.id,
        name: channel.name.clone(),
        asked_as: asked_as(&stored.settings, &channel.base_url, has_access_token),
        has_access_token,
        settings: stored.settings,
        last: stored.last,
    }
}

impl AppState {
    /// Every channel's balance settings and last figure, in channel order.
    pub async fn channel_balances(&self) -> Result<Vec<ChannelBalance>, StoreError> {
        self.blocking(|state| state.balances_now()).await
    }

    /// `channel_balances` read on this thread (one small query), for the tray.
    pub fn balances_now(&self) -> Result<Vec<ChannelBalance>, StoreError> {
        let mut stored = self.store().balances()?;
        Ok(self
            .channels_in_order()
            .iter()
            .map(|c| view(c, stored.remove(&c.id).unwrap_or_default()))
            .collect())
    }

    /// Looks up `channel`'s balance now (an `off` channel is not asked).
    pub async fn refresh_balance(&self, channel: ChannelId) -> Result<ChannelBalance, StoreError> {
        let Some(found) = self.snapshot().channels.get(&channel).cloned() else {
            return Err(StoreError::NotFound {
                what: "channel",
                id: channel,
            });
        };
        let stored = self
            .blocking(move |state| state.store().balance_of(channel))
            .await?;
        self.refresh_one(&found, stored).await
    }

    /// Looks up every channel's balance now, all at once; `due_before_ms`, when given, skips
    /// channels whose figure was checked at or after it.
    pub async fn refresh_balances(
        &self,
        due_before_ms: Option<i64>,
    ) -> Result<Vec<ChannelBalance>, StoreError> {
        let mut stored = self.blocking(|state| state.store().balances()).await?;
        let channels = self.channels_in_order();
        let lookups = channels.iter().map(|channel| {
            let mine = stored.remove(&channel.id).unwrap_or_default();
            async move {
                let checked = mine.last.as_ref().map(|b| b.checked_ms);
                let due = match (due_before_ms, checked) {
                    (Some(before), Some(checked)) => checked < before,
                    _ => true,
                };
                if due {
                    self.refresh_one(channel, mine).await
                } else {
                    Ok(view(channel, mine))
                }
            }
        });
        futures::future::join_all(lookups)
            .await
            .into_iter()
            .collect()
    }

    /// Runs the background refresh until the state is dropped: every few minutes, channels
    /// whose figure is older than `REFRESH_EVERY` (or that have none) are looked up.
    pub fn spawn_balance_refresh(&self) -> tokio::task::JoinHandle<()> {
        let weak = self.downgrade();
        tokio::spawn(async move {
            // Not at once: a server that starts and stops (a test, a quick look) asks nobody.
            tokio::time::sleep(Duration::from_secs(60)).await;
            loop {
                let Some(state) = AppState::upgrade(&weak) else {
                    return;
                };
                let due_before = now_ms() - REFRESH_EVERY.as_millis() as i64;
                if let Err(error) = state.refresh_balances(Some(due_before)).await {
                    tracing::warn!(%error, "cannot refresh relay balances");
                }
                drop(state);
                tokio::time::sleep(DUE_CHECK_EVERY).await;
            }
        })
    }

    fn channels_in_order(&self) -> Vec<Channel> {
        let mut channels: Vec<Channel> = self.snapshot().channels.values().cloned().collect();
        channels.sort_by_key(|c| c.id);
        channels
    }

    /// Looks `channel` up as its settings say, stores the result and announces it.
    async fn refresh_one(
        &self,
        channel: &Channel,
        stored: StoredBalance,
    ) -> Result<ChannelBalance, StoreError> {
        let before = view(channel, stored.clone());
        let Some(kind) = before.asked_as else {
            return Ok(before);
        };
        let snapshot = self.snapshot();
        let api_key = channel
            .keys
            .iter()
            .find(|k| k.enabled)
            .map_or("", |k| k.key.expose());
        let figure = match origin(&channel.base_url) {
            Some(origin) => {
                let ask = Ask {
                    client: snapshot.client_for(channel.id),
                    origin,
                    api_key,
                    access_token: stored.access_token.expose(),
                    user_id: &stored.settings.user_id,
                };
                look_up(kind, &ask).await
            }
            None => Err(BalanceError::NoEndpoint),
        };
        let balance = match figure {
            Ok(figure) => Balance {
                amount: Some(figure.amount),
                currency: figure.currency,
                checked_ms: now_ms(),
                error: None,
            },
            Err(error) => {
                let text = snapshot
                    .mask_for(channel.id)
                    .mask_text(&error.to_string())
                    .into_owned();
                let text = crate::secrets::mask_keys(&text, [stored.access_token.expose()]);
                Balance {
                    amount: None,
                    // The last known currency, so the unknown figure still says which.
                    currency: stored
                        .last
                        .as_ref()
                        .map(|b| b.currency.clone())
                        .unwrap_or_default(),
                    checked_ms: now_ms(),
                    error: Some(text),
                }
            }
        };
        let id = channel.id;
        let saved = balance.clone();
        self.blocking(move |state| state.store().save_balance(id, &saved))
            .await?;
        self.announce(&before, &balance);
        Ok(ChannelBalance {
            last: Some(balance),
            ..before
        })
    }

    /// `BalanceChecked`, and `BalanceLow` when the figure has just gone below the threshold.
    fn announce(&self, before: &ChannelBalance, balance: &Balance) {
        self.emit(Event::BalanceChecked {
            channel: before.channel,
            balance: balance.clone(),
        });
        let threshold = before.settings.threshold;
        let was_low = before.is_low();
        if let (Some(threshold), false) = (threshold, was_low)
            && balance.is_below(Some(threshold))
        {
            self.emit(Event::BalanceLow {
                channel: before.channel,
                name: before.name.clone(),
                balance: balance.clone(),
                threshold,
            });
        }
    }
}
