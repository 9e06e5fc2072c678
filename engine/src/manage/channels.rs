//! Channels as the user manages them: calibrate (what a URL and key reach, with the models
//! to pre-select), create (alone, or with its fetched model list and the chosen models as
//! entries), edit, switch on or off, delete; and the reads the Channels screen and the status
//! card make of them (the listing is `types::listing`'s, built here).

use std::collections::HashMap;

use types::calibration::{CalibrationView, ModelChoice};
use types::listing::{ChannelRow, EntryRow};
use types::speedtest::TestResult;

use crate::AppState;
use crate::catalog::{Catalog, preselect, today_utc};
use crate::clock::now_ms;
use crate::discovery::{DiscoveryError, ProbeOptions, ProbeRequest, calibrate};
use crate::store::{
    Channel, ChannelId, ChannelUpdate, Entry, EntryId, FullConfig, NewChannel, StoreError,
};

impl AppState {
    /// Sets how the channel's requests are priced (multiplier and per-model overrides); new
    /// requests are priced by it at once.
    pub async fn set_channel_pricing(
        &self,
        channel: ChannelId,
        pricing: &types::pricing::Pricing,
    ) -> Result<(), StoreError> {
        let pricing = pricing.clone();
        self.change(move |store| store.set_channel_pricing(channel, &pricing))
            .await
    }

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
            let id = store.create_channel_with_models(
                &new,
                &fetched,
                jiff::Timestamp::now(),
                &chosen,
            )?;
            super::balance::remember_detected_kind(store, id, &new.base_url)?;
            Ok(id)
        })
        .await
    }

    /// Creates a channel under a new name (the CLI's `channel add` and `probe --add`) with the
    /// models `found` as its model list and `chosen` as entries, or, without a choice, the ones
    /// the add-channel form would tick. An empty or taken name is refused.
    pub async fn add_named_channel(
        &self,
        new: &NewChannel,
        found: &[String],
        chosen: Option<&[String]>,
    ) -> Result<ChannelId, StoreError> {
        let name = new.name.trim().to_owned();
        let invalid = |problem: &str| StoreError::Invalid {
            field: "name",
            problem: problem.into(),
        };
        if name.is_empty() {
            return Err(invalid("must not be empty"));
        }
        let taken = self
            .full_config()
            .await?
            .channels
            .iter()
            .any(|(c, _)| c.name.trim() == name);
        if taken {
            return Err(invalid("is already the name of another channel"));
        }
        let chosen = match chosen {
            Some(chosen) => chosen.to_vec(),
            None => preselect(&Catalog::current(), found, &[], today_utc())
                .into_iter()
                .filter(|p| p.selected)
                .map(|p| p.id)
                .collect(),
        };
        let new = NewChannel {
            name,
            ..new.clone()
        };
        self.create_channel_with_models(&new, found, &chosen).await
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

    /// How many channels are stored (the status card).
    pub async fn channel_count(&self) -> Result<u64, StoreError> {
        self.blocking(|state| state.store().channel_count()).await
    }

    /// Every channel with its entries (in priority order), their state, last speed test and
    /// catalog facts: the Channels and API management screens' listing.
    pub async fn channel_listing(&self) -> Result<Vec<ChannelRow>, StoreError> {
        let (config, tests) = self
            .blocking(|state| {
                let store = state.store();
                Ok::<_, StoreError>((store.full_config()?, store.speed_tests()?))
            })
            .await?;
        let now = now_ms();
        Ok(config
            .channels
            .into_iter()
            .map(|(channel, entries)| channel_row(channel, entries, &tests, now))
            .collect())
    }

    /// Calibrates `request` (announcing each attempt live under `run` when it is not empty)
    /// and pre-selects among the models found: `existing` are the channel's current entries,
    /// recent releases are ticked too.
    pub async fn calibration_view(
        &self,
        request: &ProbeRequest,
        existing: &[String],
        run: &str,
    ) -> Result<CalibrationView, DiscoveryError> {
        let options = ProbeOptions::default();
        let found = match run {
            "" => calibrate(request, &options).await,
            run => self.calibrate_live(request, &options, run).await,
        }?;
        let catalog = Catalog::current();
        let preselected = preselect(&catalog, &found.models, existing, today_utc());
        Ok(CalibrationView {
            usable: found.is_usable(),
            outcome: found.outcome,
            message: found.message.clone(),
            api_type: found.api_type,
            base_url: found.base_url.clone(),
            models_by_hand: found.models_by_hand,
            models: preselected
                .into_iter()
                .map(|p| ModelChoice {
                    catalog: catalog.info(&p.id),
                    id: p.id,
                    selected: p.selected,
                })
                .collect(),
            attempts: found.attempts.iter().map(|a| a.report()).collect(),
        })
    }
}

/// One channel of the listing: its entries in priority order, its keys only as a hint.
fn channel_row(
    channel: Channel,
    mut entries: Vec<Entry>,
    tests: &HashMap<EntryId, TestResult>,
    now: i64,
) -> ChannelRow {
    entries.sort_by_key(|e| (e.priority, e.id));
    let key_hint = crate::secrets::mask(channel.keys.first().map_or("", |k| k.key.expose().trim()));
    ChannelRow {
        id: channel.id,
        api_type: channel.api_type,
        base_url: channel.base_url,
        enabled: channel.enabled,
        has_key: !channel.keys.is_empty(),
        key_hint,
        api_version: channel.api_version,
        pricing: channel.pricing,
        entries: entries
            .into_iter()
            .map(|e| EntryRow {
                catalog: Catalog::current().info(&e.model),
                last_test: tests.get(&e.id).cloned(),
                id: e.id,
                model: e.model,
                display_name: e.display_name,
                group: e.group,
                priority: e.priority,
                enabled: e.enabled,
                disabled_reason: e.disabled_reason,
                cooling: e.cooldown_until_ms > now,
                cooldown_until_ms: e.cooldown_until_ms,
                cooldown_left_ms: (e.cooldown_until_ms - now).max(0),
                channel_id: e.channel_id,
                channel: channel.name.clone(),
                last_response_ms: e.last_response_ms,
                aliases: e.aliases,
                last_probe_ok_ms: e.last_probe_ok_ms,
            })
            .collect(),
        name: channel.name,
    }
}
