//! `api-switch probe`: channel calibration from the command line, the same engine code as the
//! UI's "add channel" dialog, printed as JSON for scripts.

use std::time::Duration;

use engine::discovery::{self, ProbeOptions, ProbeRequest};

use crate::cli::ProbeArgs;
use crate::output;

/// Runs the probe and prints its result; `Ok(false)` when nothing usable was found or the key
/// was rejected (the caller exits non-zero).
pub async fn run(args: &ProbeArgs) -> anyhow::Result<bool> {
    let request = ProbeRequest {
        base_url: args.base_url.clone(),
        key: args.key.clone().into(),
        api_type: args.api_type,
    };
    let options = ProbeOptions {
        timeout: Duration::from_secs(args.timeout_secs),
        ..ProbeOptions::default()
    };
    let result = discovery::calibrate(&request, &options).await?;
    output::json(&result)?;
    Ok(result.is_usable())
}
