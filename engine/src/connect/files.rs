//! The careful file work every app's connection shares. Before a configuration file is
//! changed, a copy is saved beside it as `<name>.api-switch-backup-<UTC time>`; when there was
//! no file nothing is saved here (the database remembers what Connect created). Writes
//! go to a private temporary file in the same folder that is then renamed over the original,
//! so an app never reads a half-written file; no existing path is ever opened for writing and
//! no symbolic link at a backup's name is followed. Undo renames the newest backup back: byte for
//! byte and mode for mode, and the next undo reaches the backup before it. A JSON file is
//! written back with its keys in the user's order (`json_in_order`), not sorted.

use std::ffi::OsString;
use std::io;
use std::path::{Path, PathBuf};

/// What sits between a configuration file's name and the backup's time.
const BACKUP_MARK: &str = ".api-switch-backup-";

/// Ends the name of the empty marker earlier versions saved when there was no file to copy;
/// undo still honours one.
const NONE_SUFFIX: &str = "-none";

/// The file to read and write for `path`: a symbolic link's target (dotfile managers link
/// configuration files), so writing never replaces the link with a plain file.
pub fn real_path(path: &Path) -> PathBuf {
    if path.is_symlink() {
        std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
    } else {
        path.to_path_buf()
    }
}

/// The file's text, or `None` when it does not exist.
pub fn read_optional(path: &Path) -> io::Result<Option<String>> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(text)),
        Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(error) => Err(error),
    }
}

/// The file's bytes, or `None` when it does not exist.
pub fn read_bytes_optional(path: &Path) -> io::Result<Option<Vec<u8>>> {
    match std::fs::read(path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(error) => Err(error),
    }
}

/// Saves the current state of `path` beside it and returns the backup's path (`None`: there
/// is no file, so nothing to save). The backup is a new file written beside it and renamed to
/// a name nothing holds: a file or a symbolic link (even a dangling one) already at that name
/// is a clear error, never followed or replaced.
pub fn backup(path: &Path) -> io::Result<Option<PathBuf>> {
    let Some(current) = read_bytes_optional(path)? else {
        return Ok(None);
    };
    let stamp = jiff::Timestamp::now()
        .strftime("%Y%m%dT%H%M%S%.3fZ")
        .to_string();
    let mut backup = sibling(path, &format!("{BACKUP_MARK}{stamp}"));
    let mut n = 1;
    // A backup taken in the same millisecond holds the name: take the next. Anything else
    // there (a link) is not ours: refuse.
    while std::fs::symlink_metadata(&backup).is_ok_and(|meta| meta.is_file()) {
        backup = sibling(path, &format!("{BACKUP_MARK}{stamp}-{n}"));
        n += 1;
    }
    crate::store::files::refuse_symlink(&backup)?;
    let temp = crate::store::files::private_temp_beside(path, &current)?;
    // As private as the file itself (undo renames the backup back, mode and all).
    let mode = std::fs::metadata(path)?.permissions();
    temp.as_file().set_permissions(mode)?;
    // `persist_noclobber` fails when anything is at the name, a link included.
    temp.persist_noclobber(&backup).map_err(|error| {
        io::Error::new(
            error.error.kind(),
            format!(
                "cannot save the backup {}: {}",
                backup.display(),
                error.error
            ),
        )
    })?;
    Ok(Some(backup))
}

/// The newest backup of `path`, if any.
pub fn latest_backup(path: &Path) -> io::Result<Option<PathBuf>> {
    let (Some(dir), Some(name)) = (path.parent(), path.file_name()) else {
        return Ok(None);
    };
    let mut prefix = name.to_os_string();
    prefix.push(BACKUP_MARK);
    let prefix = prefix.to_string_lossy().into_owned();
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(error) => return Err(error),
    };
    let mut newest: Option<String> = None;
    for entry in entries {
        let entry = entry?;
        // Only files this module wrote: a link placed at a backup's name is never restored.
        if !entry.file_type()?.is_file() {
            continue;
        }
        let file = entry.file_name().to_string_lossy().into_owned();
        // The time is fixed-width, so the greatest name is the newest backup.
        if file.starts_with(&prefix) && newest.as_ref().is_none_or(|n| file > *n) {
            newest = Some(file);
        }
    }
    Ok(newest.map(|file| dir.join(file)))
}

/// Replaces `path` with `bytes` atomically, readable by its owner only (it holds a key): a new
/// file beside it, renamed over it.
pub fn write_private_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let temp = crate::store::files::private_temp_beside(path, bytes)?;
    temp.persist(path).map_err(|error| error.error)?;
    Ok(())
}

/// Puts the newest backup of `path` back; `false` when there is none.
pub fn restore(path: &Path) -> io::Result<bool> {
    let Some(backup) = latest_backup(path)? else {
        return Ok(false);
    };
    if backup.to_string_lossy().ends_with(NONE_SUFFIX) {
        // An earlier version's marker: there was no file before it wrote one.
        remove_if_present(path)?;
        std::fs::remove_file(&backup)?;
    } else {
        std::fs::rename(&backup, path)?;
    }
    Ok(true)
}

