//! One module per screen, each with its server functions beside its components. A screen
//! uses `components`, `errors` and the `shell`'s live events and never another screen.

pub mod access_keys;
pub mod channels;
pub mod connect;
pub mod dashboard;
pub mod guide;
pub mod login;
pub mod logs;
pub mod settings;
pub mod test_chat;
