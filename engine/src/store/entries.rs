//! Entries (one model on one channel) and groups. Priority is one global order (lower first);
//! a group is just the entries sharing a group name, so every order question has one answer.

use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

use super::{ChannelId, Store, StoreError};

pub use types::EntryId;

/// The group every entry starts in and every unmatched request is routed to.
pub const AUTO_GROUP: &str = "auto";

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub id: EntryId,
    pub channel_id: ChannelId,
    pub model: String,
    /// The name shown in lists; empty means "show the model name".
    pub display_name: String,
    pub group: String,
    pub priority: i64,
    pub enabled: bool,
    /// Why the system switched the entry off (empty when the user did, or it is on).
    pub disabled_reason: String,
    /// Unix milliseconds until which the entry is skipped; 0 = not cooling.
    pub cooldown_until_ms: i64,
    pub last_response_ms: Option<i64>,
    /// Other names the entry answers to (routing's alias tier, after exact model names).
    #[serde(default)]
    pub aliases: Vec<String>,
    /// When a recovery probe of this entry last succeeded, Unix milliseconds.
    #[serde(default)]
    pub last_probe_ok_ms: Option<i64>,
}

/// What creating an entry (or adding a model by hand) needs; it goes to the end of the order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewEntry {
    pub channel_id: ChannelId,
    pub model: String,
    pub display_name: String,
    pub group: String,
    pub enabled: bool,
    /// Other names the entry answers to.
    #[serde(default)]
    pub aliases: Vec<String>,
}

impl NewEntry {
    /// A model on a channel, enabled, in the `auto` group.
    pub fn new(channel_id: ChannelId, model: impl Into<String>) -> Self {
        Self {
            channel_id,
            model: model.into(),
            display_name: String::new(),
            group: AUTO_GROUP.into(),
            enabled: true,
            aliases: Vec::new(),
        }
    }
}

/// The group `Store::move_entry_to_top` puts an entry on top of, and what becomes of an entry
/// that is in another group.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TopOf {
    /// The entry must be in this group already; one of another group is refused, never moved
    /// (the tray: it only reorders the group it shows, and a click can arrive after the entry
    /// left it).
    Its(String),
    /// The entry joins this group first (the Channels screen's "to the top of AUTO").
    Joining(String),
}

impl TopOf {
    /// The tray's act: reorder `auto` only.
    pub fn auto() -> Self {
        Self::Its(AUTO_GROUP.to_owned())
    }

    /// The Channels screen's act: into `auto`, first.
    pub fn joining_auto() -> Self {
        Self::Joining(AUTO_GROUP.to_owned())
    }
}

/// One group as the UI lists it.
pub use types::listing::GroupRow;

fn check_model(model: &str) -> Result<(), StoreError> {
    if model.trim().is_empty() {
        return Err(StoreError::Invalid {
            field: "model",
            problem: "must not be empty".into(),
        });
    }
    Ok(())
}

/// Aliases as stored: trimmed, non-empty, each once (case-insensitively), never the model's
/// own name (that is the exact tier already).
pub(super) fn clean_aliases(model: &str, aliases: &[String]) -> Vec<String> {
    let mut clean: Vec<String> = Vec::new();
    for alias in aliases.iter().map(|a| a.trim()) {
        if alias.is_empty()
            || alias.eq_ignore_ascii_case(model.trim())
            || clean.iter().any(|c| c.eq_ignore_ascii_case(alias))
        {
            continue;
        }
        clean.push(alias.to_owned());
    }
    clean
}

fn aliases_json(aliases: &[String]) -> String {
    // A list of strings always serialises.
    serde_json::to_string(aliases).unwrap_or_else(|_| "[]".into())
}

fn clean_group(group: &str) -> Result<String, StoreError> {
    let group = group.trim();
    if group.is_empty() {
        return Err(StoreError::Invalid {
            field: "group",
            problem: "must not be empty; use `auto` for the default group".into(),
        });
    }
    Ok(group.to_owned())
}

pub(super) fn insert_entry(
    conn: &Connection,
    new: &NewEntry,
    priority: i64,
) -> Result<EntryId, StoreError> {
    check_model(&new.model)?;
    let group = clean_group(&new.group)?;
    conn.execute(
        "INSERT INTO entries (channel_id, model, display_name, group_name, priority, enabled, \
         aliases) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            new.channel_id,
            new.model.trim(),
            new.display_name.trim(),
            group,
            priority,
            new.enabled,
            aliases_json(&clean_aliases(&new.model, &new.aliases)),
        ],
    )
    .map_err(|error| match error {
        rusqlite::Error::SqliteFailure(e, _)
            if e.code == rusqlite::ErrorCode::ConstraintViolation =>
        {
            StoreError::NotFound {
                what: "channel",
                id: new.channel_id,
            }
        }
        other => other.into(),
    })?;
    Ok(conn.last_insert_rowid())
}

