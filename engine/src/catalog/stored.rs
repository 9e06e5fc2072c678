//! The stored catalog: the one `catalog update` keeps in the database (table `catalog_store`,
//! one row in the `models.json` format). Every configuration load calls `sync_from_store`, so
//! an update made here, by the CLI on the same data folder, or a `catalog reset`, becomes
//! `Catalog::current` with the next snapshot, and a restart starts from it.

use std::sync::{Arc, Mutex};

use rusqlite::{OptionalExtension, params};

use super::Catalog;
use crate::store::{Store, StoreError};

/// Which stored row is installed (`updated_ms`, `source`); `None`: the embedded catalog.
static INSTALLED: Mutex<Option<(i64, String)>> = Mutex::new(None);

/// The stamp (`updated_ms`, `source`) of the stored catalog in use; `None` when the embedded
/// one is.
pub(crate) fn installed_stamp() -> Option<(i64, String)> {
    INSTALLED.lock().unwrap_or_else(|p| p.into_inner()).clone()
}

/// The stored row's stamp, without its text.
fn stored_stamp(store: &Store) -> Result<Option<(i64, String)>, StoreError> {
    Ok(store
        .conn()
        .query_row(
            "SELECT updated_ms, source FROM catalog_store WHERE id = 1",
            [],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()?)
}

fn stored_text(store: &Store) -> Result<Option<String>, StoreError> {
    Ok(store
        .conn()
        .query_row("SELECT json FROM catalog_store WHERE id = 1", [], |row| {
            row.get(0)
        })
        .optional()?)
}

/// Keeps `catalog` (already checked) as the one to use, from `source`.
pub(crate) fn save(
    store: &Store,
    catalog: &Catalog,
    source: &str,
    updated_ms: i64,
) -> Result<(), StoreError> {
    let json = serde_json::to_string(&catalog.to_file()).map_err(|error| StoreError::Invalid {
        field: "catalog",
        problem: error.to_string(),
    })?;
    store.write(|tx| {
        tx.execute(
            "INSERT INTO catalog_store (id, source, json, updated_ms) VALUES (1, ?1, ?2, ?3) \
             ON CONFLICT(id) DO UPDATE SET source = excluded.source, json = excluded.json, \
             updated_ms = excluded.updated_ms",
            params![source, json, updated_ms],
        )?;
        Ok(())
    })
}

/// Forgets the stored catalog: the embedded one is used again.
pub(crate) fn delete(store: &Store) -> Result<(), StoreError> {
    store.write(|tx| {
        tx.execute("DELETE FROM catalog_store", [])?;
        Ok(())
    })
}

/// Makes the store's catalog (or the embedded one when it has none) `Catalog::current`; the
/// text is parsed only when the stored row changed since the last call. A stored copy that no
/// longer parses (it was checked when stored, so only a hand-edited file) is logged and the
/// embedded catalog used: lookups never stop.
pub(crate) fn sync_from_store(store: &Store) {
    let stamp = match stored_stamp(store) {
        Ok(stamp) => stamp,
        Err(error) => {
            tracing::warn!(%error, "cannot read the stored model catalog; keeping the one in use");
            return;
        }
    };
    let mut installed = INSTALLED.lock().unwrap_or_else(|p| p.into_inner());
    if *installed == stamp {
        return;
    }
    let loaded = match &stamp {
        None => None,
        Some(_) => match stored_text(store).map(|t| t.map(|t| Catalog::from_json(&t))) {
            Ok(Some(Ok(catalog))) => Some(catalog),
            Ok(Some(Err(error))) => {
                tracing::error!(%error, "the stored model catalog is unusable; using the built-in one");
                None
            }
            Ok(None) => None,
            Err(error) => {
                tracing::warn!(%error, "cannot read the stored model catalog; keeping the one in use");
                return;
            }
        },
    };
    match loaded {
        Some(catalog) => Catalog::install(Arc::new(catalog)),
        None => Catalog::install_embedded(),
    }
    *installed = stamp;
}
