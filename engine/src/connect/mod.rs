//! Connect: points other apps (Claude Code, Codex, OpenCode, Gemini CLI) at API Switch by writing API
//! Switch's address and an access key into each app's own configuration file, after saving a
//! timestamped backup beside it that undo puts back. A file Connect creates where there was
//! none leaves no backup: the database (`Store::note_connect_created`) remembers it with the
//! SHA-256 of what was written, and undo removes it only while it still holds exactly that.
//! One file per app implements `AppConfig`
//! (where its file is, where it points, how API Switch is written into it, keeping every other
//! setting); `files` holds the file work they share. The CLI, the UI and the desktop app all
//! reach them through the front desk (`manage::connect`), which adds the app's access key.

mod claude_code;
mod codex;
mod files;
mod gemini_cli;
mod opencode;

use std::path::{Path, PathBuf};

pub use types::connect::{AppStatus, ConnectApp, ConnectOverview, Snippet};

use crate::store::{Store, StoreError};

/// The folders apps keep their configuration in: the user's home, and the overrides the apps
/// themselves honour (`CODEX_HOME`, `CLAUDE_CONFIG_DIR`, `XDG_CONFIG_HOME`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Home {
    pub dir: PathBuf,
    pub codex_home: Option<PathBuf>,
    pub claude_config_dir: Option<PathBuf>,
    pub xdg_config_home: Option<PathBuf>,
}

impl Home {
    /// A home folder with no overrides (tests use a temporary one).
    pub fn at(dir: impl Into<PathBuf>) -> Home {
        Home {
            dir: dir.into(),
            codex_home: None,
            claude_config_dir: None,
            xdg_config_home: None,
        }
    }

    /// This process's home folder and the apps' overrides, from the environment.
    pub fn from_env() -> Result<Home, ConnectError> {
        let var = |name: &str| {
            std::env::var_os(name)
                .filter(|value| !value.is_empty())
                .map(PathBuf::from)
        };
        let dir = var("HOME")
            .or_else(std::env::home_dir)
            .ok_or(ConnectError::NoHome)?;
        Ok(Home {
            dir,
            codex_home: var("CODEX_HOME"),
            claude_config_dir: var("CLAUDE_CONFIG_DIR"),
            xdg_config_home: var("XDG_CONFIG_HOME"),
        })
    }
}

/// Where an app should send its requests (`http://127.0.0.1:9090`, no path) and the access
/// key it should present.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    pub base_url: String,
    pub key: String,
}

/// What each app's file knows how to do. Parse and write errors are English details.
trait AppConfig: Sync {
    /// The configuration file's path.
    fn path(&self, home: &Home) -> PathBuf;
    /// The same path as the user's shell writes it, for snippets.
    fn shell_path(&self) -> &'static str;
    /// The URL the app must be given to reach `base_url` (with `/v1` for OpenAI clients).
    fn url_for(&self, base_url: &str) -> String;
    /// The API base URL the file's `text` sets, if any.
    fn endpoint(&self, text: &str) -> Result<Option<String>, String>;
    /// `current` (the file's text, `None` when absent) with API Switch written in.
    fn write(&self, current: Option<&str>, target: &Target) -> Result<String, String>;
    /// A second file the app needs changed too (Gemini CLI's sign-in choice), backed up,
    /// written and undone with the first; `None` for most apps.
    fn companion(&self, _home: &Home) -> Option<Companion> {
        None
    }
}

/// A second configuration file of an app: where it is and how API Switch's part is written
/// into its text (`None` when absent), everything else kept.
struct Companion {
    path: PathBuf,
    write: fn(Option<&str>) -> Result<String, String>,
}

fn config(app: ConnectApp) -> &'static dyn AppConfig {
    match app {
        ConnectApp::ClaudeCode => &claude_code::ClaudeCode,
        ConnectApp::Codex => &codex::Codex,
        ConnectApp::OpenCode => &opencode::OpenCode,
        ConnectApp::GeminiCli => &gemini_cli::GeminiCli,
    }
}

