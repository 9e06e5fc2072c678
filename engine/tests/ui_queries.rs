//! The queries behind the Dashboard and Logs screens, over a real SQLite file holding known
//! rows at fixed times: totals, charts (hourly, daily, with percentiles), log pages with every
//! filter and the cursor, the filters' values, and the retention.

use engine::dashboard::SeriesRange;
use engine::logs::{AttemptRecord, ErrorKind, LogQuery, RequestRecord, StatusFilter};
use engine::store::Store;

const HOUR: i64 = 3600 * 1000;
const DAY: i64 = 24 * HOUR;
const MINUTE: i64 = 60 * 1000;
/// A UTC midnight; "now" is 10:30 that day.
const MIDNIGHT: i64 = 20_000 * DAY;
const NOW: i64 = MIDNIGHT + 10 * HOUR + 30 * MINUTE;

struct Row {
    name: &'static str,
    at: i64,
    requested: &'static str,
    model: &'static str,
    channel: &'static str,
    key: &'static str,
    status: u16,
    latency: i64,
    tokens: Option<(i64, i64)>,
}

/// The rows in the order they are written (so ids follow time).
fn rows() -> Vec<Row> {
    let row = |name, at, requested, model, channel, key, status, latency, tokens| Row {
        name,
        at,
        requested,
        model,
        channel,
        key,
        status,
        latency,
        tokens,
    };
    vec![
        row(
            "r7",
            MIDNIGHT - 40 * DAY,
            "auto",
            "claude",
            "A",
            "",
            200,
            10,
            Some((1, 1)),
        ),
        row(
            "r6",
            MIDNIGHT - 8 * DAY + HOUR,
            "gpt-4o",
            "gpt-4o",
            "A",
            "",
            500,
            40,
            None,
        ),
        row(
            "r5",
            MIDNIGHT - 2 * HOUR,
            "gpt-4o",
            "gpt-4o",
            "A",
            "laptop",
            200,
            50,
            Some((7, 3)),
        ),
        row(
            "r1",
            MIDNIGHT + HOUR,
            "auto",
            "gpt-4o",
            "A",
            "laptop",
            200,
            100,
            Some((10, 5)),
        ),
        row(
            "r2",
            MIDNIGHT + 9 * HOUR + 10 * MINUTE,
            "gpt-4o",
            "gpt-4o",
            "B",
            "phone",
            200,
            300,
            Some((20, 10)),
        ),
        row(
            "r8",
            MIDNIGHT + 9 * HOUR + 20 * MINUTE,
            "gpt-4o",
            "gpt-4o",
            "B",
            "phone",
            200,
            100,
            None,
        ),
        row(
            "r9",
            MIDNIGHT + 9 * HOUR + 30 * MINUTE,
            "gpt-4o",
            "gpt-4o",
            "B",
            "phone",
            200,
            500,
            Some((5, 5)),
        ),
        row(
            "r10",
            MIDNIGHT + 9 * HOUR + 40 * MINUTE,
            "claude",
            "claude",
            "A",
            "laptop",
            200,
            700,
            None,
        ),
        row(
            "r3",
            MIDNIGHT + 10 * HOUR,
            "gpt-4o",
            "",
            "",
            "laptop",
            502,
            900,
            None,
        ),
        row(
            "r4",
            MIDNIGHT + 10 * HOUR + 5 * MINUTE,
            "claude",
            "claude",
            "A",
            "",
            200,
            200,
            Some((1, 1)),
        ),
    ]
}

/// The attempts stored with r3 (both entries failed).
fn r3_attempts() -> Vec<AttemptRecord> {
    vec![
        AttemptRecord {
            entry_id: 1,
            channel: "A".into(),
            model: "gpt-4o".into(),
            at_ms: MIDNIGHT + 10 * HOUR - 900,
            elapsed_ms: 400,
            connect_ms: Some(12),
            reused_connection: false,
            ttfb_ms: Some(380),
            first_content_ms: None,
            status: Some(500),
            error_kind: Some(ErrorKind::Status),
            rule: None,
        },
        AttemptRecord {
            entry_id: 2,
            channel: "B".into(),
            model: "gpt-4o".into(),
            at_ms: MIDNIGHT + 10 * HOUR - 500,
            elapsed_ms: 500,
            connect_ms: None,
            reused_connection: false,
            ttfb_ms: None,
            first_content_ms: None,
            status: None,
            error_kind: Some(ErrorKind::Timeout),
            rule: None,
        },
    ]
}

