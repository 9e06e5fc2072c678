//! Replacing the catalog: read a source (a file or a URL; models.dev's `api.json` by default),
//! recognise its shape (our `models.json`, or models.dev's provider map, see `models_dev.rs`),
//! check every model before anything is kept, and count what the new catalog changes against
//! the one in use. A source with any problem is refused whole, with every problem named (the
//! model and the field), so a bad file never leaves a half-updated catalog behind.

use std::collections::HashMap;
use std::time::Duration;

use serde_json::Value;

use super::problems::{check_price, problem, problem_at, whole_file};
use super::{Catalog, CatalogFile, ModelInfo, models_dev};
use types::catalog::{CatalogChanges, CatalogProblem};

/// Where `catalog update` reads from when no source is given.
pub const MODELS_DEV_URL: &str = "https://models.dev/api.json";

/// How large a source may be; models.dev's whole `api.json` is a few megabytes.
const MAX_SOURCE_BYTES: usize = 64 * 1024 * 1024;

/// How long fetching a URL may take in all.
const FETCH_TIMEOUT: Duration = Duration::from_secs(60);

/// A checked catalog, ready to be stored, with what it changes.
#[derive(Debug)]
pub struct CatalogUpdate {
    pub catalog: Catalog,
    pub changes: CatalogChanges,
}

/// Why a source could not be read at all.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("cannot read the catalog file {path}: {source}")]
    File {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot fetch the catalog from {url}: {source}; check the address and the network")]
    Fetch {
        url: String,
        #[source]
        source: reqwest::Error,
    },
    #[error("{url} answered HTTP {status}; check the address")]
    Status { url: String, status: u16 },
    #[error("the catalog at {what} is larger than {MAX_SOURCE_BYTES} bytes; is it a catalog?")]
    TooLarge { what: String },
}

impl ReadError {
    /// The path or URL that could not be read.
    pub fn source_name(&self) -> &str {
        match self {
            Self::File { path, .. } => path,
            Self::Fetch { url, .. } | Self::Status { url, .. } => url,
            Self::TooLarge { what } => what,
        }
    }
}

/// The text of `from` (a path, or an `http(s)://` URL), or of models.dev when `None`, with
/// the name of where it came from.
pub async fn read_source(from: Option<&str>) -> Result<(String, String), ReadError> {
    let from = from.unwrap_or(MODELS_DEV_URL).trim();
    if from.starts_with("http://") || from.starts_with("https://") {
        return Ok((fetch(from).await?, from.to_owned()));
    }
    let bytes = tokio::fs::read(from)
        .await
        .map_err(|source| ReadError::File {
            path: from.to_owned(),
            source,
        })?;
    if bytes.len() > MAX_SOURCE_BYTES {
        return Err(ReadError::TooLarge {
            what: from.to_owned(),
        });
    }
    let text = String::from_utf8_lossy(&bytes).into_owned();
    Ok((text, from.to_owned()))
}

