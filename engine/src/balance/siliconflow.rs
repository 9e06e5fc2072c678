//! SiliconFlow's `GET /v1/user/info`, answered with the API key: `data.totalBalance` (paid and
//! granted balance together) as a decimal string, in yuan.

use super::{Ask, BalanceError, Figure, bearer_key, get_json, number_at};

pub(super) async fn look_up(ask: &Ask<'_>) -> Result<Figure, BalanceError> {
    let answer = get_json(ask, "/v1/user/info", &[bearer_key(ask)?]).await?;
    let amount = number_at(&answer, "/data/totalBalance")?;
    Ok(Figure {
        amount,
        currency: "CNY".into(),
    })
}
