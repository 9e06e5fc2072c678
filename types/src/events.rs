//! What changed in a running API Switch, as the live stream (`GET /api/events`, one JSON
//! `Event` per server-sent `data:` line) tells the UI. Screens update in place on the events
//! that carry what they show, and refetch on `ConfigChanged`. A receiver that falls behind gets
//! a `ConfigChanged` instead of the events it missed, so refetching is always the safe answer.

use serde::{Deserialize, Serialize};

use crate::calibration::AttemptReport;
use crate::logs::RequestRecord;
use crate::routing::KeyId;
use crate::speedtest::TestResult;
use crate::{ChannelId, EntryId};

/// One change. Serialised with a `type` field in snake case, e.g.
/// `{"type":"entry_cooled","entry":3,"until_ms":1764590000000}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    /// A proxied request finished and its log row is saved (the row's fields sit beside
    /// `type`; `id` is the saved row's id, so a Logs page can insert it without refetching).
    RequestFinished(RequestRecord),
    /// The entry failed and is skipped until `until_ms` (Unix milliseconds).
    EntryCooled { entry: EntryId, until_ms: i64 },
    /// The entry answered again and its cooldown is cleared.
    EntryRecovered { entry: EntryId },
    /// The system switched the entry off (credentials or model gone); only the user turns it
    /// back on.
    EntryDisabled { entry: EntryId, reason: String },
    /// A key of a channel's pool failed in a way that is the key's (a 429, an error rule
    /// aimed at the key) and is skipped until `until_ms`; the pool serves with its other keys.
    KeyCooled { key: KeyId, until_ms: i64 },
    /// One entry's speed-test result, as soon as it is known.
    SpeedTest { result: TestResult },
    /// The configuration changed (or events were missed): refetch what the screen shows.
    ConfigChanged { version: u64 },
    /// Channel calibration `run` (an id the page chose) made one more request; the page that
    /// started it lists the attempt while calibration goes on.
    CalibrationAttempt { run: String, attempt: AttemptReport },
    /// A channel's balance was looked up (an unknown figure carries its error).
    BalanceChecked {
        channel: ChannelId,
        balance: crate::balance::Balance,
    },
    /// A channel's balance fell below the threshold the user set.
    BalanceLow {
        channel: ChannelId,
        name: String,
        balance: crate::balance::Balance,
        threshold: f64,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_carry_their_type_in_snake_case() {
        let cooled = Event::EntryCooled {
            entry: 3,
            until_ms: 1_000,
        };
        let json = serde_json::to_value(&cooled).expect("serialise");
        assert_eq!(
            json,
            serde_json::json!({"type": "entry_cooled", "entry": 3, "until_ms": 1000})
        );
        let back: Event = serde_json::from_value(json).expect("deserialise");
        assert_eq!(back, cooled);
    }

    #[test]
    fn a_finished_request_flattens_its_row_beside_the_type() {
        let row = RequestRecord {
            id: 7,
            at_ms: 5,
            requested_model: "auto".into(),
            status: 200,
            ..RequestRecord::default()
        };
        let json = serde_json::to_value(Event::RequestFinished(row.clone())).expect("json");
        assert_eq!(json["type"], "request_finished");
        assert_eq!(json["id"], 7);
        assert_eq!(json["status"], 200);
        let back: Event = serde_json::from_value(json).expect("deserialise");
        assert_eq!(back, Event::RequestFinished(row));
    }
}
