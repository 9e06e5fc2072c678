//! The command line: `api-switch` alone serves on 127.0.0.1:9090 with its data beside the
//! executable; subcommands cover what headless users and scripts need.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// API Switch: one local endpoint for all your AI providers, with routing and failover.
#[derive(Debug, Parser)]
#[command(
    name = "api-switch",
    version,
    about,
    long_about = None,
    args_conflicts_with_subcommands = true,
    after_help = "Exit codes: 0 done; 1 failed (an error, a speed test entry that failed, a probe \
                  that found nothing usable); 2 a command line that does not parse."
)]
pub struct Cli {
    /// `serve`'s options, for `api-switch` alone (which serves).
    #[command(flatten)]
    pub serve: ServeArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the proxy and the web UI (the default when no command is given).
    Serve(ServeArgs),
    /// Find a provider's API type, corrected base URL and models from a pasted URL and key;
    /// prints JSON and exits non-zero when nothing usable was found or the key was rejected.
    /// `--add NAME` saves what it found as a channel.
    Probe(ProbeArgs),
    /// Merge a JSON file into the configuration (see the README for its shape): the sections
    /// it holds are written (channels and access keys matched by name), the others kept; a
    /// masked key keeps the stored one. `--replace` replaces everything. Every problem is
    /// reported with its path and nothing changes unless the file is fully valid; what changed
    /// is summed up. A server running on the same data folder picks the change up within a
    /// second.
    Import(ImportArgs),
    /// Print the whole configuration as JSON; API keys are masked unless --include-secrets.
    Export(ExportArgs),
    /// Send a minimal request to every enabled entry and print each one's time to first byte
    /// and total time, or why it failed (one row per entry; --json for scripts). Exits 1 when
    /// an entry failed.
    Speedtest(SpeedtestArgs),
    /// Each channel's relay balance as last looked up (unknown ones say why); `--refresh`
    /// asks every provider now. A figure below the channel's threshold is marked LOW.
    Balance(BalanceArgs),
    /// The web UI's admin password (needed to listen on a non-loopback address).
    #[command(subcommand)]
    Password(PasswordCommand),
    /// Access keys clients present to the proxy (needed to listen on a non-loopback address).
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Tokens a monitoring tool presents to read `/metrics` from another machine
    /// (`Authorization: Bearer TOKEN`); from this machine it needs none.
    #[command(subcommand)]
    MetricsToken(MetricsTokenCommand),
    /// Channels (providers) one at a time: add, list, remove, enable, disable.
    #[command(subcommand)]
    Channel(ChannelCommand),
    /// Point an app (Claude Code, Codex, OpenCode, Gemini CLI) at API Switch by writing its configuration
    /// file, after saving a timestamped backup beside it; `--undo` puts the backup back.
    /// Without an app, lists where each app points now.
    Connect(ConnectArgs),
    /// The model catalog (release dates, limits, capabilities, prices): refresh it from
    /// models.dev or a file, go back to the built-in copy, or show which one is in use.
    /// A server running on the same data folder picks a change up within a second.
    #[command(subcommand)]
    Catalog(CatalogCommand),
    /// Captured exchanges (off by default): keep whole requests for diagnosis, for every
    /// request, one app or one group, for N requests or M minutes; keys are masked. Prints the
    /// setting and what is kept as JSON. A server running on the same data folder picks a
    /// change up within a second.
    #[command(subcommand)]
    Capture(CaptureCommand),
}

#[derive(Debug, Subcommand)]
pub enum CaptureCommand {
    /// Start capturing (every request unless --app or --group).
    On {
        /// Only requests presenting this access key (by its name).
        #[arg(long, value_name = "NAME", conflicts_with = "group")]
        app: Option<String>,
        /// Only requests naming this group as their model.
        #[arg(long, value_name = "NAME")]
        group: Option<String>,
        /// Stop after this many requests.
        #[arg(long, value_name = "N")]
        requests: Option<u32>,
        /// Stop after this many minutes.
        #[arg(long, value_name = "M")]
        minutes: Option<u32>,
        #[command(flatten)]
        data: DataDirArg,
    },
    /// Stop capturing (what was captured is kept until its retention).
    Off(DataDirArg),
    /// The setting and how much is kept.
    Status(DataDirArg),
}

