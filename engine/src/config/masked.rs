//! An ordinary export masks every secret (`sk-***abcd`). Imported back, a masked secret means
//! "keep what is stored": the channel's key (the channel matched by name, the key by the mask
//! it shows), its proxy password and balance token, an access key matched by name. A masked
//! secret with nothing stored to keep is a problem named with its path; the mask text itself is
//! never written as a key.

use std::collections::HashMap;

use serde_json::Value;

use super::strict::{Problems, join};
use crate::secrets::mask;
use crate::store::{ChannelId, FullConfig, StoredBalance};

/// Whether `text` is a mask as export writes it rather than a secret.
pub(super) fn is_masked(text: &str) -> bool {
    text.contains("***")
}

/// The secrets stored now, by what a document names them with.
#[derive(Default)]
pub(super) struct StoredSecrets {
    /// By channel name: every key of its pool, its proxy password, its balance token.
    channels: HashMap<String, ChannelSecrets>,
    /// By access key name.
    access_keys: HashMap<String, String>,
}

#[derive(Default)]
struct ChannelSecrets {
    keys: Vec<String>,
    proxy_password: String,
    balance_token: String,
}

impl StoredSecrets {
    pub(super) fn new(full: &FullConfig, balances: &HashMap<ChannelId, StoredBalance>) -> Self {
        let channels = full
            .channels
            .iter()
            .map(|(channel, _)| {
                let secrets = ChannelSecrets {
                    keys: channel
                        .keys
                        .iter()
                        .map(|k| k.key.expose().to_owned())
                        .collect(),
                    proxy_password: channel
                        .proxy
                        .as_ref()
                        .map(|proxy| proxy.password.expose().to_owned())
                        .unwrap_or_default(),
                    balance_token: balances
                        .get(&channel.id)
                        .map(|b| b.access_token.expose().to_owned())
                        .unwrap_or_default(),
                };
                (channel.name.trim().to_owned(), secrets)
            })
            .collect();
        let access_keys = full
            .access_keys
            .iter()
            .map(|k| (k.name.trim().to_owned(), k.key.expose().to_owned()))
            .collect();
        Self {
            channels,
            access_keys,
        }
    }
}

/// Replaces every masked secret in the document with the stored one it masks; each one with
/// nothing to keep is a problem.
pub(super) fn restore(root: &mut Value, stored: &StoredSecrets, p: &mut Problems) {
    if let Some(keys) = root.get_mut("access_keys").and_then(Value::as_array_mut) {
        for (i, key) in keys.iter_mut().enumerate() {
            let name = key
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .trim()
                .to_owned();
            let kept = stored.access_keys.get(&name).map(String::as_str);
            restore_field(key, "key", &format!("access_keys[{i}]"), kept.as_slice(), p);
        }
    }
    let Some(channels) = root.get_mut("channels").and_then(Value::as_array_mut) else {
        return;
    };
    let none = ChannelSecrets::default();
    for (i, channel) in channels.iter_mut().enumerate() {
        let path = format!("channels[{i}]");
        let name = channel
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .trim()
            .to_owned();
        let secrets = stored.channels.get(&name).unwrap_or(&none);
        let keys: Vec<&str> = secrets.keys.iter().map(String::as_str).collect();
        // Keys of a pool often share their mask (`sk-***7890`): each stored key is kept once,
        // the one at the same place first.
        let mut pool = Pool::new(&keys);
        if let Some(value) = channel.get_mut("api_key") {
            pool.restore(value, &join(&path, "api_key"), 0, p);
        }
        if let Some(items) = channel.get_mut("keys").and_then(Value::as_array_mut) {
            for (j, key) in items.iter_mut().enumerate() {
                let key_path = format!("{path}.keys[{j}]");
                match key {
                    Value::String(_) => pool.restore(key, &key_path, j, p),
                    key => {
                        if let Some(value) = key.get_mut("key") {
                            pool.restore(value, &join(&key_path, "key"), j, p);
                        }
                    }
                }
            }
        }
        if let Some(proxy) = channel.get_mut("proxy") {
            let kept = [secrets.proxy_password.as_str()];
            restore_field(proxy, "password", &join(&path, "proxy"), &kept, p);
        }
        if let Some(balance) = channel.get_mut("balance") {
            let kept = [secrets.balance_token.as_str()];
            restore_field(balance, "access_token", &join(&path, "balance"), &kept, p);
        }
    }
}

/// A channel's stored pool, each key handed out once.
struct Pool<'k> {
    keys: &'k [&'k str],
    used: Vec<bool>,
}

impl<'k> Pool<'k> {
    fn new(keys: &'k [&'k str]) -> Self {
        Self {
            keys,
            used: vec![false; keys.len()],
        }
    }

    /// A masked key becomes the stored key at `place` when that one masks the same way, else
    /// the first unused one that does; none is a problem.
    fn restore(&mut self, value: &mut Value, path: &str, place: usize, p: &mut Problems) {
        let Some(text) = value.as_str().filter(|text| is_masked(text)) else {
            return;
        };
        let text = text.trim().to_owned();
        let fits = |at: usize| !self.used[at] && mask(self.keys[at]) == text;
        let found = (place < self.keys.len() && fits(place))
            .then_some(place)
            .or_else(|| (0..self.keys.len()).find(|at| fits(*at)));
        match found {
            Some(at) => {
                self.used[at] = true;
                *value = Value::String(self.keys[at].to_owned());
            }
            None => masked_problem(&text, path, p),
        }
    }
}

fn masked_problem(text: &str, path: &str, p: &mut Problems) {
    p.add(
        path,
        format!(
            "`{text}` is a masked secret and nothing stored under this name matches it; \
             give the real one, or export with --include-secrets"
        ),
    );
}

/// `object.field`, restored when it is masked.
fn restore_field(object: &mut Value, field: &str, path: &str, stored: &[&str], p: &mut Problems) {
    if let Some(value) = object.get_mut(field) {
        restore_value(value, &join(path, field), stored, p);
    }
}

/// A masked string becomes the first stored secret that masks the same way; none is a problem.
fn restore_value(value: &mut Value, path: &str, stored: &[&str], p: &mut Problems) {
    let Some(text) = value.as_str().filter(|text| is_masked(text)) else {
        return;
    };
    let text = text.trim();
    match stored
        .iter()
        .find(|secret| !secret.is_empty() && mask(secret) == text)
    {
        Some(secret) => *value = Value::String((*secret).to_owned()),
        None => masked_problem(text, path, p),
    }
}