pub(super) fn load_entries(conn: &Connection) -> Result<Vec<Entry>, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT id, channel_id, model, display_name, group_name, priority, enabled, \
         disabled_reason, cooldown_until, last_response_ms, aliases, last_probe_ok_ms \
         FROM entries ORDER BY priority, id",
    )?;
    let rows = stmt.query_map([], |row| {
        Ok(Entry {
            id: row.get(0)?,
            channel_id: row.get(1)?,
            model: row.get(2)?,
            display_name: row.get(3)?,
            group: row.get(4)?,
            priority: row.get(5)?,
            enabled: row.get(6)?,
            disabled_reason: row.get(7)?,
            cooldown_until_ms: row.get(8)?,
            last_response_ms: row.get(9)?,
            // A damaged list reads as no aliases rather than failing every load.
            aliases: serde_json::from_str(&row.get::<_, String>(10)?).unwrap_or_default(),
            last_probe_ok_ms: Some(row.get::<_, i64>(11)?).filter(|ms| *ms > 0),
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Rewrites every priority: `order` first, in that order, then the others in their previous
/// relative order. The caller owns the transaction.
fn write_order(conn: &Connection, order: &[EntryId]) -> Result<(), StoreError> {
    let current = load_entries(conn)?;
    for id in order {
        if !current.iter().any(|e| e.id == *id) {
            return Err(StoreError::NotFound {
                what: "entry",
                id: *id,
            });
        }
    }
    let rest = current
        .iter()
        .map(|e| e.id)
        .filter(|id| !order.contains(id));
    for (priority, id) in order.iter().copied().chain(rest).enumerate() {
        conn.execute(
            "UPDATE entries SET priority = ?1 WHERE id = ?2",
            params![priority as i64, id],
        )?;
    }
    Ok(())
}

fn changed(n: usize, id: EntryId) -> Result<(), StoreError> {
    if n == 0 {
        return Err(StoreError::NotFound { what: "entry", id });
    }
    Ok(())
}

impl Store {
    /// Every entry in priority order.
    pub fn entries(&self) -> Result<Vec<Entry>, StoreError> {
        load_entries(&self.conn())
    }

    /// Creates an entry (also how a model is added by hand) at the end of the global order.
    pub fn create_entry(&self, new: &NewEntry) -> Result<EntryId, StoreError> {
        self.write(|tx| insert_entry(tx, new, next_priority(tx)?))
    }

    /// Makes each of `models` an entry of channel `channel_id` (at the end of the order),
    /// skipping models the channel already has an entry for; all in one transaction. Returns
    /// how many were added.
    pub fn add_entries(
        &self,
        channel_id: ChannelId,
        models: &[String],
    ) -> Result<usize, StoreError> {
        self.write(|tx| add_entries(tx, channel_id, models))
    }

    pub fn rename_entry(&self, id: EntryId, display_name: &str) -> Result<(), StoreError> {
        let n = self.write(|tx| {
            Ok(tx.execute(
                "UPDATE entries SET display_name = ?1 WHERE id = ?2",
                params![display_name.trim(), id],
            )?)
        })?;
        changed(n, id)
    }

    pub fn set_entry_group(&self, id: EntryId, group: &str) -> Result<(), StoreError> {
        let group = clean_group(group)?;
        let n = self.write(|tx| {
            Ok(tx.execute(
                "UPDATE entries SET group_name = ?1 WHERE id = ?2",
                params![group, id],
            )?)
        })?;
        changed(n, id)
    }

    /// Replaces the entry's aliases (cleaned: trimmed, each once, never its own model name).
    pub fn set_entry_aliases(&self, id: EntryId, aliases: &[String]) -> Result<(), StoreError> {
        let n = self.write(|tx| {
            let model: String = tx
                .query_row("SELECT model FROM entries WHERE id = ?1", [id], |r| {
                    r.get(0)
                })
                .optional()?
                .ok_or(StoreError::NotFound { what: "entry", id })?;
            let json = aliases_json(&clean_aliases(&model, aliases));
            Ok(tx.execute(
                "UPDATE entries SET aliases = ?1 WHERE id = ?2",
                params![json, id],
            )?)
        })?;
        changed(n, id)
    }

    /// Notes that recovery probes of `ids` succeeded at `at_ms` (never touches `enabled`).
    pub fn mark_probe_succeeded(&self, ids: &[EntryId], at_ms: i64) -> Result<(), StoreError> {
        self.write(|tx| {
            for id in ids {
                tx.execute(
                    "UPDATE entries SET last_probe_ok_ms = ?1 WHERE id = ?2",
                    params![at_ms, id],
                )?;
            }
            Ok(())
        })
    }

    /// Enabling is the user's act, so it also forgets the reason the system had disabled it.
    pub fn set_entry_enabled(&self, id: EntryId, enabled: bool) -> Result<(), StoreError> {
        let n = self.write(|tx| {
            Ok(tx.execute(
                "UPDATE entries SET enabled = ?1, disabled_reason = '' WHERE id = ?2",
                params![enabled, id],
            )?)
        })?;
        changed(n, id)
    }

    /// The system's switch-off (auto-disable on 401/403/410): records why, and forgets an
    /// earlier probe success ("the last probe succeeded" means since the switch-off).
    pub fn disable_entry_with_reason(&self, id: EntryId, reason: &str) -> Result<(), StoreError> {
        let n = self.write(|tx| {
            Ok(tx.execute(
                "UPDATE entries SET enabled = 0, disabled_reason = ?1, last_probe_ok_ms = 0 \
                 WHERE id = ?2",
                params![reason, id],
            )?)
        })?;
        changed(n, id)
    }

    pub fn delete_entry(&self, id: EntryId) -> Result<(), StoreError> {
        let n = self.write(|tx| Ok(tx.execute("DELETE FROM entries WHERE id = ?1", [id])?))?;
        changed(n, id)
    }

    /// Sets the whole global order in one transaction: `order` first, in that order, then any
    /// entry not listed, keeping its previous relative place.
    pub fn reorder_entries(&self, order: &[EntryId]) -> Result<(), StoreError> {
        self.write(|tx| write_order(tx, order))
    }

    /// Puts the entry first in the global order, so first in its group (see `TopOf` for what
    /// happens to an entry of another group), in one transaction. The others keep their
    /// relative order.
    pub fn move_entry_to_top(&self, id: EntryId, top_of: &TopOf) -> Result<(), StoreError> {
        self.write(|tx| {
            let group: String = tx
                .query_row("SELECT group_name FROM entries WHERE id = ?1", [id], |r| {
                    r.get(0)
                })
                .optional()?
                .ok_or(StoreError::NotFound { what: "entry", id })?;
            match top_of {
                TopOf::Its(wanted) if !group.eq_ignore_ascii_case(wanted) => {
                    return Err(StoreError::Invalid {
                        field: "group",
                        problem: format!(
                            "entry {id} is in group `{group}`, not `{wanted}`; only `{wanted}` \
                             entries can be moved to its top"
                        ),
                    });
                }
                TopOf::Its(_) => {}
                TopOf::Joining(wanted) => {
                    tx.execute(
                        "UPDATE entries SET group_name = ?1 WHERE id = ?2",
                        params![wanted, id],
                    )?;
                }
            }
            // First in the global order is first in every group it belongs to.
            write_order(tx, &[id])
        })
    }

    /// Every group with how many entries it holds; `auto` is always listed.
    pub fn groups(&self) -> Result<Vec<GroupRow>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT group_name, COUNT(*) FROM entries GROUP BY lower(group_name) ORDER BY MIN(priority)",
        )?;
        let mut groups: Vec<GroupRow> = stmt
            .query_map([], |row| {
                Ok(GroupRow {
                    name: row.get(0)?,
                    entries: row.get::<_, i64>(1)?.max(0) as usize,
                })
            })?
            .collect::<Result<_, _>>()?;
        if !groups
            .iter()
            .any(|g| g.name.eq_ignore_ascii_case(AUTO_GROUP))
        {
            groups.insert(
                0,
                GroupRow {
                    name: AUTO_GROUP.into(),
                    entries: 0,
                },
            );
        }
        Ok(groups)
    }
}

fn next_priority(conn: &Connection) -> Result<i64, StoreError> {
    Ok(conn.query_row(
        "SELECT COALESCE(MAX(priority) + 1, 0) FROM entries",
        [],
        |r| r.get(0),
    )?)
}

pub(super) fn add_entries(
    conn: &Connection,
    channel_id: ChannelId,
    models: &[String],
) -> Result<usize, StoreError> {
    let mut existing: Vec<String> = load_entries(conn)?
        .into_iter()
        .filter(|e| e.channel_id == channel_id)
        .map(|e| e.model)
        .collect();
    let mut added = 0;
    for model in models {
        if existing
            .iter()
            .any(|e| e.eq_ignore_ascii_case(model.trim()))
        {
            continue;
        }
        insert_entry(
            conn,
            &NewEntry::new(channel_id, model.trim()),
            next_priority(conn)?,
        )?;
        existing.push(model.trim().to_owned());
        added += 1;
    }
    Ok(added)
}
