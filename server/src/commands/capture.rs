//! `api-switch capture on|off|status`: the capture setting from the command line, as the Logs
//! screen sets it (every request, one app or one group; for N requests or M minutes). A server
//! running on the same data folder picks the change up within a second.

use anyhow::Context;
use engine::capture::{CaptureRule, CaptureScope};

use crate::cli::CaptureCommand;
use crate::output;

pub fn run(command: &CaptureCommand) -> anyhow::Result<()> {
    let now = engine::clock::now_ms();
    let (data, rule) = match command {
        CaptureCommand::On {
            app,
            group,
            requests,
            minutes,
            data,
        } => {
            let scope = match (app, group) {
                (Some(app), _) => CaptureScope::App(app.clone()),
                (None, Some(group)) => CaptureScope::Group(group.clone()),
                (None, None) => CaptureScope::All,
            };
            let rule = CaptureRule {
                enabled: true,
                scope,
                remaining: *requests,
                until_ms: minutes.map(|m| now + i64::from(m) * 60_000),
            };
            (data, Some(rule))
        }
        CaptureCommand::Off(data) => (data, Some(CaptureRule::default())),
        CaptureCommand::Status(data) => (data, None),
    };
    let state = super::open_existing(data)?;
    let store = state.store();
    if let Some(rule) = rule {
        store
            .save_capture_rule(&rule)
            .context("cannot save the capture setting")?;
    }
    let status = store
        .capture_status(now)
        .context("cannot read the capture setting")?;
    output::json(&status)
}
