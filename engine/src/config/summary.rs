//! What an import changed (or, in a dry run, would change): channels, entries, channel keys,
//! access keys and settings, each counted as added, changed and removed, found by comparing
//! the configuration before and after the import's transaction. Channels and access keys are
//! matched by name, entries by channel, model and group, keys by their text.

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;
use serde_json::Value;

use crate::store::FullConfig;

/// How many things of one kind an import added, changed and removed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    pub added: usize,
    pub changed: usize,
    pub removed: usize,
}

impl Tally {
    /// Counts `before` against `after`, both keyed by what matches one thing to the other.
    fn of<K: Ord, V: PartialEq>(before: &BTreeMap<K, V>, after: &BTreeMap<K, V>) -> Self {
        let mut tally = Self::default();
        for (key, value) in after {
            match before.get(key) {
                None => tally.added += 1,
                Some(old) if old != value => tally.changed += 1,
                Some(_) => {}
            }
        }
        tally.removed = before.keys().filter(|k| !after.contains_key(k)).count();
        tally
    }

    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

impl fmt::Display for Tally {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} added, {} changed, {} removed",
            self.added, self.changed, self.removed
        )
    }
}

/// What an import did to each part of the configuration.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ImportSummary {
    pub channels: Tally,
    pub entries: Tally,
    /// The keys of the channels' pools.
    pub keys: Tally,
    pub access_keys: Tally,
    /// Settings are never added or removed, only changed.
    pub settings: Tally,
}

impl ImportSummary {
    pub fn between(before: &FullConfig, after: &FullConfig) -> Self {
        let settings = |full: &FullConfig| match serde_json::to_value(&full.settings) {
            Ok(Value::Object(map)) => map.into_iter().collect::<BTreeMap<_, _>>(),
            _ => BTreeMap::new(),
        };
        Self {
            channels: Tally::of(&channels(before), &channels(after)),
            entries: Tally::of(&entries(before), &entries(after)),
            keys: Tally::of(&keys(before), &keys(after)),
            access_keys: Tally::of(&access_keys(before), &access_keys(after)),
            settings: Tally::of(&settings(before), &settings(after)),
        }
    }

    /// One line per part, as the CLI prints it.
    pub fn lines(&self) -> Vec<String> {
        [
            ("channels", self.channels),
            ("entries", self.entries),
            ("keys", self.keys),
            ("access keys", self.access_keys),
            ("settings", self.settings),
        ]
        .into_iter()
        .map(|(what, tally)| format!("{what:<12} {tally}"))
        .collect()
    }
}

/// A value without its row ids (which a replaced channel does not keep), to compare by.
fn without_ids(value: impl Serialize, drop: &[&str]) -> Value {
    let mut value = serde_json::to_value(value).unwrap_or(Value::Null);
    if let Value::Object(map) = &mut value {
        for field in drop {
            map.remove(*field);
        }
        if let Some(Value::Array(keys)) = map.get_mut("keys") {
            for key in keys {
                if let Value::Object(key) = key {
                    key.remove("id");
                }
            }
        }
    }
    value
}

fn channels(full: &FullConfig) -> BTreeMap<String, Value> {
    full.channels
        .iter()
        .map(|(c, _)| (c.name.clone(), without_ids(c, &["id"])))
        .collect()
}

fn entries(full: &FullConfig) -> BTreeMap<(String, String, String), Value> {
    full.channels
        .iter()
        .flat_map(|(c, entries)| {
            entries.iter().map(|e| {
                let value = without_ids(
                    e,
                    &["id", "channel_id", "cooldown_until_ms", "last_response_ms"],
                );
                ((c.name.clone(), e.model.clone(), e.group.clone()), value)
            })
        })
        .collect()
}

fn keys(full: &FullConfig) -> BTreeMap<(String, String), (bool, String)> {
    full.channels
        .iter()
        .flat_map(|(c, _)| {
            c.keys.iter().map(|k| {
                let id = (c.name.clone(), k.key.expose().to_owned());
                (id, (k.enabled, k.disabled_reason.clone()))
            })
        })
        .collect()
}

fn access_keys(full: &FullConfig) -> BTreeMap<String, Value> {
    full.access_keys
        .iter()
        .map(|k| {
            let value = without_ids(k, &["id", "created_ms", "last_used_ms"]);
            (k.name.clone(), value)
        })
        .collect()
}
