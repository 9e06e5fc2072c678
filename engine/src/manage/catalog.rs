//! The model catalog at the front desk: what is in use, replacing it from models.dev, a URL
//! or a file, and going back to the built-in copy. The CLI (`api-switch catalog`) and the
//! Settings screen call these same methods. A replacement is checked whole before it is
//! stored, then the snapshot reload makes it `Catalog::current` at once (prices included).

use crate::AppState;
use crate::catalog::{self, Catalog, CatalogChanges, CatalogProblem, CatalogStatus};
use crate::store::StoreError;

/// Why the catalog was not replaced; nothing changed.
#[derive(Debug, thiserror::Error)]
pub enum CatalogUpdateError {
    #[error(transparent)]
    Read(#[from] catalog::update::ReadError),
    #[error(
        "the catalog from {from} was not used; {}: {}",
        crate::config::count(problems.len(), "problem"),
        problems.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")
    )]
    Invalid {
        from: String,
        problems: Vec<CatalogProblem>,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl AppState {
    /// The catalog in use and where it came from (as loaded with the configuration, so a
    /// change another process stored shows once this one has reloaded, within a second).
    pub async fn catalog_status(&self) -> Result<CatalogStatus, StoreError> {
        let stamp = catalog::stored::installed_stamp();
        let current = Catalog::current();
        Ok(CatalogStatus {
            stored: stamp.is_some(),
            updated_ms: stamp.as_ref().map(|(ms, _)| *ms),
            source: stamp.map(|(_, source)| source),
            compiled: current.updated().map(str::to_owned),
            models: current.models().len(),
            priced: current
                .models()
                .iter()
                .filter(|m| m.price.is_some())
                .count(),
        })
    }

    /// Replaces the catalog from `from` (a file path or an `http(s)://` URL; models.dev's
    /// `api.json` when `None`), after checking all of it; prices apply from the next request.
    pub async fn update_catalog(
        &self,
        from: Option<String>,
    ) -> Result<CatalogChanges, CatalogUpdateError> {
        let (text, source) = catalog::read_source(from.as_deref()).await?;
        self.blocking(move |state| {
            let update =
                catalog::parse_source(&text, &source, &Catalog::current()).map_err(|problems| {
                    CatalogUpdateError::Invalid {
                        from: source.clone(),
                        problems,
                    }
                })?;
            catalog::stored::save(
                state.store(),
                &update.catalog,
                &source,
                crate::clock::now_ms(),
            )?;
            state.reload()?;
            Ok(update.changes)
        })
        .await
    }

    /// Goes back to the catalog built into the program; what that changes is counted as an
    /// update from `built-in` would be.
    pub async fn reset_catalog(&self) -> Result<CatalogChanges, StoreError> {
        self.blocking(|state| {
            let before = Catalog::current();
            catalog::stored::delete(state.store())?;
            state.reload()?;
            Ok(catalog::update::changes(
                &before,
                Catalog::embedded(),
                "built-in",
                Vec::new(),
            ))
        })
        .await
    }
}
