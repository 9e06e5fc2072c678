//! Relay balances against local mocks of every endpoint shape (issue 21): new-api's
//! `/api/user/self`, the OpenAI billing pair, OpenRouter, DeepSeek, Moonshot and SiliconFlow,
//! each read to the figure the provider means and sent with the credentials it takes. An
//! endpoint that answers an error gives an unknown balance (never 0) whose message does not
//! show the key; a figure falling below the threshold is announced once; the settings survive
//! an export and import, the access token masked unless secrets are asked for.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use common::{Proxy, serve_on_loopback};
use engine::events::Event;
use engine::store::TokenChange;
use serde_json::{Value, json};
use types::balance::{BalanceKind, BalanceSettings, ChannelBalance};

/// The mock relay: every shape at once. OpenRouter's usage (in cents) can be moved by a test.
#[derive(Default)]
struct Relay {
    openrouter_usage_cents: AtomicU64,
}

fn authorised(headers: &HeaderMap, wanted: &str) -> bool {
    headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == format!("Bearer {wanted}"))
}

fn key_of(headers: &HeaderMap) -> bool {
    headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("Bearer sk-secret-"))
}

fn refused() -> Response {
    (StatusCode::UNAUTHORIZED, Json(json!({"error": "no key"}))).into_response()
}

async fn user_self(headers: HeaderMap) -> Response {
    let user = headers.get("new-api-user").and_then(|v| v.to_str().ok());
    if !authorised(&headers, "tok-access-0123456789") || user != Some("42") {
        // new-api refuses with 200 and `success: false`.
        return Json(json!({"success": false, "message": "unauthorised"})).into_response();
    }
    Json(json!({"success": true, "data": {"id": 42, "quota": 2_500_000, "used_quota": 100}}))
        .into_response()
}

async fn subscription(headers: HeaderMap) -> Response {
    if !key_of(&headers) {
        return refused();
    }
    Json(json!({"object": "billing_subscription", "hard_limit_usd": 20.0})).into_response()
}

async fn usage(headers: HeaderMap) -> Response {
    if !key_of(&headers) {
        return refused();
    }
    Json(json!({"object": "list", "total_usage": 1234.0})).into_response()
}

async fn credits(State(relay): State<Arc<Relay>>, headers: HeaderMap) -> Response {
    if !key_of(&headers) {
        return refused();
    }
    let usage = relay.openrouter_usage_cents.load(Ordering::SeqCst) as f64 / 100.0;
    Json(json!({"data": {"total_credits": 15.0, "total_usage": usage}})).into_response()
}

async fn deepseek(headers: HeaderMap) -> Response {
    if !key_of(&headers) {
        return refused();
    }
    Json(json!({"is_available": true, "balance_infos": [
        {"currency": "CNY", "total_balance": "110.00", "granted_balance": "10.00", "topped_up_balance": "100.00"}
    ]}))
    .into_response()
}

async fn moonshot(headers: HeaderMap) -> Response {
    if !key_of(&headers) {
        return refused();
    }
    Json(json!({"code": 0, "status": true, "scode": "0x0",
                "data": {"available_balance": 49.58, "voucher_balance": 46.58, "cash_balance": 3.0}}))
    .into_response()
}

async fn siliconflow(headers: HeaderMap) -> Response {
    if !key_of(&headers) {
        return refused();
    }
    Json(json!({"code": 20000, "message": "OK", "status": true,
                "data": {"id": "u1", "balance": "0.88", "chargeBalance": "88.00", "totalBalance": "88.88"}}))
    .into_response()
}

/// Every path answers 500 with a body that echoes the key it was sent.
async fn broken(headers: HeaderMap) -> Response {
    let sent = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        format!("upstream down; you sent {sent}"),
    )
        .into_response()
}

