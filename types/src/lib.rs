//! The values the engine hands to the UI, in one small crate that builds for the server and for
//! the browser (wasm32) alike: the engine computes them, the UI's server functions return them
//! as they are, and the hydrated page reads them. Nothing here does I/O.
//!
//! The engine re-exports each module (`engine::events`, `engine::ui_error`, ...), so server code
//! names them through the engine and browser code through this crate: one type per concept.

pub mod access_keys;
pub mod balance;
pub mod calibration;
pub mod capture;
pub mod catalog;
pub mod channel_kind;
pub mod connect;
pub mod dashboard;
pub mod events;
pub mod language;
pub mod listing;
pub mod logs;
pub mod network;
pub mod pricing;
pub mod routing;
pub mod secret;
pub mod settings;
pub mod settings_check;
pub mod settings_ranges;
pub mod speedtest;
pub mod test_chat;
pub mod ui_error;

/// An entry's id (one model on one channel).
pub type EntryId = i64;
/// A channel's id (one provider account).
pub type ChannelId = i64;
