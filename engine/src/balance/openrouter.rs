//! OpenRouter's `GET /api/v1/credits`, answered with the API key:
//! `data.total_credits` bought minus `data.total_usage` spent, in US dollars.

use super::{Ask, BalanceError, Figure, bearer_key, get_json, number_at};

pub(super) async fn look_up(ask: &Ask<'_>) -> Result<Figure, BalanceError> {
    let answer = get_json(ask, "/api/v1/credits", &[bearer_key(ask)?]).await?;
    let credits = number_at(&answer, "/data/total_credits")?;
    let usage = number_at(&answer, "/data/total_usage")?;
    Ok(Figure {
        amount: credits - usage,
        currency: "USD".into(),
    })
}
