use api_switch::cli::{Cli, Command, ServeArgs};
use api_switch::{BoundServer, ServeOptions};
use clap::Parser;

/// mimalloc, for the CPU a request costs (see the workspace `Cargo.toml`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    tracing_subscriber::registry()
        .with(tracing_subscriber::fmt::layer().with_writer(std::io::stderr))
        .with(api_switch::log_filter::from_env_or(
            "api_switch=info,engine=info",
        ))
        .init();
    let cli = Cli::parse();
    match cli.command.unwrap_or(Command::Serve(ServeArgs::default())) {
        Command::Serve(args) => {
            let data_dir = args.data.resolve()?;
            let options = ServeOptions::from_command_line(args.listen, data_dir);
            let server = BoundServer::bind(options).await?;
            server.run(api_switch::listener::shutdown_signal()).await
        }
        Command::Probe(args) => {
            let usable = api_switch::commands::probe::run(&args).await?;
            if !usable {
                std::process::exit(1);
            }
            Ok(())
        }
        Command::Import(args) => api_switch::config_cmd::import(&args),
        Command::Export(args) => api_switch::config_cmd::export(&args),
        Command::Speedtest(args) => api_switch::commands::speedtest::run(&args).await,
        Command::Balance(args) => api_switch::commands::balance::run(&args).await,
        Command::Password(command) => api_switch::commands::password::run(&command),
        Command::Keys(command) => api_switch::commands::keys::run(&command).await,
        Command::Connect(args) => api_switch::commands::connect::run(&args).await,
        Command::Catalog(command) => api_switch::commands::catalog::run(&command).await,
    }
}
