//! Issue 5: every channel, entry, settings and speed test operation is reachable as a server
//! function on the real router, and no answer carries an API key.

use std::net::SocketAddr;

use api_switch::http::{DB_FILE_NAME, router};
use app::screens::channels::{channel_models, entries, speedtest};
use app::screens::{access_keys, settings};
use axum::Router;
use axum::body::{Body, to_bytes};
use axum::http::{Request, header};
use engine::AppState;
use engine::store::{NewChannel, NewEntry};
use engine::upstream::ChannelKind;
use leptos::server_fn::ServerFn;
use serde_json::{Value, json};
use tower::ServiceExt;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const KEY: &str = "sk-ui-secret";

async fn call(router: &Router, path: &str, content_type: &str, body: String) -> (u16, String) {
    let request = Request::post(path)
        .header(header::CONTENT_TYPE, content_type)
        .header(header::ACCEPT, "application/json")
        // What a browser adds to a call from the UI's own page (issue 9's same-origin guard).
        .header("sec-fetch-site", "same-origin")
        .body(Body::from(body))
        .expect("request");
    let response = router.clone().oneshot(request).await.expect("response");
    let status = response.status().as_u16();
    let body = to_bytes(response.into_body(), usize::MAX)
        .await
        .expect("body");
    let text = String::from_utf8(body.to_vec()).expect("utf-8");
    assert!(!text.contains(KEY), "a key reached the browser: {text}");
    (status, text)
}

async fn form<F: ServerFn>(router: &Router, body: &str) -> (u16, String) {
    call(
        router,
        F::PATH,
        "application/x-www-form-urlencoded",
        body.into(),
    )
    .await
}

async fn json_call<F: ServerFn>(router: &Router, body: Value) -> (u16, String) {
    call(router, F::PATH, "application/json", body.to_string()).await
}

fn order(state: &AppState) -> Vec<(i64, String, bool, String)> {
    state.flush();
    let mut entries = state.store().entries().expect("entries");
    entries.sort_by_key(|e| (e.priority, e.id));
    entries
        .into_iter()
        .map(|e| (e.id, e.display_name, e.enabled, e.group))
        .collect()
}

