//! Event-listener pools: one `[eventlistener:x]` section's bounded event queue and its
//! listener processes, as a pure state machine ([EV-POOL-*], [EV-BUF-*], [EV-LST-*]).
//!
//! The pool does no I/O. The daemon feeds it events ([`Pool::accept`]), listener stdout bytes
//! ([`Pool::listener_output`]) and process lifecycle changes ([`Pool::listener_spawned`],
//! [`Pool::listener_running`], [`Pool::listener_exited`]); it answers with [`PoolAction`]s:
//! bytes to write to a listener's stdin, log lines for the main log, and listeners to
//! restart.
//!
//! Differences from 4.3 (see COMPATIBILITY.md): a rejected event is rebuffered in the owning
//! pool only ([EV-BUG-reject-crosspool]); a listener that enters UNKNOWN is reported for a
//! restart instead of being left dead ([EV-LST-unknown], 4.3 issue #1417); and every
//! delivery, rejection, rebuffer and drop is counted ([`PoolCounters`]).

mod counters;
pub mod emitted;
mod queue;

use bytes::{Bytes, BytesMut};
use event_proto::{
    encode_envelope, pyfmt, EnvelopeFields, EventMask, LenUnit, ListenerOutput, ListenerProtocol,
    ListenerResult, ListenerState, ProtocolErrorKind,
};

pub use counters::PoolCounters;
pub use queue::QueuedEvent;

use crate::log_level::{LogLevel, LogLine};
use emitted::SharedEvent;
use queue::EventQueue;

/// What a pool asks the daemon to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PoolAction {
    /// Write `bytes` (one whole envelope) to listener `listener`'s stdin.
    Send {
        /// Index of the listener in the pool.
        listener: usize,
        /// Header and payload.
        bytes: Bytes,
    },
    /// A line for the main log.
    Log(LogLine),
    /// Listener `listener` entered UNKNOWN: restart it if its autorestart policy allows
    /// (beyond 4.3, which leaves it dead; 4.3 issue #1417).
    RestartUnknown {
        /// Index of the listener in the pool.
        listener: usize,
    },
}

/// A pool's static settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolSettings {
    /// The `[eventlistener:x]` name.
    pub name: String,
    /// `events=`.
    pub events: EventMask,
    /// `buffer_size=`.
    pub buffer_size: usize,
    /// How envelopes count `len` (4.3: characters).
    pub len_unit: LenUnit,
    /// The daemon's `identifier`, sent as `server:` in headers.
    pub server: String,
    /// Beyond 4.3 (`exit_details=true`): PROCESS_STATE_EXITED, BACKOFF and FATAL payloads
    /// sent to this pool end with `exitcode:N` or `signal:NAME`.
    pub exit_details: bool,
}

/// One listener process of a pool.
#[derive(Debug)]
struct Listener {
    name: String,
    /// Its process is RUNNING (events go only to RUNNING listeners, [EV-POOL-running]).
    running: bool,
    protocol: ListenerProtocol,
    /// The event it holds while BUSY.
    held: Option<QueuedEvent>,
}

/// An event-listener pool.
#[derive(Debug)]
pub struct Pool {
    settings: PoolSettings,
    listeners: Vec<Listener>,
    queue: EventQueue,
    poolserial: u64,
    counters: PoolCounters,
    scratch: BytesMut,
}

impl Pool {
    /// A pool whose listener processes are named `listeners`, given in 4.3's dispatch order
    /// (sorted by process priority, then name as a string, [EV-POOL-choice]).
    pub fn new(settings: PoolSettings, listeners: Vec<String>) -> Pool {
        Pool {
            queue: EventQueue::new(settings.buffer_size),
            settings,
            listeners: listeners
                .into_iter()
                .map(|name| Listener {
                    name,
                    running: false,
                    protocol: ListenerProtocol::new(),
                    held: None,
                })
                .collect(),
            poolserial: 0,
            counters: PoolCounters::default(),
            scratch: BytesMut::new(),
        }
    }

    /// The pool's name.
    pub fn name(&self) -> &str {
        &self.settings.name
    }

    /// The settings it was made with.
    pub fn settings(&self) -> &PoolSettings {
        &self.settings
    }

    /// Its subscriptions.
    pub fn events(&self) -> EventMask {
        self.settings.events
    }

    /// What the pool has done so far.
    pub fn counters(&self) -> &PoolCounters {
        &self.counters
    }

    /// Events waiting in the queue.
    pub fn queued(&self) -> usize {
        self.queue.len()
    }

    /// The protocol state of listener `i`.
    pub fn listener_state(&self, i: usize) -> Option<ListenerState> {
        self.listeners.get(i).map(|l| l.protocol.state())
    }

