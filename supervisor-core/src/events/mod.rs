//! The event bus: one daemon-wide serial counter and the routing of each emitted event to the
//! pools subscribed to its type ([EV-SERIAL-*], [EV-POOL-accept], [EV-EMIT-always]).

pub mod tick;

use std::sync::Arc;

use bytes::Bytes;
use event_proto::{EventType, Payload};

use crate::pool::{Pool, PoolAction};

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

/// Routes events to pools and numbers them.
#[derive(Debug, Default)]
pub struct EventBus {
    /// The next global serial; lives as long as the daemon process ([EV-SERIAL-restart]).
    serial: u64,
}

impl EventBus {
    /// A bus whose first event gets serial 0.
    pub fn new() -> EventBus {
        EventBus::default()
    }

    /// Emits an event into `pools`: every pool subscribed to its type buffers it, and the first
    /// such pool causes a serial to be assigned; an event no pool wants consumes no serial
    /// ([EV-SERIAL-lazy]). Pools dispatch right away. Returns the event if some pool took it.
    pub fn emit<'a>(
        &mut self,
        event_type: EventType,
        payload: &Payload,
        pools: impl IntoIterator<Item = &'a mut Pool>,
        out: &mut Vec<(usize, PoolAction)>,
    ) -> Option<SharedEvent> {
        let mut shared: Option<SharedEvent> = None;
        let mut actions = Vec::new();
        for (p, pool) in pools.into_iter().enumerate() {
            if !pool.events().matches(event_type) {
                continue;
            }
            let event = shared
                .get_or_insert_with(|| {
                    let serial = self.serial;
                    self.serial = next_serial(self.serial);
                    Arc::new(EmittedEvent {
                        event_type,
                        payload: payload.to_bytes(),
                        serial,
                    })
                })
                .clone();
            pool.accept(event, &mut actions);
            pool.dispatch(&mut actions);
            out.extend(actions.drain(..).map(|a| (p, a)));
        }
        shared
    }
}