#[derive(Debug, Subcommand)]
pub enum CatalogCommand {
    /// Replace the catalog from models.dev's api.json (the default), a URL or a file (either
    /// models.dev's shape or models.json's). Nothing changes unless all of it is valid; every
    /// problem is named and the exit code is non-zero.
    Update {
        /// A file path or an http(s) URL [default: https://models.dev/api.json].
        #[arg(long, value_name = "FILE|URL")]
        from: Option<String>,
        /// Print what changed as JSON instead of a summary.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        data: DataDirArg,
    },
    /// Forget the updated catalog and use the one built into the program again.
    Reset(DataDirArg),
    /// Which catalog is in use, where it came from and how many models have a price.
    Status {
        /// Print the status as JSON.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        data: DataDirArg,
    },
}

/// An app `api-switch connect` can configure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum AppArg {
    /// Claude Code: ~/.claude/settings.json
    ClaudeCode,
    /// Codex: ~/.codex/config.toml
    Codex,
    /// OpenCode: ~/.config/opencode/opencode.json
    Opencode,
    /// Gemini CLI: ~/.gemini/.env (and API-key sign-in in ~/.gemini/settings.json)
    GeminiCli,
}

impl From<AppArg> for engine::connect::ConnectApp {
    fn from(app: AppArg) -> Self {
        match app {
            AppArg::ClaudeCode => Self::ClaudeCode,
            AppArg::Codex => Self::Codex,
            AppArg::Opencode => Self::OpenCode,
            AppArg::GeminiCli => Self::GeminiCli,
        }
    }
}

#[derive(Debug, Clone, Args)]
pub struct ConnectArgs {
    /// The app to point at API Switch; leave it out to list every app's status.
    #[arg(value_enum)]
    pub app: Option<AppArg>,
    /// Restore the app's configuration from its newest backup instead.
    #[arg(long, requires = "app")]
    pub undo: bool,
    /// Where the app reaches API Switch [default: the address the server on the data folder
    /// listens on, else http://127.0.0.1:9090].
    #[arg(long, value_name = "URL")]
    pub url: Option<String>,
    #[command(flatten)]
    pub data: DataDirArg,
}

#[derive(Debug, Subcommand)]
pub enum PasswordCommand {
    /// Set or replace the admin password, read without echo (or one line from standard input
    /// when it is not a terminal). Logs every browser out.
    Set(DataDirArg),
}

#[derive(Debug, Subcommand)]
pub enum MetricsTokenCommand {
    /// Create a metrics token named NAME and print it (the only time it is shown); a token of
    /// that name is replaced.
    Create {
        /// A name for the monitoring tool using it.
        name: String,
        #[command(flatten)]
        data: DataDirArg,
    },
    /// List the metrics tokens' names and when each was made.
    List(DataDirArg),
    /// Delete the metrics token named NAME: its scraper is refused at once.
    Revoke {
        name: String,
        #[command(flatten)]
        data: DataDirArg,
    },
}

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Create an access key named NAME and print it (the only time it is shown in full).
    /// Names are unique and not empty.
    Add {
        /// A name for the client or person using the key; it appears in the request log.
        name: String,
        #[command(flatten)]
        data: DataDirArg,
    },
    /// Delete the access key named NAME: clients using it are refused at once.
    Remove {
        name: String,
        #[command(flatten)]
        data: DataDirArg,
    },
    /// Rename the access key named NAME to NEW_NAME (the key itself stays the same).
    Rename {
        name: String,
        new_name: String,
        #[command(flatten)]
        data: DataDirArg,
    },
    /// List the access keys, masked, with their limits.
    List(DataDirArg),
    /// Set or clear the limits of the key named NAME; with no option, show them and the
    /// key's use against them. Options not given keep their value; `--clear` removes every
    /// limit first (with other options: replaces them all). Over a limit, requests get 429
    /// with `Retry-After`; periods are UTC minutes, days and months.
    Limit(KeyLimitArgs),
    /// Require an access key on every proxy request (`on`), or stop requiring one (`off`);
    /// alone, show whether one is required. `on` needs at least one key.
    Require {
        #[arg(value_enum)]
        state: Option<OnOff>,
        #[command(flatten)]
        data: DataDirArg,
    },
}

