//! Channels and their entries, the two screens a user spends their first minutes on: the
//! Channels screen (provider accounts, added through live calibration) and API management
//! (every entry by group, in the order the proxy tries them, with "Test all"). Both read the
//! same listing (the engine builds it, the types are `types::listing`'s) through the server
//! functions defined here; each screen is its own module and neither imports the other.

pub mod add_channel;
pub mod api_entries;
pub mod channel_balance;
pub mod channel_keys;
pub mod channel_list;
pub mod channel_models;
pub mod channel_pricing;
pub mod channel_proxy;
pub mod entries;
pub mod entry_aliases;
mod entry_row;
pub mod group_routing;
pub mod speedtest;
pub mod test_all;

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::errors::UiError;

pub use api_entries::EntriesScreen;
pub use channel_list::ChannelsScreen;

pub use types::listing::{CatalogInfo, ChannelRow, EntryRow, GroupRow};

/// A catalog entry in the words of the page's language (the facts are the engine's
/// `CatalogInfo`; the words are the UI's).
pub trait CatalogWords {
    /// One short line in `locale` after the model's name: release date, context,
    /// capabilities.
    fn details(&self, locale: crate::i18n::Locale) -> String;
    /// The capabilities in words of `locale`, comma separated.
    fn capability_words(&self, locale: crate::i18n::Locale) -> String;
}

impl CatalogWords for CatalogInfo {
    fn details(&self, locale: crate::i18n::Locale) -> String {
        use crate::i18n::td_string;
        let k = self.context_length / 1000;
        let mut text = format!(
            " · {} · {}",
            self.release_date,
            td_string!(locale, channels.context_k, k)
        );
        let capabilities = self.capability_words(locale);
        if !capabilities.is_empty() {
            text.push_str(" · ");
            text.push_str(&capabilities);
        }
        if self.match_kind == "fuzzy" {
            text.push(' ');
            text.push_str(td_string!(locale, channels.guess));
        }
        text
    }

    fn capability_words(&self, locale: crate::i18n::Locale) -> String {
        use crate::i18n::td_string;
        self.capabilities
            .iter()
            .map(|c| match c.as_str() {
                "vision" => td_string!(locale, capabilities.vision).to_string(),
                "tools" => td_string!(locale, capabilities.tools).to_string(),
                "reasoning" => td_string!(locale, capabilities.reasoning).to_string(),
                "audio" => td_string!(locale, capabilities.audio).to_string(),
                "imageoutput" => td_string!(locale, capabilities.image_output).to_string(),
                "websearch" => td_string!(locale, capabilities.web_search).to_string(),
                other => other.to_owned(),
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Every channel with its entries (in priority order) and their catalog facts.
#[server]
pub async fn list_channels() -> Result<Vec<ChannelRow>, UiError> {
    Ok(crate::engine_call::state()?.channel_listing().await?)
}

/// Every model id the catalog knows, for the suggestions under "add a model by hand".
#[server]
pub async fn catalog_model_ids() -> Result<Vec<String>, UiError> {
    Ok(engine::catalog::Catalog::current()
        .models()
        .iter()
        .map(|m| m.id.clone())
        .collect())
}

#[server]
pub async fn list_groups() -> Result<Vec<GroupRow>, UiError> {
    Ok(crate::engine_call::state()?.groups().await?)
}

/// Shared by every control on the screen: bump it to reload the lists, set an error to show it.
#[derive(Clone, Copy)]
pub struct PageContext {
    pub refresh: RwSignal<u64>,
    pub error: RwSignal<Option<UiError>>,
}

impl PageContext {
    /// Runs a server call from a click, then reloads the lists (or shows what went wrong).
    pub fn run<F>(self, call: F)
    where
        F: std::future::Future<Output = Result<(), UiError>> + 'static,
    {
        spawn_local(async move {
            let outcome = call.await;
            self.error.try_set(outcome.err());
            self.refresh.try_update(|v| *v += 1);
        });
    }
}
