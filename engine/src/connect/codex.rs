//! Codex reads `~/.codex/config.toml` (or `$CODEX_HOME/config.toml`). API Switch adds a model
//! provider `[model_providers.api-switch]` speaking the Responses API (`wire_api =
//! "responses"`, the only one Codex supports) at `<base>/v1` with the app's access key as its
//! bearer token, and selects it with `model_provider`. The file is edited with `toml_edit`, so
//! the user's other settings, comments and layout stay as they were.

use std::path::PathBuf;

use toml_edit::{DocumentMut, Item, Table, value};

use super::{AppConfig, Home, Target, under};

pub struct Codex;

/// The provider id API Switch writes (and looks for).
pub const PROVIDER: &str = "api-switch";

impl AppConfig for Codex {
    fn path(&self, home: &Home) -> PathBuf {
        match &home.codex_home {
            Some(dir) => dir.join("config.toml"),
            None => under(&home.dir, ".codex/config.toml"),
        }
    }

    fn shell_path(&self) -> &'static str {
        "~/.codex/config.toml"
    }

    fn url_for(&self, base_url: &str) -> String {
        format!("{}/v1", base_url.trim_end_matches('/'))
    }

    fn endpoint(&self, text: &str) -> Result<Option<String>, String> {
        let doc: DocumentMut = text
            .parse()
            .map_err(|e: toml_edit::TomlError| e.to_string())?;
        let Some(provider) = doc.get("model_provider").and_then(Item::as_str) else {
            // Codex's default provider is OpenAI's own API (or `OPENAI_BASE_URL`).
            return Ok(None);
        };
        Ok(doc
            .get("model_providers")
            .and_then(|providers| providers.get(provider))
            .and_then(|p| p.get("base_url"))
            .and_then(Item::as_str)
            .map(str::to_owned))
    }

    fn write(&self, current: Option<&str>, target: &Target) -> Result<String, String> {
        let mut doc: DocumentMut = current
            .unwrap_or_default()
            .parse()
            .map_err(|e: toml_edit::TomlError| e.to_string())?;
        doc["model_provider"] = value(PROVIDER);
        // A model the hub does not know is routed to the `auto` group anyway; a new file
        // names `auto` so the choice is visible.
        if !doc.contains_key("model") {
            doc["model"] = value("auto");
        }
        let providers = doc
            .entry("model_providers")
            .or_insert_with(|| {
                let mut table = Table::new();
                table.set_implicit(true);
                Item::Table(table)
            })
            .as_table_mut()
            .ok_or("`model_providers` is not a table")?;
        let mut provider = Table::new();
        provider["name"] = value("API Switch");
        provider["base_url"] = value(self.url_for(&target.base_url));
        provider["wire_api"] = value("responses");
        provider["experimental_bearer_token"] = value(target.key.clone());
        providers.insert(PROVIDER, Item::Table(provider));
        Ok(doc.to_string())
    }
}
