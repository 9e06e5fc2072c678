//! `api-switch probe`: channel calibration from the command line, the same engine code as the
//! UI's "add channel" dialog, printed as JSON for scripts. `--add NAME` saves what it found
//! as a channel, as `channel add --from-probe` does with the printed JSON.

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
    let (Some(name), true) = (&args.add, result.is_usable()) else {
        if args.add.is_some() {
            tracing::warn!("nothing usable was found; no channel was added");
        }
        return Ok(result.is_usable());
    };
    let (Some(api_type), Some(base_url)) = (result.api_type, &result.base_url) else {
        anyhow::bail!("the probe found no API type or base URL to save");
    };
    let state = super::open_existing(&args.data)?;
    super::channel::add_channel(
        &state,
        name,
        api_type,
        base_url,
        &args.key,
        &result.models,
        None,
    )
    .await?;
    Ok(true)
}
