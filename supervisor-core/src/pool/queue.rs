//! The bounded per-pool event queue: full means the oldest event is dropped ([EV-BUF-overflow],
//! [EV-BUF-rebuffer]).

use std::collections::VecDeque;

use super::emitted::SharedEvent;

/// An event in one pool's queue, with the pool serial it was given when first buffered
/// ([EV-POOLSERIAL]; kept on redelivery).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuedEvent {
    /// The event (shared by every pool that buffered it).
    pub event: SharedEvent,
    /// This pool's serial for it.
    pub poolserial: u64,
}

/// A FIFO holding at most `buffer_size` events.
#[derive(Debug)]
pub(crate) struct EventQueue {
    events: VecDeque<QueuedEvent>,
    max: usize,
}

impl EventQueue {
    pub(crate) fn new(max: usize) -> EventQueue {
        EventQueue {
            events: VecDeque::with_capacity(max.min(1024)),
            max,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.events.len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    /// Makes room as 4.3 does: when the queue holds `max` or more, the oldest goes.
    fn make_room(&mut self) -> Option<QueuedEvent> {
        if self.events.len() >= self.max {
            self.events.pop_front()
        } else {
            None
        }
    }

    /// Appends; returns the event dropped to make room, if any.
    pub(crate) fn push_back(&mut self, e: QueuedEvent) -> Option<QueuedEvent> {
        let dropped = self.make_room();
        self.events.push_back(e);
        dropped
    }

    /// Puts back at the head; returns the event dropped to make room (the old head), if any.
    pub(crate) fn push_front(&mut self, e: QueuedEvent) -> Option<QueuedEvent> {
        let dropped = self.make_room();
        self.events.push_front(e);
        dropped
    }

    pub(crate) fn pop_front(&mut self) -> Option<QueuedEvent> {
        self.events.pop_front()
    }
}
