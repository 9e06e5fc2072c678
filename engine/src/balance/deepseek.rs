//! DeepSeek's `GET /user/balance`, answered with the API key: `balance_infos`, one per
//! currency (`CNY` or `USD`), each with `total_balance` as a decimal string. The first entry is
//! the account's billing currency.

use super::{Ask, BalanceError, Figure, bearer_key, get_json, number_at};

pub(super) async fn look_up(ask: &Ask<'_>) -> Result<Figure, BalanceError> {
    let answer = get_json(ask, "/user/balance", &[bearer_key(ask)?]).await?;
    let amount = number_at(&answer, "/balance_infos/0/total_balance")?;
    let currency = answer
        .pointer("/balance_infos/0/currency")
        .and_then(|c| c.as_str())
        .unwrap_or("CNY");
    Ok(Figure {
        amount,
        currency: currency.to_owned(),
    })
}
