//! Calibration watched live: each attempt is announced on the live event stream under a run id
//! the page chose, so the page that started it lists the attempts while calibration is still
//! trying candidates (the browser cannot read the server function's answer before it ends).

use tokio::sync::mpsc;
use types::calibration::AttemptReport;

use super::{Attempt, Calibration, DiscoveryError, ProbeOptions, ProbeRequest};
use crate::AppState;
use crate::events::Event;

impl Attempt {
    /// The attempt as the UI shows it.
    pub fn report(&self) -> AttemptReport {
        AttemptReport {
            api_type: self.api_type,
            method: self.method.to_owned(),
            url: self.url.clone(),
            status: self.status,
            verdict: self.verdict,
            detail: self.detail.clone(),
        }
    }
}

impl AppState {
    /// Calibrates like [`super::calibrate`] and emits an [`Event::CalibrationAttempt`] tagged
    /// `run` for every attempt, as it is made.
    pub async fn calibrate_live(
        &self,
        request: &ProbeRequest,
        options: &ProbeOptions,
        run: &str,
    ) -> Result<Calibration, DiscoveryError> {
        let (tx, mut rx) = mpsc::unbounded_channel::<Attempt>();
        let announce = async {
            while let Some(attempt) = rx.recv().await {
                self.emit(Event::CalibrationAttempt {
                    run: run.to_owned(),
                    attempt: attempt.report(),
                });
            }
        };
        // The sender moves into calibration and is dropped when it ends, which ends `announce`.
        let (found, ()) = tokio::join!(
            super::calibrate_observed(request, options, Some(tx)),
            announce
        );
        found
    }
}