/// Why connecting or restoring an app failed.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("cannot tell the home folder; set HOME")]
    NoHome,
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{} cannot be read as the app's settings ({detail}); fix or move it, then connect again", path.display())]
    Parse { path: PathBuf, detail: String },
    #[error("cannot write {}: {source}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("there is no backup of {} to restore", path.display())]
    NoBackup { path: PathBuf },
    #[error("{} was changed since API Switch created it, so undo leaves it; remove it yourself if it is not needed", path.display())]
    ChangedSinceCreated { path: PathBuf },
    #[error(
        "the access key named `{name}` is switched off; switch it on (or delete it) in Access keys, then connect again"
    )]
    KeyDisabled { name: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<ConnectError> for types::ui_error::UiError {
    fn from(error: ConnectError) -> Self {
        use types::ui_error::UiError;
        match error {
            ConnectError::Store(error) => error.into(),
            ConnectError::NoBackup { path } => UiError::NoBackup {
                path: path.display().to_string(),
            },
            ConnectError::KeyDisabled { name } => UiError::InvalidField {
                field: "key".into(),
                detail: format!("the access key named `{name}` is switched off"),
            },
            ConnectError::NoHome => UiError::ConfigFile {
                path: "~".into(),
                detail: "cannot tell the home folder; set HOME".into(),
            },
            ConnectError::Read { path, source } | ConnectError::Write { path, source } => {
                UiError::ConfigFile {
                    path: path.display().to_string(),
                    detail: source.to_string(),
                }
            }
            ConnectError::Parse { path, detail } => UiError::ConfigFile {
                path: path.display().to_string(),
                detail,
            },
            ConnectError::ChangedSinceCreated { path } => UiError::ConfigFile {
                path: path.display().to_string(),
                detail: "changed since API Switch created it, so undo leaves it".into(),
            },
        }
    }
}

/// `base_url` as it should be compared: no trailing slash, `localhost` as `127.0.0.1`.
fn same_url(a: &str, b: &str) -> bool {
    let norm = |url: &str| {
        url.trim()
            .trim_end_matches('/')
            .to_ascii_lowercase()
            .replace("://localhost", "://127.0.0.1")
    };
    norm(a) == norm(b)
}

/// Where `app`'s configuration points now, whether that is `base_url`, and what undo would do
/// (`record`: the files Connect created).
pub fn status(home: &Home, app: ConnectApp, base_url: &str, record: &Store) -> AppStatus {
    let adapter = config(app);
    let path = files::real_path(&adapter.path(home));
    let latest_backup = files::latest_backup(&path)
        .ok()
        .flatten()
        .and_then(|b| b.file_name().map(|n| n.to_string_lossy().into_owned()));
    let created_by_connect = record
        .connect_created(&path.display().to_string())
        .ok()
        .flatten()
        .is_some();
    let mut status = AppStatus {
        app,
        config_path: path.display().to_string(),
        exists: false,
        endpoint: None,
        points_at_us: false,
        latest_backup,
        created_by_connect,
        problem: None,
    };
    match files::read_optional(&path) {
        Ok(None) => {}
        Ok(Some(text)) => {
            status.exists = true;
            match adapter.endpoint(&text) {
                Ok(endpoint) => status.endpoint = endpoint,
                Err(detail) => status.problem = Some(detail),
            }
        }
        Err(error) => {
            status.exists = true;
            status.problem = Some(error.to_string());
        }
    }
    status.points_at_us = status
        .endpoint
        .as_deref()
        .is_some_and(|url| same_url(url, &adapter.url_for(base_url)));
    status
}

/// Writes `target` into `app`'s configuration after backing it up (a file it creates is noted
/// in `record` instead). A file that already says exactly this is left alone (no new backup);
/// a file that cannot be parsed is never touched.
pub fn connect(
    home: &Home,
    app: ConnectApp,
    target: &Target,
    record: &Store,
) -> Result<AppStatus, ConnectError> {
    let adapter = config(app);
    let main = planned(&adapter.path(home), |current| {
        adapter.write(current, target)
    })?;
    // Every file is read and written in memory first: one that cannot be parsed stops the
    // connection before any file changes.
    let companion = adapter
        .companion(home)
        .map(|companion| planned(&companion.path, companion.write))
        .transpose()?;
    for (path, changed, existed) in std::iter::once(main).chain(companion) {
        let Some(text) = changed else {
            continue;
        };
        let write_error = |source| ConnectError::Write {
            path: path.clone(),
            source,
        };
        files::backup(&path).map_err(write_error)?;
        if !existed {
            // Noted before writing: a file on disk that undo does not know about is worse
            // than a note about a file that never came.
            record.note_connect_created(
                &path.display().to_string(),
                &crate::auth::sha256_hex(text.as_bytes()),
            )?;
        }
        files::write_private_atomic(&path, text.as_bytes()).map_err(write_error)?;
        if existed {
            tracing::info!(app = app.id(), file = %path.display(), "pointed the app at API Switch; the previous file is backed up beside it");
        } else {
            tracing::info!(app = app.id(), file = %path.display(), "pointed the app at API Switch; there was no file before, so undo removes this one");
        }
    }
    Ok(status(home, app, &target.base_url, record))
}

/// A file's real path, its new text (`None` when it already says exactly that) and whether
/// it existed.
fn planned(
    path: &Path,
    write: impl FnOnce(Option<&str>) -> Result<String, String>,
) -> Result<(PathBuf, Option<String>, bool), ConnectError> {
    let path = files::real_path(path);
    let current = files::read_optional(&path).map_err(|source| ConnectError::Read {
        path: path.clone(),
        source,
    })?;
    let text = write(current.as_deref()).map_err(|detail| ConnectError::Parse {
        path: path.clone(),
        detail,
    })?;
    let changed = (current.as_deref() != Some(text.as_str())).then_some(text);
    Ok((path, changed, current.is_some()))
}

/// Puts the newest backup of `app`'s configuration back, or removes the file Connect created
/// where there was none (`record`).
pub fn undo(
    home: &Home,
    app: ConnectApp,
    base_url: &str,
    record: &Store,
) -> Result<AppStatus, ConnectError> {
    let path = files::real_path(&config(app).path(home));
    if !undo_file(&path, record)? {
        return Err(ConnectError::NoBackup { path });
    }
    if let Some(companion) = config(app).companion(home) {
        undo_file(&files::real_path(&companion.path), record)?;
    }
    tracing::info!(app = app.id(), file = %path.display(), "restored the app's configuration");
    Ok(status(home, app, base_url, record))
}

/// One file's undo: its newest backup back, else the removal of the file Connect created
/// while it still holds what Connect wrote. `false`: nothing to undo.
fn undo_file(path: &Path, record: &Store) -> Result<bool, ConnectError> {
    let write_error = |source| ConnectError::Write {
        path: path.to_path_buf(),
        source,
    };
    if files::restore(path).map_err(write_error)? {
        return Ok(true);
    }
    let key = path.display().to_string();
    let Some(written) = record.connect_created(&key)? else {
        return Ok(false);
    };
    let current = files::read_bytes_optional(path).map_err(|source| ConnectError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    match current {
        Some(bytes) if crate::auth::sha256_hex(&bytes) != written => {
            // Someone else's file now: never deleted, and no longer ours to remember.
            record.forget_connect_created(&key)?;
            Err(ConnectError::ChangedSinceCreated {
                path: path.to_path_buf(),
            })
        }
        Some(_) => {
            files::remove_if_present(path).map_err(write_error)?;
            record.forget_connect_created(&key)?;
            Ok(true)
        }
        None => {
            record.forget_connect_created(&key)?;
            Ok(false)
        }
    }
}

/// What to paste into `app`'s configuration by hand (an app on another machine).
pub fn snippet(app: ConnectApp, target: &Target) -> Snippet {
    let adapter = config(app);
    Snippet {
        app,
        path: adapter.shell_path().to_owned(),
        // A fresh file cannot fail to take our settings.
        text: adapter.write(None, target).unwrap_or_default(),
    }
}

/// `http://ADDRESS:PORT` for a server listening on `listen`, as apps on this machine reach it
/// (a wildcard address is reached through loopback).
pub fn local_base_url(listen: std::net::SocketAddr) -> String {
    let ip = listen.ip();
    let port = listen.port();
    match ip {
        std::net::IpAddr::V4(v4) if v4.is_unspecified() => format!("http://127.0.0.1:{port}"),
        std::net::IpAddr::V6(v6) if v6.is_unspecified() => format!("http://[::1]:{port}"),
        std::net::IpAddr::V4(v4) => format!("http://{v4}:{port}"),
        std::net::IpAddr::V6(v6) => format!("http://[{v6}]:{port}"),
    }
}

/// `home`'s path for `relative`, used by the apps' `path`.
fn under(dir: &Path, relative: &str) -> PathBuf {
    relative
        .split('/')
        .fold(dir.to_path_buf(), |p, part| p.join(part))
}
