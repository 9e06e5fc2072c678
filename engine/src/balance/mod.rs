//! Relay balances: asking a channel's provider what is left on the account. Each endpoint shape
//! is one file with one `look_up` (new-api's `/api/user/self`, the OpenAI-style billing pair,
//! OpenRouter, DeepSeek, Moonshot, SiliconFlow), dispatched by the closed `BalanceKind` enum;
//! `detect` chooses the shape from the base URL's host when the kind is `auto`. A look-up never
//! guesses: an error answer, a refused credential or an answer without the figure is an
//! `BalanceError`, which the caller records as an unknown balance, never as 0.
//! `refresh` looks channels up through the channel's own HTTP client (its outbound proxy
//! honoured), stores the figures and announces them live.

mod deepseek;
pub mod detect;
mod moonshot;
mod new_api;
mod openai_billing;
mod openrouter;
pub mod refresh;
mod siliconflow;

use std::time::Duration;

use serde_json::Value;
pub use types::balance::{Balance, BalanceKind, BalanceSettings, ChannelBalance};

/// How long one balance request may take, connect to last byte.
pub const LOOKUP_TIMEOUT: Duration = Duration::from_secs(20);

/// Everything one look-up needs: where to ask and with what.
#[derive(Clone, Debug)]
pub struct Ask<'a> {
    /// The channel's HTTP client (through its outbound proxy, when it has one).
    pub client: &'a reqwest::Client,
    /// The base URL's scheme, host and port (`https://api.deepseek.com`), without a path:
    /// every balance endpoint is at the root.
    pub origin: String,
    /// The channel's first enabled API key (empty: none).
    pub api_key: &'a str,
    /// new-api's access token and user id, for `/api/user/self`.
    pub access_token: &'a str,
    pub user_id: &'a str,
}

/// A known figure: an amount in a currency.
#[derive(Clone, Debug, PartialEq)]
pub struct Figure {
    pub amount: f64,
    pub currency: String,
}

/// Why a look-up gave no figure. The message is English; the UI shows "unknown" with it.
#[derive(Debug, thiserror::Error)]
pub enum BalanceError {
    #[error("the provider answered HTTP {status}: {body}")]
    Status { status: u16, body: String },
    #[error("the balance request failed: {source}")]
    Request {
        #[source]
        source: reqwest::Error,
    },
    #[error("the answer is not the expected balance: {what}")]
    Shape { what: String },
    #[error("{what} is needed for this balance endpoint; set it in the channel's balance settings")]
    Missing { what: &'static str },
    #[error("no balance endpoint is known for this channel")]
    NoEndpoint,
}

impl BalanceError {
    fn shape(what: impl Into<String>) -> Self {
        Self::Shape { what: what.into() }
    }
}

/// Asks `kind`'s endpoint for the balance.
pub async fn look_up(kind: BalanceKind, ask: &Ask<'_>) -> Result<Figure, BalanceError> {
    match kind {
        BalanceKind::NewApi => new_api::look_up(ask).await,
        BalanceKind::OpenaiBilling => openai_billing::look_up(ask).await,
        BalanceKind::Openrouter => openrouter::look_up(ask).await,
        BalanceKind::Deepseek => deepseek::look_up(ask).await,
        BalanceKind::Moonshot => moonshot::look_up(ask).await,
        BalanceKind::Siliconflow => siliconflow::look_up(ask).await,
        BalanceKind::Auto | BalanceKind::Off => Err(BalanceError::NoEndpoint),
    }
}

/// GETs `path` at the origin with `headers` and reads the JSON answer; any status but 2xx is
/// an error carrying the start of the body (providers put the reason there).
async fn get_json(
    ask: &Ask<'_>,
    path: &str,
    headers: &[(&str, String)],
) -> Result<Value, BalanceError> {
    let mut request = ask
        .client
        .get(format!("{}{path}", ask.origin))
        .timeout(LOOKUP_TIMEOUT);
    for (name, value) in headers {
        request = request.header(*name, value);
    }
    let response = request
        .send()
        .await
        .map_err(|source| BalanceError::Request { source })?;
    let status = response.status();
    let text = response
        .text()
        .await
        .map_err(|source| BalanceError::Request { source })?;
    if !status.is_success() {
        return Err(BalanceError::Status {
            status: status.as_u16(),
            body: text.chars().take(200).collect(),
        });
    }
    serde_json::from_str(&text).map_err(|e| BalanceError::shape(format!("not JSON ({e})")))
}

/// The API key as a bearer header, or `Missing` when the channel has none.
fn bearer_key(ask: &Ask<'_>) -> Result<(&'static str, String), BalanceError> {
    if ask.api_key.trim().is_empty() {
        return Err(BalanceError::Missing { what: "an API key" });
    }
    Ok(("Authorization", format!("Bearer {}", ask.api_key.trim())))
}

/// A figure providers send as a number or as a decimal string (`"110.00"`).
fn number(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
    .filter(|n: &f64| n.is_finite())
}

/// The number at `pointer` (`/data/totalBalance`), or a `Shape` error naming it.
fn number_at(answer: &Value, pointer: &str) -> Result<f64, BalanceError> {
    answer
        .pointer(pointer)
        .and_then(number)
        .ok_or_else(|| BalanceError::shape(format!("no number at {pointer}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_come_as_numbers_or_decimal_strings() {
        assert_eq!(number(&serde_json::json!(1.5)), Some(1.5));
        assert_eq!(number(&serde_json::json!("110.00")), Some(110.0));
        assert_eq!(number(&serde_json::json!("n/a")), None);
        assert_eq!(number(&serde_json::json!(null)), None);
    }
}
