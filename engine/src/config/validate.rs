//! Checks an import document field by field and collects every problem with its path, rather
//! than stopping at the first as a plain deserialize would; then builds what the store writes.

use serde_json::{Map, Value};

use super::strict::{Problems, describe, known_fields, typed};
use super::{ConfigError, FORMAT_VERSION};
use crate::store::{
    AUTO_GROUP, ChannelExtras, ConfigToWrite, NewChannel, NewEntry, OutboundProxy, Settings,
    base_url_problem, hedging_problem,
};
use crate::upstream::ChannelKind;
use types::access_keys::KeyLimits;
use types::balance::BalanceSettings;
use types::pricing::Pricing;
use types::routing::GroupRouting;

fn string(
    obj: &Map<String, Value>,
    path: &str,
    field: &str,
    required: bool,
    p: &mut Problems,
) -> Option<String> {
    match obj.get(field) {
        Some(Value::String(s)) if required && s.trim().is_empty() => {
            p.add(&format!("{path}.{field}"), "must not be empty");
            None
        }
        Some(Value::String(s)) => Some(s.clone()),
        None | Some(Value::Null) if required => {
            p.add(&format!("{path}.{field}"), "is required");
            None
        }
        None | Some(Value::Null) => None,
        Some(_) => {
            p.add(&format!("{path}.{field}"), "must be a string");
            None
        }
    }
}

fn boolean(obj: &Map<String, Value>, path: &str, field: &str, p: &mut Problems) -> Option<bool> {
    match obj.get(field) {
        None | Some(Value::Null) => None,
        Some(Value::Bool(b)) => Some(*b),
        Some(_) => {
            p.add(&format!("{path}.{field}"), "must be true or false");
            None
        }
    }
}

fn array<'a>(obj: &'a Map<String, Value>, path: &str, p: &mut Problems) -> &'a [Value] {
    match obj.get(path.rsplit('.').next().unwrap_or(path)) {
        None | Some(Value::Null) => &[],
        Some(Value::Array(items)) => items,
        Some(_) => {
            p.add(path, "must be an array");
            &[]
        }
    }
}

fn string_list(obj: &Map<String, Value>, path: &str, field: &str, p: &mut Problems) -> Vec<String> {
    match obj.get(field) {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .filter_map(|(i, item)| match item {
                Value::String(s) => Some(s.clone()),
                _ => {
                    p.add(&format!("{path}.{field}[{i}]"), "must be a string");
                    None
                }
            })
            .collect(),
        Some(_) => {
            p.add(&format!("{path}.{field}"), "must be an array of strings");
            Vec::new()
        }
    }
}

fn object<'a>(value: &'a Value, path: &str, p: &mut Problems) -> Option<&'a Map<String, Value>> {
    let object = value.as_object();
    if object.is_none() {
        p.add(path, "must be an object");
    }
    object
}

/// Parses and checks a whole document.
pub fn parse(text: &str) -> Result<ConfigToWrite, ConfigError> {
    let root: Value = serde_json::from_str(text).map_err(|source| ConfigError::Json { source })?;
    parse_value(&root, Problems::default(), &Settings::default())
}

/// The fields a document's top level may hold.
const TOP_LEVEL: &[&str] = &["version", "settings", "access_keys", "channels", "groups"];
const ACCESS_KEY: &[&str] = &["name", "key", "limits"];
const CHANNEL: &[&str] = &[
    "name",
    "api_type",
    "base_url",
    "api_key",
    "enabled",
    "api_version",
    "entries",
    "keys",
    "proxy",
    "pricing",
    "balance",
];
const POOL_KEY: &[&str] = &["key", "enabled", "disabled_reason"];
const ENTRY: &[&str] = &[
    "model",
    "display_name",
    "group",
    "priority",
    "enabled",
    "disabled_reason",
    "aliases",
];

