//! Channel calibration: from one pasted base URL and key, find the API type, the corrected
//! base URL and the model list. Candidates (see `candidates.rs`) are tried in order; the first
//! model list names the models, and the type is confirmed by the chat endpoint that type would
//! use (another type's endpoint wins when that one is missing); relays without a list are
//! confirmed through their chat endpoint alone.
//! Every attempt is reported (URL, status, verdict) so the UI and the CLI can show what was
//! tried. Keys are sent in headers only and never appear in the result.

mod candidates;
mod live;
mod probe;

use std::collections::HashSet;
use std::time::Duration;

use serde::Serialize;
use tokio::sync::mpsc;

pub use crate::upstream::ChannelKind;
pub use types::calibration::{AttemptReport, Outcome, Verdict};

use candidates::PastedUrl;
use probe::{AuthStyle, Prober};

/// What to calibrate.
#[derive(Clone, Debug)]
pub struct ProbeRequest {
    pub base_url: String,
    pub key: types::secret::Secret,
    /// The type the user chose, tried first; `None` tries all.
    pub api_type: Option<ChannelKind>,
}

/// Knobs with production defaults; tests shorten the timeout.
#[derive(Clone, Debug)]
pub struct ProbeOptions {
    /// Per attempt, connect to last byte.
    pub timeout: Duration,
    /// `api-version` for Azure's model listing.
    pub azure_api_version: String,
    /// The model named in the minimal chat request to a relay without a model list; an
    /// unknown model still proves the endpoint exists (the relay answers 400, not 404).
    pub chat_probe_model: String,
    /// The channel's outbound proxy, when calibrating a channel that has one.
    pub proxy: Option<crate::store::OutboundProxy>,
}

impl Default for ProbeOptions {
    fn default() -> Self {
        Self {
            proxy: None,
            timeout: Duration::from_secs(15),
            azure_api_version: crate::upstream::AZURE_DEFAULT_API_VERSION.to_string(),
            chat_probe_model: "gpt-4o-mini".to_string(),
        }
    }
}

/// One request made during calibration.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Attempt {
    pub api_type: ChannelKind,
    pub method: &'static str,
    pub url: String,
    /// HTTP status, when a response arrived.
    pub status: Option<u16>,
    pub verdict: Verdict,
    /// A short human explanation (an error kind or the start of the upstream's message).
    pub detail: Option<String>,
}

/// The result of [`calibrate`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Calibration {
    pub outcome: Outcome,
    pub api_type: Option<ChannelKind>,
    /// The corrected base URL to save on the channel.
    pub base_url: Option<String>,
    pub models: Vec<String>,
    /// True when the user has to type model names in by hand.
    pub models_by_hand: bool,
    pub message: String,
    pub attempts: Vec<Attempt>,
}

impl Calibration {
    /// Whether the result can be saved as a channel.
    pub fn is_usable(&self) -> bool {
        matches!(self.outcome, Outcome::ModelsListed | Outcome::ChatOnly)
    }
}

/// Why calibration could not even start.
#[derive(Debug, thiserror::Error)]
pub enum DiscoveryError {
    #[error(
        "{given:?} is not a URL; paste the provider's base URL, e.g. https://api.openai.com/v1"
    )]
    InvalidBaseUrl {
        given: String,
        #[source]
        source: url::ParseError,
    },
    #[error("cannot build the HTTP client: {source}")]
    Client {
        #[source]
        source: reqwest::Error,
    },
}

/// Finds type, base URL and models for a pasted URL and key; see the module docs.
pub async fn calibrate(
    request: &ProbeRequest,
    options: &ProbeOptions,
) -> Result<Calibration, DiscoveryError> {
    calibrate_observed(request, options, None).await
}

/// [`calibrate`], sending each attempt to `observer` as soon as it is made (the UI lists them
/// live while later candidates are still being tried).
pub async fn calibrate_observed(
    request: &ProbeRequest,
    options: &ProbeOptions,
    observer: Option<mpsc::UnboundedSender<Attempt>>,
) -> Result<Calibration, DiscoveryError> {
    let pasted =
        PastedUrl::parse(&request.base_url).map_err(|source| DiscoveryError::InvalidBaseUrl {
            given: request.base_url.clone(),
            source,
        })?;
    let prober = Prober::new(request.key.expose(), options)?;
    let order = candidates::type_order(request.api_type, &pasted);
    let mut search = Search {
        observer,
        ..Search::default()
    };

    for &api_type in &order {
        for candidate in
            candidates::models_candidates(api_type, &pasted, &options.azure_api_version)
        {
            if let Some(found) = search.try_models(&prober, &candidate, &pasted).await {
                return Ok(found);
            }
            if search.unreachable {
                return Ok(search.finish());
            }
        }
    }
    for &api_type in &order {
        for candidate in candidates::chat_candidates(api_type, &pasted) {
            if let Some(found) = search.try_chat(&prober, &candidate).await {
                return Ok(found);
            }
            if search.unreachable {
                return Ok(search.finish());
            }
        }
    }
    Ok(search.finish())
}

/// The attempts so far and what they rule out.
#[derive(Default)]
struct Search {
    attempts: Vec<Attempt>,
    tried: HashSet<(String, AuthStyle)>,
    rejected: HashSet<AuthStyle>,
    timeouts: usize,
    unreachable: bool,
    /// Where each attempt goes as it is made, when someone watches live.
    observer: Option<mpsc::UnboundedSender<Attempt>>,
}

/// Timeouts after which the host counts as not answering: every further attempt would only
/// wait as long again.
const TIMEOUTS_BEFORE_GIVING_UP: usize = 2;

