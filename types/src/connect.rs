//! Connecting other apps to API Switch: which apps can be pointed at the hub, and what the
//! Connect screen shows about each (where its configuration file is, where it points now,
//! whether a backup can be restored). The engine's `connect` module does the file work.

use serde::{Deserialize, Serialize};

/// An app whose configuration file API Switch can write.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ConnectApp {
    /// Anthropic's Claude Code: `~/.claude/settings.json`.
    ClaudeCode,
    /// OpenAI's Codex CLI: `~/.codex/config.toml`.
    Codex,
    /// OpenCode: `~/.config/opencode/opencode.json`.
    #[serde(rename = "opencode")]
    OpenCode,
    /// Google's Gemini CLI: `~/.gemini/.env`, and `~/.gemini/settings.json` for its sign-in.
    GeminiCli,
}

impl ConnectApp {
    pub const ALL: [ConnectApp; 4] = [
        ConnectApp::ClaudeCode,
        ConnectApp::Codex,
        ConnectApp::OpenCode,
        ConnectApp::GeminiCli,
    ];

    /// The id used on the command line and in element ids (`claude-code`, `codex`, `opencode`,
    /// `gemini-cli`).
    pub fn id(self) -> &'static str {
        match self {
            ConnectApp::ClaudeCode => "claude-code",
            ConnectApp::Codex => "codex",
            ConnectApp::OpenCode => "opencode",
            ConnectApp::GeminiCli => "gemini-cli",
        }
    }

    /// The product's own name (never translated).
    pub fn name(self) -> &'static str {
        match self {
            ConnectApp::ClaudeCode => "Claude Code",
            ConnectApp::Codex => "Codex",
            ConnectApp::OpenCode => "OpenCode",
            ConnectApp::GeminiCli => "Gemini CLI",
        }
    }

    /// The app for an id as `id` spells it.
    pub fn from_id(id: &str) -> Option<ConnectApp> {
        ConnectApp::ALL.into_iter().find(|app| app.id() == id)
    }
}

/// One app's configuration as found on this machine.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppStatus {
    pub app: ConnectApp,
    /// The configuration file's full path.
    pub config_path: String,
    /// Whether the file exists.
    pub exists: bool,
    /// The API base URL the file sets; `None` when it sets none (the app's own provider).
    pub endpoint: Option<String>,
    /// Whether `endpoint` is this API Switch.
    pub points_at_us: bool,
    /// The newest backup API Switch saved beside the file (its file name); "restore" puts it
    /// back. `None`: nothing to restore.
    pub latest_backup: Option<String>,
    /// API Switch created the file where there was none: with no backup, "restore" removes
    /// it (while it still holds what API Switch wrote).
    #[serde(default)]
    pub created_by_connect: bool,
    /// The file exists but cannot be read as the app's format (English detail); connecting
    /// refuses to overwrite it.
    pub problem: Option<String>,
}

/// The Connect screen's data: every app's status, and whether this browser is on the machine
/// running API Switch (only then can it write the files; otherwise it shows snippets).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectOverview {
    pub local: bool,
    /// The base URL written into the files (`http://127.0.0.1:PORT`).
    pub base_url: String,
    /// Whether the proxy requires an access key (the snippets then need one).
    pub keys_required: bool,
    pub apps: Vec<AppStatus>,
}

/// The text to paste into one app's configuration by hand (remote browsers).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snippet {
    pub app: ConnectApp,
    /// Where the file lives, written as the user's shell knows it (`~/.codex/config.toml`).
    pub path: String,
    pub text: String,
}
