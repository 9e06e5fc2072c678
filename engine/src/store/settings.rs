//! Storing the settings and the access keys. The settings (`types::settings::Settings`, one
//! type with the UI) are stored one row per field as JSON, read back over the defaults, so
//! adding a setting needs no migration and an old file keeps working.

use rusqlite::{Connection, params};
use serde::{Deserialize, Serialize};

use super::{Store, StoreError};
use types::access_keys::KeyLimits;
pub use types::routing::{ErrorRule, RuleAction};
/// The settings are one type shared with the UI and the range table: `types::settings`.
pub use types::settings::{Settings, UiLanguage};

/// A key a client presents to use the proxy; its name appears in the request log. The key is
/// a `Secret`: it prints masked.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AccessKey {
    pub id: i64,
    pub name: String,
    pub key: crate::secrets::Secret,
    /// A disabled key is left out of the routing snapshot: the proxy treats it as unknown.
    pub enabled: bool,
    pub created_ms: i64,
    /// Set by the background writer from request-log rows.
    pub last_used_ms: Option<i64>,
    /// What the proxy lets the key use (see `proxy::limits`); all unset: no limits.
    pub limits: KeyLimits,
}

pub(super) fn load_settings(conn: &Connection) -> Result<Settings, StoreError> {
    let mut stmt = conn.prepare("SELECT key, value FROM settings")?;
    let mut map = serde_json::Map::new();
    for row in stmt.query_map([], |row| {
        Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
    })? {
        let (key, value) = row?;
        let value =
            serde_json::from_str(&value).map_err(|source| StoreError::Settings { source })?;
        map.insert(key, value);
    }
    serde_json::from_value(serde_json::Value::Object(map))
        .map_err(|source| StoreError::Settings { source })
}

pub(super) fn save_settings(conn: &Connection, settings: &Settings) -> Result<(), StoreError> {
    let value = serde_json::to_value(settings).map_err(|source| StoreError::Settings { source })?;
    if let serde_json::Value::Object(map) = value {
        for (key, value) in map {
            conn.execute(
                "INSERT INTO settings (key, value) VALUES (?1, ?2) \
                 ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                params![key, value.to_string()],
            )?;
        }
    }
    Ok(())
}

pub(super) fn insert_access_key(
    conn: &Connection,
    name: &str,
    key: &str,
    limits: &KeyLimits,
) -> Result<i64, StoreError> {
    if key.trim().is_empty() {
        return Err(StoreError::Invalid {
            field: "key",
            problem: "must not be empty".into(),
        });
    }
    conn.execute(
        "INSERT INTO access_keys (name, key, created_at) VALUES (?1, ?2, ?3)",
        params![name.trim(), key.trim(), crate::clock::now_ms()],
    )?;
    let id = conn.last_insert_rowid();
    write_limits(conn, id, limits)?;
    Ok(id)
}

/// Stores a key's limits (each `None` as NULL: no limit); false when there is no such key.
pub(super) fn write_limits(
    conn: &Connection,
    id: i64,
    limits: &KeyLimits,
) -> Result<bool, StoreError> {
    if let Some((field, problem)) = limits.problems().into_iter().next() {
        return Err(StoreError::Invalid {
            field,
            problem: problem.into(),
        });
    }
    let tokens = limits
        .tokens_per_day
        .map(|n| i64::try_from(n).unwrap_or(i64::MAX));
    let n = conn.execute(
        "UPDATE access_keys SET limit_requests_per_minute = ?1, limit_tokens_per_day = ?2, \
         limit_usd_per_day = ?3, limit_usd_per_month = ?4 WHERE id = ?5",
        params![
            limits.requests_per_minute,
            tokens,
            limits.usd_per_day,
            limits.usd_per_month,
            id
        ],
    )?;
    Ok(n > 0)
}

pub(super) fn load_access_keys(conn: &Connection) -> Result<Vec<AccessKey>, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT id, name, key, enabled, created_at, last_used_ms, limit_requests_per_minute, \
         limit_tokens_per_day, limit_usd_per_day, limit_usd_per_month FROM access_keys ORDER BY id",
    )?;
    let rows = stmt.query_map([], |row| {
        Ok(AccessKey {
            id: row.get(0)?,
            name: row.get(1)?,
            key: crate::secrets::Secret::new(row.get::<_, String>(2)?),
            enabled: row.get(3)?,
            created_ms: row.get(4)?,
            last_used_ms: row.get(5)?,
            limits: KeyLimits {
                requests_per_minute: row.get(6)?,
                tokens_per_day: row
                    .get::<_, Option<i64>>(7)?
                    .map(|n| u64::try_from(n).unwrap_or(0)),
                usd_per_day: row.get(8)?,
                usd_per_month: row.get(9)?,
            },
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

impl Store {
    pub fn settings(&self) -> Result<Settings, StoreError> {
        load_settings(&self.conn())
    }

    /// Saves every setting as given; range checks belong to the caller that faces the user
    /// (`Settings::problems`), so tests can store short timeouts.
    pub fn save_settings(&self, settings: &Settings) -> Result<(), StoreError> {
        self.write(|tx| save_settings(tx, settings))
    }

    pub fn access_keys(&self) -> Result<Vec<AccessKey>, StoreError> {
        load_access_keys(&self.conn())
    }

    pub fn create_access_key(&self, name: &str, key: &str) -> Result<i64, StoreError> {
        self.write(|tx| insert_access_key(tx, name, key, &KeyLimits::default()))
    }

    /// Replaces a key's limits (the user's choice; checked by `KeyLimits::problems`).
    pub fn set_access_key_limits(&self, id: i64, limits: &KeyLimits) -> Result<(), StoreError> {
        if !self.write(|tx| write_limits(tx, id, limits))? {
            return Err(StoreError::NotFound {
                what: "access key",
                id,
            });
        }
        Ok(())
    }

    /// Switches a key on or off (the user's choice; the system never does).
    pub fn set_access_key_enabled(&self, id: i64, enabled: bool) -> Result<(), StoreError> {
        let n = self.conn().execute(
            "UPDATE access_keys SET enabled = ?1 WHERE id = ?2",
            params![enabled, id],
        )?;
        if n == 0 {
            return Err(StoreError::NotFound {
                what: "access key",
                id,
            });
        }
        Ok(())
    }

    /// Renames a key (the caller checked the new name is free and not empty).
    pub fn rename_access_key(&self, id: i64, name: &str) -> Result<(), StoreError> {
        let n = self.write(|tx| {
            Ok(tx.execute(
                "UPDATE access_keys SET name = ?1 WHERE id = ?2",
                params![name.trim(), id],
            )?)
        })?;
        if n == 0 {
            return Err(StoreError::NotFound {
                what: "access key",
                id,
            });
        }
        Ok(())
    }

    pub fn delete_access_key(&self, id: i64) -> Result<(), StoreError> {
        let n = self.write(|tx| Ok(tx.execute("DELETE FROM access_keys WHERE id = ?1", [id])?))?;
        if n == 0 {
            return Err(StoreError::NotFound {
                what: "access key",
                id,
            });
        }
        Ok(())
    }
}
