//! Per-pool delivery counters (beyond 4.3): every event a pool accepted ends up delivered,
//! dropped on overflow, or still queued/held, so a drop is never silent.

/// What one pool has done with the events it accepted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PoolCounters {
    /// Events buffered by the pool (each emitted event counts once).
    pub accepted: u64,
    /// Envelopes written to a listener (redeliveries included).
    pub sent: u64,
    /// Events a listener acknowledged with `OK`.
    pub delivered: u64,
    /// Results other than `OK`.
    pub rejected: u64,
    /// Times an event went back to the head of the queue (rejection, listener exit,
    /// protocol error, write failure).
    pub rebuffered: u64,
    /// Events discarded: queue overflow, or pool removal.
    pub dropped: u64,
}