/// Checks a parsed document, adding to the problems already found (`p`); settings the
/// document leaves out are `base`'s.
pub(super) fn parse_value(
    root: &Value,
    mut p: Problems,
    base: &Settings,
) -> Result<ConfigToWrite, ConfigError> {
    let Some(root) = object(root, "(top level)", &mut p) else {
        return Err(ConfigError::Invalid { problems: p.0 });
    };
    known_fields(root, "", TOP_LEVEL, &mut p);
    match root.get("version") {
        None => {}
        Some(v) if v.as_u64() == Some(u64::from(FORMAT_VERSION)) => {}
        Some(_) => p.add(
            "version",
            format!("must be {FORMAT_VERSION}; this file is from another version"),
        ),
    }
    let settings = settings(root.get("settings"), base, &mut p);
    let mut access_keys = Vec::new();
    for (i, key) in array(root, "access_keys", &mut p).iter().enumerate() {
        let path = format!("access_keys[{i}]");
        if let Some(obj) = object(key, &path, &mut p) {
            known_fields(obj, &path, ACCESS_KEY, &mut p);
            let name = string(obj, &path, "name", false, &mut p).unwrap_or_default();
            let limits = key_limits(obj.get("limits"), &path, &mut p);
            if let Some(key) = string(obj, &path, "key", true, &mut p) {
                match access_key_problem(&key) {
                    Some(problem) => p.add(&format!("{path}.key"), problem),
                    None => access_keys.push((name, key, limits)),
                }
            }
        }
    }
    let groups = groups(root.get("groups"), &mut p);
    let (channels, channel_extras) = array(root, "channels", &mut p)
        .iter()
        .enumerate()
        .filter_map(|(i, c)| channel(c, &format!("channels[{i}]"), &mut p))
        .map(|(channel, entries, extras)| ((channel, entries), extras))
        .unzip();
    if !p.0.is_empty() {
        return Err(ConfigError::Invalid { problems: p.0 });
    }
    let mut config = ConfigToWrite {
        settings,
        access_keys,
        channels,
        channel_extras,
        groups,
    };
    assign_missing_priorities(&mut config);
    Ok(config)
}

/// The shortest access key a document may hold: a guessable one would let anyone in.
pub const SHORTEST_ACCESS_KEY: usize = 16;

/// Why `key` cannot be an access key: too short, spaces in it, or a placeholder (`sk-...`).
pub fn access_key_problem(key: &str) -> Option<String> {
    let key = key.trim();
    if key.chars().count() < SHORTEST_ACCESS_KEY {
        Some(format!(
            "must be at least {SHORTEST_ACCESS_KEY} characters (`api-switch keys add NAME` makes one)"
        ))
    } else if key.chars().any(char::is_whitespace) {
        Some("must not contain spaces".into())
    } else if key.contains("...") || key.contains('<') {
        Some("looks like a placeholder (`...`); put the real key".into())
    } else {
        None
    }
}

/// The settings the document gives over `base`: each given field checked on its own, so every
/// wrong one is named, then the whole checked for ranges.
fn settings(value: Option<&Value>, base: &Settings, p: &mut Problems) -> Settings {
    let Some(value) = value.filter(|v| !v.is_null()) else {
        return base.clone();
    };
    let Some(given) = object(value, "settings", p) else {
        return base.clone();
    };
    let Ok(Value::Object(mut merged)) = serde_json::to_value(base) else {
        return base.clone();
    };
    let before = p.0.len();
    for (field, value) in given {
        let one = Value::Object(Map::from_iter([(field.clone(), value.clone())]));
        if typed::<Settings>(&one, "settings", p).is_some() {
            merged.insert(field.clone(), value.clone());
        }
    }
    if p.0.len() > before {
        return base.clone();
    }
    match serde_json::from_value::<Settings>(Value::Object(merged)) {
        Ok(settings) => {
            for (field, problem) in settings.problems() {
                p.add(&format!("settings.{field}"), problem);
            }
            settings
        }
        Err(error) => {
            p.add("settings", describe(&error));
            base.clone()
        }
    }
}

