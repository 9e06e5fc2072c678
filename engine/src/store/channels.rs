//! Channels: one provider account each (kind, base URL, a key pool, an optional outbound
//! proxy). Deleting a channel deletes its entries and keys; disabling it takes all of them out
//! of routing without touching their own flags.

use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

use super::channel_keys::{ChannelKey, OutboundProxy, load_keys, parse_proxy, replace_pool};
use super::{Store, StoreError};
use crate::secrets::Secret;
use crate::upstream::ChannelKind;
use types::pricing::Pricing;

pub use types::ChannelId;

/// A channel with its key pool; only the engine and export with `--include-secrets` see the
/// keys. They are `Secret`s, so a logged channel never shows one. The pool is held once, as
/// `keys`; `key_text` gives it in the text form `NewChannel` and `ChannelUpdate` take.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Channel {
    pub id: ChannelId,
    pub name: String,
    pub api_type: ChannelKind,
    pub base_url: String,
    pub enabled: bool,
    /// Azure's `api-version`; empty means the default. Ignored by the other kinds.
    #[serde(default)]
    pub api_version: String,
    /// The key pool, in rotation order (empty: the channel needs no key).
    #[serde(default)]
    pub keys: Vec<ChannelKey>,
    /// Requests to this channel go through this proxy; `None`: direct.
    #[serde(default)]
    pub proxy: Option<OutboundProxy>,
    /// How its requests are priced: the catalog's prices times a multiplier, or its own.
    #[serde(default)]
    pub pricing: Pricing,
}

impl Channel {
    /// The key pool as text, one key a line, in rotation order (the form `NewChannel` and
    /// `ChannelUpdate` take; empty when the channel needs no key).
    pub fn key_text(&self) -> Secret {
        let keys: Vec<&str> = self.keys.iter().map(|k| k.key.expose()).collect();
        Secret::new(keys.join("\n"))
    }

    /// The first key the user has not switched off (empty when there is none): for the
    /// requests that need just one key, such as fetching the models.
    pub fn first_key(&self) -> &str {
        self.keys
            .iter()
            .find(|k| k.enabled)
            .map_or("", |k| k.key.expose())
    }
}

/// What creating a channel needs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewChannel {
    pub name: String,
    pub api_type: ChannelKind,
    pub base_url: String,
    /// The key pool as text, one key a line.
    pub api_key: Secret,
    pub enabled: bool,
    /// Azure's `api-version`; empty means the default.
    #[serde(default)]
    pub api_version: String,
}

/// A partial edit: `None` leaves the field as it is (so the UI can change the name without
/// having to send the key back).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelUpdate {
    pub name: Option<String>,
    pub api_type: Option<ChannelKind>,
    pub base_url: Option<String>,
    pub api_key: Option<Secret>,
    pub api_version: Option<String>,
}

pub(super) fn insert_channel(conn: &Connection, new: &NewChannel) -> Result<ChannelId, StoreError> {
    check_name(&new.name)?;
    check_base_url(&new.base_url)?;
    conn.execute(
        "INSERT INTO channels (name, api_type, base_url, api_key, enabled, api_version) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![new.name.trim(), new.api_type.as_str(), new.base_url.trim(), new.api_key.expose(), new.enabled, new.api_version.trim()],
    )?;
    let id = conn.last_insert_rowid();
    replace_pool(conn, id, new.api_key.expose())?;
    Ok(id)
}

fn check_name(name: &str) -> Result<(), StoreError> {
    if name.trim().is_empty() {
        return Err(StoreError::Invalid {
            field: "name",
            problem: "must not be empty".into(),
        });
    }
    Ok(())
}

/// The one URL check, shared with import so both report the same problem the same way.
pub fn base_url_problem(base_url: &str) -> Option<String> {
    match url::Url::parse(base_url.trim()) {
        Ok(url) if matches!(url.scheme(), "http" | "https") => None,
        Ok(_) => Some("not an http(s) URL".into()),
        Err(_) => Some("not a URL".into()),
    }
}

fn check_base_url(base_url: &str) -> Result<(), StoreError> {
    match base_url_problem(base_url) {
        Some(problem) => Err(StoreError::Invalid {
            field: "base_url",
            problem,
        }),
        None => Ok(()),
    }
}

fn row_to_channel(row: &rusqlite::Row<'_>) -> rusqlite::Result<(Channel, String)> {
    let kind: String = row.get(2)?;
    let proxy: String = row.get(6)?;
    Ok((
        Channel {
            id: row.get(0)?,
            name: row.get(1)?,
            api_type: ChannelKind::Openai,
            base_url: row.get(3)?,
            enabled: row.get(4)?,
            api_version: row.get(5)?,
            keys: Vec::new(),
            proxy: parse_proxy(&proxy),
            pricing: Pricing {
                multiplier: row.get(7)?,
                // Written by `save_pricing` from our own type; unreadable text is no overrides.
                overrides: serde_json::from_str(&row.get::<_, String>(8)?).unwrap_or_default(),
            },
        },
        kind,
    ))
}

