//! Each group's routing options: its order mode (custom, fastest, newest), its hedging and its
//! session affinity. A group without a stored row routes by priority without hedging, with
//! affinity, so options exist only for
//! groups the user changed. Group names compare case-insensitively, as routing does.

use rusqlite::{Connection, params};
use types::routing::{GroupRouting, Hedging, OrderMode};

use super::{Store, StoreError};

pub(super) fn load_group_routing(conn: &Connection) -> Result<Vec<GroupRouting>, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT group_name, order_mode, hedging, affinity FROM group_routing ORDER BY group_name",
    )?;
    let rows = stmt.query_map([], |row| {
        let order: String = row.get(1)?;
        let hedging: String = row.get(2)?;
        Ok(GroupRouting {
            group: row.get(0)?,
            // A value written by a newer build reads as the default rather than failing.
            order: OrderMode::parse(&order).unwrap_or_default(),
            hedging: serde_json::from_str(&hedging).unwrap_or_default(),
            affinity: row.get(3)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub(super) fn save_group_routing(
    conn: &Connection,
    options: &GroupRouting,
) -> Result<(), StoreError> {
    let group = options.group.trim();
    if group.is_empty() {
        return Err(StoreError::Invalid {
            field: "group",
            problem: "must not be empty; use `auto` for the default group".into(),
        });
    }
    let hedging = hedging_problem(&options.hedging).map_or(Ok(()), |problem| {
        Err(StoreError::Invalid {
            field: "hedging",
            problem,
        })
    });
    hedging?;
    // Our own plain struct: serialising it cannot fail.
    let hedging = serde_json::to_string(&options.hedging).unwrap_or_default();
    conn.execute(
        "INSERT INTO group_routing (group_name, order_mode, hedging, affinity) \
         VALUES (?1, ?2, ?3, ?4) ON CONFLICT(group_name) DO UPDATE SET \
         order_mode = excluded.order_mode, hedging = excluded.hedging, \
         affinity = excluded.affinity",
        params![group, options.order.as_str(), hedging, options.affinity],
    )?;
    Ok(())
}

/// What is wrong with a hedging setting a user gave, if anything.
pub fn hedging_problem(hedging: &Hedging) -> Option<String> {
    use types::routing::HedgeDelay;
    let delay = match hedging.delay {
        HedgeDelay::Off => return None,
        HedgeDelay::Fixed { ms } => ms,
        HedgeDelay::P90 { fallback_ms } => fallback_ms,
    };
    if !(10..=60_000).contains(&delay) {
        return Some(format!(
            "a hedge delay of {delay} ms is out of range; choose 10 to 60000 ms"
        ));
    }
    if hedging.max_per_minute > 10_000 {
        return Some("at most 10000 hedges a minute".into());
    }
    None
}

impl Store {
    /// Every group's stored routing options.
    pub fn group_routing(&self) -> Result<Vec<GroupRouting>, StoreError> {
        load_group_routing(&self.conn())
    }

    /// Sets one group's order mode and hedging (one transaction).
    pub fn set_group_routing(&self, options: &GroupRouting) -> Result<(), StoreError> {
        self.write(|tx| save_group_routing(tx, options))
    }
}