/// A key's limits (absent: none); a bad one is a problem with its path.
fn key_limits(value: Option<&Value>, path: &str, p: &mut Problems) -> KeyLimits {
    let Some(value) = value.filter(|v| !v.is_null()) else {
        return KeyLimits::default();
    };
    match typed::<KeyLimits>(value, &format!("{path}.limits"), p) {
        Some(limits) => {
            for (field, problem) in limits.problems() {
                p.add(&format!("{path}.limits.{field}"), problem);
            }
            limits
        }
        None => KeyLimits::default(),
    }
}

/// Each group's order mode and hedging; a bad one is a problem with its path.
fn groups(value: Option<&Value>, p: &mut Problems) -> Vec<GroupRouting> {
    let Some(items) = value.filter(|v| !v.is_null()) else {
        return Vec::new();
    };
    let Some(items) = items.as_array() else {
        p.add("groups", "must be an array");
        return Vec::new();
    };
    let mut groups = Vec::new();
    for (i, item) in items.iter().enumerate() {
        match typed::<GroupRouting>(item, &format!("groups[{i}]"), p) {
            Some(group) if group.group.trim().is_empty() => {
                p.add(&format!("groups[{i}].group"), "must not be empty")
            }
            Some(group) => match hedging_problem(&group.hedging) {
                Some(problem) => p.add(&format!("groups[{i}].hedging"), problem),
                None => groups.push(group),
            },
            None => {}
        }
    }
    groups
}

/// Priorities are `i64::MIN` until assigned: entries without one follow all given ones, in
/// file order.
const UNSET: i64 = i64::MIN;

/// One imported channel: what creating it needs, its entries, its proxy and key states.
type ChannelToWrite = (NewChannel, Vec<(NewEntry, i64)>, ChannelExtras);

fn channel(value: &Value, path: &str, p: &mut Problems) -> Option<ChannelToWrite> {
    let obj = object(value, path, p)?;
    known_fields(obj, path, CHANNEL, p);
    let name = string(obj, path, "name", true, p);
    let api_type =
        string(obj, path, "api_type", true, p).and_then(|t| match t.parse::<ChannelKind>() {
            Ok(kind) => Some(kind),
            Err(error) => {
                p.add(&format!("{path}.api_type"), error);
                None
            }
        });
    let base_url =
        string(obj, path, "base_url", true, p).filter(|url| match base_url_problem(url) {
            Some(problem) => {
                p.add(&format!("{path}.base_url"), problem);
                false
            }
            None => true,
        });
    let mut api_key = string(obj, path, "api_key", false, p).unwrap_or_default();
    let mut extras = ChannelExtras {
        proxy: proxy(obj.get("proxy"), path, p),
        disabled_keys: Vec::new(),
        pricing: pricing(obj.get("pricing"), path, p),
        balance: BalanceSettings::default(),
        balance_token: Default::default(),
    };
    let balance = balance(obj.get("balance"), path, p);
    (extras.balance, extras.balance_token) = (balance.settings, balance.access_token.into());
    for (j, key) in array(obj, &format!("{path}.keys"), p).iter().enumerate() {
        let key_path = format!("{path}.keys[{j}]");
        let (key, enabled, reason) = match key {
            Value::String(key) => (Some(key.clone()), true, String::new()),
            value => match object(value, &key_path, p) {
                Some(k) => (
                    {
                        known_fields(k, &key_path, POOL_KEY, p);
                        string(k, &key_path, "key", true, p)
                    },
                    boolean(k, &key_path, "enabled", p).unwrap_or(true),
                    string(k, &key_path, "disabled_reason", false, p).unwrap_or_default(),
                ),
                None => (None, true, String::new()),
            },
        };
        let Some(key) = key else { continue };
        api_key.push('\n');
        api_key.push_str(&key);
        if !enabled {
            extras.disabled_keys.push((key, reason));
        }
    }
    let enabled = boolean(obj, path, "enabled", p).unwrap_or(true);
    let api_version = string(obj, path, "api_version", false, p).unwrap_or_default();
    let entries: Vec<_> = array(obj, &format!("{path}.entries"), p)
        .iter()
        .enumerate()
        .filter_map(|(j, e)| entry(e, &format!("{path}.entries[{j}]"), p))
        .collect();
    let channel = NewChannel {
        name: name?,
        api_type: api_type?,
        base_url: base_url?,
        api_key: api_key.into(),
        enabled,
        api_version,
    };
    Some((channel, entries, extras))
}

