//! The last events, kept for the web console's event stream while a console watches.
//!
//! Nothing is kept (and no payload encoded for it) unless a console asked for events within
//! the last [`WATCH_FOR`]; then at most [`KEEP`] events are held, oldest dropped first.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use event_proto::{EventType, Payload};

/// How long after a console's last request events are still kept.
pub(super) const WATCH_FOR: Duration = Duration::from_secs(30);

/// How many events are kept.
pub(super) const KEEP: usize = 500;

/// One kept event: its sequence number (ours, not the pools' serial), type and payload text.
pub type RecentEvent = (u64, String, String);

/// The ring of recent events.
#[derive(Debug, Default)]
pub(super) struct RecentEvents {
    ring: VecDeque<RecentEvent>,
    next: u64,
    watched_until: Option<Instant>,
}

impl RecentEvents {
    /// Keeps an event, if a console watches.
    pub(super) fn record(&mut self, event_type: EventType, payload: &Payload, now: Instant) {
        if self.watched_until.is_none_or(|t| now >= t) {
            return;
        }
        self.next += 1;
        let text = String::from_utf8_lossy(&payload.to_bytes()).into_owned();
        self.ring
            .push_back((self.next, event_type.as_str().to_owned(), text));
        while self.ring.len() > KEEP {
            self.ring.pop_front();
        }
    }

    /// The events after sequence number `after`, and the last number handed out; starts (or
    /// extends) the watch.
    pub(super) fn since(&mut self, after: u64, now: Instant) -> (u64, Vec<RecentEvent>) {
        self.watched_until = Some(now + WATCH_FOR);
        let events = self.ring.iter().filter(|e| e.0 > after).cloned().collect();
        (self.next, events)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_kept_only_while_watched_and_at_most_keep() {
        let mut r = RecentEvents::default();
        let t0 = Instant::now();
        let tick = Payload::Tick(event_proto::payload::TickPayload { when: 5 });
        r.record(EventType::Tick5, &tick, t0);
        assert_eq!(r.since(0, t0), (0, Vec::new()), "nothing kept unwatched");
        for _ in 0..KEEP + 3 {
            r.record(EventType::Tick5, &tick, t0);
        }
        let (last, events) = r.since(0, t0);
        assert_eq!(last, (KEEP + 3) as u64);
        assert_eq!(events.len(), KEEP);
        assert_eq!(events[0].0, 4, "the oldest dropped first");
        assert_eq!(events[0].1, "TICK_5");
        assert_eq!(events[0].2, "when:5");
        assert_eq!(r.since(last - 1, t0).1.len(), 1);
        r.record(
            EventType::Tick5,
            &tick,
            t0 + WATCH_FOR + Duration::from_secs(1),
        );
        assert_eq!(r.since(0, t0).0, last, "not kept once the watch lapsed");
    }
}