#[derive(Debug, Clone, Args)]
pub struct KeyLimitArgs {
    /// The key's name, as `keys list` shows it.
    pub name: String,
    /// Requests per minute.
    #[arg(long)]
    pub rpm: Option<u32>,
    /// Prompt plus completion tokens per day.
    #[arg(long)]
    pub tokens_per_day: Option<u64>,
    /// US dollars per day.
    #[arg(long)]
    pub usd_per_day: Option<f64>,
    /// US dollars per month.
    #[arg(long)]
    pub usd_per_month: Option<f64>,
    /// Remove every limit before applying the options given.
    #[arg(long)]
    pub clear: bool,
    #[command(flatten)]
    pub data: DataDirArg,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OnOff {
    On,
    Off,
}

#[derive(Debug, Subcommand)]
pub enum ChannelCommand {
    /// Add a channel: from flags, or from what `probe` found (`--from-probe FILE`, the JSON
    /// `probe` printed). Its models become entries of the `auto` group.
    Add(ChannelAddArgs),
    /// The channels, their type, address, state and models.
    List {
        /// Print a JSON array instead of a table.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        data: DataDirArg,
    },
    /// Delete the channel named NAME with its entries.
    Remove {
        name: String,
        #[command(flatten)]
        data: DataDirArg,
    },
    /// Switch the channel named NAME on.
    Enable {
        name: String,
        #[command(flatten)]
        data: DataDirArg,
    },
    /// Switch the channel named NAME off: requests skip it.
    Disable {
        name: String,
        #[command(flatten)]
        data: DataDirArg,
    },
}

#[derive(Debug, Clone, Args)]
pub struct ChannelAddArgs {
    /// A name for the channel, unique.
    pub name: String,
    /// The JSON `api-switch probe` printed: its API type, base URL and models.
    #[arg(long, value_name = "FILE")]
    pub from_probe: Option<PathBuf>,
    /// The API type: openai, anthropic, gemini, azure or custom.
    #[arg(
        long = "type",
        value_name = "TYPE",
        required_unless_present = "from_probe"
    )]
    pub api_type: Option<engine::discovery::ChannelKind>,
    /// The provider's base URL.
    #[arg(long, value_name = "URL", required_unless_present = "from_probe")]
    pub base_url: Option<String>,
    /// The API key (or set API_SWITCH_CHANNEL_KEY to keep it out of the shell history).
    #[arg(long, env = "API_SWITCH_CHANNEL_KEY", hide_env_values = true)]
    pub key: String,
    /// A model to route to this channel (repeat for several); with --from-probe, instead of
    /// the models probe listed.
    #[arg(long = "model", value_name = "MODEL")]
    pub models: Vec<String>,
    #[command(flatten)]
    pub data: DataDirArg,
}

#[derive(Debug, Clone, Args)]
pub struct ImportArgs {
    /// The JSON file to import (`-` reads standard input).
    pub file: PathBuf,
    /// Replace the whole configuration: channels, access keys, settings and groups the file
    /// leaves out are removed or reset.
    #[arg(long)]
    pub replace: bool,
    /// Check the file and print what would change, changing nothing.
    #[arg(long)]
    pub dry_run: bool,
    #[command(flatten)]
    pub data: DataDirArg,
}

#[derive(Debug, Clone, Args)]
pub struct SpeedtestArgs {
    #[command(flatten)]
    pub data: DataDirArg,
    /// Print a JSON array of {channel, model, ok, ttfb_ms, total_ms, error} instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Seconds each entry may take to answer completely.
    #[arg(long, value_name = "SECS", default_value_t = 30)]
    pub timeout_secs: u64,
}

