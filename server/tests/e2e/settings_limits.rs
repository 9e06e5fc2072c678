//! Issue 19, findings 11 and 14 through the real surfaces. 14: a body limit of 0 (every POST,
//! the login included, would get 413) and a session lifetime of 2^64-1 seconds are refused,
//! naming the field, by the UI's server function and by `api-switch import`, in the same
//! words, and nothing is stored. 11: `api-switch export -o FILE` never writes through a
//! symbolic link and never writes into an existing file.

use std::net::SocketAddr;
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::process::{Command, Output};

use api_switch::http::{DB_FILE_NAME, router};
use app::screens::settings::UpdateSettings;
use axum::body::{Body, to_bytes};
use axum::http::{Request, header};
use engine::AppState;
use leptos::server_fn::ServerFn;
use serde_json::{Value, json};
use tower::ServiceExt;

fn api_switch(data: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_api-switch"))
        .args(args)
        .arg("--data-dir")
        .arg(data)
        .env_remove("API_SWITCH_DATA_DIR")
        .output()
        .expect("run api-switch")
}

/// The UI's save with `form`; the status and the typed error.
async fn save_from_the_ui(state: &AppState, form: Value) -> (u16, Value) {
    let request = Request::post(UpdateSettings::PATH)
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::ACCEPT, "application/json")
        .header("sec-fetch-site", "same-origin")
        .body(Body::from(json!({ "form": form }).to_string()))
        .expect("request");
    let response = router(state.clone(), SocketAddr::from(([127, 0, 0, 1], 0)))
        .oneshot(request)
        .await
        .expect("response");
    let status = response.status().as_u16();
    let body = to_bytes(response.into_body(), usize::MAX)
        .await
        .expect("body");
    (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
}

/// The problem lines `import` printed for `settings`.
fn import_settings(data: &Path, settings: Value) -> String {
    let file = data.join("config.json");
    std::fs::write(
        &file,
        json!({"version": 1, "settings": settings, "channels": []}).to_string(),
    )
    .expect("write config");
    let output = api_switch(data, &["import", file.to_str().expect("utf-8 path")]);
    assert!(!output.status.success(), "the import was refused");
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[tokio::test]
async fn a_zero_body_limit_and_an_endless_session_are_refused_in_the_ui_and_on_import_alike() {
    let data = tempfile::tempdir().expect("data");
    let state = AppState::open(data.path().join(DB_FILE_NAME)).expect("state");
    let before = state.store().settings().expect("settings");

    for (field, value) in [
        ("max_body_bytes", json!(0)),
        ("session_ttl_secs", json!(u64::MAX)),
    ] {
        let (status, error) = save_from_the_ui(&state, json!({ field: value })).await;
        assert!(status >= 400, "{field} = {value} was accepted: {error}");
        assert_eq!(error["code"], "invalid_settings", "{error}");
        let problem = &error["params"]["problems"][0];
        assert_eq!(problem["code"], "out_of_range", "{error}");
        assert_eq!(
            problem["params"]["field"], field,
            "the field is named: {error}"
        );
        let ui_words: engine::ui_error::UiError =
            serde_json::from_value(problem.clone()).expect("a UiError");
        // `max_body_bytes: must be between 1048576 and 1073741824`
        let ui_words = ui_words.to_string();

        let import_words = import_settings(data.path(), json!({ field: value }));
        assert!(
            import_words.contains(&format!("settings.{ui_words}")),
            "import says what the UI says ({ui_words}): {import_words}"
        );
    }
    assert_eq!(
        state.store().settings().expect("settings"),
        before,
        "nothing refused was stored"
    );

    // In range, both accept.
    let (status, error) = save_from_the_ui(
        &state,
        json!({"max_body_bytes": 2 * 1024 * 1024, "session_ttl_secs": 3600}),
    )
    .await;
    assert_eq!(status, 200, "{error}");
    let saved = state.store().settings().expect("settings");
    assert_eq!(
        (saved.max_body_bytes, saved.session_ttl_secs),
        (2 * 1024 * 1024, 3600)
    );
}

#[test]
fn export_refuses_a_symlink_at_the_output_name() {
    let data = tempfile::tempdir().expect("data");
    let loot = tempfile::tempdir().expect("attacker's folder");
    let output = data.path().join("export.json");
    let target = loot.path().join("stolen.json");
    std::os::unix::fs::symlink(&target, &output).expect("link");
    // Export reads an existing configuration only (issue 25): make one.
    engine::store::Store::open(data.path().join("api-switch.db")).expect("store");
    let run = api_switch(
        data.path(),
        &[
            "export",
            "--include-secrets",
            "-o",
            output.to_str().expect("utf-8"),
        ],
    );
    assert!(!run.status.success(), "export through a link was refused");
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(stderr.contains("symbolic link"), "a clear error: {stderr}");
    assert!(!target.exists(), "nothing was written through the link");
}

#[test]
fn export_replaces_an_existing_file_with_a_new_private_one() {
    let data = tempfile::tempdir().expect("data");
    let output = data.path().join("export.json");
    std::fs::write(&output, "someone else's file").expect("existing");
    let other_name = data.path().join("other-name.json");
    std::fs::hard_link(&output, &other_name).expect("hard link");
    let old_inode = std::fs::metadata(&output).expect("meta").ino();
    // Export reads an existing configuration only (issue 25): make one.
    engine::store::Store::open(data.path().join("api-switch.db")).expect("store");
    let run = api_switch(
        data.path(),
        &[
            "export",
            "--include-secrets",
            "-o",
            output.to_str().expect("utf-8"),
        ],
    );
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let meta = std::fs::metadata(&output).expect("meta");
    assert_ne!(meta.ino(), old_inode, "a new file");
    assert_eq!(meta.mode() & 0o777, 0o600);
    let exported: Value =
        serde_json::from_str(&std::fs::read_to_string(&output).expect("read")).expect("json");
    assert!(exported.get("settings").is_some(), "{exported}");
    assert_eq!(
        std::fs::read_to_string(&other_name).expect("read"),
        "someone else's file",
        "the existing file was never written into"
    );
}
