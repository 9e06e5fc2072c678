use jiff::civil::date;

use super::*;

fn find(name: &str) -> Option<(String, MatchKind)> {
    Catalog::embedded()
        .lookup(name)
        .map(|m| (m.model.id.clone(), m.kind))
}

#[test]
fn embedded_catalog_parses_and_is_large_enough() {
    let catalog = Catalog::from_json(EMBEDDED).expect("models.json parses");
    assert!(catalog.models().len() >= 150, "{}", catalog.models().len());
    for model in catalog.models() {
        assert!(
            model.context_length > 0 && model.max_output_tokens > 0,
            "{}",
            model.id
        );
        assert!(catalog.provider(&model.provider).is_some(), "{}", model.id);
    }
}

#[test]
fn every_name_belongs_to_one_model() {
    // A moving alias such as `mistral-small-latest` must leave the older model when a newer one
    // takes it, or an exact lookup would answer with whichever comes first.
    let mut seen = std::collections::HashMap::new();
    for model in Catalog::embedded().models() {
        for name in std::iter::once(&model.id).chain(&model.aliases) {
            let previous = seen.insert(name.to_lowercase(), model.id.clone());
            assert_eq!(previous, None, "{name} names {} as well", model.id);
        }
    }
}

#[test]
fn exact_names_match_exactly() {
    assert_eq!(find("gpt-4o"), Some(("gpt-4o".into(), MatchKind::Exact)));
    assert_eq!(
        find("claude-sonnet-4-20250514"),
        Some(("claude-sonnet-4".into(), MatchKind::Exact))
    );
    assert_eq!(
        find("DeepSeek-Chat"),
        Some(("deepseek-chat".into(), MatchKind::Exact))
    );
}

#[test]
fn provider_prefixes_are_dropped() {
    assert_eq!(
        find("anthropic/claude-opus-4-1"),
        Some(("claude-opus-4-1".into(), MatchKind::Normalised))
    );
    assert_eq!(
        find("openrouter/x-ai/grok-4:free"),
        Some(("grok-4".into(), MatchKind::Normalised))
    );
    assert_eq!(
        find("deepseek-ai/DeepSeek-V3"),
        Some(("deepseek-v3".into(), MatchKind::Normalised))
    );
    assert_eq!(
        find("Qwen/Qwen3-235B-A22B-Instruct-2507"),
        Some((
            "qwen3-235b-a22b-instruct-2507".into(),
            MatchKind::Normalised
        ))
    );
}

#[test]
fn models_released_in_2026_are_known_exactly_and_with_a_prefix() {
    for (name, id) in [
        ("claude-sonnet-4-6", "claude-sonnet-4-6"),
        ("claude-opus-4-7", "claude-opus-4-7"),
        ("gemini-3.1-pro-preview", "gemini-3.1-pro-preview"),
        ("grok-4.3", "grok-4.3"),
        ("deepseek-v4-pro", "deepseek-v4-pro"),
        ("kimi-k2.5", "kimi-k2.5"),
        ("GLM-5", "glm-5"),
        ("MiniMax-M2.7", "minimax-m2.7"),
        ("MiniMax-M2.7-highspeed", "minimax-m2.7"),
        ("gpt-6-astra", "gpt-6-astra"),
        ("claude-haiku-5-5", "claude-haiku-5-5"),
    ] {
        assert_eq!(find(name), Some((id.into(), MatchKind::Exact)), "{name}");
    }
    for (name, id) in [
        ("anthropic/claude-opus-4-7", "claude-opus-4-7"),
        ("google/gemini-3.1-pro-preview", "gemini-3.1-pro-preview"),
        ("openrouter/x-ai/grok-4.3", "grok-4.3"),
        ("deepseek-ai/DeepSeek-V4-Flash", "deepseek-v4-flash"),
        ("moonshotai/Kimi-K2.5", "kimi-k2.5"),
        ("zai-org/GLM-5", "glm-5"),
        ("MiniMaxAI/MiniMax-M2.7", "minimax-m2.7"),
        ("Qwen/Qwen3.6-35B-A3B", "qwen3.6-35b-a3b"),
        ("xiaomi/mimo-v2-flash", "mimo-v2-flash"),
    ] {
        assert_eq!(
            find(name),
            Some((id.into(), MatchKind::Normalised)),
            "{name}"
        );
    }
}

#[test]
fn dates_latest_and_dots_are_normalised() {
    let normalised = |name: &str, id: &str| {
        assert_eq!(
            find(name),
            Some((id.into(), MatchKind::Normalised)),
            "{name}"
        );
    };
    normalised("claude-opus-4-1-20990101", "claude-opus-4-1");
    normalised("gpt-4.1-2099-01-01", "gpt-4.1");
    normalised("claude-sonnet-4.5", "claude-sonnet-4-5");
    normalised("claude-3-5-haiku-latest", "claude-3-5-haiku");
    normalised("anthropic/claude-3.7-sonnet", "claude-3-7-sonnet");
    normalised("models/gemini-2.5-flash-lite", "gemini-2.5-flash-lite");
    normalised("claude-3-5-sonnet@20240620", "claude-3-5-sonnet");
    normalised("ft:gpt-4o-mini:my-org:custom:abc123", "gpt-4o-mini");
}

