//! How a channel's requests are priced, edited with the channel: a multiplier on the catalog's
//! prices (a relay selling at 0.3x) and per-model prices of its own (per million tokens, US
//! dollars), which are taken as they are. The engine checks what is saved (`Pricing::problem`);
//! the form names a figure it cannot read before anything is sent.

use leptos::prelude::*;
use types::pricing::{Price, Pricing};

use crate::components::style::{BUTTON_SMALL, INPUT, MUTED};
use crate::errors::UiError;
use crate::i18n::{t, t_string, use_i18n};

/// Sets how the channel's requests are priced; new requests are priced by it at once.
#[server(input = leptos::server_fn::codec::Json)]
pub async fn save_channel_pricing(channel_id: i64, pricing: Pricing) -> Result<(), UiError> {
    Ok(crate::engine_call::state()?
        .set_channel_pricing(channel_id, &pricing)
        .await?)
}

/// One price override being edited: the model and its figures as typed.
#[derive(Clone, Copy)]
struct OverrideDraft {
    /// Stable across edits, for the list's keys and the inputs' ids.
    key: usize,
    model: RwSignal<String>,
    figures: [RwSignal<String>; 4],
}

/// The figures an override row edits, in column order.
const FIGURES: [&str; 4] = ["input", "output", "cache_read", "cache_write"];

impl OverrideDraft {
    fn new(key: usize, model: &str, price: &Price) -> Self {
        let text =
            |figure: Option<f64>| RwSignal::new(figure.map(|f| f.to_string()).unwrap_or_default());
        Self {
            key,
            model: RwSignal::new(model.to_owned()),
            figures: [
                text(price.input),
                text(price.output),
                text(price.cache_read),
                text(price.cache_write),
            ],
        }
    }

    /// The override as saved; `Err(field)` names the first figure that is not a number.
    fn read(&self) -> Result<(String, Price), String> {
        let mut read = [None; 4];
        for (slot, (figure, name)) in read.iter_mut().zip(self.figures.iter().zip(FIGURES)) {
            let text = figure.get_untracked();
            let text = text.trim();
            if !text.is_empty() {
                *slot = Some(text.parse::<f64>().map_err(|_| name.to_owned())?);
            }
        }
        let [input, output, cache_read, cache_write] = read;
        let price = Price {
            input,
            output,
            cache_read,
            cache_write,
            ..Price::default()
        };
        Ok((self.model.get_untracked().trim().to_owned(), price))
    }
}

/// The pricing being edited with a channel.
#[derive(Clone, Copy)]
pub struct PricingDraft {
    multiplier: RwSignal<String>,
    overrides: RwSignal<Vec<OverrideDraft>>,
    next_key: StoredValue<usize>,
    problem: RwSignal<Option<String>>,
}

impl PricingDraft {
    pub fn new(saved: &Pricing) -> Self {
        let overrides: Vec<OverrideDraft> = saved
            .overrides
            .iter()
            .enumerate()
            .map(|(key, (model, price))| OverrideDraft::new(key, model, price))
            .collect();
        Self {
            multiplier: RwSignal::new(saved.multiplier.to_string()),
            next_key: StoredValue::new(overrides.len()),
            overrides: RwSignal::new(overrides),
            problem: RwSignal::new(None),
        }
    }

    /// The pricing to save, or what cannot be read (shown under the fieldset).
    pub fn read(self) -> Result<Pricing, String> {
        let text = self.multiplier.get_untracked();
        let multiplier = text
            .trim()
            .parse::<f64>()
            .map_err(|_| format!("multiplier: {text}"))?;
        let mut pricing = Pricing {
            multiplier,
            ..Pricing::default()
        };
        for draft in self.overrides.get_untracked() {
            let (model, price) = draft.read()?;
            if model.is_empty() && price == Price::default() {
                continue;
            }
            pricing.overrides.insert(model, price);
        }
        match pricing.problem() {
            Some(problem) => Err(problem),
            None => Ok(pricing),
        }
    }

    /// Shows `problem` (or clears it).
    pub fn show(self, problem: Option<String>) {
        self.problem.set(problem);
    }

