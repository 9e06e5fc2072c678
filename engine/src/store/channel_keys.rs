//! Key pools: the API keys of a channel, in order, each with its own on/off state. Requests
//! rotate across the keys that can serve (see `proxy::key_pool`); a key the upstream rejects
//! is switched off here with the reason, and only the user switches it on again. The pool is
//! also kept as text in `channels.api_key` (one key a line), the form `NewChannel` and
//! `ChannelUpdate` take it in.

use std::collections::HashMap;

use rusqlite::{Connection, params};
use serde::{Deserialize, Serialize};

use super::{ChannelId, Store, StoreError};
use crate::secrets::{Secret, pool_keys};

pub use types::routing::{KeyId, OutboundProxy};

/// One key of a pool. The key is a `Secret`: it prints masked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelKey {
    pub id: KeyId,
    pub key: Secret,
    pub enabled: bool,
    /// Why the system switched it off (empty when on, or when the user did).
    pub disabled_reason: String,
    pub disabled_at_ms: i64,
}

/// Every channel's keys, each pool in order.
pub(super) fn load_keys(
    conn: &Connection,
) -> Result<HashMap<ChannelId, Vec<ChannelKey>>, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT channel_id, id, key, enabled, disabled_reason, disabled_at_ms FROM channel_keys \
         ORDER BY channel_id, position, id",
    )?;
    let rows = stmt.query_map([], |row| {
        Ok((
            row.get::<_, ChannelId>(0)?,
            ChannelKey {
                id: row.get(1)?,
                key: Secret::new(row.get::<_, String>(2)?),
                enabled: row.get(3)?,
                disabled_reason: row.get(4)?,
                disabled_at_ms: row.get(5)?,
            },
        ))
    })?;
    let mut pools: HashMap<ChannelId, Vec<ChannelKey>> = HashMap::new();
    for row in rows {
        let (channel, key) = row?;
        pools.entry(channel).or_default().push(key);
    }
    Ok(pools)
}

/// Makes the channel's pool exactly the keys in `text` (one key a line, or separated by
/// commas), in that order. A key that stays keeps its state, so saving the pool again never
/// switches a rejected key back on; the text form in `channels.api_key` is rewritten.
pub(super) fn replace_pool(
    conn: &Connection,
    channel: ChannelId,
    text: &str,
) -> Result<(), StoreError> {
    let mut wanted: Vec<&str> = Vec::new();
    for key in pool_keys(text) {
        if !wanted.contains(&key) {
            wanted.push(key);
        }
    }
    conn.execute(
        "UPDATE channels SET api_key = ?1 WHERE id = ?2",
        params![wanted.join("\n"), channel],
    )?;
    let existing: Vec<(KeyId, String)> = conn
        .prepare("SELECT id, key FROM channel_keys WHERE channel_id = ?1")?
        .query_map([channel], |row| Ok((row.get(0)?, row.get(1)?)))?
        .collect::<Result<_, _>>()?;
    for (id, key) in &existing {
        if !wanted.contains(&key.as_str()) {
            conn.execute("DELETE FROM channel_keys WHERE id = ?1", [id])?;
        }
    }
    for (position, key) in wanted.iter().enumerate() {
        match existing.iter().find(|(_, k)| k == key) {
            Some((id, _)) => conn.execute(
                "UPDATE channel_keys SET position = ?1 WHERE id = ?2",
                params![position as i64, id],
            )?,
            None => conn.execute(
                "INSERT INTO channel_keys (channel_id, position, key) VALUES (?1, ?2, ?3)",
                params![channel, position as i64, key],
            )?,
        };
    }
    Ok(())
}

/// The system's switch-off of one key, with why.
pub(super) fn disable_key(
    conn: &Connection,
    key: KeyId,
    reason: &str,
    at_ms: i64,
) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE channel_keys SET enabled = 0, disabled_reason = ?1, disabled_at_ms = ?2 WHERE id = ?3",
        params![reason, at_ms, key],
    )?;
    Ok(())
}

