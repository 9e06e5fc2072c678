//! The model catalog's refresh as the CLI and the UI see it: what the catalog in use is
//! (`CatalogStatus`), what an update changed (`CatalogChanges`) and, when a source is refused,
//! every problem in it (`CatalogProblem`), each naming the model and the field.

use serde::{Deserialize, Serialize};

/// The catalog in use.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogStatus {
    /// `true` when a stored update is in use, `false` for the copy built into the program.
    pub stored: bool,
    /// Where the stored update came from (a URL or a file path); `None` for the built-in copy.
    pub source: Option<String>,
    /// When the stored update was made (Unix ms).
    pub updated_ms: Option<i64>,
    /// The day the catalog's data was compiled, as its file says.
    pub compiled: Option<String>,
    pub models: usize,
    /// Models with a price.
    pub priced: usize,
}

/// What replacing the catalog changed, counted against the catalog in use before.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogChanges {
    /// Where the new catalog came from.
    pub source: String,
    /// Models in the new catalog.
    pub models: usize,
    /// Of those, with a price.
    pub priced: usize,
    /// Model ids new in this catalog.
    pub added: Vec<String>,
    /// Model ids the previous catalog had and this one has not.
    pub removed: Vec<String>,
    /// Models whose price is new, different or gone.
    pub prices_changed: usize,
    /// Models whose other figures (dates, limits, capabilities, names) changed.
    pub details_changed: usize,
    /// Models of the source left out, each with why (say, no release date).
    pub skipped: Vec<String>,
}

/// One thing wrong with a catalog source: where (`model` is the id, or the key when the id
/// is missing; `None` for the file as a whole) and what.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogProblem {
    pub model: Option<String>,
    /// The field, e.g. `cost.input`, `id`, `provider`.
    pub field: Option<String>,
    pub problem: String,
}

impl std::fmt::Display for CatalogProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (&self.model, &self.field) {
            (Some(model), Some(field)) => write!(f, "model {model}, {field}: {}", self.problem),
            (Some(model), None) => write!(f, "model {model}: {}", self.problem),
            (None, Some(field)) => write!(f, "{field}: {}", self.problem),
            (None, None) => f.write_str(&self.problem),
        }
    }
}