/// A store holding `rows()`; returns it, its folder and each row's id by name.
fn seeded() -> (Store, tempfile::TempDir, Vec<(&'static str, i64)>) {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(dir.path().join("api-switch.db")).expect("open");
    let ids = seed(&store);
    (store, dir, ids)
}

/// Writes `rows()`; returns each row's id by name.
fn seed(store: &Store) -> Vec<(&'static str, i64)> {
    let mut log: Vec<RequestRecord> = rows()
        .iter()
        .map(|r| RequestRecord {
            at_ms: r.at,
            requested_model: r.requested.into(),
            channel: r.channel.into(),
            model: r.model.into(),
            attempt_count: if r.name == "r3" { 2 } else { 1 },
            status: r.status,
            latency_ms: r.latency,
            prompt_tokens: r.tokens.map(|t| t.0),
            completion_tokens: r.tokens.map(|t| t.1),
            stream: r.name == "r10",
            client_key_name: r.key.into(),
            error: if r.status == 502 {
                "all failed".into()
            } else {
                String::new()
            },
            attempts: if r.name == "r3" {
                r3_attempts()
            } else {
                Vec::new()
            },
            ..RequestRecord::default()
        })
        .collect();
    store.write_batch(&[], &mut log).expect("write");
    rows()
        .iter()
        .map(|r| r.name)
        .zip(log.iter().map(|row| row.id))
        .collect()
}

fn names(page: &engine::logs::LogPage, ids: &[(&'static str, i64)]) -> Vec<&'static str> {
    page.rows
        .iter()
        .map(|row| {
            ids.iter()
                .find(|(_, id)| *id == row.id)
                .map(|(name, _)| *name)
                .expect("a known row")
        })
        .collect()
}

#[test]
fn today_totals_count_from_the_callers_midnight() {
    let (store, _dir, _) = seeded();
    let today = store
        .request_totals(MIDNIGHT, MIDNIGHT + DAY)
        .expect("totals");
    assert_eq!(today.requests, 7);
    assert_eq!(today.ok, 6);
    assert_eq!(today.failed, 1);
    assert_eq!(today.success_rate, Some(6.0 / 7.0));
    assert_eq!(today.prompt_tokens, 36);
    assert_eq!(today.completion_tokens, 21);
    // Successful requests only: (100 + 300 + 100 + 500 + 700 + 200) / 6.
    assert_eq!(today.avg_latency_ms, Some(1900.0 / 6.0));

    let empty = store.request_totals(0, 1).expect("totals");
    assert_eq!(empty.requests, 0);
    assert_eq!(empty.success_rate, None);
    assert_eq!(empty.avg_latency_ms, None);
}

#[tokio::test]
async fn the_dashboard_uses_the_given_utc_offset_for_today() {
    let dir = tempfile::tempdir().expect("temp dir");
    let state = engine::AppState::open(dir.path().join("api-switch.db")).expect("open");
    // The writer applies retention once at start; the seeded rows are years old, so seeding
    // before that pass is done would race it. A flush goes through the same queue.
    state.flush();
    seed(state.store());

    let utc = state.dashboard(NOW, 0).await.expect("dashboard");
    assert_eq!(utc.now_ms, NOW);
    assert_eq!(utc.today.requests, 7);
    assert_eq!(utc.all_time.requests, 10);
    assert!(utc.cooling.is_empty());
    assert!(utc.recently_disabled.is_empty());
    // Three hours ahead of UTC it is 13:30 and today began at 21:00 UTC yesterday: r5
    // (22:00 UTC yesterday) is today's too.
    let east = state.dashboard(NOW, 3 * 3600).await.expect("dashboard");
    assert_eq!(east.today.requests, 8);
    assert_eq!(east.today.ok, 7);
    assert_eq!(east.today.prompt_tokens, 43);
    assert_eq!(east.today.completion_tokens, 24);
    assert_eq!(east.today.avg_latency_ms, Some(1950.0 / 7.0));
}

#[test]
fn the_24_hour_chart_has_hourly_buckets_with_percentiles() {
    let (store, _dir, _) = seeded();
    let buckets = store
        .request_series(SeriesRange::Last24Hours, NOW, 0)
        .expect("series");
    assert_eq!(buckets.len(), 24);
    assert_eq!(buckets[0].start_ms, MIDNIGHT - 13 * HOUR);
    assert_eq!(buckets[23].start_ms, MIDNIGHT + 10 * HOUR);
    assert_eq!(buckets[23].end_ms, MIDNIGHT + 11 * HOUR);
    assert_eq!(buckets.iter().map(|b| b.requests).sum::<u64>(), 8);
    // 09:00-10:00: latencies 300, 100, 500 and 700.
    let nine = &buckets[22];
    assert_eq!((nine.requests, nine.ok, nine.failed), (4, 4, 0));
    assert_eq!(nine.avg_latency_ms, Some(400.0));
    assert_eq!(nine.p50_latency_ms, Some(300));
    assert_eq!(nine.p90_latency_ms, Some(700));
    assert_eq!((nine.prompt_tokens, nine.completion_tokens), (25, 15));
    // 10:00-11:00: the 502 and one success.
    let ten = &buckets[23];
    assert_eq!((ten.requests, ten.ok, ten.failed), (2, 1, 1));
    assert_eq!(ten.avg_latency_ms, Some(200.0));
    assert_eq!(ten.p50_latency_ms, Some(200));
    assert_eq!(ten.p90_latency_ms, Some(200));
    // r5 at 22:00 yesterday; empty hours are zero.
    assert_eq!(buckets[11].requests, 1);
    assert_eq!(buckets[12].requests, 0);
    assert_eq!(buckets[12].avg_latency_ms, None);
}

#[test]
fn the_7_and_30_day_charts_have_daily_buckets() {
    let (store, _dir, _) = seeded();
    let week = store
        .request_series(SeriesRange::Last7Days, NOW, 0)
        .expect("series");
    assert_eq!(week.len(), 7);
    assert_eq!(week[0].start_ms, MIDNIGHT - 6 * DAY);
    assert_eq!(week[6].start_ms, MIDNIGHT);
    assert_eq!(week[6].requests, 7);
    assert_eq!(week[5].requests, 1);
    assert_eq!(week.iter().map(|b| b.requests).sum::<u64>(), 8);

    let month = store
        .request_series(SeriesRange::Last30Days, NOW, 0)
        .expect("series");
    assert_eq!(month.len(), 30);
    assert_eq!(month[0].start_ms, MIDNIGHT - 29 * DAY);
    // r6, eight days ago, failed.
    assert_eq!((month[21].requests, month[21].failed), (1, 1));
    assert_eq!(month.iter().map(|b| b.requests).sum::<u64>(), 9);
}

#[test]
fn log_pages_are_newest_first_and_continue_from_the_cursor() {
    let (store, _dir, ids) = seeded();
    let query = LogQuery {
        limit: 4,
        ..LogQuery::default()
    };
    let first = store.log_page(&query).expect("page");
    assert_eq!(names(&first, &ids), ["r4", "r3", "r10", "r9"]);
    assert_eq!((first.total, first.total_ok), (10, 8));
    let second = store
        .log_page(&LogQuery {
            before_id: first.next_before_id,
            ..query.clone()
        })
        .expect("page");
    assert_eq!(names(&second, &ids), ["r8", "r2", "r1", "r5"]);
    let third = store
        .log_page(&LogQuery {
            before_id: second.next_before_id,
            ..query
        })
        .expect("page");
    assert_eq!(names(&third, &ids), ["r6", "r7"]);
    assert_eq!(third.next_before_id, None);
}

#[test]
fn log_rows_keep_every_field_and_their_attempts() {
    let (store, _dir, ids) = seeded();
    let page = store
        .log_page(&LogQuery {
            status: Some(StatusFilter::Code(502)),
            ..LogQuery::default()
        })
        .expect("page");
    assert_eq!(names(&page, &ids), ["r3"]);
    let r3 = &page.rows[0];
    assert_eq!(r3.requested_model, "gpt-4o");
    assert_eq!(r3.client_key_name, "laptop");
    assert_eq!(r3.error, "all failed");
    assert_eq!(r3.attempt_count, 2);
    assert_eq!(r3.attempts, r3_attempts());
    let streamed = store
        .log_page(&LogQuery {
            model: Some("claude".into()),
            client_key_name: Some("laptop".into()),
            ..LogQuery::default()
        })
        .expect("page");
    assert_eq!(names(&streamed, &ids), ["r10"]);
    assert!(streamed.rows[0].stream);
    assert_eq!(streamed.rows[0].latency_ms, 700);
    assert_eq!(streamed.rows[0].prompt_tokens, None);
}

#[test]
fn log_filters_narrow_the_rows_and_the_totals() {
    let (store, _dir, ids) = seeded();
    let page = |query: LogQuery| {
        store
            .log_page(&LogQuery {
                limit: 100,
                ..query
            })
            .expect("page")
    };
    // The requested or the answering model.
    let gpt = page(LogQuery {
        model: Some("gpt-4o".into()),
        ..LogQuery::default()
    });
    assert_eq!(
        names(&gpt, &ids),
        ["r3", "r9", "r8", "r2", "r1", "r5", "r6"]
    );
    assert_eq!((gpt.total, gpt.total_ok), (7, 5));
    let b = page(LogQuery {
        channel: Some("B".into()),
        ..LogQuery::default()
    });
    assert_eq!(names(&b, &ids), ["r9", "r8", "r2"]);
    let laptop = page(LogQuery {
        client_key_name: Some("laptop".into()),
        ..LogQuery::default()
    });
    assert_eq!(names(&laptop, &ids), ["r3", "r10", "r1", "r5"]);
    let failed = page(LogQuery {
        status: Some(StatusFilter::Failed),
        ..LogQuery::default()
    });
    assert_eq!(names(&failed, &ids), ["r3", "r6"]);
    assert_eq!((failed.total, failed.total_ok), (2, 0));
    let ok = page(LogQuery {
        status: Some(StatusFilter::Ok),
        ..LogQuery::default()
    });
    assert_eq!(ok.total, 8);
    let morning = page(LogQuery {
        from_ms: Some(MIDNIGHT),
        to_ms: Some(MIDNIGHT + 9 * HOUR + 30 * MINUTE),
        ..LogQuery::default()
    });
    assert_eq!(names(&morning, &ids), ["r8", "r2", "r1"]);
    let combined = page(LogQuery {
        model: Some("gpt-4o".into()),
        status: Some(StatusFilter::Ok),
        client_key_name: Some("phone".into()),
        ..LogQuery::default()
    });
    assert_eq!(names(&combined, &ids), ["r9", "r8", "r2"]);
    let nothing = page(LogQuery {
        channel: Some("nope".into()),
        ..LogQuery::default()
    });
    assert!(nothing.rows.is_empty());
    assert_eq!(
        (nothing.total, nothing.total_ok, nothing.next_before_id),
        (0, 0, None)
    );
}

#[test]
fn filter_options_list_the_values_the_log_holds() {
    let (store, _dir, _) = seeded();
    let options = store.log_filter_options().expect("options");
    assert_eq!(options.models, ["auto", "claude", "gpt-4o"]);
    assert_eq!(options.channels, ["A", "B"]);
    assert_eq!(options.client_key_names, ["laptop", "phone"]);
    assert_eq!(options.statuses, [200, 500, 502]);
}

#[test]
fn retention_deletes_old_rows_and_keeps_the_newest() {
    let (store, _dir, ids) = seeded();
    // 30 days before 10:30 today: only r7 (40 days old) is older.
    assert_eq!(store.enforce_log_retention(30, 0, NOW).expect("days"), 1);
    let all = LogQuery {
        limit: 100,
        ..LogQuery::default()
    };
    assert_eq!(store.log_page(&all).expect("page").total, 9);
    // Again: nothing more to delete.
    assert_eq!(store.enforce_log_retention(30, 0, NOW).expect("days"), 0);
    // At most 5 rows: the five newest stay.
    assert_eq!(store.enforce_log_retention(0, 5, NOW).expect("rows"), 4);
    let kept = store.log_page(&all).expect("page");
    assert_eq!(names(&kept, &ids), ["r4", "r3", "r10", "r9", "r8"]);
    // Both limits off: nothing is deleted.
    assert_eq!(store.enforce_log_retention(0, 0, NOW).expect("off"), 0);
}

#[tokio::test]
async fn the_background_writer_applies_the_retention_at_start() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("api-switch.db");
    let now = engine::clock::now_ms();
    {
        let store = Store::open(path.clone()).expect("open");
        let mut settings = store.settings().expect("settings");
        assert_eq!(
            (settings.log_retention_days, settings.log_retention_rows),
            (30, 100_000),
            "the defaults"
        );
        settings.log_retention_days = 7;
        store.save_settings(&settings).expect("save");
        let row = |at_ms, model: &str| RequestRecord {
            at_ms,
            requested_model: model.into(),
            status: 200,
            ..RequestRecord::default()
        };
        store
            .write_batch(
                &[],
                &mut [row(now - 8 * DAY, "old"), row(now - 6 * DAY, "recent")],
            )
            .expect("write");
    }
    let state = engine::AppState::open(path).expect("open state");
    state.flush();
    let page = state.log_page(&LogQuery::default()).await.expect("page");
    let kept: Vec<&str> = page
        .rows
        .iter()
        .map(|r| r.requested_model.as_str())
        .collect();
    assert_eq!(kept, ["recent"]);
}