pub(super) fn save_proxy(
    conn: &Connection,
    channel: ChannelId,
    proxy: Option<&OutboundProxy>,
) -> Result<(), StoreError> {
    if let Some(problem) = proxy.and_then(OutboundProxy::problem) {
        return Err(StoreError::Invalid {
            field: "proxy",
            problem,
        });
    }
    // Our own type: serialising it cannot fail.
    let text = proxy
        .map(|p| serde_json::to_string(p).unwrap_or_default())
        .unwrap_or_default();
    let n = conn.execute(
        "UPDATE channels SET proxy = ?1 WHERE id = ?2",
        params![text, channel],
    )?;
    if n == 0 {
        return Err(StoreError::NotFound {
            what: "channel",
            id: channel,
        });
    }
    Ok(())
}

/// The stored proxy column: empty (or unreadable, which a save repairs) means direct.
pub(super) fn parse_proxy(text: &str) -> Option<OutboundProxy> {
    if text.trim().is_empty() {
        return None;
    }
    serde_json::from_str(text).ok()
}

/// A channel's outbound proxy, the keys of its pool that are switched off, and its pricing.
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

/// An imported channel's proxy and switched-off keys (its pool was written from its text).
pub(super) fn write_extras(
    conn: &Connection,
    channel: ChannelId,
    extras: &ChannelExtras,
) -> Result<(), StoreError> {
    save_proxy(conn, channel, extras.proxy.as_ref())?;
    super::channels::save_pricing(conn, channel, &extras.pricing)?;
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

/// `NotFound` unless `channel` is a stored channel, so a pool edit never writes orphan keys.
fn channel_must_exist(
    tx: &rusqlite::Transaction<'_>,
    channel: ChannelId,
) -> Result<(), StoreError> {
    let exists: i64 = tx.query_row(
        "SELECT COUNT(*) FROM channels WHERE id = ?1",
        [channel],
        |r| r.get(0),
    )?;
    if exists == 0 {
        return Err(StoreError::NotFound {
            what: "channel",
            id: channel,
        });
    }
    Ok(())
}

impl Store {
    /// Replaces a channel's key pool (see `replace_pool`), in one transaction.
    pub fn set_channel_keys(&self, channel: ChannelId, keys: &[String]) -> Result<(), StoreError> {
        self.write(|tx| {
            channel_must_exist(tx, channel)?;
            replace_pool(tx, channel, &keys.join("\n"))
        })
    }

    /// Edits a channel's pool by key id, for a caller that only sees masked keys (the UI):
    /// the pool becomes the kept keys in the order of `keep`, then the new keys of `add` (one
    /// key a line). Kept keys keep their state; a key of the pool not in `keep` is removed;
    /// an id that is not a key of this channel is refused, so nothing changes. Returns the ids
    /// of the pool's keys that were not kept.
    pub fn edit_channel_keys(
        &self,
        channel: ChannelId,
        keep: &[KeyId],
        add: &str,
    ) -> Result<Vec<KeyId>, StoreError> {
        self.write(|tx| {
            let pool: HashMap<KeyId, String> = tx
                .prepare("SELECT id, key FROM channel_keys WHERE channel_id = ?1")?
                .query_map([channel], |row| Ok((row.get(0)?, row.get(1)?)))?
                .collect::<Result<_, _>>()?;
            channel_must_exist(tx, channel)?;
            let mut wanted: Vec<&str> = Vec::new();
            for id in keep {
                let key = pool.get(id).ok_or(StoreError::NotFound {
                    what: "key",
                    id: *id,
                })?;
                wanted.push(key);
            }
            wanted.extend(pool_keys(add));
            replace_pool(tx, channel, &wanted.join("\n"))?;
            Ok(pool.into_keys().filter(|id| !keep.contains(id)).collect())
        })
    }

    /// The user's switch of one key; switching on clears the system's reason.
    pub fn set_channel_key_enabled(&self, key: KeyId, enabled: bool) -> Result<(), StoreError> {
        let n = self.write(|tx| {
            Ok(tx.execute(
                "UPDATE channel_keys SET enabled = ?1, disabled_reason = '', disabled_at_ms = 0 WHERE id = ?2",
                params![enabled, key],
            )?)
        })?;
        if n == 0 {
            return Err(StoreError::NotFound {
                what: "key",
                id: key,
            });
        }
        Ok(())
    }

    /// Sets (or, with `None`, removes) the channel's outbound proxy.
    pub fn set_channel_proxy(
        &self,
        channel: ChannelId,
        proxy: Option<&OutboundProxy>,
    ) -> Result<(), StoreError> {
        self.write(|tx| save_proxy(tx, channel, proxy))
    }
}