    fn add(self) {
        let key = self.next_key.get_value();
        self.next_key.set_value(key + 1);
        self.overrides
            .update(|list| list.push(OverrideDraft::new(key, "", &Price::default())));
    }

    fn remove(self, key: usize) {
        self.overrides.update(|list| list.retain(|d| d.key != key));
    }
}

/// "×0.3 · 2 own prices" under a channel's kind, when its pricing is not the catalog's.
#[component]
pub fn PricingSummary(pricing: Pricing) -> impl IntoView {
    let i18n = use_i18n();
    let multiplier = pricing.multiplier;
    let own = pricing.overrides.len();
    (!pricing.is_default()).then(|| {
        view! {
            <span class=format!("mt-1 block text-xs {MUTED}") data-pricing-summary="">
                {move || t_string!(i18n, pricing.summary, multiplier = multiplier, own = own).to_string()}
            </span>
        }
    })
}

#[component]
pub fn PricingEditor(channel_id: i64, draft: PricingDraft) -> impl IntoView {
    let i18n = use_i18n();
    let field = move |suffix: &str| format!("pricing-{suffix}-{channel_id}");
    let label = "block text-sm font-medium text-slate-800 dark:text-slate-200";
    let heading = move |name: &'static str| match name {
        "input" => t_string!(i18n, pricing.input).to_string(),
        "output" => t_string!(i18n, pricing.output).to_string(),
        "cache_read" => t_string!(i18n, pricing.cache_read).to_string(),
        _ => t_string!(i18n, pricing.cache_write).to_string(),
    };
    view! {
        <fieldset class="space-y-3 md:col-span-2" data-pricing=channel_id>
            <legend class="mb-1 text-sm font-medium text-slate-800 dark:text-slate-200">{t!(i18n, pricing.legend)}</legend>
            <div class="max-w-xs space-y-1">
                <label for=field("multiplier") class=label>{t!(i18n, pricing.multiplier)}</label>
                <input id=field("multiplier") class=INPUT inputmode="decimal" aria-describedby=field("multiplier-hint")
                    prop:value=move || draft.multiplier.get() on:input=move |ev| draft.multiplier.set(event_target_value(&ev))/>
                <p id=field("multiplier-hint") class=format!("text-xs {MUTED}")>{t!(i18n, pricing.multiplier_hint)}</p>
            </div>
            <p class=format!("text-xs {MUTED}")>{t!(i18n, pricing.overrides_hint)}</p>
            <For each=move || draft.overrides.get() key=|d| d.key let:row>
                <div class="grid grid-cols-2 items-end gap-2 sm:grid-cols-6" data-price-override=row.key>
                    <div class="col-span-2 space-y-1">
                        <label for=format!("{}-{}", field("model"), row.key) class="block text-xs font-medium">{t!(i18n, pricing.model)}</label>
                        <input id=format!("{}-{}", field("model"), row.key) class=format!("{INPUT} font-mono") spellcheck="false"
                            prop:value=move || row.model.get() on:input=move |ev| row.model.set(event_target_value(&ev))/>
                    </div>
                    {FIGURES.iter().zip(row.figures).map(|(name, figure)| {
                        let id = format!("{}-{}", field(name), row.key);
                        view! {
                            <div class="space-y-1">
                                <label for=id.clone() class="block text-xs font-medium">{heading(name)}</label>
                                <input id=id class=INPUT inputmode="decimal"
                                    prop:value=move || figure.get() on:input=move |ev| figure.set(event_target_value(&ev))/>
                            </div>
                        }
                    }).collect_view()}
                    <button type="button" class=format!("{BUTTON_SMALL} col-span-2 justify-self-start sm:col-span-6")
                        on:click=move |_| draft.remove(row.key)>{t!(i18n, pricing.remove)}</button>
                </div>
            </For>
            <button type="button" class=BUTTON_SMALL data-add-price-override="" on:click=move |_| draft.add()>
                {t!(i18n, pricing.add)}
            </button>
            <p class="text-sm text-red-700 dark:text-red-300" role="alert" data-pricing-error="">
                {move || draft.problem.get().map(|problem| t_string!(i18n, pricing.problem, problem = problem).to_string())}
            </p>
        </fieldset>
    }
}