async fn fetch(url: &str) -> Result<String, ReadError> {
    let failed = |source| ReadError::Fetch {
        url: url.to_owned(),
        source,
    };
    let client = reqwest::Client::builder()
        .timeout(FETCH_TIMEOUT)
        .build()
        .map_err(failed)?;
    let response = client.get(url).send().await.map_err(failed)?;
    if !response.status().is_success() {
        return Err(ReadError::Status {
            url: url.to_owned(),
            status: response.status().as_u16(),
        });
    }
    if response
        .content_length()
        .is_some_and(|n| n > MAX_SOURCE_BYTES as u64)
    {
        return Err(ReadError::TooLarge {
            what: url.to_owned(),
        });
    }
    let bytes = response.bytes().await.map_err(failed)?;
    if bytes.len() > MAX_SOURCE_BYTES {
        return Err(ReadError::TooLarge {
            what: url.to_owned(),
        });
    }
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// Checks `text` (either shape) and builds the catalog it describes; a models.dev source
/// refreshes `current` (its models keep their aliases and families, new ones are added), a
/// `models.json` source replaces it. `Err` lists every problem found.
pub fn parse_source(
    text: &str,
    source: &str,
    current: &Catalog,
) -> Result<CatalogUpdate, Vec<CatalogProblem>> {
    let value: Value = serde_json::from_str(text).map_err(|error| {
        vec![whole_file(format!(
            "not JSON ({error}); expected models.json or models.dev's api.json"
        ))]
    })?;
    let (file, skipped) = if value.get("models").is_some_and(Value::is_array) {
        (parse_ours(value)?, Vec::new())
    } else if models_dev::looks_like(&value) {
        models_dev::merge(&value, current, source)?
    } else {
        return Err(vec![whole_file(
            "neither models.json (`providers` and a `models` list) nor models.dev's api.json \
             (providers, each with `models`)"
                .to_owned(),
        )]);
    };
    let catalog = Catalog::from_file(file).map_err(|error| vec![whole_file(error.to_string())])?;
    if catalog.models().is_empty() {
        return Err(vec![whole_file("it lists no models".to_owned())]);
    }
    let changes = changes(current, &catalog, source, skipped);
    Ok(CatalogUpdate { catalog, changes })
}

/// Our own format: each model read on its own so every bad one is named.
fn parse_ours(mut value: Value) -> Result<CatalogFile, Vec<CatalogProblem>> {
    let mut problems = Vec::new();
    let models = match value.get_mut("models").map(Value::take) {
        Some(Value::Array(models)) => models,
        _ => Vec::new(),
    };
    let rest: Result<CatalogFile, _> = {
        let mut shell = value;
        if let Some(object) = shell.as_object_mut() {
            object.insert("models".to_owned(), Value::Array(Vec::new()));
        }
        serde_json::from_value(shell)
    };
    let mut file = match rest {
        Ok(file) => file,
        Err(error) => {
            problems.push(problem_at(None, "providers", error.to_string()));
            return Err(problems);
        }
    };
    for (position, model) in models.into_iter().enumerate() {
        let name = model
            .get("id")
            .and_then(Value::as_str)
            .filter(|id| !id.trim().is_empty())
            .map(str::to_owned);
        let Some(id) = name else {
            problems.push(problem(
                &format!("#{}", position + 1),
                "id",
                "missing or empty",
            ));
            continue;
        };
        match serde_json::from_value::<ModelInfo>(model) {
            Ok(info) => {
                problems.extend(check_price(&id, info.price.as_ref()));
                if !file.providers.contains_key(&info.provider) {
                    problems.push(problem(
                        &id,
                        "provider",
                        format!("`{}` is not listed under `providers`", info.provider),
                    ));
                }
                file.models.push(info);
            }
            Err(error) => problems.push(problem_at(Some(&id), "", error.to_string())),
        }
    }
    if problems.is_empty() {
        Ok(file)
    } else {
        Err(problems)
    }
}

/// What `new` changes against `old`, by model id.
pub(crate) fn changes(
    old: &Catalog,
    new: &Catalog,
    source: &str,
    skipped: Vec<String>,
) -> CatalogChanges {
    let before: HashMap<&str, &ModelInfo> =
        old.models().iter().map(|m| (m.id.as_str(), m)).collect();
    let after: HashMap<&str, &ModelInfo> =
        new.models().iter().map(|m| (m.id.as_str(), m)).collect();
    let mut changes = CatalogChanges {
        source: source.to_owned(),
        models: new.models().len(),
        priced: new.models().iter().filter(|m| m.price.is_some()).count(),
        skipped,
        ..CatalogChanges::default()
    };
    for model in new.models() {
        match before.get(model.id.as_str()) {
            None => changes.added.push(model.id.clone()),
            Some(was) => {
                if was.price != model.price {
                    changes.prices_changed += 1;
                }
                let mut same_price = (*was).clone();
                same_price.price.clone_from(&model.price);
                if &same_price != model {
                    changes.details_changed += 1;
                }
            }
        }
    }
    changes.removed = old
        .models()
        .iter()
        .filter(|m| !after.contains_key(m.id.as_str()))
        .map(|m| m.id.clone())
        .collect();
    changes
}
