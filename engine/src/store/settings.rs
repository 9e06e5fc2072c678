//! Settings and access keys. Settings are stored one row per field as JSON, read back over the
//! defaults, so adding a setting needs no migration and an old file keeps working.

use rusqlite::{Connection, params};
use serde::{Deserialize, Serialize};

use super::{Store, StoreError};
pub use types::routing::{ErrorRule, RuleAction};
use types::settings_ranges::SettingRange;

/// Everything the proxy's behaviour depends on. Timeouts are settings (not constants) so a
/// user can loosen them for slow models and tests can make them short.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// How long a failed entry is skipped; the UI offers 300-1800 s.
    pub cooldown_secs: u64,
    /// Upstream statuses that switch an entry off (credentials or model gone).
    pub auto_disable_codes: Vec<u16>,
    /// When on, clients must present a key created in API Switch.
    pub require_access_key: bool,
    pub connect_timeout_ms: u64,
    /// Until the upstream's response headers (and, streaming, its first event) arrive.
    pub first_byte_timeout_ms: u64,
    /// The longest silence allowed between two stream events; a live stream is never cut.
    pub stream_idle_timeout_ms: u64,
    /// The whole of a non-streaming request to one entry.
    pub total_timeout_ms: u64,
    /// Largest request body accepted, in bytes; larger gets 413.
    pub max_body_bytes: usize,
    /// Request-log rows older than this many days are deleted in the background (0: no limit).
    pub log_retention_days: u32,
    /// At most this many request-log rows are kept, the newest (0: no limit).
    pub log_retention_rows: u64,
    /// More `Host` names the server answers to besides its loopback names and listen address,
    /// e.g. the name a reverse proxy forwards (`ai.example.com`, or with a port `host:8443`).
    pub allowed_hosts: Vec<String>,
    /// Browser apps allowed to call the proxy (`/v1`): origins such as
    /// `https://chat.example.com`. Any other page's cross-site request is refused with 403
    /// before an upstream is contacted; these get CORS answers so browser chat apps work.
    pub browser_origins: Vec<String>,
    /// Reverse proxies whose forwarding headers are believed: IP addresses of TCP peers.
    /// From them the login throttle keys on the client address they forward; from anyone
    /// else it keys on the peer, and a forwarding header still marks the request remote.
    pub trusted_proxies: Vec<String>,
    /// Ask for the admin password on loopback too (remote browsers must always log in).
    pub login_on_loopback: bool,
    /// How long a UI login lasts before the password is asked again.
    pub session_ttl_secs: u64,
    /// The UI's language; the desktop tray's labels follow it.
    pub ui_language: UiLanguage,
    /// Desktop app: start when the user logs in.
    pub start_at_login: bool,
    /// Desktop app: start with the window hidden, only the tray icon showing.
    pub start_minimized: bool,
    /// What an upstream's error says decides what happens, in order; the first match wins
    /// (see `proxy::error_rules`). Old files get the defaults.
    #[serde(default = "types::routing::default_error_rules")]
    pub error_rules: Vec<ErrorRule>,
    /// Probe cooling entries in the background; one success ends the cooldown early.
    pub recovery_probes: bool,
    /// At most one recovery probe per channel this often, in seconds.
    pub probe_interval_secs: u64,
    /// Where the server listens when started without `--listen` (`None`: `127.0.0.1:9090`).
    /// Settings -> Network changes it by rebinding live; it is stored so the next start uses it.
    pub listen_address: Option<std::net::SocketAddr>,
    /// Probe with a one-token request per entry (costs tokens) instead of the channel's free
    /// `GET /models`.
    pub probe_spend_tokens: bool,
}

/// The UI's language, shared with the browser build (`types`): one type per concept.
pub use types::language::UiLanguage;

