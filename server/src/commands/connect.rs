//! `api-switch connect [APP] [--undo]`: the Connect screen from the command line, the same
//! engine code. Connecting creates (or reuses) the access key named after the app in the data
//! folder, so a server running on that folder accepts it within a second. The URL written is,
//! unless `--url` says otherwise, the address that folder's server listens on (its stored
//! listen setting), and a warning says so when nothing answers there.

use anyhow::Context;
use engine::connect::{self, AppStatus, ConnectApp, Home};

use crate::cli::ConnectArgs;
use crate::output;

pub async fn run(args: &ConnectArgs) -> anyhow::Result<()> {
    let home = Home::from_env()?;
    let base_url = match &args.url {
        Some(url) => url.trim_end_matches('/').to_owned(),
        None => stored_url(args)?,
    };
    url::Url::parse(&base_url)
        .with_context(|| format!("`{base_url}` is not a URL; pass --url http://HOST:PORT"))?;
    let state = super::open_existing(&args.data)?;
    let Some(app) = args.app.map(ConnectApp::from) else {
        return list(&home, &base_url, &state);
    };
    if args.undo {
        let status = state.disconnect_app(&home, app, &base_url).await?;
        return output::line(&format!(
            "{} restored: {} now {}.",
            app.name(),
            status.config_path,
            describe(&status)
        ));
    }
    warn_when_nothing_answers(&base_url);
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

/// The address the data folder's server listens on: its stored listen setting (an
/// all-interfaces address reached on loopback), else the default.
fn stored_url(args: &ConnectArgs) -> anyhow::Result<String> {
    let db = args.data.resolve()?.join(crate::http::DB_FILE_NAME);
    let listen = if db.exists() {
        super::open_existing(&args.data)?
            .snapshot()
            .settings
            .listen_address
    } else {
        None
    };
    let mut addr = listen.unwrap_or(engine::network::DEFAULT_LISTEN);
    if addr.ip().is_unspecified() {
        addr.set_ip(if addr.is_ipv4() {
            std::net::Ipv4Addr::LOCALHOST.into()
        } else {
            std::net::Ipv6Addr::LOCALHOST.into()
        });
    }
    Ok(format!("http://{addr}"))
}

/// A warning when no server answers at `base_url`: the app would be pointed at nothing.
fn warn_when_nothing_answers(base_url: &str) {
    use std::net::{TcpStream, ToSocketAddrs};
    use std::time::Duration;
    let Ok(url) = url::Url::parse(base_url) else {
        return;
    };
    let (Some(host), Some(port)) = (url.host_str(), url.port_or_known_default()) else {
        return;
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let answers = (host, port).to_socket_addrs().is_ok_and(|mut addrs| {
        addrs.any(|addr| TcpStream::connect_timeout(&addr, Duration::from_secs(1)).is_ok())
    });
    if !answers {
        tracing::warn!(
            "nothing answers at {base_url} now; start the server (`api-switch serve`) there, or pass --url where it listens"
        );
    }
}

fn list(home: &Home, base_url: &str, state: &engine::AppState) -> anyhow::Result<()> {
    output::line(&format!("{:<12} {:<44} CONFIG FILE", "APP", "POINTS TO"))?;
    for app in ConnectApp::ALL {
        let status = connect::status(home, app, base_url, state.store());
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
