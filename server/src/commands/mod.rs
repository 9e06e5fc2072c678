//! One module per subcommand other than `serve`: each parses nothing itself (clap did), calls
//! the engine and hands what to show to `output`.

pub mod balance;
pub mod catalog;
pub mod connect;
pub mod keys;
pub mod password;
pub mod probe;
pub mod speedtest;
