//! The problems a catalog source can have, each naming the model and the field it is about (or
//! neither, for the whole file), and the one check of a price both source shapes share: our
//! own `models.json` (`update.rs`) and models.dev's provider map (`models_dev.rs`).

use types::catalog::CatalogProblem;
use types::pricing::Price;

/// A problem with the source as a whole.
pub(super) fn whole_file(problem: String) -> CatalogProblem {
    CatalogProblem {
        model: None,
        field: None,
        problem,
    }
}

/// A problem with one field of one model.
pub(super) fn problem(model: &str, field: &str, problem: impl Into<String>) -> CatalogProblem {
    CatalogProblem {
        model: Some(model.to_owned()),
        field: Some(field.to_owned()),
        problem: problem.into(),
    }
}

/// A problem the parser found, where the model or the field may not be known.
pub(super) fn problem_at(model: Option<&str>, field: &str, text: String) -> CatalogProblem {
    CatalogProblem {
        model: model.map(str::to_owned),
        field: (!field.is_empty()).then(|| field.to_owned()),
        problem: text,
    }
}

/// A price must be a finite, non-negative number of dollars in every part it gives.
pub(super) fn check_price(model: &str, price: Option<&Price>) -> Vec<CatalogProblem> {
    let Some(price) = price else {
        return Vec::new();
    };
    [
        ("price.input", price.input),
        ("price.output", price.output),
        ("price.cache_read", price.cache_read),
        ("price.cache_write", price.cache_write),
        ("price.per_request", price.per_request),
        ("price.per_image", price.per_image),
    ]
    .into_iter()
    .filter_map(|(field, figure)| {
        let figure = figure?;
        (!figure.is_finite() || figure < 0.0).then(|| {
            problem(
                model,
                field,
                format!("{figure} is not a price (USD, 0 or more)"),
            )
        })
    })
    .collect()
}
