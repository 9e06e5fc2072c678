//! Reading models.dev's `api.json` (`{provider_id: {name, models: {id: {...}}}}`) into our
//! catalog. Only the makers' own listings count (`MAKERS`: OpenAI's prices from `openai`, not
//! from a reseller's copy); a model already in the catalog takes models.dev's release date,
//! limits, capabilities and price and keeps its aliases and family, a new one is added when
//! models.dev gives it a full date and both limits. Models the makers no longer list stay: a
//! retired name still has to be looked up.

use std::collections::HashMap;

use serde_json::Value;

use super::problems::{check_price, problem, whole_file};
use super::{Capability, Catalog, CatalogFile, ModelInfo, PricesSource, ProviderInfo};
use types::catalog::CatalogProblem;
use types::pricing::Price;

/// models.dev's provider ids for the makers' own APIs, and our provider key for each.
pub(super) const MAKERS: &[(&str, &str)] = &[
    ("openai", "openai"),
    ("anthropic", "anthropic"),
    ("google", "google"),
    ("xai", "xai"),
    ("deepseek", "deepseek"),
    ("alibaba", "qwen"),
    ("moonshotai", "moonshot"),
    ("zai", "zhipu"),
    ("minimax", "minimax"),
    ("mistral", "mistral"),
    ("llama", "meta"),
    ("cohere", "cohere"),
    ("nova", "amazon"),
    ("perplexity", "perplexity"),
    ("tencent-tokenhub", "tencent"),
    ("stepfun", "stepfun"),
    ("xiaomi", "xiaomi"),
];

/// Whether `value` is shaped like models.dev's provider map.
pub(super) fn looks_like(value: &Value) -> bool {
    value.as_object().is_some_and(|providers| {
        providers
            .values()
            .any(|p| p.get("models").is_some_and(Value::is_object))
    })
}

/// `current` refreshed from models.dev's `value`, with the models left out and why.
pub(super) fn merge(
    value: &Value,
    current: &Catalog,
    source: &str,
) -> Result<(CatalogFile, Vec<String>), Vec<CatalogProblem>> {
    let mut file = current.to_file();
    let mut names = name_index(&file.models);
    let mut problems = Vec::new();
    let mut skipped = Vec::new();
    let mut read_any = false;
    for &(listing, ours) in MAKERS {
        let Some(provider) = value.get(listing) else {
            continue;
        };
        let Some(models) = provider.get("models").and_then(Value::as_object) else {
            problems.push(problem(listing, "models", "not an object of models"));
            continue;
        };
        file.providers
            .entry(ours.to_owned())
            .or_insert_with(|| ProviderInfo {
                name: text(provider, "name").unwrap_or(ours).to_owned(),
                aliases: vec![ours.to_owned(), listing.to_owned()],
            });
        for (key, model) in models {
            read_any = true;
            let Some(id) = text(model, "id").filter(|id| !id.trim().is_empty()) else {
                problems.push(problem(
                    &format!("{listing}/{key}"),
                    "id",
                    "missing or empty",
                ));
                continue;
            };
            let price = match read_cost(id, model.get("cost")) {
                Ok(price) => price,
                Err(found) => {
                    problems.extend(found);
                    continue;
                }
            };
            if !is_chat_model(id, model) {
                continue;
            }
            let figures = Figures::read(model, price);
            match names.get(&id.to_lowercase()) {
                Some(&position) => figures.apply(&mut file.models[position]),
                None => match figures.new_model(id, ours, model) {
                    Ok(info) => {
                        names.insert(id.to_lowercase(), file.models.len());
                        file.models.push(info);
                    }
                    Err(why) => skipped.push(format!("{listing}/{id}: {why}")),
                },
            }
        }
    }
    if !read_any && problems.is_empty() {
        let makers: Vec<_> = MAKERS.iter().map(|(listing, _)| *listing).collect();
        problems.push(whole_file(format!(
            "it lists no model of a maker API Switch reads ({})",
            makers.join(", ")
        )));
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let today = super::today_utc().to_string();
    file.updated = Some(today.clone());
    file.prices = Some(PricesSource {
        source: format!(
            "models.dev ({source}), the makers' own listings; models it does not price keep \
             the previous price"
        ),
        date: today,
    });
    Ok((file, skipped))
}

/// Every id and alias, lower case, to the model's position.
fn name_index(models: &[ModelInfo]) -> HashMap<String, usize> {
    let mut names = HashMap::new();
    for (position, model) in models.iter().enumerate() {
        for name in std::iter::once(&model.id).chain(&model.aliases) {
            names.entry(name.to_lowercase()).or_insert(position);
        }
    }
    names
}

fn text<'a>(value: &'a Value, field: &str) -> Option<&'a str> {
    value.get(field).and_then(Value::as_str)
}

