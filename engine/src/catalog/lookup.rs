//! Finding a catalog model for a name as it appears in the wild. Providers, resellers and
//! relays spell the same model many ways (`anthropic/claude-sonnet-4.5`,
//! `claude-sonnet-4-5-20250929`, `openrouter/x-ai/grok-4:free`), so lookup goes from strict
//! to loose: exact, then normalised, then the best fuzzy match.

use std::collections::HashMap;

use serde::Serialize;

use super::{ModelInfo, ProviderInfo};

/// How a name was matched, from strict to loose; the UI may show fuzzy matches as guesses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchKind {
    /// The name (case-insensitive) is a catalog id or alias.
    Exact,
    /// Equal after dropping prefixes, date and `-latest` suffixes, case and `.` vs `-`.
    Normalised,
    /// The catalog model whose name best fits inside the given one.
    Fuzzy,
}

/// A catalog answer for a name.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CatalogMatch<'a> {
    pub model: &'a ModelInfo,
    pub kind: MatchKind,
}

/// One way of writing a catalog model, normalised and split into tokens.
#[derive(Debug)]
struct Key {
    position: usize,
    canonical: String,
    tokens: Vec<String>,
}

/// Lookup tables built once from the catalog.
#[derive(Debug)]
pub(super) struct Index {
    exact: HashMap<String, usize>,
    normalised: HashMap<String, usize>,
    keys: Vec<Key>,
    /// Provider spelling (lowercase) to catalog provider key.
    provider_names: HashMap<String, String>,
    /// Provider of each model, by position, to prefer the maker named in a prefix.
    model_provider: Vec<String>,
}

impl Index {
    pub(super) fn build(models: &[ModelInfo], providers: &HashMap<String, ProviderInfo>) -> Self {
        let mut exact = HashMap::new();
        let mut normalised = HashMap::new();
        let mut keys = Vec::new();
        // Ids first, then aliases, so that an id always wins over another model's alias.
        let ids = models.iter().enumerate().map(|(i, m)| (i, &m.id));
        let aliases = models
            .iter()
            .enumerate()
            .flat_map(|(i, m)| m.aliases.iter().map(move |a| (i, a)));
        for (position, name) in ids.chain(aliases) {
            exact.entry(name.to_lowercase()).or_insert(position);
            let canonical = canonical(name);
            normalised.entry(canonical.clone()).or_insert(position);
            let tokens = tokens(&canonical);
            keys.push(Key {
                position,
                canonical,
                tokens,
            });
        }
        let mut provider_names = HashMap::new();
        for (key, info) in providers {
            provider_names.insert(key.to_lowercase(), key.clone());
            for alias in &info.aliases {
                provider_names.insert(alias.to_lowercase(), key.clone());
            }
        }
        Self {
            exact,
            normalised,
            keys,
            provider_names,
            model_provider: models.iter().map(|m| m.provider.clone()).collect(),
        }
    }

    pub(super) fn find(&self, name: &str) -> Option<(usize, MatchKind)> {
        let name = name.trim();
        if name.is_empty() {
            return None;
        }
        if let Some(&position) = self.exact.get(&name.to_lowercase()) {
            return Some((position, MatchKind::Exact));
        }
        let (bare, maker) = self.split_prefix(name);
        if let Some(&position) = self.exact.get(&bare) {
            return Some((position, MatchKind::Normalised));
        }
        let canonical = canonical(&bare);
        if let Some(&position) = self.normalised.get(&canonical) {
            return Some((position, MatchKind::Normalised));
        }
        self.fuzzy(&canonical, maker.as_deref())
            .map(|position| (position, MatchKind::Fuzzy))
    }

