//! Live events: what changed in the running hub, broadcast to every listener (the UI's
//! `GET /api/events` stream). `AppState::events()` subscribes. Each event is sent where the
//! change happens: a request's row when the background writer has saved it, cooldowns,
//! recoveries and auto-disables where `AppState` applies them, speed-test results as they
//! arrive, and `ConfigChanged` on every reload. The type lives in the `types` crate so the
//! browser build reads the same one.

pub use types::events::Event;
