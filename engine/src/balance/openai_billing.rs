//! The OpenAI-style billing pair many relays answer with the API key:
//! `GET /v1/dashboard/billing/subscription` (`hard_limit_usd`, the account's limit) and
//! `GET /v1/dashboard/billing/usage` (`total_usage`, in US cents). What is left is the limit
//! minus the usage.

use super::{Ask, BalanceError, Figure, bearer_key, get_json, number_at};

/// How far back usage is asked for: relays that honour the dates count the account's life.
const USAGE_FROM: &str = "2023-01-01";

pub(super) async fn look_up(ask: &Ask<'_>) -> Result<Figure, BalanceError> {
    let headers = [bearer_key(ask)?];
    let subscription = get_json(ask, "/v1/dashboard/billing/subscription", &headers).await?;
    let limit = number_at(&subscription, "/hard_limit_usd")?;
    let tomorrow = jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date()
        .tomorrow()
        .map_err(|e| BalanceError::Shape {
            what: format!("no date for tomorrow ({e})"),
        })?;
    let path = format!("/v1/dashboard/billing/usage?start_date={USAGE_FROM}&end_date={tomorrow}");
    let usage = get_json(ask, &path, &headers).await?;
    let used_cents = number_at(&usage, "/total_usage")?;
    Ok(Figure {
        amount: limit - used_cents / 100.0,
        currency: "USD".into(),
    })
}