async fn start_relay() -> (String, Arc<Relay>) {
    let relay = Arc::new(Relay::default());
    let app = axum::Router::new()
        .route("/api/user/self", get(user_self))
        .route("/v1/dashboard/billing/subscription", get(subscription))
        .route("/v1/dashboard/billing/usage", get(usage))
        .route("/api/v1/credits", get(credits))
        .route("/user/balance", get(deepseek))
        .route("/v1/users/me/balance", get(moonshot))
        .route("/v1/user/info", get(siliconflow))
        .with_state(Arc::clone(&relay));
    (format!("http://{}/v1", serve_on_loopback(app).await), relay)
}

async fn start_broken() -> String {
    let app = axum::Router::new().fallback(broken);
    format!("http://{}", serve_on_loopback(app).await)
}

async fn set_kind(proxy: &Proxy, channel: i64, kind: BalanceKind, threshold: Option<f64>) {
    let settings = BalanceSettings {
        kind,
        threshold,
        user_id: String::new(),
    };
    proxy
        .state
        .set_balance_settings(channel, &settings, TokenChange::Keep)
        .await
        .expect("settings");
}

async fn refreshed(proxy: &Proxy, channel: i64) -> ChannelBalance {
    proxy.state.refresh_balance(channel).await.expect("refresh")
}

#[tokio::test]
async fn every_endpoint_shape_gives_the_figure_its_provider_means() {
    let (base, _relay) = start_relay().await;
    let proxy = Proxy::start().await;
    let cases = [
        (BalanceKind::OpenaiBilling, 20.0 - 12.34, "USD"),
        (BalanceKind::Openrouter, 15.0, "USD"),
        (BalanceKind::Deepseek, 110.0, "CNY"),
        (BalanceKind::Moonshot, 49.58, "CNY"),
        (BalanceKind::Siliconflow, 88.88, "CNY"),
    ];
    for (kind, amount, currency) in cases {
        let channel = proxy.channel(kind.as_str(), &base);
        set_kind(&proxy, channel, kind, None).await;
        let balance = refreshed(&proxy, channel).await;
        let last = balance.last.expect("looked up");
        assert_eq!(last.error, None, "{kind:?}");
        let got = last.amount.expect("a figure");
        assert!((got - amount).abs() < 1e-9, "{kind:?}: {got} != {amount}");
        assert_eq!(last.currency, currency, "{kind:?}");
        assert_eq!(balance.asked_as, Some(kind));
    }
}

#[tokio::test]
async fn new_api_asks_with_the_access_token_and_user_id_which_never_leave() {
    let (base, _relay) = start_relay().await;
    let proxy = Proxy::start().await;
    let channel = proxy.channel("relay", &base);
    let settings = BalanceSettings {
        kind: BalanceKind::Auto,
        threshold: None,
        user_id: "42".into(),
    };
    // Auto on an unknown host with a token and a user id: new-api.
    proxy
        .state
        .set_balance_settings(
            channel,
            &settings,
            TokenChange::Set("tok-access-0123456789".into()),
        )
        .await
        .expect("settings");
    let balance = refreshed(&proxy, channel).await;
    assert_eq!(balance.asked_as, Some(BalanceKind::NewApi));
    assert!(balance.has_access_token);
    let last = balance.last.clone().expect("looked up");
    assert_eq!((last.amount, last.currency.as_str()), (Some(5.0), "USD"));
    let listed =
        serde_json::to_string(&proxy.state.channel_balances().await.expect("list")).expect("json");
    assert!(!listed.contains("tok-access"), "{listed}");

    // A wrong user id: new-api says no with 200, and the balance is unknown.
    let wrong = BalanceSettings {
        user_id: "7".into(),
        ..settings
    };
    proxy
        .state
        .set_balance_settings(channel, &wrong, TokenChange::Keep)
        .await
        .expect("settings");
    let last = refreshed(&proxy, channel).await.last.expect("looked up");
    assert_eq!(last.amount, None);
    assert!(last.error.expect("why").contains("unauthorised"));
}

