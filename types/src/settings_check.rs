//! What a user may not save: `Settings::problems`, the one check the UI's save
//! (`AppState::update_settings`) and `api-switch import` both ask, so they refuse the same
//! values with the same words. Numeric settings are checked against `settings_ranges`.

use crate::settings::Settings;
use crate::settings_ranges::{self, SettingRange};

impl Settings {
    /// Problems a user-supplied value has, as `(field, problem)` pairs; empty when valid.
    pub fn problems(&self) -> Vec<(&'static str, String)> {
        let mut problems = Vec::new();
        let out_of_range = |(range, value): (SettingRange, u64)| {
            range.problem(value).map(|problem| (range.field, problem))
        };
        // In the order the Settings screen shows the fields: failover first.
        let [cooldown, rest @ ..] = settings_ranges::ALL.map(|range| (range, (range.get)(self)));
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