impl Default for Settings {
    fn default() -> Self {
        Self {
            cooldown_secs: 600,
            auto_disable_codes: vec![401, 403, 410],
            require_access_key: false,
            connect_timeout_ms: 10_000,
            first_byte_timeout_ms: 60_000,
            stream_idle_timeout_ms: 120_000,
            total_timeout_ms: 600_000,
            max_body_bytes: 32 * 1024 * 1024,
            log_retention_days: 30,
            log_retention_rows: 100_000,
            allowed_hosts: Vec::new(),
            browser_origins: Vec::new(),
            trusted_proxies: Vec::new(),
            login_on_loopback: false,
            session_ttl_secs: 7 * 24 * 3600,
            ui_language: UiLanguage::En,
            start_at_login: false,
            start_minimized: false,
            error_rules: types::routing::default_error_rules(),
            recovery_probes: true,
            probe_interval_secs: 60,
            listen_address: None,
            probe_spend_tokens: false,
        }
    }
}

/// A key a client presents to use the proxy; its name appears in the request log. The key is
/// a `Secret`: it prints masked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessKey {
    pub id: i64,
    pub name: String,
    pub key: crate::secrets::Secret,
    /// A disabled key is left out of the routing snapshot: the proxy treats it as unknown.
    pub enabled: bool,
    pub created_ms: i64,
    /// Set by the background writer from request-log rows.
    pub last_used_ms: Option<i64>,
}

pub(super) fn load_settings(conn: &Connection) -> Result<Settings, StoreError> {
    let mut stmt = conn.prepare("SELECT key, value FROM settings")?;
    let mut map = serde_json::Map::new();
    for row in stmt.query_map([], |row| {
        Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
    })? {
        let (key, value) = row?;
        let value =
            serde_json::from_str(&value).map_err(|source| StoreError::Settings { source })?;
        map.insert(key, value);
    }
    serde_json::from_value(serde_json::Value::Object(map))
        .map_err(|source| StoreError::Settings { source })
}

pub(super) fn save_settings(conn: &Connection, settings: &Settings) -> Result<(), StoreError> {
    let value = serde_json::to_value(settings).map_err(|source| StoreError::Settings { source })?;
    if let serde_json::Value::Object(map) = value {
        for (key, value) in map {
            conn.execute(
                "INSERT INTO settings (key, value) VALUES (?1, ?2) \
                 ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                params![key, value.to_string()],
            )?;
        }
    }
    Ok(())
}

pub(super) fn insert_access_key(
    conn: &Connection,
    name: &str,
    key: &str,
) -> Result<i64, StoreError> {
    if key.trim().is_empty() {
        return Err(StoreError::Invalid {
            field: "key",
            problem: "must not be empty".into(),
        });
    }
    conn.execute(
        "INSERT INTO access_keys (name, key, created_at) VALUES (?1, ?2, ?3)",
        params![name.trim(), key.trim(), crate::clock::now_ms()],
    )?;
    Ok(conn.last_insert_rowid())
}