pub(super) fn load_channels(conn: &Connection) -> Result<Vec<Channel>, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT id, name, api_type, base_url, enabled, api_version, proxy, price_multiplier, \
         price_overrides FROM channels ORDER BY id",
    )?;
    let rows = stmt.query_map([], row_to_channel)?;
    let mut pools = load_keys(conn)?;
    let mut channels = Vec::new();
    for row in rows {
        let (mut channel, kind) = row?;
        channel.api_type = kind.parse().map_err(|source| StoreError::Kind {
            channel_id: channel.id,
            source,
        })?;
        channel.keys = pools.remove(&channel.id).unwrap_or_default();
        channels.push(channel);
    }
    Ok(channels)
}

impl Store {
    /// Every channel with its key, in creation order.
    pub fn channels(&self) -> Result<Vec<Channel>, StoreError> {
        load_channels(&self.conn())
    }

    pub fn create_channel(&self, new: &NewChannel) -> Result<ChannelId, StoreError> {
        self.write(|tx| insert_channel(tx, new))
    }

    /// Every field the update names, in one transaction: a failure changes nothing.
    pub fn update_channel(&self, id: ChannelId, update: &ChannelUpdate) -> Result<(), StoreError> {
        self.write(|tx| apply_update(tx, id, update))
    }

    pub fn set_channel_enabled(&self, id: ChannelId, enabled: bool) -> Result<(), StoreError> {
        let n = self.write(|tx| {
            Ok(tx.execute(
                "UPDATE channels SET enabled = ?1 WHERE id = ?2",
                params![enabled, id],
            )?)
        })?;
        if n == 0 {
            return Err(StoreError::NotFound {
                what: "channel",
                id,
            });
        }
        Ok(())
    }

    /// Sets how the channel's requests are priced (checked first: a bad figure changes nothing).
    pub fn set_channel_pricing(&self, id: ChannelId, pricing: &Pricing) -> Result<(), StoreError> {
        self.write(|tx| save_pricing(tx, id, pricing))
    }

    /// Deletes the channel and, with it, every entry on it.
    pub fn delete_channel(&self, id: ChannelId) -> Result<(), StoreError> {
        let n = self.write(|tx| Ok(tx.execute("DELETE FROM channels WHERE id = ?1", [id])?))?;
        if n == 0 {
            return Err(StoreError::NotFound {
                what: "channel",
                id,
            });
        }
        Ok(())
    }
}

pub(super) fn save_pricing(
    conn: &Connection,
    id: ChannelId,
    pricing: &Pricing,
) -> Result<(), StoreError> {
    if let Some(problem) = pricing.problem() {
        return Err(StoreError::Invalid {
            field: "pricing",
            problem,
        });
    }
    // Our own type: serialising it cannot fail.
    let overrides = serde_json::to_string(&pricing.overrides).unwrap_or_else(|_| "{}".into());
    let n = conn.execute(
        "UPDATE channels SET price_multiplier = ?1, price_overrides = ?2 WHERE id = ?3",
        params![pricing.multiplier, overrides, id],
    )?;
    if n == 0 {
        return Err(StoreError::NotFound {
            what: "channel",
            id,
        });
    }
    Ok(())
}

fn apply_update(
    conn: &Connection,
    id: ChannelId,
    update: &ChannelUpdate,
) -> Result<(), StoreError> {
    let exists: Option<i64> = conn
        .query_row("SELECT id FROM channels WHERE id = ?1", [id], |r| r.get(0))
        .optional()?;
    if exists.is_none() {
        return Err(StoreError::NotFound {
            what: "channel",
            id,
        });
    }
    if let Some(name) = &update.name {
        check_name(name)?;
        conn.execute(
            "UPDATE channels SET name = ?1 WHERE id = ?2",
            params![name.trim(), id],
        )?;
    }
    if let Some(kind) = update.api_type {
        conn.execute(
            "UPDATE channels SET api_type = ?1 WHERE id = ?2",
            params![kind.as_str(), id],
        )?;
    }
    if let Some(base_url) = &update.base_url {
        check_base_url(base_url)?;
        conn.execute(
            "UPDATE channels SET base_url = ?1 WHERE id = ?2",
            params![base_url.trim(), id],
        )?;
    }
    if let Some(version) = &update.api_version {
        conn.execute(
            "UPDATE channels SET api_version = ?1 WHERE id = ?2",
            params![version.trim(), id],
        )?;
    }
    if let Some(keys) = &update.api_key {
        replace_pool(conn, id, keys.expose())?;
    }
    Ok(())
}
