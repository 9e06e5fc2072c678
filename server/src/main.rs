use std::io::IsTerminal;
use std::process::ExitCode;

use api_switch::cli::{Cli, Command};
use api_switch::{BoundServer, ServeOptions};
use clap::Parser;

/// mimalloc, for the CPU a request costs (see the workspace `Cargo.toml`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Exit codes: 0 done, 1 an error or a failed check (`speedtest` with a failed entry, `probe`
/// finding nothing usable), 2 a command line clap refused.
#[tokio::main]
async fn main() -> ExitCode {
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    // Colours only for a person at a terminal who has not asked for none.
    let colour = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    tracing_subscriber::registry()
        .with(
            tracing_subscriber::fmt::layer()
                .with_writer(std::io::stderr)
                .with_ansi(colour),
        )
        .with(api_switch::log_filter::from_env_or(
            "api_switch=info,engine=info",
        ))
        .init();
    match run(Cli::parse()).await {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(error) => {
            api_switch::output::error(&error);
            ExitCode::FAILURE
        }
    }
}

/// The command's work; `Ok(false)` when it ran but its check failed.
async fn run(cli: Cli) -> anyhow::Result<bool> {
    let done = |result: anyhow::Result<()>| result.map(|()| true);
    match cli.command.unwrap_or(Command::Serve(cli.serve)) {
        Command::Serve(args) => {
            let data_dir = args.data.resolve()?;
            let options = ServeOptions::from_command_line(args.listen, data_dir);
            let server = BoundServer::bind(options).await?;
            done(server.run(api_switch::listener::shutdown_signal()).await)
        }
        Command::Probe(args) => api_switch::commands::probe::run(&args).await,
        Command::Import(args) => done(api_switch::config_cmd::import(&args)),
        Command::Export(args) => done(api_switch::config_cmd::export(&args)),
        Command::Speedtest(args) => api_switch::commands::speedtest::run(&args).await,
        Command::Balance(args) => done(api_switch::commands::balance::run(&args).await),
        Command::Password(command) => done(api_switch::commands::password::run(&command)),
        Command::Keys(command) => done(api_switch::commands::keys::run(&command).await),
        Command::MetricsToken(command) => done(api_switch::commands::metrics_token::run(&command)),
        Command::Channel(command) => done(api_switch::commands::channel::run(&command).await),
        Command::Connect(args) => done(api_switch::commands::connect::run(&args).await),
        Command::Catalog(command) => done(api_switch::commands::catalog::run(&command).await),
        Command::Capture(command) => done(api_switch::commands::capture::run(&command)),
    }
}
