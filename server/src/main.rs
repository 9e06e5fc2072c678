use api_switch::ServeOptions;
use api_switch::cli::{Cli, Command, ServeArgs};
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
            api_switch::serve(ServeOptions::new(args.listen, args.data.resolve()?)).await
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
        Command::Password(command) => api_switch::commands::password::run(&command),
        Command::Keys(command) => api_switch::commands::keys::run(&command),
        Command::Connect(args) => api_switch::commands::connect::run(&args),
    }
}