#[test]
fn fuzzy_finds_the_best_fitting_model() {
    let fuzzy = |name: &str, id: &str| {
        assert_eq!(find(name), Some((id.into(), MatchKind::Fuzzy)), "{name}");
    };
    fuzzy("gpt-4o-mini-transcribe", "gpt-4o-mini");
    fuzzy("claude-sonnet-4-5-thinking", "claude-sonnet-4-5");
    fuzzy("claude-4.5-sonnet", "claude-sonnet-4-5");
    fuzzy("claude-5.5-sonnet", "claude-sonnet-5-5");
    fuzzy(
        "Qwen/Qwen3-Coder-480B-A35B-Instruct-FP8",
        "qwen3-coder-480b-a35b-instruct",
    );
}

#[test]
fn fuzzy_prefers_the_maker_named_in_the_prefix() {
    // Two makers' models fit `x-alpha-one` equally well; the prefix names the maker.
    let model = |id: &str, provider: &str| {
        serde_json::json!({
            "id": id, "name": id, "provider": provider, "family": "f",
            "release_date": "2025-01-01", "context_length": 1000,
            "max_output_tokens": 100, "capabilities": []
        })
    };
    let text = serde_json::json!({
        "providers": {
            "maker-a": {"name": "A", "aliases": ["a-labs"]},
            "maker-b": {"name": "B", "aliases": ["b-ai"]}
        },
        "models": [model("alpha-one", "maker-a"), model("one-alpha", "maker-b")]
    })
    .to_string();
    let catalog = Catalog::from_json(&text).expect("valid catalog");
    let id = |name: &str| catalog.lookup(name).map(|m| (m.model.id.clone(), m.kind));
    assert_eq!(
        id("openrouter/b-ai/x-alpha-one"),
        Some(("one-alpha".into(), MatchKind::Fuzzy))
    );
    assert_eq!(
        id("groq/a-labs/x-alpha-one"),
        Some(("alpha-one".into(), MatchKind::Fuzzy))
    );
    // The same name from the real catalog: Meta's own Llama, not a distill built on it.
    assert_eq!(
        find("meta-llama/llama-3.3-70b-instruct-turbo").map(|m| m.0),
        Some("llama-3.3-70b-instruct".into())
    );
}

#[test]
fn a_model_of_an_unlisted_provider_is_rejected() {
    let text = r#"{"providers": {}, "models": [{"id": "m", "name": "m", "provider": "nobody",
        "family": "f", "release_date": "2025-01-01", "context_length": 1,
        "max_output_tokens": 1, "capabilities": []}]}"#;
    let error = Catalog::from_json(text).expect_err("unknown provider");
    assert!(
        matches!(error, CatalogError::UnknownProvider { .. }),
        "{error}"
    );
}

#[test]
fn unknown_names_have_no_match() {
    assert_eq!(find("my-private-finetune"), None);
    assert_eq!(find(""), None);
    assert_eq!(find("text-embedding-3-large"), None);
}

#[test]
fn default_max_tokens_comes_from_the_catalog_capped() {
    let catalog = Catalog::embedded();
    assert_eq!(catalog.default_max_tokens("claude-3-opus-20240229"), 4096);
    assert_eq!(
        catalog.default_max_tokens("claude-sonnet-4-5"),
        DEFAULT_MAX_TOKENS_CAP
    );
    assert_eq!(
        catalog.default_max_tokens("unknown-model"),
        FALLBACK_MAX_TOKENS
    );
}

#[test]
fn preselection_ticks_recent_models_and_existing_entries() {
    let fetched: Vec<String> = [
        "claude-opus-4-5-20251101",
        "claude-sonnet-4-5-20250929",
        "gpt-4o",
        "claude-3-haiku-20240307",
        "my-private-model",
    ]
    .map(String::from)
    .to_vec();
    let existing = vec!["Claude-3-Haiku-20240307".to_string()];
    let picks = preselect(Catalog::embedded(), &fetched, &existing, date(2026, 4, 15));
    let summary: Vec<(&str, bool, SelectReason)> = picks
        .iter()
        .map(|p| (p.id.as_str(), p.selected, p.reason))
        .collect();
    assert_eq!(
        summary,
        vec![
            ("claude-opus-4-5-20251101", true, SelectReason::Recent),
            // 2025-09-29 is more than six months before 2026-04-15.
            (
                "claude-sonnet-4-5-20250929",
                false,
                SelectReason::NotSelected
            ),
            ("gpt-4o", false, SelectReason::NotSelected),
            ("claude-3-haiku-20240307", true, SelectReason::ExistingEntry),
            ("my-private-model", false, SelectReason::NotSelected),
        ]
    );
    assert_eq!(picks[0].release_date, Some(date(2025, 11, 24)));
    assert_eq!(picks[4].catalog_id, None);
}

