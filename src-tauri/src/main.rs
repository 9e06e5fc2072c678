//! The API Switch desktop app: the same server as `api-switch serve` (same options, parsed by
//! the same code), started inside this process, with the web UI in a native window and a tray
//! menu that picks which AUTO entry serves first. Closing the window leaves the proxy running
//! in the tray; "Quit" stops it gracefully. Starting it again shows the running one's window.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod autostart;
mod error_log;
mod fatal;
mod shell;
mod tray;
mod window;

use std::process::ExitCode;

use api_switch::ServeOptions;
use api_switch::cli::ServeArgs;
use clap::Parser;

/// mimalloc, for the CPU a request costs (see the workspace `Cargo.toml`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// API Switch desktop: one local endpoint for all your AI providers, in a window and the tray.
#[derive(Debug, Parser)]
#[command(name = "api-switch-desktop", version, about, long_about = None)]
struct DesktopCli {
    #[command(flatten)]
    serve: ServeArgs,
}

fn main() -> ExitCode {
    let cli = match DesktopCli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            let _ = error.print();
            if !error.use_stderr() {
                return ExitCode::SUCCESS; // --help, --version
            }
            fatal::report(&anyhow::anyhow!("{error}"), None);
            return ExitCode::from(2);
        }
    };
    let data_dir = match cli.serve.data.resolve() {
        Ok(dir) => dir,
        Err(error) => {
            fatal::report(&error, None);
            return ExitCode::FAILURE;
        }
    };
    let log = error_log::init(&data_dir);
    let options = ServeOptions::from_command_line(cli.serve.listen, data_dir);
    match shell::run(options, log.clone()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            fatal::report(&error, Some(&log));
            ExitCode::FAILURE
        }
    }
}
