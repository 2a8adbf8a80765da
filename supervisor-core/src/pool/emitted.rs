//! An event as the bus emitted it: what every pool that takes it queues, shared. It lives with
//! the pools, which hold it; the bus ([`crate::events`]) makes it.

use std::sync::Arc;

use bytes::Bytes;
use event_proto::EventType;

/// An emitted event: its concrete type, its encoded payload and its global serial. Shared by
/// every pool that buffers it.
pub type SharedEvent = Arc<EmittedEvent>;

/// The data of one emitted event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmittedEvent {
    /// The concrete type.
    pub event_type: EventType,
    /// The payload bytes, encoded once when the event was created ([EV-PAY-pid]: values are
    /// captured then, not at delivery).
    pub payload: Bytes,
    /// The global serial ([EV-SERIAL-global]).
    pub serial: u64,
}

/// The next value of a serial counter: both wrap to 0 after 2^63-1 ([EV-SERIAL-wrap]).
pub fn next_serial(n: u64) -> u64 {
    if n >= i64::MAX as u64 {
        0
    } else {
        n + 1
    }
}
