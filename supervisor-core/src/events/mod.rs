//! The event bus: one daemon-wide serial counter and the routing of each emitted event to the
//! pools subscribed to its type ([EV-SERIAL-*], [EV-POOL-accept], [EV-EMIT-always]).

pub mod tick;

use std::sync::Arc;

use event_proto::{EventType, Payload};

pub use crate::pool::emitted::{next_serial, EmittedEvent, SharedEvent};
use crate::pool::{Pool, PoolAction};

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
        self.emit_detailed(event_type, payload, None, pools, out)
    }

    /// [`EventBus::emit`], where the pools that asked for `exit_details` get the payload
    /// with `details` (` exitcode:N` or ` signal:NAME`) appended. Both are one event, with
    /// one serial.
    pub fn emit_detailed<'a>(
        &mut self,
        event_type: EventType,
        payload: &Payload,
        details: Option<&str>,
        pools: impl IntoIterator<Item = &'a mut Pool>,
        out: &mut Vec<(usize, PoolAction)>,
    ) -> Option<SharedEvent> {
        let mut shared: Option<SharedEvent> = None;
        let mut detailed: Option<SharedEvent> = None;
        let mut actions = Vec::new();
        for (p, pool) in pools.into_iter().enumerate() {
            if !pool.events().matches(event_type) {
                continue;
            }
            let plain = shared
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
            let event = match details {
                Some(extra) if pool.settings().exit_details => detailed
                    .get_or_insert_with(|| {
                        let mut bytes = plain.payload.to_vec();
                        bytes.extend_from_slice(extra.as_bytes());
                        Arc::new(EmittedEvent {
                            event_type,
                            payload: bytes.into(),
                            serial: plain.serial,
                        })
                    })
                    .clone(),
                _ => plain,
            };
            pool.accept(event, &mut actions);
            pool.dispatch(&mut actions);
            out.extend(actions.drain(..).map(|a| (p, a)));
        }
        shared
    }
}
