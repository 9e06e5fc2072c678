//! Issue 21: relay balances in headless Chromium (`end2end/balance.mjs`) against the release
//! binary and local mocks of two providers' balance endpoints (OpenRouter's credits, DeepSeek's
//! balance) and one that answers 500. The Channels screen's refresh buttons look each balance
//! up: a figure with its currency, "low" under the threshold, "unknown" (never 0) for the
//! failure; a threshold and a new-api token set in the edit form are stored and the token never
//! reaches the page; the Dashboard card lists the low channels. Both languages and themes pass
//! axe; the screenshots are looked at.

use super::support;

use axum::Json;
use axum::http::StatusCode;
use axum::routing::get;
use engine::balance::{BalanceKind, BalanceSettings};
use engine::store::{NewChannel, Store, TokenChange};
use engine::upstream::ChannelKind;
use serde_json::json;

async fn serve(app: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}")
}

fn channel(store: &Store, name: &str, base_url: &str, kind: BalanceKind, threshold: Option<f64>) {
    let id = store
        .create_channel(&NewChannel {
            name: name.into(),
            api_type: ChannelKind::Custom,
            base_url: base_url.into(),
            api_key: format!("sk-{name}-secret-0001").into(),
            enabled: true,
            api_version: String::new(),
        })
        .expect("channel");
    let settings = BalanceSettings {
        kind,
        threshold,
        user_id: String::new(),
    };
    store
        .set_balance_settings(id, &settings, &TokenChange::Keep)
        .expect("balance settings");
}

#[tokio::test(flavor = "multi_thread")]
async fn balances_show_on_channels_and_the_dashboard_and_an_error_is_unknown() {
    let relay = serve(
        axum::Router::new()
            .route(
                "/api/v1/credits",
                get(|| async {
                    Json(json!({"data": {"total_credits": 25.0, "total_usage": 10.0}}))
                }),
            )
            .route(
                "/user/balance",
                get(|| async {
                    Json(json!({"is_available": true, "balance_infos": [
                        {"currency": "CNY", "total_balance": "110.00"}]}))
                }),
            ),
    )
    .await;
    let broken = serve(
        axum::Router::new()
            .fallback(|| async { (StatusCode::INTERNAL_SERVER_ERROR, "upstream down") }),
    )
    .await;

    let data = tempfile::tempdir().expect("temp dir");
    let store = Store::open(data.path().join("api-switch.db")).expect("store");
    channel(
        &store,
        "router",
        &format!("{relay}/api/v1"),
        BalanceKind::Openrouter,
        Some(20.0),
    );
    channel(&store, "deep", &relay, BalanceKind::Deepseek, None);
    channel(&store, "broken", &broken, BalanceKind::Auto, Some(1.0));
    drop(store);

    let stdout = support::run_browser_check(data.path(), "balance.mjs", &[]).await;
    assert!(stdout.contains("balance ok"), "{stdout}");
    eprintln!("{stdout}");

    let store = Store::open(data.path().join("api-switch.db")).expect("store");
    let balances = store.balances().expect("balances");
    let deep = balances
        .values()
        .find(|b| b.settings.kind == BalanceKind::Deepseek)
        .expect("deep");
    assert_eq!(deep.settings.threshold, Some(200.0));
    assert_eq!(deep.access_token.expose(), "tok-browser-secret-0001");
    assert_eq!(deep.last.as_ref().and_then(|b| b.amount), Some(110.0));
    let broken = balances
        .values()
        .find(|b| b.settings.kind == BalanceKind::Auto)
        .expect("broken");
    assert_eq!(broken.last.as_ref().and_then(|b| b.amount), None);
}