    /// Listener names, in dispatch order.
    pub fn listener_names(&self) -> impl Iterator<Item = &str> {
        self.listeners.iter().map(|l| l.name.as_str())
    }

    /// Buffers a newly emitted event at the tail ([EV-POOL-accept]); the caller has checked
    /// the subscription and assigned the global serial. Returns log lines (an overflow drop).
    pub fn accept(&mut self, event: SharedEvent, out: &mut Vec<PoolAction>) {
        let poolserial = self.poolserial;
        self.poolserial = emitted::next_serial(self.poolserial);
        self.counters.accepted += 1;
        let queued = QueuedEvent { event, poolserial };
        if let Some(dropped) = self.queue.push_back(queued) {
            self.overflowed(&dropped, out);
        }
    }

    fn overflowed(&mut self, dropped: &QueuedEvent, out: &mut Vec<PoolAction>) {
        self.counters.dropped += 1;
        out.push(log(
            LogLevel::Error,
            format!(
                "pool {} event buffer overflowed, discarding event {}",
                self.settings.name, dropped.event.serial
            ),
        ));
    }

    /// Puts an event that was sent but not accepted back at the head ([EV-BUF-rebuffer]).
    fn rebuffer(&mut self, queued: QueuedEvent, out: &mut Vec<PoolAction>) {
        self.counters.rebuffered += 1;
        out.push(log(
            LogLevel::Debug,
            format!(
                "rebuffering event {} for pool {} (buf size={}, max={})",
                queued.event.serial,
                self.settings.name,
                self.queue.len(),
                self.settings.buffer_size
            ),
        ));
        if let Some(dropped) = self.queue.push_front(queued) {
            self.overflowed(&dropped, out);
        }
    }

    /// Listener `i`'s process was spawned: its protocol starts over in ACKNOWLEDGED
    /// ([EV-LST-spawn]). Its process is not RUNNING until [`Pool::listener_running`].
    pub fn listener_spawned(&mut self, i: usize) {
        if let Some(l) = self.listeners.get_mut(i) {
            l.protocol.reset();
            l.running = false;
        }
    }

    /// Listener `i`'s process entered (or left) RUNNING.
    pub fn listener_running(&mut self, i: usize, running: bool, out: &mut Vec<PoolAction>) {
        if let Some(l) = self.listeners.get_mut(i) {
            l.running = running;
        }
        self.dispatch(out);
    }

    /// Listener `i`'s process exited: an event it held goes back to the head of the queue
    /// ([EV-LST-exit-busy]).
    pub fn listener_exited(&mut self, i: usize, out: &mut Vec<PoolAction>) {
        let Some(l) = self.listeners.get_mut(i) else {
            return;
        };
        l.running = false;
        let held = l.held.take();
        l.protocol.reset();
        if let Some(queued) = held {
            self.rebuffer(queued, out);
        }
        self.dispatch(out);
    }

    /// Writing to listener `i` failed (EPIPE): take the event back and try another listener
    /// ([EV-PROTO-stdin-write]).
    pub fn send_failed(&mut self, i: usize, out: &mut Vec<PoolAction>) {
        let Some(l) = self.listeners.get_mut(i) else {
            return;
        };
        let Some(queued) = l.held.take() else {
            return;
        };
        out.push(log(
            LogLevel::Debug,
            format!(
                "epipe occurred while sending event {} to listener {}, listener state unchanged",
                queued.event.serial, l.name
            ),
        ));
        l.running = false;
        self.rebuffer(queued, out);
        self.dispatch(out);
    }

    /// Bytes listener `i` wrote to its stdout.
    pub fn listener_output(&mut self, i: usize, bytes: &[u8], out: &mut Vec<PoolAction>) {
        let Some(l) = self.listeners.get_mut(i) else {
            return;
        };
        l.protocol.push(bytes);
        loop {
            let Some(l) = self.listeners.get_mut(i) else {
                return;
            };
            let before = l.protocol.state();
            let Some(output) = l.protocol.next() else {
                break;
            };
            let after = l.protocol.state();
            let name = l.name.clone();
            match output {
                ListenerOutput::Ready => transition(out, &name, before, after),
                ListenerOutput::Result(result) => {
                    let held = l.held.take();
                    self.result(&name, result, held, out);
                    transition(out, &name, before, after);
                }
                ListenerOutput::Violation(err) => {
                    let held = l.held.take();
                    self.violation(i, &name, err, before, after, held, out);
                }
            }
        }
        self.dispatch(out);
    }

