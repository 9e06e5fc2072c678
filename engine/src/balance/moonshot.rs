//! Moonshot's `GET /v1/users/me/balance`, answered with the API key:
//! `data.available_balance`, in yuan on `api.moonshot.cn` and in US dollars on `api.moonshot.ai`.

use super::{Ask, BalanceError, Figure, bearer_key, get_json, number_at};

pub(super) async fn look_up(ask: &Ask<'_>) -> Result<Figure, BalanceError> {
    let answer = get_json(ask, "/v1/users/me/balance", &[bearer_key(ask)?]).await?;
    let amount = number_at(&answer, "/data/available_balance")?;
    let currency = if ask.origin.ends_with(".ai") {
        "USD"
    } else {
        "CNY"
    };
    Ok(Figure {
        amount,
        currency: currency.into(),
    })
}
