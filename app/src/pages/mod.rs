//! One module per page; each holds its components and the server functions they call.

pub mod add_channel;
pub mod channel_models;
pub mod channels;
pub mod entries;
pub mod overview;
pub mod settings;
pub mod speedtest;