/// A channel's balance settings; absent: `auto`, no warning.
fn balance(value: Option<&Value>, path: &str, p: &mut Problems) -> super::BalanceFile {
    let Some(value) = value else {
        return super::BalanceFile::default();
    };
    let path = format!("{path}.balance");
    let Some(obj) = object(value, &path, p) else {
        return super::BalanceFile::default();
    };
    // The token beside the flattened settings: read apart, so unknown fields are still named.
    let mut settings = obj.clone();
    let access_token = match settings.remove("access_token") {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(token)) => token,
        Some(_) => {
            p.add(&format!("{path}.access_token"), "must be a string");
            String::new()
        }
    };
    match typed::<BalanceSettings>(&Value::Object(settings), &path, p) {
        Some(settings) => {
            if let Some(problem) = settings.problem() {
                p.add(&path, problem);
            }
            super::BalanceFile {
                settings,
                access_token,
            }
        }
        None => super::BalanceFile::default(),
    }
}

/// A channel's pricing; absent: the catalog's prices as they are.
fn pricing(value: Option<&Value>, path: &str, p: &mut Problems) -> Pricing {
    let Some(value) = value else {
        return Pricing::default();
    };
    match typed::<Pricing>(value, &format!("{path}.pricing"), p) {
        Some(pricing) => {
            if let Some(problem) = pricing.problem() {
                p.add(&format!("{path}.pricing"), problem);
            }
            pricing
        }
        None => Pricing::default(),
    }
}

fn proxy(value: Option<&Value>, path: &str, p: &mut Problems) -> Option<OutboundProxy> {
    let value = value.filter(|v| !v.is_null())?;
    let proxy = typed::<OutboundProxy>(value, &format!("{path}.proxy"), p)?;
    match proxy.problem() {
        Some(problem) => {
            p.add(&format!("{path}.proxy.url"), problem);
            None
        }
        None => Some(proxy),
    }
}

fn entry(value: &Value, path: &str, p: &mut Problems) -> Option<(NewEntry, i64)> {
    let obj = object(value, path, p)?;
    known_fields(obj, path, ENTRY, p);
    let model = string(obj, path, "model", true, p);
    let group = string(obj, path, "group", false, p).unwrap_or_else(|| AUTO_GROUP.into());
    if group.trim().is_empty() {
        p.add(
            &format!("{path}.group"),
            "must not be empty; leave it out for `auto`",
        );
    }
    let display_name = string(obj, path, "display_name", false, p).unwrap_or_default();
    let enabled = boolean(obj, path, "enabled", p).unwrap_or(true);
    let priority = match obj.get("priority") {
        None | Some(Value::Null) => UNSET,
        Some(v) => v.as_i64().unwrap_or_else(|| {
            p.add(&format!("{path}.priority"), "must be a whole number");
            UNSET
        }),
    };
    let new = NewEntry {
        channel_id: 0,
        model: model?,
        display_name,
        group,
        enabled,
        aliases: string_list(obj, path, "aliases", p),
    };
    Some((new, priority))
}

fn assign_missing_priorities(config: &mut ConfigToWrite) {
    let given = config
        .channels
        .iter()
        .flat_map(|(_, e)| e.iter().map(|(_, p)| *p))
        .filter(|p| *p != UNSET);
    let mut next = given.max().map_or(0, |max| max + 1);
    for (_, entries) in &mut config.channels {
        for (_, priority) in entries.iter_mut().filter(|(_, p)| *p == UNSET) {
            *priority = next;
            next += 1;
        }
    }
}