#[test]
fn preselection_boundary_is_six_calendar_months() {
    let fetched = vec!["claude-sonnet-4-5".to_string()];
    let on_boundary = preselect(Catalog::embedded(), &fetched, &[], date(2026, 3, 29));
    let day_after = preselect(Catalog::embedded(), &fetched, &[], date(2026, 3, 30));
    assert!(on_boundary[0].selected);
    assert!(!day_after[0].selected);
}

/// Models no source priced when the prices were compiled (docs/catalog.md, Prices, says why:
/// open weights without a maker API, retired or free-tier models, makers models.dev and
/// LiteLLM do not price). A model leaves this list when it gains a price.
const NO_PRICE: &[&str] = &[
    "gpt-oss-120b",
    "gpt-oss-20b",
    "gpt-4o-audio-preview",
    "chatgpt-4o-latest",
    "claude-2.1",
    "gemma-4-26b-a4b-it",
    "gemma-4-31b-it",
    "gemma-3n-e4b-it",
    "gemma-3-27b-it",
    "gemma-3-12b-it",
    "gemma-3-4b-it",
    "grok-4-1-fast-reasoning",
    "grok-4-fast-reasoning",
    "deepseek-v4.1-flash",
    "deepseek-v3.2-exp",
    "deepseek-v3.1-terminus",
    "deepseek-v3.1",
    "deepseek-r1-0528",
    "deepseek-v3-0324",
    "deepseek-r1-distill-llama-70b",
    "deepseek-r1-distill-qwen-32b",
    "deepseek-coder-v2-instruct",
    "qwen3.8-27b",
    "qwen3-235b-a22b-thinking-2507",
    "qwen3-235b-a22b-instruct-2507",
    "qwen3-30b-a3b",
    "qwq-32b",
    "qwen2.5-coder-32b-instruct",
    "kimi-k2.8-preview",
    "glm-4.7-flash",
    "glm-4.5-flash",
    "glm-4.1v-thinking-flash",
    "glm-z1-air",
    "glm-4-32b-0414",
    "glm-4-plus",
    "glm-4-long",
    "glm-4-flash",
    "minimax-m1",
    "minimax-text-01",
    "minimax-vl-01",
    "devstral-small-2512",
    "magistral-medium-2506",
    "magistral-small-2506",
    "mistral-small-2503",
    "codestral-2501",
    "muse-spark-1.3",
    "muse-spark-1.2",
    "muse-spark-1.1",
    "llama-4-maverick-17b-128e-instruct",
    "llama-4-scout-17b-16e-instruct",
    "llama-3.3-70b-instruct",
    "llama-3.2-90b-vision-instruct",
    "llama-3.2-11b-vision-instruct",
    "llama-3.2-3b-instruct",
    "llama-3.2-1b-instruct",
    "llama-3.1-405b-instruct",
    "llama-3.1-70b-instruct",
    "llama-3.1-8b-instruct",
    "llama-3-70b-instruct",
    "nova-2-pro-v1",
    "doubao-seed-2-0-pro",
    "doubao-seed-1-6",
    "doubao-seed-1-6-thinking",
    "doubao-seed-1-6-flash",
    "doubao-1-5-pro-32k",
    "ernie-4.5-300b-a47b",
    "ernie-4.5-turbo-128k",
    "ernie-x1-turbo-32k",
    "hy3-preview",
    "hunyuan-a13b-instruct",
    "step-3",
    "longcat-flash-chat",
    "nemotron-3-nano-omni-30b-a3b-reasoning",
    "nemotron-3-super-120b-a12b",
    "llama-3.1-nemotron-ultra-253b-v1",
];

#[test]
fn every_model_has_a_price_or_is_listed_without_one() {
    let catalog = Catalog::embedded();
    for model in catalog.models() {
        let listed = NO_PRICE.contains(&model.id.as_str());
        match &model.price {
            Some(price) => {
                assert!(!listed, "{} has a price; take it off NO_PRICE", model.id);
                let figures = [
                    price.input,
                    price.output,
                    price.cache_read,
                    price.cache_write,
                    price.per_request,
                    price.per_image,
                ];
                assert!(
                    figures.iter().flatten().all(|f| f.is_finite() && *f >= 0.0),
                    "{}: {price:?}",
                    model.id
                );
                assert!(
                    price.input.is_some() && price.output.is_some(),
                    "{} has a price without input and output: {price:?}",
                    model.id
                );
            }
            None => assert!(listed, "{} has no price and is not in NO_PRICE", model.id),
        }
    }
    assert!(
        catalog.prices_source().is_some(),
        "models.json records where prices come from"
    );
}

#[test]
fn a_known_price_reads_from_the_catalog() {
    let found = Catalog::embedded()
        .lookup("claude-sonnet-4-5-20250929")
        .expect("known");
    let price = found.model.price.as_ref().expect("priced");
    assert_eq!(price.input, Some(3.0));
    assert_eq!(price.output, Some(15.0));
    assert_eq!(price.cache_read, Some(0.3));
    assert_eq!(price.cache_write, Some(3.75));
    let info = Catalog::embedded().info("gpt-4o").expect("known");
    assert_eq!(info.price.and_then(|p| p.input), Some(2.5));
}
