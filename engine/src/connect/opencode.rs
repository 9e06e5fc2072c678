//! OpenCode reads `~/.config/opencode/opencode.json` (under `$XDG_CONFIG_HOME` when set). API
//! Switch adds a provider `api-switch` through OpenCode's OpenAI-compatible adapter at
//! `<base>/v1` with the app's access key, offers the `auto` model on it, and selects
//! `api-switch/auto` as the model; other providers and settings stay.

use std::path::PathBuf;

use serde_json::{Map, Value, json};

use super::{AppConfig, Home, Target, under};

pub struct OpenCode;

const PROVIDER: &str = "api-switch";

fn parse(text: &str) -> Result<Map<String, Value>, String> {
    if text.trim().is_empty() {
        return Ok(Map::new());
    }
    match serde_json::from_str(text).map_err(|e| e.to_string())? {
        Value::Object(map) => Ok(map),
        _ => Err("the file is not a JSON object".into()),
    }
}

impl AppConfig for OpenCode {
    fn path(&self, home: &Home) -> PathBuf {
        match &home.xdg_config_home {
            Some(dir) => dir.join("opencode").join("opencode.json"),
            None => under(&home.dir, ".config/opencode/opencode.json"),
        }
    }

    fn shell_path(&self) -> &'static str {
        "~/.config/opencode/opencode.json"
    }

    fn url_for(&self, base_url: &str) -> String {
        format!("{}/v1", base_url.trim_end_matches('/'))
    }

    fn endpoint(&self, text: &str) -> Result<Option<String>, String> {
        let config = parse(text)?;
        let Some(provider) = config
            .get("model")
            .and_then(Value::as_str)
            .and_then(|model| model.split_once('/'))
            .map(|(provider, _)| provider)
        else {
            return Ok(None);
        };
        Ok(config
            .get("provider")
            .and_then(|providers| providers.get(provider))
            .and_then(|p| p.get("options"))
            .and_then(|o| o.get("baseURL"))
            .and_then(Value::as_str)
            .map(str::to_owned))
    }

    fn write(&self, current: Option<&str>, target: &Target) -> Result<String, String> {
        let mut config = parse(current.unwrap_or_default())?;
        if config.is_empty() {
            config.insert("$schema".into(), json!("https://opencode.ai/config.json"));
        }
        let providers = config
            .entry("provider")
            .or_insert_with(|| Value::Object(Map::new()));
        let Value::Object(providers) = providers else {
            return Err("`provider` is not a JSON object".into());
        };
        providers.insert(
            PROVIDER.into(),
            json!({
                "npm": "@ai-sdk/openai-compatible",
                "name": "API Switch",
                "options": {
                    "baseURL": self.url_for(&target.base_url),
                    "apiKey": target.key,
                },
                "models": { "auto": { "name": "auto (API Switch)" } },
            }),
        );
        config.insert("model".into(), json!(format!("{PROVIDER}/auto")));
        Ok(super::files::json_in_order(current, &Value::Object(config)))
    }
}
