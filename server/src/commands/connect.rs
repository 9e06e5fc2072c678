//! `api-switch connect [APP] [--undo]`: the Connect screen from the command line, the same
//! engine code. Connecting creates (or reuses) the access key named after the app in the data
//! folder, so a server running on that folder accepts it within a second.

use anyhow::Context;
use engine::connect::{self, AppStatus, ConnectApp, Home};

use crate::cli::ConnectArgs;
use crate::output;

pub async fn run(args: &ConnectArgs) -> anyhow::Result<()> {
    let home = Home::from_env()?;
    let base_url = args.url.trim_end_matches('/').to_owned();
    url::Url::parse(&base_url)
        .with_context(|| format!("`{base_url}` is not a URL; pass --url http://HOST:PORT"))?;
    let Some(app) = args.app.map(ConnectApp::from) else {
        return list(&home, &base_url);
    };
    if args.undo {
        let status = connect::undo(&home, app, &base_url)?;
        return output::line(&format!(
            "{} restored from its backup: {} now {}.",
            app.name(),
            status.config_path,
            describe(&status)
        ));
    }
    let state = super::keys::open_state(&args.data)?;
    let status = state.connect_app(&home, app, &base_url).await?;
    // The key may be new: it must be in the file before the server's watcher looks.
    state.flush();
    output::line(&format!(
        "{} now uses API Switch at {base_url}: {} (undo with `api-switch connect {} --undo`).",
        app.name(),
        status.config_path,
        app.id()
    ))
}

fn list(home: &Home, base_url: &str) -> anyhow::Result<()> {
    output::line(&format!("{:<12} {:<44} CONFIG FILE", "APP", "POINTS TO"))?;
    for app in ConnectApp::ALL {
        let status = connect::status(home, app, base_url);
        output::line(&format!(
            "{:<12} {:<44} {}",
            app.name(),
            describe(&status),
            status.config_path
        ))?;
    }
    Ok(())
}

/// Where the app points, in a few words.
fn describe(status: &AppStatus) -> String {
    match (&status.problem, status.exists, &status.endpoint) {
        (Some(problem), _, _) => format!("unreadable ({problem})"),
        (None, false, _) => "not configured".to_owned(),
        (None, true, None) => "its own provider".to_owned(),
        (None, true, Some(url)) if status.points_at_us => format!("API Switch ({url})"),
        (None, true, Some(url)) => url.clone(),
    }
}