#[tokio::test]
async fn every_operation_is_a_server_function_and_keys_stay_on_the_server() {
    let upstream = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw("data: [DONE]\n\n", "text/event-stream"),
        )
        .mount(&upstream)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/models"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"object": "list", "data": [{"id": "gpt-4o"}, {"id": "text-davinci-001"}]}),
        ))
        .mount(&upstream)
        .await;
    let dir = tempfile::tempdir().expect("temp dir");
    let state = AppState::open(dir.path().join(DB_FILE_NAME)).expect("state");
    let channel = state
        .create_channel(&NewChannel {
            name: "main".into(),
            api_type: ChannelKind::Openai,
            base_url: upstream.uri(),
            api_key: KEY.into(),
            enabled: true,
            api_version: String::new(),
        })
        .await
        .expect("channel");
    let a = state
        .create_entry(&NewEntry::new(channel, "gpt-4o"))
        .await
        .expect("a");
    let b = state
        .create_entry(&NewEntry::new(channel, "claude-sonnet-4-5"))
        .await
        .expect("b");
    let router = router(state.clone(), SocketAddr::from(([127, 0, 0, 1], 0)));

    let (status, listed) = form::<app::screens::channels::ListChannels>(&router, "").await;
    assert_eq!(status, 200, "{listed}");
    let listed: Value = serde_json::from_str(&listed).expect("json");
    let first = &listed[0]["entries"][0];
    assert_eq!(first["model"], "gpt-4o");
    assert_eq!(
        first["catalog"]["name"], "GPT-4o",
        "catalog facts beside the name"
    );
    assert!(first["catalog"]["release_date"].is_string());
    assert_eq!(listed[0]["has_key"], true);

    let (status, body) =
        form::<entries::RenameEntry>(&router, &format!("id={a}&display_name=Fast")).await;
    assert_eq!(status, 200, "{body}");
    form::<entries::MoveEntryToGroup>(&router, &format!("id={a}&group=coding")).await;
    form::<entries::SetEntryEnabled>(&router, &format!("id={b}&enabled=false")).await;
    assert_eq!(
        order(&state),
        [
            (a, "Fast".into(), true, "coding".into()),
            (b, String::new(), false, "auto".into())
        ]
    );
    let (status, body) =
        json_call::<entries::ReorderEntries>(&router, json!({"order": [b, a]})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(order(&state)[0].0, b);
    let (_, added) =
        form::<entries::AddEntry>(&router, &format!("channel_id={channel}&model=by-hand")).await;
    let added: i64 = added.parse().expect("new entry id");
    form::<entries::MoveEntryToTopOfAuto>(&router, &format!("id={added}")).await;
    assert_eq!(order(&state)[0].0, added);
    form::<entries::DeleteEntry>(&router, &format!("id={added}")).await;
    assert_eq!(order(&state).len(), 2);

    let (status, fetched) =
        form::<channel_models::FetchChannelModels>(&router, &format!("channel_id={channel}")).await;
    assert_eq!(status, 200, "{fetched}");
    let fetched: Value = serde_json::from_str(&fetched).expect("json");
    assert_eq!(fetched["models"][0]["id"], "gpt-4o");
    assert_eq!(fetched["models"][0]["selected"], true, "already an entry");
    assert_eq!(fetched["models"][1]["selected"], false, "old release");
    let stored = state.store().channel_models(channel).expect("models");
    assert_eq!(stored.models, ["gpt-4o", "text-davinci-001"]);
    let (status, added) = json_call::<channel_models::AddEntries>(
        &router,
        json!({"channel_id": channel, "models": ["gpt-4o", "text-davinci-001"]}),
    )
    .await;
    assert_eq!(
        (status, added.as_str()),
        (200, "1"),
        "existing entries are skipped"
    );
    let davinci = order(&state).last().expect("added").0;
    form::<entries::DeleteEntry>(&router, &format!("id={davinci}")).await;

    let (status, tested) =
        json_call::<speedtest::RunSpeedTest>(&router, json!({"target": {"Entry": a}})).await;
    assert_eq!(status, 200, "{tested}");
    let tested: Value = serde_json::from_str(&tested).expect("json");
    assert_eq!(tested[0]["ok"], true, "{tested}");

    let (_, current) = form::<settings::GetSettings>(&router, "").await;
    let mut current: Value = serde_json::from_str(&current).expect("json");
    current["cooldown_secs"] = json!(5);
    let (status, error) =
        json_call::<settings::UpdateSettings>(&router, json!({"form": current})).await;
    assert_ne!(status, 200);
    assert!(error.contains("cooldown_secs"), "{error}");
    current["cooldown_secs"] = json!(900);
    let (status, body) =
        json_call::<settings::UpdateSettings>(&router, json!({"form": current})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        state.store().settings().expect("settings").cooldown_secs,
        900
    );

    let (status, body) = form::<entries::UpdateChannel>(
        &router,
        &format!("id={channel}&name=renamed&base_url=&api_key="),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let stored = &state.store().channels().expect("channels")[0];
    assert_eq!(
        (stored.name.as_str(), stored.key_text().expose()),
        ("renamed", KEY),
        "empty fields are left as they are"
    );

    // The server generates the secret and sends it this once; the list only shows it masked.
    let (status, created) = form::<access_keys::CreateAccessKey>(&router, "name=laptop").await;
    assert_eq!(status, 200, "{created}");
    let created: Value = serde_json::from_str(&created).expect("json");
    let secret = created["key"].as_str().expect("the new secret").to_owned();
    assert!(secret.len() >= 32, "a long random secret: {secret}");
    let id = created["id"].as_i64().expect("id");
    let (_, keys) = form::<access_keys::ListAccessKeys>(&router, "").await;
    assert!(keys.contains("laptop") && !keys.contains(&secret), "{keys}");
    let (status, _) =
        form::<access_keys::SetAccessKeyEnabled>(&router, &format!("id={id}&enabled=false")).await;
    assert_eq!(status, 200);
    assert!(!state.store().access_keys().expect("keys")[0].enabled);
    let (status, _) = form::<access_keys::DeleteAccessKey>(&router, &format!("id={id}")).await;
    assert_eq!(status, 200);
    assert!(state.store().access_keys().expect("keys").is_empty());

    form::<entries::SetChannelEnabled>(&router, &format!("id={channel}&enabled=false")).await;
    assert!(!state.store().channels().expect("channels")[0].enabled);
    form::<entries::DeleteChannel>(&router, &format!("id={channel}")).await;
    assert_eq!(state.store().channel_count().expect("count"), 0);
}

/// Issue 12: the language menus (header and Settings) save `ui_language`, which the desktop
/// tray's labels follow; the Settings form, loaded before the switch, does not undo it.
#[tokio::test]
async fn the_language_switch_saves_the_ui_language_for_the_tray() {
    use app::shell::language::SaveUiLanguage;
    use engine::store::UiLanguage;
    let dir = tempfile::tempdir().expect("temp dir");
    let state = AppState::open(dir.path().join(DB_FILE_NAME)).expect("state");
    let router = router(state.clone(), SocketAddr::from(([127, 0, 0, 1], 0)));
    let language = |state: &AppState| state.store().settings().expect("settings").ui_language;
    assert_eq!(language(&state), UiLanguage::En);

    let (status, body) = form::<SaveUiLanguage>(&router, "language=zh").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(language(&state), UiLanguage::Zh, "saved in the database");
    assert_eq!(
        state.snapshot().settings.ui_language,
        UiLanguage::Zh,
        "and in the snapshot the tray reads"
    );

    let (status, body) = json_call::<settings::UpdateSettings>(
        &router,
        json!({"form": {"ui_language": "en", "cooldown_secs": 900}}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let saved = state.store().settings().expect("settings");
    assert_eq!(
        (saved.ui_language, saved.cooldown_secs),
        (UiLanguage::Zh, 900),
        "the form saves its fields and leaves the language to the switch"
    );

    let (status, _) = form::<SaveUiLanguage>(&router, "language=fr").await;
    assert!(
        (400..500).contains(&status),
        "an unknown language: {status}"
    );
    assert_eq!(language(&state), UiLanguage::Zh);

    let (status, body) = form::<SaveUiLanguage>(&router, "language=en").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(language(&state), UiLanguage::En);
}