#[tokio::test]
async fn auto_without_a_token_asks_the_billing_endpoints() {
    let (base, _relay) = start_relay().await;
    let proxy = Proxy::start().await;
    let channel = proxy.channel("relay", &base);
    let balance = refreshed(&proxy, channel).await;
    assert_eq!(balance.asked_as, Some(BalanceKind::OpenaiBilling));
    assert!(balance.last.expect("looked up").amount.is_some());
    set_kind(&proxy, channel, BalanceKind::Off, None).await;
    let off = refreshed(&proxy, channel).await;
    assert_eq!(off.asked_as, None);
}

#[tokio::test]
async fn an_erroring_endpoint_is_unknown_never_zero_and_hides_the_key() {
    let (base, _relay) = start_relay().await;
    let broken = start_broken().await;
    let proxy = Proxy::start().await;
    let channel = proxy.channel("broken", &base);
    set_kind(&proxy, channel, BalanceKind::Deepseek, Some(5.0)).await;
    assert_eq!(
        refreshed(&proxy, channel).await.last.expect("first").amount,
        Some(110.0)
    );

    // The channel moves to a host that answers 500: the figure is unknown, not 0 and not the
    // stale 110, and the key it echoed is masked.
    let mut events = proxy.state.events();
    proxy
        .state
        .update_channel(
            channel,
            &engine::store::ChannelUpdate {
                base_url: Some(broken.clone()),
                ..Default::default()
            },
        )
        .await
        .expect("move");
    let balance = refreshed(&proxy, channel).await;
    let last = balance.last.clone().expect("looked up");
    assert_eq!(last.amount, None);
    assert_eq!(last.currency, "CNY", "the last known currency stays");
    let error = last.error.expect("why");
    assert!(error.contains("500"), "{error}");
    assert!(!error.contains("sk-secret-broken"), "{error}");
    assert!(!balance.is_low(), "unknown is never below a threshold");

    let mut checked = false;
    while let Ok(event) = events.try_recv() {
        match event {
            Event::BalanceChecked {
                channel: c,
                balance,
            } if c == channel => {
                assert_eq!(balance.amount, None);
                checked = true;
            }
            Event::BalanceLow { .. } => panic!("an unknown balance is not low"),
            _ => {}
        }
    }
    assert!(checked, "the unknown figure is announced");

    // And it is stored as unknown.
    let listed = proxy.state.channel_balances().await.expect("list");
    assert_eq!(listed[0].last.as_ref().and_then(|b| b.amount), None);
}

fn low_events(events: &mut tokio::sync::broadcast::Receiver<Event>) -> Vec<(i64, f64)> {
    let mut low = Vec::new();
    while let Ok(event) = events.try_recv() {
        if let Event::BalanceLow {
            channel, threshold, ..
        } = event
        {
            low.push((channel, threshold));
        }
    }
    low
}

#[tokio::test]
async fn falling_below_the_threshold_is_announced_once() {
    let (base, relay) = start_relay().await;
    let proxy = Proxy::start().await;
    let channel = proxy.channel("or", &base);
    set_kind(&proxy, channel, BalanceKind::Openrouter, Some(8.0)).await;
    let mut events = proxy.state.events();

    assert!(!refreshed(&proxy, channel).await.is_low(), "15 is above 8");
    assert!(low_events(&mut events).is_empty());

    relay.openrouter_usage_cents.store(1200, Ordering::SeqCst);
    let balance = refreshed(&proxy, channel).await;
    assert!(balance.is_low(), "3 is below 8");
    assert_eq!(low_events(&mut events), vec![(channel, 8.0)]);

    // Still low: not announced again.
    let all = proxy.state.refresh_balances(None).await.expect("all");
    assert!(all[0].is_low());
    assert!(low_events(&mut events).is_empty());
}

