//! Claude Code reads `~/.claude/settings.json` (or `$CLAUDE_CONFIG_DIR/settings.json`); its
//! `env` object sets environment variables for every session. API Switch sets
//! `ANTHROPIC_BASE_URL` to itself and `ANTHROPIC_AUTH_TOKEN` to the app's access key (sent as
//! `Authorization: Bearer`, which Claude Code uses without asking), and removes what would
//! override that token (`ANTHROPIC_API_KEY`, `apiKeyHelper`); everything else stays.

use std::path::PathBuf;

use serde_json::{Map, Value};

use super::{AppConfig, Home, Target, under};

pub struct ClaudeCode;

const BASE_URL: &str = "ANTHROPIC_BASE_URL";
const TOKEN: &str = "ANTHROPIC_AUTH_TOKEN";

fn parse(text: &str) -> Result<Map<String, Value>, String> {
    if text.trim().is_empty() {
        return Ok(Map::new());
    }
    match serde_json::from_str(text).map_err(|e| e.to_string())? {
        Value::Object(map) => Ok(map),
        _ => Err("the file is not a JSON object".into()),
    }
}

impl AppConfig for ClaudeCode {
    fn path(&self, home: &Home) -> PathBuf {
        match &home.claude_config_dir {
            Some(dir) => dir.join("settings.json"),
            None => under(&home.dir, ".claude/settings.json"),
        }
    }

    fn shell_path(&self) -> &'static str {
        "~/.claude/settings.json"
    }

    fn url_for(&self, base_url: &str) -> String {
        base_url.trim_end_matches('/').to_owned()
    }

    fn endpoint(&self, text: &str) -> Result<Option<String>, String> {
        let settings = parse(text)?;
        Ok(settings
            .get("env")
            .and_then(|env| env.get(BASE_URL))
            .and_then(Value::as_str)
            .map(str::to_owned))
    }

    fn write(&self, current: Option<&str>, target: &Target) -> Result<String, String> {
        let mut settings = parse(current.unwrap_or_default())?;
        settings.remove("apiKeyHelper");
        let env = settings
            .entry("env")
            .or_insert_with(|| Value::Object(Map::new()));
        let Value::Object(env) = env else {
            return Err("`env` is not a JSON object".into());
        };
        env.remove("ANTHROPIC_API_KEY");
        env.insert(
            BASE_URL.into(),
            Value::String(self.url_for(&target.base_url)),
        );
        env.insert(TOKEN.into(), Value::String(target.key.clone()));
        Ok(super::files::json_in_order(
            current,
            &Value::Object(settings),
        ))
    }
}
