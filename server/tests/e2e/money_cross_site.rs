//! Issue 21's server functions (a key's limits, a channel's pricing and balance settings, a
//! balance refresh, the model catalog's update and reset) on the real router: a cross-site
//! request to any of them is refused and changes nothing, while the same request from the UI's
//! own page goes through (so the refusal is the origin's, not a bad body's). No answer carries
//! the channel's key.

use std::net::SocketAddr;

use api_switch::http::{DB_FILE_NAME, router};
use app::components::balance::RefreshBalances;
use app::screens::access_keys::limits::SetAccessKeyLimits;
use app::screens::channels::channel_balance::SaveBalanceSettings;
use app::screens::channels::channel_pricing::SaveChannelPricing;
use app::screens::settings::{ResetModelCatalog, UpdateModelCatalog};
use axum::Router;
use axum::body::{Body, to_bytes};
use axum::http::{Request, header};
use engine::AppState;
use engine::store::NewChannel;
use engine::upstream::ChannelKind;
use leptos::server_fn::ServerFn;
use serde_json::{Value, json};
use tower::ServiceExt;

const KEY: &str = "sk-money-secret";

/// POSTs `body` to `path` as a page on `site` (`Sec-Fetch-Site`) would; returns the status.
async fn post(router: &Router, path: &str, site: &str, content_type: &str, body: String) -> u16 {
    let request = Request::post(path)
        .header(header::CONTENT_TYPE, content_type)
        .header(header::ACCEPT, "application/json")
        .header("sec-fetch-site", site)
        .body(Body::from(body))
        .expect("request");
    let response = router.clone().oneshot(request).await.expect("response");
    let status = response.status().as_u16();
    let body = to_bytes(response.into_body(), usize::MAX)
        .await
        .expect("body");
    let text = String::from_utf8_lossy(&body);
    assert!(!text.contains(KEY), "a key reached the browser: {text}");
    status
}

async fn json_post<F: ServerFn>(router: &Router, site: &str, body: Value) -> u16 {
    post(router, F::PATH, site, "application/json", body.to_string()).await
}

async fn form_post<F: ServerFn>(router: &Router, site: &str, body: &str) -> u16 {
    let form = "application/x-www-form-urlencoded";
    post(router, F::PATH, site, form, body.into()).await
}

#[tokio::test]
async fn cross_site_calls_to_the_money_server_functions_are_refused_and_change_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = AppState::open(dir.path().join(DB_FILE_NAME)).expect("state");
    let channel = state
        .create_channel(&NewChannel {
            name: "relay".into(),
            api_type: ChannelKind::Openai,
            // Nothing listens here: a balance look-up that got through would only fail.
            base_url: "http://127.0.0.1:9".into(),
            api_key: KEY.into(),
            enabled: true,
            api_version: String::new(),
        })
        .await
        .expect("channel");
    let key = state
        .create_access_key("agent", "sk-as-agent")
        .await
        .expect("access key");
    let router = router(state.clone(), SocketAddr::from(([127, 0, 0, 1], 0)));

    let limits = json!({"id": key, "limits": {"requests_per_minute": 1}});
    let pricing = json!({"channel_id": channel, "pricing": {"multiplier": 0.3, "overrides": {}}});
    let balance = json!({"channel_id": channel,
        "settings": {"kind": "deepseek", "threshold": 5.0}, "access_token": ""});
    for site in ["cross-site", "same-site"] {
        assert_eq!(
            form_post::<SetAccessKeyLimits>(
                &router,
                site,
                &format!("id={key}&limits[requests_per_minute]=1")
            )
            .await,
            403,
            "{site}: limits (form)"
        );
        assert_eq!(
            json_post::<SaveChannelPricing>(&router, site, pricing.clone()).await,
            403
        );
        assert_eq!(
            json_post::<SaveBalanceSettings>(&router, site, balance.clone()).await,
            403
        );
        assert_eq!(form_post::<RefreshBalances>(&router, site, "").await, 403);
        let from = "from=http%3A%2F%2F127.0.0.1%3A9%2Fapi.json";
        assert_eq!(
            form_post::<UpdateModelCatalog>(&router, site, from).await,
            403
        );
        assert_eq!(form_post::<ResetModelCatalog>(&router, site, "").await, 403);
    }
    assert_eq!(
        post(
            &router,
            SetAccessKeyLimits::PATH,
            "cross-site",
            "application/json",
            limits.to_string()
        )
        .await,
        403,
        "limits (JSON)"
    );

    // Nothing changed.
    state.flush();
    let stored_key = &state.store().access_keys().expect("keys")[0];
    assert!(stored_key.limits.is_none(), "{:?}", stored_key.limits);
    let stored_channel = &state.store().channels().expect("channels")[0];
    assert!(
        stored_channel.pricing.is_default(),
        "{:?}",
        stored_channel.pricing
    );
    let balances = state.channel_balances().await.expect("balances");
    assert!(
        balances[0].settings.is_default(),
        "{:?}",
        balances[0].settings
    );

    // The UI's own page gets through with the same bodies.
    assert_eq!(
        json_post::<SaveChannelPricing>(&router, "same-origin", pricing).await,
        200
    );
    assert_eq!(
        json_post::<SaveBalanceSettings>(&router, "same-origin", balance).await,
        200
    );
    assert_eq!(
        form_post::<SetAccessKeyLimits>(
            &router,
            "same-origin",
            &format!("id={key}&limits[requests_per_minute]=1")
        )
        .await,
        200
    );
    state.flush();
    let stored_key = &state.store().access_keys().expect("keys")[0];
    assert_eq!(stored_key.limits.requests_per_minute, Some(1));
    let stored_channel = &state.store().channels().expect("channels")[0];
    assert_eq!(stored_channel.pricing.multiplier, 0.3);
}