#[tokio::test]
async fn the_background_refresh_skips_figures_that_are_not_due() {
    let (base, _relay) = start_relay().await;
    let proxy = Proxy::start().await;
    let channel = proxy.channel("or", &base);
    set_kind(&proxy, channel, BalanceKind::Openrouter, None).await;
    let first = refreshed(&proxy, channel).await.last.expect("first");
    let again = proxy
        .state
        .refresh_balances(Some(first.checked_ms - 1))
        .await
        .expect("due check");
    assert_eq!(again[0].last.as_ref(), Some(&first), "not due: not asked");
}

#[tokio::test]
async fn balance_settings_survive_export_and_import_with_the_token_masked() {
    // Default settings: the test proxy's short timeouts are outside what import accepts.
    let proxy = Proxy::with_settings(engine::store::Settings::default()).await;
    let channel = proxy.channel("relay", "https://relay.example.com/v1");
    let settings = BalanceSettings {
        kind: BalanceKind::NewApi,
        threshold: Some(2.5),
        user_id: "42".into(),
    };
    proxy
        .state
        .set_balance_settings(
            channel,
            &settings,
            TokenChange::Set("tok-access-0123456789".into()),
        )
        .await
        .expect("settings");

    let store = proxy.state.store();
    let masked =
        serde_json::to_value(engine::config::export(store, false).expect("export")).expect("json");
    let balance = &masked["channels"][0]["balance"];
    assert_eq!(balance["kind"], "new_api");
    assert_eq!(balance["threshold"], 2.5);
    assert_eq!(balance["user_id"], "42");
    assert!(
        !balance["access_token"]
            .as_str()
            .expect("masked")
            .contains("0123456789")
    );

    let full = engine::config::export(store, true).expect("export");
    let text = serde_json::to_string(&full).expect("json");
    let dir = tempfile::tempdir().expect("tempdir");
    let other = engine::AppState::open(dir.path().join("api-switch.db")).expect("open");
    other.import_config(&text).expect("import");
    let imported = other.store().balances().expect("balances");
    let stored = imported.values().next().expect("one channel");
    assert_eq!(stored.settings, settings);
    assert_eq!(stored.access_token.expose(), "tok-access-0123456789");

    let bad: Value = serde_json::from_str(&text.replace("2.5", "-1")).expect("json");
    let error = engine::config::parse(&bad.to_string()).expect_err("negative threshold");
    assert!(error.to_string().contains("channels[0].balance"), "{error}");
}

#[test]
fn known_hosts_are_detected_at_calibration() {
    use engine::balance::detect::detect;
    assert_eq!(
        detect("https://openrouter.ai/api/v1"),
        Some(BalanceKind::Openrouter)
    );
    assert_eq!(
        detect("https://api.siliconflow.cn/v1"),
        Some(BalanceKind::Siliconflow)
    );
    assert_eq!(detect("https://relay.example.com"), None);
}

#[tokio::test]
async fn a_channel_created_through_calibration_stores_the_kind_its_host_answers() {
    let proxy = Proxy::start().await;
    let new = engine::store::NewChannel {
        name: "ds".into(),
        api_type: engine::upstream::ChannelKind::Openai,
        base_url: "https://api.deepseek.com".into(),
        api_key: "sk-ds-secret".into(),
        enabled: true,
        api_version: String::new(),
    };
    let id = proxy
        .state
        .create_channel_with_models(&new, &["deepseek-chat".into()], &["deepseek-chat".into()])
        .await
        .expect("create");
    let stored = proxy.state.store().balance_of(id).expect("stored");
    assert_eq!(stored.settings.kind, BalanceKind::Deepseek);

    let relay = engine::store::NewChannel {
        name: "relay".into(),
        base_url: "https://relay.example.com/v1".into(),
        ..new
    };
    let id = proxy
        .state
        .create_channel_with_models(&relay, &[], &[])
        .await
        .expect("create");
    let stored = proxy.state.store().balance_of(id).expect("stored");
    assert_eq!(stored.settings.kind, BalanceKind::Auto);
}