impl Search {
    /// Records `attempt`; `true` when the candidate should be skipped instead.
    fn skip(&mut self, api_type: ChannelKind, method: &'static str, url: &str) -> bool {
        let style = AuthStyle::of(api_type);
        if !self.tried.insert((url.to_string(), style)) {
            return true;
        }
        if self.rejected.contains(&style) {
            // 401/403 stops the search for this key style: another path will not change the
            // upstream's mind, and hammering it with a bad key can get an account flagged.
            self.push(Attempt {
                api_type,
                method,
                url: url.to_string(),
                status: None,
                verdict: Verdict::SkippedKeyRejected,
                detail: None,
            });
            return true;
        }
        false
    }

    fn record(&mut self, attempt: Attempt) {
        match attempt.verdict {
            Verdict::KeyRejected => {
                self.rejected.insert(AuthStyle::of(attempt.api_type));
            }
            Verdict::ConnectFailed => self.unreachable = true,
            Verdict::Timeout => {
                self.timeouts += 1;
                self.unreachable = self.timeouts >= TIMEOUTS_BEFORE_GIVING_UP;
            }
            _ => {}
        }
        self.push(attempt);
    }

    fn push(&mut self, attempt: Attempt) {
        if let Some(observer) = &self.observer {
            // A closed receiver only means nobody watches any more; calibration goes on.
            let _ = observer.send(attempt.clone());
        }
        self.attempts.push(attempt);
    }

    async fn try_models(
        &mut self,
        prober: &Prober,
        candidate: &candidates::ModelsCandidate,
        pasted: &PastedUrl,
    ) -> Option<Calibration> {
        if self.skip(candidate.api_type, "GET", &candidate.url) {
            return None;
        }
        let (attempt, models) = prober.list_models(candidate.api_type, &candidate.url).await;
        self.record(attempt);
        let models = models?;
        let count = models.len();
        let (api_type, base_url) = self.confirm(prober, candidate, pasted).await;
        Some(Calibration {
            outcome: Outcome::ModelsListed,
            api_type: Some(api_type),
            base_url: Some(base_url.clone()),
            models,
            models_by_hand: count == 0,
            message: format!("found a {api_type} API at {base_url} with {count} models"),
            attempts: std::mem::take(&mut self.attempts),
        })
    }

    /// The type a model list suggested, confirmed by the chat endpoint that type would use:
    /// many relays serve one list shape over any auth, so the list alone does not tell an
    /// OpenAI-compatible relay from an Anthropic one. When that endpoint is missing (404/405),
    /// the other types' endpoints on the same host are asked, and the first that answers as
    /// an API (any JSON but a missing route: an unknown model, a bad parameter) wins. When
    /// none does, or the confirmation cannot tell (a timeout, a refused key), the list's type
    /// stands.
    async fn confirm(
        &mut self,
        prober: &Prober,
        listed: &candidates::ModelsCandidate,
        pasted: &PastedUrl,
    ) -> (ChannelKind, String) {
        let kept = (listed.api_type, listed.base_url.clone());
        let Some(url) = candidates::confirm_url(listed.api_type, &listed.base_url) else {
            return kept;
        };
        let attempt = prober.chat(listed.api_type, &url).await;
        let missing = attempt.verdict == Verdict::NotFound;
        self.record(attempt);
        if !missing {
            return kept;
        }
        let others = candidates::type_order(None, pasted)
            .into_iter()
            .filter(|t| *t != listed.api_type);
        for api_type in others {
            let base_url = match api_type {
                ChannelKind::Custom => pasted.given.clone(),
                _ => pasted.root.clone(),
            };
            let Some(url) = candidates::confirm_url(api_type, &base_url) else {
                continue;
            };
            if self.skip(api_type, "POST", &url) {
                continue;
            }
            let attempt = prober.chat(api_type, &url).await;
            let answered = attempt.verdict == Verdict::ChatAnswered;
            self.record(attempt);
            if answered {
                return (api_type, base_url);
            }
            if self.unreachable {
                break;
            }
        }
        kept
    }

    async fn try_chat(
        &mut self,
        prober: &Prober,
        candidate: &candidates::ChatCandidate,
    ) -> Option<Calibration> {
        if self.skip(candidate.api_type, "POST", &candidate.url) {
            return None;
        }
        let attempt = prober.chat(candidate.api_type, &candidate.url).await;
        let answered = attempt.verdict == Verdict::ChatAnswered;
        self.record(attempt);
        answered.then(|| Calibration {
            outcome: Outcome::ChatOnly,
            api_type: Some(candidate.api_type),
            base_url: Some(candidate.base_url.clone()),
            models: Vec::new(),
            models_by_hand: true,
            message: format!(
                "{} answers as a {} API but lists no models; type the model names in by hand",
                candidate.base_url, candidate.api_type
            ),
            attempts: std::mem::take(&mut self.attempts),
        })
    }

    fn finish(self) -> Calibration {
        let (outcome, message) = if !self.rejected.is_empty() {
            (
                Outcome::KeyRejected,
                "the upstream rejected the key (401/403); check that the key is complete, active \
                 and belongs to this provider",
            )
        } else if self.unreachable {
            (
                Outcome::NothingFound,
                "the host cannot be reached or does not answer in time; check the URL and your \
                 network, or raise the timeout",
            )
        } else {
            (
                Outcome::NothingFound,
                "no model list or chat endpoint answered; check the base URL (see the attempts) \
                 or choose the API type by hand",
            )
        };
        Calibration {
            outcome,
            api_type: None,
            base_url: None,
            models: Vec::new(),
            models_by_hand: false,
            message: message.to_string(),
            attempts: self.attempts,
        }
    }
}

#[cfg(test)]
mod tests;
