//! Gemini CLI reads `~/.gemini/.env` at start (after any `.env` of the folder it runs in) and
//! signs in as `~/.gemini/settings.json` says. API Switch sets `GOOGLE_GEMINI_BASE_URL` to
//! itself (no path: the CLI adds `/v1beta/...`) and `GEMINI_API_KEY` to the app's access key
//! (sent as `x-goog-api-key`) in `.env`, keeping every other line, and selects API-key sign-in
//! (`security.auth.selectedType = "gemini-api-key"`) in `settings.json`, keeping every other
//! setting and the order of its keys. Both files are backed up, and undone, together.

use std::path::PathBuf;

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

use super::{AppConfig, Home, Target, under};

pub struct GeminiCli;

const BASE_URL: &str = "GOOGLE_GEMINI_BASE_URL";
const KEY: &str = "GEMINI_API_KEY";

/// The variable a `.env` line assigns (`NAME=value` or `export NAME=value`), if any.
fn assigned(line: &str) -> Option<(&str, &str)> {
    let line = line.trim_start();
    if line.starts_with('#') {
        return None;
    }
    let line = line.strip_prefix("export ").unwrap_or(line);
    let (name, value) = line.split_once('=')?;
    Some((name.trim(), value.trim()))
}

/// A `.env` value without its quotes.
fn unquoted(value: &str) -> &str {
    for quote in ['"', '\''] {
        if let Some(inner) = value
            .strip_prefix(quote)
            .and_then(|v| v.strip_suffix(quote))
        {
            return inner;
        }
    }
    value
}

/// `lines` with `name` set to `value`: its first assignment replaced, any later one removed,
/// appended when there was none.
fn set(lines: &mut Vec<String>, name: &str, value: &str) {
    let line = format!("{name}={value}");
    let mut found = false;
    lines.retain_mut(|current| {
        if assigned(current).map(|(n, _)| n) != Some(name) {
            return true;
        }
        if found {
            return false;
        }
        found = true;
        current.clone_from(&line);
        true
    });
    if !found {
        lines.push(line);
    }
}

impl AppConfig for GeminiCli {
    fn path(&self, home: &Home) -> PathBuf {
        under(&home.dir, ".gemini/.env")
    }

    fn shell_path(&self) -> &'static str {
        "~/.gemini/.env"
    }

    fn url_for(&self, base_url: &str) -> String {
        base_url.trim_end_matches('/').to_owned()
    }

    fn endpoint(&self, text: &str) -> Result<Option<String>, String> {
        Ok(text
            .lines()
            .filter_map(assigned)
            .filter(|(name, _)| *name == BASE_URL)
            .map(|(_, value)| unquoted(value).to_owned())
            .next())
    }

    fn write(&self, current: Option<&str>, target: &Target) -> Result<String, String> {
        let mut lines: Vec<String> = current
            .unwrap_or_default()
            .lines()
            .map(str::to_owned)
            .collect();
        set(&mut lines, BASE_URL, &self.url_for(&target.base_url));
        set(&mut lines, KEY, &target.key);
        let mut text = lines.join("\n");
        text.push('\n');
        Ok(text)
    }

    fn companion(&self, home: &Home) -> Option<super::Companion> {
        Some(super::Companion {
            path: under(&home.dir, ".gemini/settings.json"),
            write: select_api_key_sign_in,
        })
    }
}

/// A JSON value whose objects keep their keys in the file's order.
#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum Ordered {
    Object(IndexMap<String, Ordered>),
    Array(Vec<Ordered>),
    Scalar(serde_json::Value),
}

/// `settings.json` with `security.auth.selectedType` set to `gemini-api-key`.
fn select_api_key_sign_in(current: Option<&str>) -> Result<String, String> {
    let text = current.unwrap_or_default();
    let mut settings = if text.trim().is_empty() {
        IndexMap::new()
    } else {
        match serde_json::from_str(text).map_err(|e| e.to_string())? {
            Ordered::Object(map) => map,
            _ => return Err("the file is not a JSON object".into()),
        }
    };
    let object = |map: &mut IndexMap<String, Ordered>, key: &str| {
        let entry = map
            .entry(key.to_owned())
            .or_insert_with(|| Ordered::Object(IndexMap::new()));
        match entry {
            Ordered::Object(inner) => Ok(std::mem::take(inner)),
            _ => Err(format!("`{key}` is not a JSON object")),
        }
    };
    let mut security = object(&mut settings, "security")?;
    let mut auth = object(&mut security, "auth")?;
    auth.insert(
        "selectedType".into(),
        Ordered::Scalar(serde_json::Value::String("gemini-api-key".into())),
    );
    security.insert("auth".into(), Ordered::Object(auth));
    settings.insert("security".into(), Ordered::Object(security));
    let mut text =
        serde_json::to_string_pretty(&Ordered::Object(settings)).map_err(|e| e.to_string())?;
    text.push('\n');
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_lines_are_replaced_in_place_and_others_kept() {
        let target = Target {
            base_url: "http://127.0.0.1:9090/".into(),
            key: "sk-as-1".into(),
        };
        let before = "# mine\nexport GEMINI_API_KEY=\"AIza-old\"\nOTHER=1\nGEMINI_API_KEY=again\n";
        let after = GeminiCli.write(Some(before), &target).expect("write");
        assert_eq!(
            after,
            "# mine\nGEMINI_API_KEY=sk-as-1\nOTHER=1\nGOOGLE_GEMINI_BASE_URL=http://127.0.0.1:9090\n"
        );
        assert_eq!(
            GeminiCli.endpoint(&after).expect("reads"),
            Some("http://127.0.0.1:9090".into())
        );
    }

    #[test]
    fn settings_get_api_key_sign_in_with_their_key_order_kept() {
        let before = r#"{"zeta": 1, "security": {"folderTrust": {"enabled": true}, "auth": {"selectedType": "oauth-personal", "useExternal": false}}, "alpha": [{"b": 1, "a": 2}]}"#;
        let after = select_api_key_sign_in(Some(before)).expect("merge");
        let keys: Vec<usize> = [
            "zeta",
            "security",
            "folderTrust",
            "selectedType",
            "useExternal",
            "alpha",
            "\"b\"",
            "\"a\"",
        ]
        .iter()
        .map(|k| after.find(k).expect(k))
        .collect();
        assert!(keys.windows(2).all(|w| w[0] < w[1]), "order kept:\n{after}");
        assert!(
            after.contains(r#""selectedType": "gemini-api-key""#),
            "{after}"
        );
        assert!(select_api_key_sign_in(Some("[1]")).is_err());
    }
}
