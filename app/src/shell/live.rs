//! The live event stream: one `EventSource` on `/api/events` for the whole page, opened by
//! the layout and shared through context. Screens ask for a counter that moves whenever an
//! event they care about arrives and make it their `Resource`'s source, so they refetch in
//! place, with no polling. Reconnects forever; the header shows whether it is connected.

use codee::string::JsonSerdeCodec;
use leptos::prelude::*;
use leptos_use::core::ConnectionReadyState;
use leptos_use::{ReconnectLimit, UseEventSourceOptions, use_event_source_with_options};
use types::events::Event;

/// The stream's state, from context (`use_live`).
#[derive(Clone, Copy)]
pub struct LiveEvents {
    /// How many events arrived so far on this page.
    seq: RwSignal<u64>,
    /// The newest event.
    latest: RwSignal<Option<Event>>,
    /// Whether the stream is open right now.
    pub connected: Signal<bool>,
}

impl LiveEvents {
    /// A number that changes each time an event matching `wanted` arrives (and stays put for
    /// the rest): a `Resource` keyed on it refetches exactly when its data changed.
    pub fn changes(self, wanted: fn(&Event) -> bool) -> Memo<u64> {
        Memo::new(move |previous: Option<&u64>| {
            let seq = self.seq.get();
            let hit = self
                .latest
                .with_untracked(|e| e.as_ref().is_some_and(wanted));
            if hit {
                seq
            } else {
                previous.copied().unwrap_or(0)
            }
        })
    }

    /// The newest event (tracked), for screens that update in place from its data.
    pub fn latest(self) -> Option<Event> {
        self.latest.get()
    }
}

/// Opens the stream and provides `LiveEvents` to everything below the caller.
pub fn provide_live_events() -> LiveEvents {
    let source = use_event_source_with_options::<Event, JsonSerdeCodec>(
        "/api/events",
        UseEventSourceOptions::default()
            .reconnect_limit(ReconnectLimit::Infinite)
            .reconnect_interval(2000),
    );
    let live = LiveEvents {
        seq: RwSignal::new(0),
        latest: RwSignal::new(None),
        connected: Signal::derive(move || source.ready_state.get() == ConnectionReadyState::Open),
    };
    let message = source.message;
    Effect::new(move || {
        if let Some(message) = message.get() {
            live.latest.set(Some(message.data));
            live.seq.update(|n| *n += 1);
        }
    });
    provide_context(live);
    live
}

/// The stream from context.
pub fn use_live() -> LiveEvents {
    expect_context::<LiveEvents>()
}

/// Every event that may change configuration-derived lists.
pub fn is_config_change(event: &Event) -> bool {
    matches!(
        event,
        Event::ConfigChanged { .. }
            | Event::EntryCooled { .. }
            | Event::EntryRecovered { .. }
            | Event::EntryDisabled { .. }
            | Event::KeyCooled { .. }
            | Event::SpeedTest { .. }
    )
}