/// Removes `path`; one already gone is fine.
pub fn remove_if_present(path: &Path) -> io::Result<()> {
    match std::fs::remove_file(path) {
        Err(error) if error.kind() != io::ErrorKind::NotFound => Err(error),
        _ => Ok(()),
    }
}

fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = OsString::from(path.as_os_str());
    name.push(suffix);
    PathBuf::from(name)
}

/// The key order of a JSON text, object by object and item by item, as the user wrote it.
#[derive(Default)]
struct KeyOrder {
    keys: Vec<(String, KeyOrder)>,
    items: Vec<KeyOrder>,
}

impl<'de> serde::Deserialize<'de> for KeyOrder {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = KeyOrder;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("JSON")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<KeyOrder, A::Error> {
                let mut order = KeyOrder::default();
                while let Some(key) = map.next_key::<String>()? {
                    order.keys.push((key, map.next_value()?));
                }
                Ok(order)
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<KeyOrder, A::Error> {
                let mut order = KeyOrder::default();
                while let Some(item) = seq.next_element()? {
                    order.items.push(item);
                }
                Ok(order)
            }
            fn visit_bool<E>(self, _: bool) -> Result<KeyOrder, E> {
                Ok(KeyOrder::default())
            }
            fn visit_i64<E>(self, _: i64) -> Result<KeyOrder, E> {
                Ok(KeyOrder::default())
            }
            fn visit_u64<E>(self, _: u64) -> Result<KeyOrder, E> {
                Ok(KeyOrder::default())
            }
            fn visit_f64<E>(self, _: f64) -> Result<KeyOrder, E> {
                Ok(KeyOrder::default())
            }
            fn visit_str<E>(self, _: &str) -> Result<KeyOrder, E> {
                Ok(KeyOrder::default())
            }
            fn visit_unit<E>(self) -> Result<KeyOrder, E> {
                Ok(KeyOrder::default())
            }
        }
        deserializer.deserialize_any(Visit)
    }
}

/// `value` as pretty JSON (two spaces, as `serde_json` writes it) with each object's keys in
/// the order `original` has them; keys it does not have follow, sorted.
pub fn json_in_order(original: Option<&str>, value: &serde_json::Value) -> String {
    let order = original
        .and_then(|text| serde_json::from_str::<KeyOrder>(text).ok())
        .unwrap_or_default();
    let mut out = String::new();
    write_ordered(&mut out, value, Some(&order), 0);
    out.push('\n');
    out
}

fn write_ordered(
    out: &mut String,
    value: &serde_json::Value,
    order: Option<&KeyOrder>,
    indent: usize,
) {
    use serde_json::Value;
    let pad = |out: &mut String, n: usize| out.extend(std::iter::repeat_n(' ', n));
    match value {
        Value::Object(map) if !map.is_empty() => {
            let known = order.map_or(&[][..], |o| o.keys.as_slice());
            let mut keys: Vec<(&String, Option<&KeyOrder>)> = known
                .iter()
                .filter(|(key, _)| map.contains_key(key))
                .map(|(key, inner)| (key, Some(inner)))
                .collect();
            keys.extend(
                map.keys()
                    .filter(|key| !known.iter().any(|(k, _)| k == *key))
                    .map(|key| (key, None)),
            );
            out.push_str("{\n");
            for (at, (key, inner)) in keys.iter().enumerate() {
                pad(out, indent + 2);
                out.push_str(&serde_json::Value::String((*key).clone()).to_string());
                out.push_str(": ");
                write_ordered(out, &map[key.as_str()], *inner, indent + 2);
                out.push_str(if at + 1 < keys.len() { ",\n" } else { "\n" });
            }
            pad(out, indent);
            out.push('}');
        }
        Value::Array(items) if !items.is_empty() => {
            out.push_str("[\n");
            for (at, item) in items.iter().enumerate() {
                pad(out, indent + 2);
                let inner = order.and_then(|o| o.items.get(at));
                write_ordered(out, item, inner, indent + 2);
                out.push_str(if at + 1 < items.len() { ",\n" } else { "\n" });
            }
            pad(out, indent);
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::json_in_order;

    #[test]
    fn json_keeps_the_users_key_order_and_adds_new_keys_after() {
        let original = r#"{"zeta": 1, "env": {"B": "x", "A": "y"}, "alpha": [{"q": 1, "p": 2}]}"#;
        let value = json!({"alpha": [{"p": 2, "q": 1}], "env": {"A": "y", "B": "x", "C": "z"},
                           "zeta": 1, "new": {}});
        let text = json_in_order(Some(original), &value);
        assert_eq!(
            text,
            "{\n  \"zeta\": 1,\n  \"env\": {\n    \"B\": \"x\",\n    \"A\": \"y\",\n    \"C\": \"z\"\n  },\n  \"alpha\": [\n    {\n      \"q\": 1,\n      \"p\": 2\n    }\n  ],\n  \"new\": {}\n}\n"
        );
        assert_eq!(
            json_in_order(None, &value),
            format!("{}\n", serde_json::to_string_pretty(&value).expect("json"))
        );
    }
}