    /// Drops `reseller/maker/` prefixes and `:variant` suffixes (`:free`, `:beta`), returning
    /// the bare lowercase name and the catalog provider the prefix names, if any.
    fn split_prefix(&self, name: &str) -> (String, Option<String>) {
        let lower = name.to_lowercase();
        let without_variant = match lower.rsplit_once(':') {
            // `ft:gpt-4o:org:id` is a fine-tune of gpt-4o: keep the part after `ft:`.
            Some(_) if lower.starts_with("ft:") => {
                lower.split(':').nth(1).unwrap_or_default().to_string()
            }
            Some((head, _)) => head.to_string(),
            None => lower,
        };
        let mut segments: Vec<&str> = without_variant.split('/').collect();
        let bare = segments.pop().unwrap_or_default().to_string();
        // Reseller segments (`openrouter/`, `groq/`) are simply not maker spellings.
        let maker = segments
            .iter()
            .rev()
            .find_map(|segment| self.provider_names.get(*segment).cloned());
        (bare, maker)
    }

    /// The catalog key that best fits inside `canonical`: the longest one that is a prefix at
    /// a token boundary (`gemini-2-5-pro-preview-03-25` -> `gemini-2-5-pro`), else the one
    /// with the most tokens all present in the name in any order (`claude-4-5-sonnet`).
    /// Models of the maker named in the prefix win over others with the same fit.
    fn fuzzy(&self, canonical: &str, maker: Option<&str>) -> Option<usize> {
        let name_tokens = tokens(canonical);
        let prefer = |key: &Key| maker.is_some_and(|m| self.model_provider[key.position] == m);
        let by_prefix = self
            .keys
            .iter()
            .filter(|key| is_token_prefix(&key.canonical, canonical))
            .max_by_key(|key| {
                (
                    prefer(key),
                    key.canonical.len(),
                    std::cmp::Reverse(key.position),
                )
            });
        if let Some(key) = by_prefix {
            return Some(key.position);
        }
        self.keys
            .iter()
            .filter(|key| key.tokens.len() >= 2)
            .filter(|key| covers(&name_tokens, &key.tokens))
            .max_by_key(|key| {
                (
                    prefer(key),
                    key.tokens.len(),
                    std::cmp::Reverse(key.position),
                )
            })
            .map(|key| key.position)
    }
}

/// Lowercase, `.`/`_`/space as `-`, without date and `-latest` suffixes:
/// `Claude-3.5-Sonnet-20241022` -> `claude-3-5-sonnet`.
fn canonical(name: &str) -> String {
    let mut text: String = name
        .to_lowercase()
        .chars()
        .map(|c| {
            if matches!(c, '.' | '_' | ' ' | '@') {
                '-'
            } else {
                c
            }
        })
        .collect();
    loop {
        let before = text.len();
        for suffix in ["-latest", "-preview", "-exp"] {
            if let Some(stripped) = text.strip_suffix(suffix) {
                text = stripped.to_string();
            }
        }
        text = strip_date_suffix(&text);
        if text.len() == before {
            return text;
        }
    }
}

/// Removes one trailing date: `-20250514`, `-2024-08-06`, `-09-2025` or `-05-20`.
fn strip_date_suffix(text: &str) -> String {
    let parts: Vec<&str> = text.split('-').collect();
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    let n = parts.len();
    let keep = if n >= 2 && digits(parts[n - 1], 8) {
        n - 1
    } else if n >= 4
        && digits(parts[n - 3], 4)
        && digits(parts[n - 2], 2)
        && digits(parts[n - 1], 2)
    {
        n - 3
    } else if n >= 3
        && digits(parts[n - 2], 2)
        && (digits(parts[n - 1], 4) || digits(parts[n - 1], 2))
    {
        n - 2
    } else {
        n
    };
    parts[..keep].join("-")
}

fn tokens(canonical: &str) -> Vec<String> {
    canonical
        .split('-')
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect()
}

/// Whether every word of `key` has its own word in `name`: a repeated word must be repeated,
/// so `claude-sonnet-5-5` does not fit `claude-4.5-sonnet`.
fn covers(name: &[String], key: &[String]) -> bool {
    let mut unused: Vec<&String> = name.iter().collect();
    key.iter()
        .all(|word| match unused.iter().position(|n| *n == word) {
            Some(i) => {
                unused.swap_remove(i);
                true
            }
            None => false,
        })
}

fn is_token_prefix(key: &str, name: &str) -> bool {
    name.strip_prefix(key)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('-'))
}
