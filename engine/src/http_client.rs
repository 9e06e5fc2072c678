//! The one HTTP client every upstream request goes through. It lives as long as the running
//! state, so its connection pool survives configuration reloads: a reload that only renames a
//! channel reuses the warm connections. It is rebuilt only when a setting it is built from
//! (the connect timeout) changes.

use std::sync::Mutex;
use std::time::Duration;

use crate::store::Settings;

/// The settings the client is built from; a change to any of them builds a new client.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct ClientOptions {
    connect_timeout_ms: u64,
}

impl ClientOptions {
    fn of(settings: &Settings) -> Self {
        Self {
            connect_timeout_ms: settings.connect_timeout_ms,
        }
    }

    fn build(self) -> reqwest::Client {
        reqwest::Client::builder()
            .connect_timeout(Duration::from_millis(self.connect_timeout_ms))
            .build()
            .unwrap_or_else(|error| {
                tracing::warn!(%error, "cannot build the upstream HTTP client with the settings; using defaults");
                reqwest::Client::new()
            })
    }
}

/// The current client and the options it was built with.
#[derive(Default)]
pub struct UpstreamClient {
    current: Mutex<Option<(ClientOptions, reqwest::Client)>>,
}

impl UpstreamClient {
    /// The client for `settings`: the current one (sharing its pool) while the options it was
    /// built from are unchanged, else a new one that becomes current.
    pub fn for_settings(&self, settings: &Settings) -> reqwest::Client {
        let wanted = ClientOptions::of(settings);
        // Only a swap happens under the lock; a poisoned one still holds a usable client.
        let mut current = self.current.lock().unwrap_or_else(|p| p.into_inner());
        match current.as_ref() {
            Some((options, client)) if *options == wanted => client.clone(),
            _ => {
                let client = wanted.build();
                *current = Some((wanted, client.clone()));
                client
            }
        }
    }
}
