//! new-api / one-api's own account endpoint, `GET /api/user/self`: answered with the user's
//! access token (`Authorization: Bearer`, not an API key) and user id (`New-Api-User`). The
//! account's `quota` is in quota units, 500,000 to the US dollar.

use super::{Ask, BalanceError, Figure, get_json, number_at};

/// new-api's quota units per US dollar (its `QuotaPerUnit`).
const QUOTA_PER_USD: f64 = 500_000.0;

pub(super) async fn look_up(ask: &Ask<'_>) -> Result<Figure, BalanceError> {
    if ask.access_token.trim().is_empty() {
        return Err(BalanceError::Missing {
            what: "a new-api access token",
        });
    }
    if ask.user_id.trim().is_empty() {
        return Err(BalanceError::Missing {
            what: "a new-api user id",
        });
    }
    let headers = [
        (
            "Authorization",
            format!("Bearer {}", ask.access_token.trim()),
        ),
        ("New-Api-User", ask.user_id.trim().to_owned()),
    ];
    let answer = get_json(ask, "/api/user/self", &headers).await?;
    // new-api answers refusals with 200 and `success: false`.
    if answer["success"] == false {
        let message = answer["message"].as_str().unwrap_or("success: false");
        return Err(BalanceError::Shape {
            what: format!("new-api refused: {message}"),
        });
    }
    let quota = number_at(&answer, "/data/quota")?;
    Ok(Figure {
        amount: quota / QUOTA_PER_USD,
        currency: "USD".into(),
    })
}
