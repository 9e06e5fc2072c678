//! Which log lines are written: `RUST_LOG` when it is set and valid, else a default. The
//! syntax is `target=level` pairs and a bare default level, comma-separated
//! (`api_switch=debug,engine=info,warn`), which is what `RUST_LOG` is used for in practice.
//! `tracing_subscriber`'s `Targets` parses it without a regular-expression engine (its
//! `EnvFilter` also matches span fields by regex, which no one here uses, at a cost of about
//! 0.4 MB of binary), so the headless server and the desktop app share this one filter.

use tracing_subscriber::filter::Targets;

/// The environment variable read, as every Rust program spells it.
const VARIABLE: &str = "RUST_LOG";

/// `RUST_LOG`'s filter, or `default` (same syntax) when it is unset or does not parse; a
/// `RUST_LOG` that does not parse is reported on stderr, as logging is not set up yet.
pub fn from_env_or(default: &str) -> Targets {
    if let Ok(value) = std::env::var(VARIABLE) {
        match value.parse() {
            Ok(filter) => return filter,
            Err(error) => {
                eprintln!("{VARIABLE}={value:?} is not a log filter ({error}); using {default:?}")
            }
        }
    }
    default.parse().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use tracing::Level;
    use tracing_subscriber::filter::LevelFilter;

    use super::*;

    #[test]
    fn targets_and_a_bare_default_level_parse_as_rust_log_does() {
        let filter: Targets = "api_switch=debug,engine=info,warn"
            .parse()
            .expect("a RUST_LOG-style filter");
        assert!(filter.would_enable("api_switch::http", &Level::DEBUG));
        assert!(!filter.would_enable("engine::proxy", &Level::DEBUG));
        assert!(filter.would_enable("engine::proxy", &Level::INFO));
        assert!(!filter.would_enable("hyper", &Level::INFO));
        assert!(filter.would_enable("hyper", &Level::WARN));
        assert_eq!(filter.default_level(), Some(LevelFilter::WARN));
    }
}
