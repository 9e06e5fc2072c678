//! Connect as the front desk offers it: point an app at API Switch with its own access key,
//! undo that, and every app's status (file work and store work, off the async workers).

use types::connect::{AppStatus, ConnectApp, ConnectOverview};

use crate::AppState;
use crate::connect::{ConnectError, Home, Target, status, undo};

impl AppState {
    /// The access key `app` presents: the enabled key named after it, created when there is
    /// none. Every connected app gets its own key, so the request log names the app and
    /// requiring keys later does not cut it off.
    fn connect_key(&self, app: ConnectApp) -> Result<String, ConnectError> {
        let name = app.name();
        let existing = self
            .store()
            .access_keys()?
            .into_iter()
            .find(|key| key.name == name);
        match existing {
            Some(key) if key.enabled => Ok(key.key.expose().to_owned()),
            Some(_) => Err(ConnectError::KeyDisabled {
                name: name.to_owned(),
            }),
            None => Ok(self.generate_access_key_now(name)?.key),
        }
    }

    /// Points `app` at the API Switch reached at `base_url`, with its own access key.
    pub async fn connect_app(
        &self,
        home: &Home,
        app: ConnectApp,
        base_url: &str,
    ) -> Result<AppStatus, ConnectError> {
        let (home, base_url) = (home.clone(), base_url.to_owned());
        self.blocking(move |state| {
            let target = Target {
                base_url,
                key: state.connect_key(app)?,
            };
            crate::connect::connect(&home, app, &target, state.store())
        })
        .await
    }

    /// Puts the newest backup of `app`'s settings back (or removes the file Connect created).
    pub async fn disconnect_app(
        &self,
        home: &Home,
        app: ConnectApp,
        base_url: &str,
    ) -> Result<AppStatus, ConnectError> {
        let (home, base_url) = (home.clone(), base_url.to_owned());
        self.blocking(move |state| undo(&home, app, &base_url, state.store()))
            .await
    }

    /// Every app's status and what the Connect screen needs besides.
    pub async fn connect_overview(
        &self,
        home: &Home,
        base_url: &str,
        local: bool,
    ) -> ConnectOverview {
        let (home, base_url) = (home.clone(), base_url.to_owned());
        let keys_required = self.snapshot().settings.require_access_key;
        let overview = self.blocking(move |state| {
            Ok::<_, std::convert::Infallible>(ConnectOverview {
                local,
                keys_required,
                apps: ConnectApp::ALL
                    .into_iter()
                    .map(|app| status(&home, app, &base_url, state.store()))
                    .collect(),
                base_url,
            })
        });
        match overview.await {
            Ok(overview) => overview,
            Err(never) => match never {},
        }
    }
}
