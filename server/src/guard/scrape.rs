//! Who may read `/metrics`: the same people as the UI, and a monitoring tool the user gave a
//! token. A page on another site never may (its browser says so: `Sec-Fetch-Site` or an
//! `Origin` not our own; the browser apps listed for `/v1` are not let in here). A scraper from
//! loopback needs nothing, unless the UI asks a login there too (`login_on_loopback`); anyone
//! else needs a login session or `Authorization: Bearer <metrics token>` (made with
//! `api-switch metrics-token create`).

use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use engine::AppState;
use engine::auth::BrowserPlace;
use engine::store::Settings;

use super::browser::{self, Caller};
use super::{Area, login, reply};

/// Why a request for `/metrics` is refused, if it is.
pub async fn refusal(
    app: &AppState,
    settings: &Settings,
    place: BrowserPlace,
    headers: &HeaderMap,
    host: Option<&str>,
) -> Option<Response> {
    if browser::caller(headers, host, &[]) == Caller::Foreign {
        tracing::warn!("refused /metrics to another site's page");
        return Some(reply::refuse(
            Area::Metrics,
            StatusCode::FORBIDDEN,
            "cross_site",
            "a web page on another site may not read the metrics",
        ));
    }
    if !login::required(settings, place) || has_metrics_token(app, headers).await {
        return None;
    }
    if login::has_live_session(app, headers).await {
        return None;
    }
    Some(reply::refuse(
        Area::Metrics,
        StatusCode::UNAUTHORIZED,
        "login_required",
        "reading the metrics from here needs a login or a metrics token \
         (`api-switch metrics-token create NAME`, sent as `Authorization: Bearer TOKEN`)",
    ))
}

/// Whether the request presents a metrics token the user made (a database read, off the
/// async workers).
async fn has_metrics_token(app: &AppState, headers: &HeaderMap) -> bool {
    let presented = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .map(|token| token.trim().to_owned());
    let Some(token) = presented.filter(|t| !t.is_empty()) else {
        return false;
    };
    let app = app.clone();
    match tokio::task::spawn_blocking(move || app.metrics_token_is_valid(&token)).await {
        Ok(Ok(valid)) => valid,
        Ok(Err(error)) => {
            tracing::error!(%error, "cannot check a metrics token");
            false
        }
        Err(error) => {
            tracing::error!(%error, "the metrics token check stopped");
            false
        }
    }
}
