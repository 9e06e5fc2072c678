//! Every setting the proxy, the server and the desktop app read, as one struct: the engine
//! stores it (one row per field, read back over the defaults), the Settings screen loads and
//! saves it as it is, `api-switch import`/`export` carry it, and the range table
//! (`settings_ranges`) reads and writes its numeric fields. What a user may not save is
//! `settings_check`.

use serde::{Deserialize, Serialize};

pub use crate::language::UiLanguage;
use crate::routing::ErrorRule;

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
    #[serde(default = "crate::routing::default_error_rules")]
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
            error_rules: crate::routing::default_error_rules(),
            recovery_probes: true,
            probe_interval_secs: 60,
            listen_address: None,
            probe_spend_tokens: false,
        }
    }
}

impl Settings {
    /// Whether an upstream answering `status` switches the entry off (the proxy's and the
    /// speed test's one rule).
    pub fn disables(&self, status: u16) -> bool {
        self.auto_disable_codes.contains(&status)
    }
}
