//! Issue 11: calibration watched live. A relay's full chat-completions URL is pasted (its model
//! list is not where an OpenAI API keeps it, so several places are tried); each attempt is
//! announced on the live event stream under the page's run id while later candidates are still
//! being tried, in the order calibration made them (the list, then its type's chat endpoint
//! confirming it), and the key never appears in an event.

use std::time::{Duration, Instant};

use engine::AppState;
use engine::discovery::{AttemptReport, Outcome, ProbeOptions, ProbeRequest, Verdict};
use engine::events::Event;
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const KEY: &str = "sk-live-calibration-secret";

#[tokio::test]
async fn attempts_arrive_live_under_the_run_id_before_calibration_ends() {
    let upstream = MockServer::start().await;
    // The relay lists models below its own path, slowly: the earlier attempt (OpenAI's
    // `/v1/models`, 404 here) must be visible first.
    Mock::given(method("GET"))
        .and(path("/api/paas/v4/models"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"object": "list", "data": [
                    {"id": "gpt-4o", "object": "model"}, {"id": "gpt-4o-mini", "object": "model"}
                ]}))
                .set_delay(Duration::from_millis(1500)),
        )
        .mount(&upstream)
        .await;
    // Its chat endpoint answers the probe's unknown model as an API does: the listed type is
    // confirmed there, the last attempt.
    Mock::given(method("POST"))
        .and(path("/api/paas/v4/chat/completions"))
        .respond_with(
            ResponseTemplate::new(400)
                .set_body_json(json!({"error": {"message": "model gpt-4o-mini does not exist"}})),
        )
        .mount(&upstream)
        .await;
    let dir = tempfile::tempdir().expect("temp dir");
    let state = AppState::open(dir.path().join("api-switch.db")).expect("state");
    let mut events = state.events();
    let request = ProbeRequest {
        base_url: format!("{}/api/paas/v4/chat/completions", upstream.uri()),
        key: KEY.into(),
        api_type: None,
    };
    let options = ProbeOptions {
        timeout: Duration::from_secs(5),
        ..ProbeOptions::default()
    };

    let started = Instant::now();
    let calibrating = {
        let state = state.clone();
        tokio::spawn(async move { state.calibrate_live(&request, &options, "run-7").await })
    };
    let mut live = Vec::new();
    let mut first_at = None;
    while live
        .last()
        .is_none_or(|a: &AttemptReport| a.verdict != Verdict::ChatAnswered)
    {
        let event = tokio::time::timeout(Duration::from_secs(10), events.recv())
            .await
            .expect("an event within 10 s")
            .expect("stream open");
        let text = serde_json::to_string(&event).expect("json");
        assert!(!text.contains(KEY), "the key is in an event: {text}");
        if let Event::CalibrationAttempt { run, attempt } = event {
            assert_eq!(run, "run-7");
            first_at.get_or_insert(started.elapsed());
            live.push(attempt);
        }
    }
    let found = calibrating.await.expect("joined").expect("calibrated");
    let took = started.elapsed();
    assert_eq!(found.outcome, Outcome::ModelsListed, "{found:#?}");
    assert_eq!(
        found.base_url.as_deref(),
        Some(format!("{}/api/paas/v4", upstream.uri()).as_str()),
        "the endpoint path is cut off the pasted URL"
    );
    assert_eq!(found.models, ["gpt-4o", "gpt-4o-mini"]);
    let reports: Vec<_> = found.attempts.iter().map(|a| a.report()).collect();
    assert_eq!(live, reports, "every attempt, live, in calibration's order");
    assert!(live.len() >= 2, "several places were tried: {live:#?}");
    assert_eq!(live[0].status, Some(404), "{live:#?}");
    let first_at = first_at.expect("at least one attempt");
    assert!(
        first_at + Duration::from_millis(1000) < took,
        "the first attempt ({first_at:?}) came well before the end ({took:?})"
    );
}