#[derive(Debug, Clone, Args)]
pub struct BalanceArgs {
    #[command(flatten)]
    pub data: DataDirArg,
    /// Look every channel's balance up now instead of showing the last figures.
    #[arg(long)]
    pub refresh: bool,
    /// Print a JSON array of each channel's balance settings and last figure.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Args)]
pub struct ExportArgs {
    #[command(flatten)]
    pub data: DataDirArg,
    /// Write real API keys and access keys instead of masked ones.
    #[arg(long)]
    pub include_secrets: bool,
    /// Write to this file instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// Where the data lives; shared by every command that touches the database.
#[derive(Debug, Clone, Args, Default)]
pub struct DataDirArg {
    /// Folder holding api-switch.db [default: the folder of the executable].
    #[arg(long, env = "API_SWITCH_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
}

#[derive(Debug, Clone, Args, Default)]
pub struct ServeArgs {
    #[command(flatten)]
    pub data: DataDirArg,
    /// Address and port to listen on [default: the address saved in Settings -> Network, else
    /// 127.0.0.1:9090]. Given, it wins over the saved one: `HOST:PORT`, `localhost:PORT`,
    /// `:PORT` or `PORT` (the last two on 127.0.0.1). Any address but loopback needs an admin
    /// password and required access keys first (`api-switch password set`,
    /// `api-switch keys`).
    #[arg(long, value_name = "ADDR:PORT", value_parser = parse_listen)]
    pub listen: Option<SocketAddr>,
}

/// A listen address as people write it: `HOST:PORT`, `localhost:PORT`, `:PORT`, `PORT`.
pub fn parse_listen(text: &str) -> Result<SocketAddr, String> {
    use std::net::{Ipv4Addr, ToSocketAddrs};
    let text = text.trim();
    let port_only = text.strip_prefix(':').unwrap_or(text);
    if let Ok(port) = port_only.parse::<u16>() {
        return Ok(SocketAddr::from((Ipv4Addr::LOCALHOST, port)));
    }
    if let Ok(addr) = text.parse::<SocketAddr>() {
        return Ok(addr);
    }
    let (host, port) = text
        .rsplit_once(':')
        .ok_or_else(|| format!("`{text}` has no port; write HOST:PORT, :PORT or PORT"))?;
    let port: u16 = port
        .parse()
        .map_err(|_| format!("`{port}` is not a port (1-65535)"))?;
    if host.eq_ignore_ascii_case("localhost") {
        return Ok(SocketAddr::from((Ipv4Addr::LOCALHOST, port)));
    }
    (host, port)
        .to_socket_addrs()
        .ok()
        .and_then(|mut addrs| addrs.next())
        .ok_or_else(|| {
            format!("cannot find the address of `{host}`; write an IP address or localhost")
        })
}

impl DataDirArg {
    /// The chosen folder, or the executable's own folder (the portable default).
    pub fn resolve(&self) -> anyhow::Result<PathBuf> {
        if let Some(dir) = &self.data_dir {
            return Ok(dir.clone());
        }
        let exe = std::env::current_exe()?;
        exe.parent()
            .map(|dir| dir.to_path_buf())
            .ok_or_else(|| anyhow::anyhow!("cannot tell the executable's folder; pass --data-dir"))
    }
}

#[derive(Debug, Clone, Args)]
pub struct ProbeArgs {
    /// The provider's base URL as you have it; pasted endpoint suffixes are removed.
    #[arg(long, value_name = "URL")]
    pub base_url: String,
    /// The API key (or set API_SWITCH_PROBE_KEY to keep it out of the shell history).
    #[arg(long, env = "API_SWITCH_PROBE_KEY", hide_env_values = true)]
    pub key: String,
    /// Try this API type first: openai, anthropic, gemini, azure or custom.
    #[arg(long = "type", value_name = "TYPE")]
    pub api_type: Option<engine::discovery::ChannelKind>,
    /// Seconds to wait for each attempt.
    #[arg(long, value_name = "SECS", default_value_t = 15)]
    pub timeout_secs: u64,
    /// Save what was found as a channel named NAME (with the models found as entries).
    #[arg(long, value_name = "NAME")]
    pub add: Option<String>,
    #[command(flatten)]
    pub data: DataDirArg,
}