/// models.dev's `cost` table (USD per million tokens) as a price; all zeros is a free tier's
/// listing, not the model's price, and reads as no price.
fn read_cost(model: &str, cost: Option<&Value>) -> Result<Option<Price>, Vec<CatalogProblem>> {
    let Some(cost) = cost.filter(|c| !c.is_null()) else {
        return Ok(None);
    };
    let Some(cost) = cost.as_object() else {
        return Err(vec![problem(model, "cost", "not a table of prices")]);
    };
    let mut problems = Vec::new();
    let mut figure = |field: &str| match cost.get(field) {
        None | Some(Value::Null) => None,
        Some(value) => value.as_f64().or_else(|| {
            problems.push(problem(model, &format!("cost.{field}"), "not a number"));
            None
        }),
    };
    let price = Price {
        input: figure("input"),
        output: figure("output"),
        cache_read: figure("cache_read"),
        cache_write: figure("cache_write"),
        per_request: None,
        per_image: None,
    };
    problems.extend(check_price(model, Some(&price)).into_iter().map(|mut p| {
        p.field = p.field.map(|f| f.replacen("price.", "cost.", 1));
        p
    }));
    if !problems.is_empty() {
        return Err(problems);
    }
    let figures = [
        price.input,
        price.output,
        price.cache_read,
        price.cache_write,
    ];
    Ok(figures
        .iter()
        .any(|f| f.is_some_and(|f| f > 0.0))
        .then_some(price))
}

/// Image, video, speech, embedding and moderation models are not chat models; the catalog
/// leaves them out, as docs/catalog.md says.
fn is_chat_model(id: &str, model: &Value) -> bool {
    let outputs_text = model
        .pointer("/modalities/output")
        .and_then(Value::as_array)
        .is_none_or(|kinds| kinds.iter().any(|k| k.as_str() == Some("text")));
    let id = id.to_lowercase();
    outputs_text
        && !["embed", "moderation", "tts", "transcribe"]
            .iter()
            .any(|w| id.contains(w))
}

/// What one models.dev entry says about a model.
struct Figures {
    release_date: Option<jiff::civil::Date>,
    context: Option<u32>,
    output: Option<u32>,
    capabilities: Vec<Capability>,
    open_weights: Option<bool>,
    price: Option<Price>,
}

impl Figures {
    fn read(model: &Value, price: Option<Price>) -> Self {
        let limit = |field: &str| {
            model
                .pointer(&format!("/limit/{field}"))
                .and_then(Value::as_u64)
                .filter(|n| *n > 0)
                .map(|n| u32::try_from(n).unwrap_or(u32::MAX))
        };
        let has = |pointer: &str, kind: &str| {
            model
                .pointer(pointer)
                .and_then(Value::as_array)
                .is_some_and(|kinds| kinds.iter().any(|k| k.as_str() == Some(kind)))
        };
        let flag = |field: &str| model.get(field).and_then(Value::as_bool) == Some(true);
        let capabilities = [
            (has("/modalities/input", "image"), Capability::Vision),
            (flag("tool_call"), Capability::Tools),
            (flag("reasoning"), Capability::Reasoning),
            (has("/modalities/input", "audio"), Capability::Audio),
            (has("/modalities/output", "image"), Capability::ImageOutput),
        ]
        .into_iter()
        .filter_map(|(yes, capability)| yes.then_some(capability))
        .collect();
        Self {
            release_date: text(model, "release_date").and_then(|d| d.parse().ok()),
            context: limit("context"),
            output: limit("output"),
            capabilities,
            open_weights: model.get("open_weights").and_then(Value::as_bool),
            price,
        }
    }

    /// Refreshes a model the catalog has: what models.dev gives replaces ours, what it leaves
    /// out stays (web search is not a models.dev field).
    fn apply(self, info: &mut ModelInfo) {
        info.release_date = self.release_date.unwrap_or(info.release_date);
        info.context_length = self.context.unwrap_or(info.context_length);
        info.max_output_tokens = self.output.unwrap_or(info.max_output_tokens);
        let web_search = info.has(Capability::WebSearch);
        info.capabilities = self.capabilities;
        if web_search {
            info.capabilities.push(Capability::WebSearch);
        }
        info.open_weights = self.open_weights.unwrap_or(info.open_weights);
        if self.price.is_some() {
            info.price = self.price;
        }
    }

    /// A model new to the catalog; one without a full date or both limits is left out
    /// (a date is never guessed).
    fn new_model(self, id: &str, provider: &str, model: &Value) -> Result<ModelInfo, &'static str> {
        let release_date = self.release_date.ok_or("no full release date")?;
        let context_length = self.context.ok_or("no context limit")?;
        let max_output_tokens = self.output.ok_or("no output limit")?;
        Ok(ModelInfo {
            id: id.to_owned(),
            name: text(model, "name").unwrap_or(id).to_owned(),
            provider: provider.to_owned(),
            family: text(model, "family").unwrap_or(id).to_owned(),
            release_date,
            context_length,
            max_output_tokens,
            capabilities: self.capabilities,
            aliases: Vec::new(),
            open_weights: self.open_weights.unwrap_or(false),
            price: self.price,
        })
    }
}
