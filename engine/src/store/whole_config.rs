//! The whole configuration at once: read in one transaction for export, written in one
//! transaction by import (on any error nothing changes). Settings, access keys, channels with
//! their pools, proxies and pricing (`ChannelExtras`), entries and group routing. An import
//! either replaces everything or merges: only the sections the document holds are touched,
//! channels and access keys matched by name. A dry run does the same work and rolls it back.

use rusqlite::{Connection, Transaction, TransactionBehavior, params};

use super::channel_keys::{OutboundProxy, save_proxy};
use super::channels::{insert_channel, load_channels, save_pricing};
use super::entries::{insert_entry, load_entries};
use super::group_routing::{load_group_routing, save_group_routing};
use super::settings::{
    insert_access_key, load_access_keys, load_settings, save_settings, write_limits,
};
use super::{
    AccessKey, Channel, ChannelId, Entry, NewChannel, NewEntry, Settings, Store, StoreError,
};
use crate::secrets::Secret;

/// The whole configuration, as import writes it and export reads it.
#[derive(Clone, Debug, Default)]
pub struct FullConfig {
    pub settings: Settings,
    pub access_keys: Vec<AccessKey>,
    pub channels: Vec<(Channel, Vec<Entry>)>,
    /// Groups with routing options (order mode, hedging).
    pub groups: Vec<types::routing::GroupRouting>,
}

/// Which sections an imported document holds: a merge touches only these.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Sections {
    pub settings: bool,
    pub access_keys: bool,
    pub channels: bool,
    pub groups: bool,
}

/// How an import writes: everything replaced (`--replace`), or the sections present merged in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImportMode {
    Replace,
    Merge(Sections),
}

/// A configuration to write: channels with their entries and each entry's priority.
#[derive(Clone, Debug, Default)]
pub struct ConfigToWrite {
    pub settings: Settings,
    /// Name, secret and limits of each key.
    pub access_keys: Vec<(String, String, types::access_keys::KeyLimits)>,
    pub channels: Vec<(NewChannel, Vec<(NewEntry, i64)>)>,
    /// What a `NewChannel` does not carry, by the channel's index in `channels` (missing:
    /// direct, every key on).
    pub channel_extras: Vec<ChannelExtras>,
    pub groups: Vec<types::routing::GroupRouting>,
}

impl Store {
    /// Everything, read in one transaction so the parts agree.
    pub fn full_config(&self) -> Result<FullConfig, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let full = read_full(&tx)?;
        tx.commit()?;
        Ok(full)
    }

    /// Replaces the whole configuration in one transaction: on any error nothing changes.
    pub fn replace_config(&self, config: &ConfigToWrite) -> Result<(), StoreError> {
        self.write(|tx| write_config(tx, config, ImportMode::Replace))
    }

    /// Writes `config` as `mode` says, in one transaction, and returns the configuration
    /// before and after it. With `dry_run` the transaction is rolled back: nothing changes.
    pub fn import_config(
        &self,
        config: &ConfigToWrite,
        mode: ImportMode,
        dry_run: bool,
    ) -> Result<(FullConfig, FullConfig), StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let before = read_full(&tx)?;
        write_config(&tx, config, mode)?;
        let after = read_full(&tx)?;
        if dry_run {
            tx.rollback()?;
        } else {
            tx.commit()?;
        }
        Ok((before, after))
    }
}

/// Everything, read inside the caller's transaction.
fn read_full(tx: &Transaction<'_>) -> Result<FullConfig, StoreError> {
    let settings = load_settings(tx)?;
    let access_keys = load_access_keys(tx)?;
    let groups = load_group_routing(tx)?;
    let entries = load_entries(tx)?;
    let channels = load_channels(tx)?
        .into_iter()
        .map(|channel| {
            let mine = entries
                .iter()
                .filter(|e| e.channel_id == channel.id)
                .cloned()
                .collect();
            (channel, mine)
        })
        .collect();
    Ok(FullConfig {
        settings,
        access_keys,
        channels,
        groups,
    })
}

