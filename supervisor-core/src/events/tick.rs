//! TICK_5 / TICK_60 / TICK_3600 on 4.3's schedule ([EV-TICK-timing], [EV-TICK-collapse]), as
//! deadlines rather than a poll: the daemon sleeps until [`TickClock::next_deadline`].

use event_proto::EventType;

/// The tick periods, in seconds, with their event types.
pub const PERIODS: [(u64, EventType); 3] = [
    (5, EventType::Tick5),
    (60, EventType::Tick60),
    (3600, EventType::Tick3600),
];

/// Remembers the last boundary seen for each period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TickClock {
    last: [u64; 3],
}

impl TickClock {
    /// Starts at `now` (Unix seconds): the first tick of each period is the first boundary
    /// after startup.
    pub fn new(now: u64) -> TickClock {
        TickClock {
            last: PERIODS.map(|(p, _)| now / p * p),
        }
    }

    /// The ticks due at `now`: one per period whose boundary changed, carrying the new
    /// boundary as `when`. Missed boundaries collapse into one event; a clock that went back
    /// gives an event with a smaller `when`.
    pub fn poll(&mut self, now: u64) -> Vec<(EventType, u64)> {
        let mut due = Vec::new();
        for (i, (period, event_type)) in PERIODS.into_iter().enumerate() {
            let boundary = now / period * period;
            if boundary != self.last[i] {
                self.last[i] = boundary;
                due.push((event_type, boundary));
            }
        }
        due
    }

    /// The next time (Unix seconds) at which [`TickClock::poll`] will have something.
    pub fn next_deadline(&self) -> u64 {
        PERIODS
            .iter()
            .zip(self.last)
            .map(|((period, _), last)| last + period)
            .min()
            .unwrap_or(u64::MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_tick_is_the_first_boundary_after_start_ev_tick_timing() {
        let mut c = TickClock::new(1_795_468_683);
        assert!(c.poll(1_795_468_684).is_empty());
        assert_eq!(c.next_deadline(), 1_795_468_685);
        assert_eq!(c.poll(1_795_468_685), [(EventType::Tick5, 1_795_468_685)]);
        assert_eq!(c.next_deadline(), 1_795_468_690);
    }

    #[test]
    fn boundaries_of_all_periods() {
        let mut c = TickClock::new(3599);
        assert_eq!(
            c.poll(3600),
            [
                (EventType::Tick5, 3600),
                (EventType::Tick60, 3600),
                (EventType::Tick3600, 3600)
            ]
        );
    }

    #[test]
    fn missed_boundaries_collapse_and_backward_jumps_tick_ev_tick_collapse() {
        let mut c = TickClock::new(100);
        assert_eq!(
            c.poll(131),
            [(EventType::Tick5, 130), (EventType::Tick60, 120)],
            "six missed TICK_5 give one"
        );
        assert_eq!(c.poll(12), [(EventType::Tick5, 10), (EventType::Tick60, 0)]);
    }
}
