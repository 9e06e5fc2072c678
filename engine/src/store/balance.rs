//! Each channel's balance settings (kind, threshold, new-api user id and access token) and its
//! last look-up, in the `channel_balance` table (a channel without a row has the default
//! settings and was never looked up). Settings are the user's; the figure is the engine's, so
//! saving one never touches the other.

use std::collections::HashMap;

use rusqlite::{Connection, OptionalExtension, params};
use types::balance::{Balance, BalanceKind, BalanceSettings};

use super::{ChannelId, Store, StoreError};
use crate::secrets::Secret;

/// What is stored for one channel's balance.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StoredBalance {
    pub settings: BalanceSettings,
    /// new-api's access token for `/api/user/self`; empty: none.
    pub access_token: Secret,
    pub last: Option<Balance>,
}

/// A new access token, or the one stored kept.
#[derive(Clone, Debug, PartialEq)]
pub enum TokenChange {
    Keep,
    /// Set to this (empty: removed).
    Set(Secret),
}

fn row_to_balance(row: &rusqlite::Row<'_>) -> rusqlite::Result<(ChannelId, StoredBalance)> {
    let kind: String = row.get(1)?;
    let checked_ms: Option<i64> = row.get(7)?;
    let last = checked_ms.map(|checked_ms| -> rusqlite::Result<Balance> {
        Ok(Balance {
            amount: row.get(5)?,
            currency: row.get(6)?,
            checked_ms,
            error: row.get(8)?,
        })
    });
    Ok((
        row.get(0)?,
        StoredBalance {
            settings: BalanceSettings {
                // Written by us from `BalanceKind::as_str`; anything else is the default.
                kind: BalanceKind::parse(&kind).unwrap_or_default(),
                threshold: row.get(2)?,
                user_id: row.get(3)?,
            },
            access_token: Secret::from(row.get::<_, String>(4)?),
            last: last.transpose()?,
        },
    ))
}

const COLUMNS: &str =
    "channel_id, kind, threshold, user_id, access_token, amount, currency, checked_ms, error";

impl Store {
    /// Every channel's stored balance row, by channel.
    pub fn balances(&self) -> Result<HashMap<ChannelId, StoredBalance>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(&format!("SELECT {COLUMNS} FROM channel_balance"))?;
        let rows = stmt.query_map([], row_to_balance)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// One channel's stored balance (the default when it has no row).
    pub fn balance_of(&self, channel: ChannelId) -> Result<StoredBalance, StoreError> {
        let conn = self.conn();
        let row = conn
            .query_row(
                &format!("SELECT {COLUMNS} FROM channel_balance WHERE channel_id = ?1"),
                [channel],
                row_to_balance,
            )
            .optional()?;
        Ok(row.map(|(_, stored)| stored).unwrap_or_default())
    }

    /// Sets how the channel's balance is looked up and when it warns (checked first: a bad
    /// threshold changes nothing). The last figure stays.
    pub fn set_balance_settings(
        &self,
        channel: ChannelId,
        settings: &BalanceSettings,
        token: &TokenChange,
    ) -> Result<(), StoreError> {
        self.write(|tx| save_balance_settings(tx, channel, settings, token))
    }

    /// Records a look-up's result for the channel.
    pub fn save_balance(&self, channel: ChannelId, balance: &Balance) -> Result<(), StoreError> {
        self.write(|tx| {
            ensure_row(tx, channel)?;
            tx.execute(
                "UPDATE channel_balance SET amount = ?1, currency = ?2, checked_ms = ?3, error = ?4 \
                 WHERE channel_id = ?5",
                params![
                    balance.amount,
                    balance.currency,
                    balance.checked_ms,
                    balance.error,
                    channel
                ],
            )?;
            Ok(())
        })
    }
}

/// Inserts the channel's default row when it has none; a missing channel is `NotFound`.
fn ensure_row(conn: &Connection, channel: ChannelId) -> Result<(), StoreError> {
    let exists: bool = conn.query_row(
        "SELECT EXISTS(SELECT 1 FROM channels WHERE id = ?1)",
        [channel],
        |row| row.get(0),
    )?;
    if !exists {
        return Err(StoreError::NotFound {
            what: "channel",
            id: channel,
        });
    }
    conn.execute(
        "INSERT OR IGNORE INTO channel_balance (channel_id) VALUES (?1)",
        [channel],
    )?;
    Ok(())
}

pub(super) fn save_balance_settings(
    conn: &Connection,
    channel: ChannelId,
    settings: &BalanceSettings,
    token: &TokenChange,
) -> Result<(), StoreError> {
    if let Some(problem) = settings.problem() {
        return Err(StoreError::Invalid {
            field: "balance",
            problem,
        });
    }
    ensure_row(conn, channel)?;
    conn.execute(
        "UPDATE channel_balance SET kind = ?1, threshold = ?2, user_id = ?3 WHERE channel_id = ?4",
        params![
            settings.kind.as_str(),
            settings.threshold,
            settings.user_id.trim(),
            channel
        ],
    )?;
    if let TokenChange::Set(token) = token {
        conn.execute(
            "UPDATE channel_balance SET access_token = ?1 WHERE channel_id = ?2",
            params![token.expose().trim(), channel],
        )?;
    }
    Ok(())
}