pub(super) fn load_access_keys(conn: &Connection) -> Result<Vec<AccessKey>, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT id, name, key, enabled, created_at, last_used_ms FROM access_keys ORDER BY id",
    )?;
    let rows = stmt.query_map([], |row| {
        Ok(AccessKey {
            id: row.get(0)?,
            name: row.get(1)?,
            key: crate::secrets::Secret::new(row.get::<_, String>(2)?),
            enabled: row.get(3)?,
            created_ms: row.get(4)?,
            last_used_ms: row.get(5)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

impl Store {
    pub fn settings(&self) -> Result<Settings, StoreError> {
        load_settings(&self.conn())
    }

    /// Saves every setting as given; range checks belong to the caller that faces the user
    /// (`Settings::validate`), so tests can store short timeouts.
    pub fn save_settings(&self, settings: &Settings) -> Result<(), StoreError> {
        self.write(|tx| save_settings(tx, settings))
    }

    pub fn access_keys(&self) -> Result<Vec<AccessKey>, StoreError> {
        load_access_keys(&self.conn())
    }

    pub fn create_access_key(&self, name: &str, key: &str) -> Result<i64, StoreError> {
        self.write(|tx| insert_access_key(tx, name, key))
    }

    /// Switches a key on or off (the user's choice; the system never does).
    pub fn set_access_key_enabled(&self, id: i64, enabled: bool) -> Result<(), StoreError> {
        let n = self.conn().execute(
            "UPDATE access_keys SET enabled = ?1 WHERE id = ?2",
            params![enabled, id],
        )?;
        if n == 0 {
            return Err(StoreError::NotFound {
                what: "access key",
                id,
            });
        }
        Ok(())
    }

    pub fn delete_access_key(&self, id: i64) -> Result<(), StoreError> {
        let n = self.write(|tx| Ok(tx.execute("DELETE FROM access_keys WHERE id = ?1", [id])?))?;
        if n == 0 {
            return Err(StoreError::NotFound {
                what: "access key",
                id,
            });
        }
        Ok(())
    }
}

impl Settings {
    /// Whether an upstream answering `status` switches the entry off (the proxy's and the
    /// speed test's one rule).
    pub fn disables(&self, status: u16) -> bool {
        self.auto_disable_codes.contains(&status)
    }

    /// Problems a user-supplied value has, as `(field, problem)` pairs; empty when valid. The
    /// UI's save (`AppState::update_settings`) and `api-switch import` both ask this, so they
    /// refuse the same values with the same words; the ranges are `types::settings_ranges`.
    pub fn problems(&self) -> Vec<(&'static str, String)> {
        let mut problems = Vec::new();
        let out_of_range = |(range, value): (SettingRange, u64)| {
            range.problem(value).map(|problem| (range.field, problem))
        };
        // In the order the Settings screen shows the fields: failover first.
        let [cooldown, rest @ ..] = self.ranged_values();
        problems.extend(out_of_range(cooldown));
        for code in &self.auto_disable_codes {
            if !(400..=599).contains(code) {
                problems.push((
                    "auto_disable_codes",
                    format!("{code} is not an HTTP error status"),
                ));
            }
        }
        problems.extend(rest.into_iter().filter_map(out_of_range));
        for (i, rule) in self.error_rules.iter().enumerate() {
            if let Some(problem) = rule.problem() {
                problems.push(("error_rules", format!("rule {}: {problem}", i + 1)));
            }
        }
        for host in &self.allowed_hosts {
            if host.trim().is_empty() || host.contains(['/', ' ', '@']) {
                problems.push((
                    "allowed_hosts",
                    format!("`{host}` is not a host name (write `name` or `name:port`)"),
                ));
            }
        }
        for origin in &self.browser_origins {
            if !is_origin(origin) {
                problems.push((
                    "browser_origins",
                    format!(
                        "`{origin}` is not an origin (write `https://host` or `http://host:port`: \
                         no path, no trailing slash)"
                    ),
                ));
            }
        }
        for proxy in &self.trusted_proxies {
            if proxy.parse::<std::net::IpAddr>().is_err() {
                problems.push((
                    "trusted_proxies",
                    format!("`{proxy}` is not an IP address (write e.g. `192.168.1.10` or `::1`)"),
                ));
            }
        }
        problems
    }

    /// Each numeric setting with its range, the cooldown first (`usize`/`u32` widen to `u64`).
    fn ranged_values(&self) -> [(SettingRange, u64); 10] {
        use types::settings_ranges as r;
        [
            (r::COOLDOWN_SECS, self.cooldown_secs),
            (r::CONNECT_TIMEOUT_MS, self.connect_timeout_ms),
            (r::FIRST_BYTE_TIMEOUT_MS, self.first_byte_timeout_ms),
            (r::STREAM_IDLE_TIMEOUT_MS, self.stream_idle_timeout_ms),
            (r::TOTAL_TIMEOUT_MS, self.total_timeout_ms),
            (r::MAX_BODY_BYTES, self.max_body_bytes as u64),
            (r::LOG_RETENTION_DAYS, u64::from(self.log_retention_days)),
            (r::LOG_RETENTION_ROWS, self.log_retention_rows),
            (r::SESSION_TTL_SECS, self.session_ttl_secs),
            (r::PROBE_INTERVAL_SECS, self.probe_interval_secs),
        ]
    }
}

/// Whether `text` is a web origin exactly as a browser sends it in `Origin`: `http` or `https`,
/// a host, an optional non-default port, nothing after (so it can be compared byte for byte).
fn is_origin(text: &str) -> bool {
    let Ok(url) = url::Url::parse(text) else {
        return false;
    };
    matches!(url.scheme(), "http" | "https")
        && url.host().is_some()
        && url.origin().ascii_serialization() == text
}
