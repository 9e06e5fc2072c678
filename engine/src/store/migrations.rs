//! The schema, as an append-only list of migrations. SQLite's `user_version` records how many
//! have been applied; never edit a migration that has shipped, add a new one.

use rusqlite::Connection;
use rusqlite_migration::{M, Migrations};

const MIGRATIONS: &[M<'static>] = &[
    M::up(include_str!("sql/001_initial.sql")),
    M::up(include_str!("sql/002_routing.sql")),
    M::up(include_str!("sql/003_channel_models.sql")),
    M::up(include_str!("sql/004_channel_options.sql")),
    M::up(include_str!("sql/005_speedtest.sql")),
    M::up(include_str!("sql/006_ui.sql")),
    M::up(include_str!("sql/007_auth.sql")),
    M::up(include_str!("sql/008_key_pools.sql")),
    M::up(include_str!("sql/009_routing_order.sql")),
    M::up(include_str!("sql/010_money.sql")),
    M::up(include_str!("sql/011_catalog.sql")),
    M::up(include_str!("sql/012_limits.sql")),
    M::up(include_str!("sql/013_balance.sql")),
    M::up(include_str!("sql/014_affinity.sql")),
    M::up(include_str!("sql/017_stored_responses.sql")),
    M::up(include_str!("sql/018_metrics_tokens.sql")),
    M::up(include_str!("sql/019_captured_exchanges.sql")),
    M::up(include_str!("sql/020_connect_created.sql")),
];

pub(super) fn apply(conn: &mut Connection) -> Result<(), rusqlite_migration::Error> {
    Migrations::from_slice(MIGRATIONS).to_latest(conn)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_valid() {
        assert!(Migrations::from_slice(MIGRATIONS).validate().is_ok());
    }
}
