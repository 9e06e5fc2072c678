//! The fetched model list of each channel: what calibration found, kept so the user can pick
//! entries from it later without fetching again. Replaced as a whole on every fetch.

use jiff::Timestamp;
use rusqlite::{Connection, params};

use super::channels::insert_channel;
use super::entries::add_entries;
use super::{ChannelId, NewChannel, Store, StoreError};

/// A channel's last fetched model list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FetchedModels {
    /// In the order the upstream listed them.
    pub models: Vec<String>,
    /// When they were fetched; `None` when the channel's models were never fetched.
    pub fetched_at: Option<Timestamp>,
}

impl Store {
    /// Replaces the fetched model list of channel `channel_id` (duplicates keep their first
    /// position).
    pub fn set_channel_models(
        &self,
        channel_id: i64,
        models: &[String],
        fetched_at: Timestamp,
    ) -> Result<(), StoreError> {
        self.write(|tx| replace_models(tx, channel_id, models, fetched_at))
    }

    /// Creates a channel, stores its fetched model list and makes `chosen` models its entries,
    /// all in one transaction: the "Save channel" of the add-channel form. A failure anywhere
    /// leaves no channel, no list and no entry behind.
    pub fn create_channel_with_models(
        &self,
        new: &NewChannel,
        fetched: &[String],
        fetched_at: Timestamp,
        chosen: &[String],
    ) -> Result<ChannelId, StoreError> {
        self.write(|tx| {
            let channel = insert_channel(tx, new)?;
            replace_models(tx, channel, fetched, fetched_at)?;
            add_entries(tx, channel, chosen)?;
            Ok(channel)
        })
    }

    /// The fetched model list of channel `channel_id`.
    pub fn channel_models(&self, channel_id: i64) -> Result<FetchedModels, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT model, fetched_at FROM channel_models WHERE channel_id = ?1 ORDER BY position",
        )?;
        let rows = stmt.query_map(params![channel_id], |row| {
            Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
        })?;
        let mut models = Vec::new();
        let mut fetched_at = None;
        for row in rows {
            let (model, at) = row?;
            // Written by `set_channel_models` from a `Timestamp`, so it parses; a hand-edited
            // value just shows as "unknown time".
            fetched_at = fetched_at.or_else(|| at.parse().ok());
            models.push(model);
        }
        Ok(FetchedModels { models, fetched_at })
    }
}

/// Replaces channel `channel_id`'s fetched list (duplicates keep their first position).
fn replace_models(
    conn: &Connection,
    channel_id: i64,
    models: &[String],
    fetched_at: Timestamp,
) -> Result<(), StoreError> {
    conn.execute(
        "DELETE FROM channel_models WHERE channel_id = ?1",
        params![channel_id],
    )?;
    let mut insert = conn.prepare(
        "INSERT OR IGNORE INTO channel_models (channel_id, model, position, fetched_at)
         VALUES (?1, ?2, ?3, ?4)",
    )?;
    let at = fetched_at.to_string();
    for (position, model) in models.iter().enumerate() {
        insert.execute(params![channel_id, model, position as i64, at])?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fetched_models_are_replaced_kept_in_order_and_removed_with_the_channel() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open(dir.path().join("api-switch.db")).expect("open");
        store
            .conn()
            .execute(
                "INSERT INTO channels (id, name, api_type, base_url) VALUES (7, 'A', 'openai', 'https://h')",
                [],
            )
            .expect("channel");
        assert_eq!(
            store.channel_models(7).expect("read").models,
            Vec::<String>::new()
        );

        let at: Timestamp = "2026-11-25T06:00:00Z".parse().expect("timestamp");
        let first = ["gpt-4o", "gpt-5.1", "gpt-4o"].map(String::from);
        store.set_channel_models(7, &first, at).expect("write");
        let second = ["o3", "gpt-5.1"].map(String::from);
        store.set_channel_models(7, &second, at).expect("replace");
        let read = store.channel_models(7).expect("read");
        assert_eq!(read.models, ["o3", "gpt-5.1"]);
        assert_eq!(read.fetched_at, Some(at));

        store
            .conn()
            .execute("DELETE FROM channels WHERE id = 7", [])
            .expect("delete channel");
        assert!(store.channel_models(7).expect("read").models.is_empty());
    }
}