/// The import itself: everything deleted first for `Replace`; for `Merge` only the sections
/// present are written, a channel or access key of the same name replaced in place of a new one.
fn write_config(
    tx: &Transaction<'_>,
    config: &ConfigToWrite,
    mode: ImportMode,
) -> Result<(), StoreError> {
    let sections = match mode {
        ImportMode::Replace => {
            tx.execute_batch("DELETE FROM entries; DELETE FROM channels; DELETE FROM access_keys; DELETE FROM settings; DELETE FROM group_routing;")?;
            Sections {
                settings: true,
                access_keys: true,
                channels: true,
                groups: true,
            }
        }
        ImportMode::Merge(sections) => sections,
    };
    if sections.groups {
        for group in &config.groups {
            save_group_routing(tx, group)?;
        }
    }
    if sections.settings {
        save_settings(tx, &config.settings)?;
    }
    if sections.access_keys {
        for (name, key, limits) in &config.access_keys {
            upsert_access_key(tx, name, key, limits)?;
        }
    }
    if sections.channels {
        for (at, (channel, entries)) in config.channels.iter().enumerate() {
            // A channel of the same name is replaced: its entries and pool go with it.
            tx.execute(
                "DELETE FROM channels WHERE name = ?1",
                [channel.name.trim()],
            )?;
            let channel_id = insert_channel(tx, channel)?;
            if let Some(extras) = config.channel_extras.get(at) {
                write_extras(tx, channel_id, extras)?;
            }
            for (entry, priority) in entries {
                let entry = NewEntry {
                    channel_id,
                    ..entry.clone()
                };
                insert_entry(tx, &entry, *priority)?;
            }
        }
    }
    Ok(())
}

/// An access key by name: a stored one of that name gets the new secret and limits and keeps
/// its on/off state and history; otherwise a new key.
fn upsert_access_key(
    tx: &Transaction<'_>,
    name: &str,
    key: &str,
    limits: &types::access_keys::KeyLimits,
) -> Result<(), StoreError> {
    let stored: Option<i64> = tx
        .query_row(
            "SELECT id FROM access_keys WHERE name = ?1 ORDER BY id LIMIT 1",
            [name.trim()],
            |row| row.get(0),
        )
        .ok();
    match stored {
        Some(id) if !name.trim().is_empty() => {
            tx.execute(
                "UPDATE access_keys SET key = ?1 WHERE id = ?2",
                params![key.trim(), id],
            )?;
            write_limits(tx, id, limits)?;
        }
        _ => {
            insert_access_key(tx, name, key, limits)?;
        }
    }
    Ok(())
}

/// A channel's outbound proxy, the keys of its pool that are switched off, its pricing and
/// its balance settings.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ChannelExtras {
    pub proxy: Option<OutboundProxy>,
    /// `(key, reason)`: an empty reason means the user switched it off.
    pub disabled_keys: Vec<(String, String)>,
    pub pricing: types::pricing::Pricing,
    /// Its balance settings, and the new-api access token that goes with them.
    pub balance: types::balance::BalanceSettings,
    pub balance_token: Secret,
}

/// An imported channel's proxy, switched-off keys, pricing and balance settings (its pool was
/// written from its text).
fn write_extras(
    conn: &Connection,
    channel: ChannelId,
    extras: &ChannelExtras,
) -> Result<(), StoreError> {
    save_proxy(conn, channel, extras.proxy.as_ref())?;
    save_pricing(conn, channel, &extras.pricing)?;
    if !extras.balance.is_default() || !extras.balance_token.is_empty() {
        let token = super::TokenChange::Set(extras.balance_token.clone());
        super::balance::save_balance_settings(conn, channel, &extras.balance, &token)?;
    }
    for (key, reason) in &extras.disabled_keys {
        conn.execute(
            "UPDATE channel_keys SET enabled = 0, disabled_reason = ?1 WHERE channel_id = ?2 AND key = ?3",
            params![reason, channel, key.trim()],
        )?;
    }
    Ok(())
}