    /// Listener `i` closed its stdout while still running: it can never answer, so it goes
    /// to UNKNOWN (its held event back to the queue) and is restarted, as after garbage.
    pub fn listener_output_closed(&mut self, i: usize, out: &mut Vec<PoolAction>) {
        let Some(l) = self.listeners.get_mut(i) else {
            return;
        };
        let before = l.protocol.state();
        if let Some(ListenerOutput::Violation(err)) = l.protocol.output_closed() {
            let after = l.protocol.state();
            let name = l.name.clone();
            let held = l.held.take();
            self.violation(i, &name, err, before, after, held, out);
        }
        self.dispatch(out);
    }

    /// Reports a protocol violation, rebuffers the event the listener held and asks for the
    /// listener to be restarted.
    #[allow(clippy::too_many_arguments)]
    fn violation(
        &mut self,
        i: usize,
        name: &str,
        err: event_proto::ProtocolError,
        before: ListenerState,
        after: ListenerState,
        held: Option<QueuedEvent>,
        out: &mut Vec<PoolAction>,
    ) {
        if err.kind == ProtocolErrorKind::BadResultLine {
            let line = match std::str::from_utf8(&err.bytes) {
                Ok(text) => pyfmt::str_repr(text),
                Err(_) => format!("Undecodable: {}", pyfmt::bytes_repr(&err.bytes)),
            };
            out.push(log(
                LogLevel::Warn,
                format!("{name}: bad result line: {line}"),
            ));
        } else {
            out.push(log(
                LogLevel::Warn,
                format!("{name}: protocol error: {err}"),
            ));
        }
        transition(out, name, before, after);
        out.push(log(
            LogLevel::Warn,
            format!(
                "{name}: has entered the UNKNOWN state and will no longer receive \
                 events, this usually indicates the process violated the \
                 eventlistener protocol"
            ),
        ));
        if let Some(queued) = held {
            self.rebuffer(queued, out);
        }
        out.push(PoolAction::RestartUnknown { listener: i });
    }

    fn result(
        &mut self,
        name: &str,
        result: ListenerResult,
        held: Option<QueuedEvent>,
        out: &mut Vec<PoolAction>,
    ) {
        if result.is_ok() {
            self.counters.delivered += 1;
            out.push(log(LogLevel::Debug, format!("{name}: event was processed")));
        } else {
            self.counters.rejected += 1;
            out.push(log(LogLevel::Warn, format!("{name}: event was rejected")));
            if let Some(queued) = held {
                self.rebuffer(queued, out);
            }
        }
    }

    /// Sends queued events, oldest first, to the first RUNNING + READY listener in order,
    /// until the queue is empty or no listener can take one ([EV-POOL-fifo]).
    pub fn dispatch(&mut self, out: &mut Vec<PoolAction>) {
        while !self.queue.is_empty() {
            let Some(i) = self
                .listeners
                .iter()
                .position(|l| l.running && l.protocol.state() == ListenerState::Ready)
            else {
                return;
            };
            let Some(queued) = self.queue.pop_front() else {
                return;
            };
            self.scratch.clear();
            // Header line (at most ~200 bytes plus the names) and payload in one allocation.
            self.scratch.reserve(
                256 + self.settings.server.len()
                    + self.settings.name.len()
                    + queued.event.payload.len(),
            );
            let fields = EnvelopeFields {
                server: &self.settings.server,
                serial: queued.event.serial,
                pool: &self.settings.name,
                poolserial: queued.poolserial,
                len_unit: self.settings.len_unit,
            };
            encode_envelope(
                &fields,
                queued.event.event_type,
                &queued.event.payload,
                &mut self.scratch,
            );
            let bytes = self.scratch.split().freeze();
            let l = &mut self.listeners[i];
            // READY was checked above, so this cannot be refused.
            let _ = l.protocol.event_sent();
            self.counters.sent += 1;
            out.push(log(
                LogLevel::Debug,
                format!("event {} sent to listener {}", queued.event.serial, l.name),
            ));
            l.held = Some(queued);
            out.push(PoolAction::Send { listener: i, bytes });
        }
    }

    /// Drops every queued and held event (the pool is being removed, [EV-BUF-remove]),
    /// returning how many were lost.
    pub fn clear(&mut self) -> usize {
        let held = self
            .listeners
            .iter_mut()
            .filter_map(|l| l.held.take())
            .count();
        let n = self.queue.len() + held;
        self.queue = EventQueue::new(self.settings.buffer_size);
        self.counters.dropped += n as u64;
        n
    }
}

fn log(level: LogLevel, message: String) -> PoolAction {
    PoolAction::Log(LogLine::new(level, message))
}

/// DEBG `<name>: OLD -> NEW` for a state change caused by listener output ([EV-LOG-transition]).
fn transition(out: &mut Vec<PoolAction>, name: &str, before: ListenerState, after: ListenerState) {
    if before != after {
        out.push(log(LogLevel::Debug, format!("{name}: {before} -> {after}")));
    }
}

#[cfg(test)]
mod tests;
