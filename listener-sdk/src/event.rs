//! [`Event`]: one event as a listener receives it, with the accessors listeners need.

use std::borrow::Cow;

use bytes::Bytes;
use event_proto::payload::Channel;
use event_proto::{Envelope, EventMask, EventType, Header, Payload, ProcessState};

/// One event received from supervisord: its header and its typed payload.
///
/// Accessors return `None` when the event's family does not carry the field (a TICK has no
/// process name, a PROCESS_STATE_RUNNING no `expected`).
#[derive(Debug, Clone)]
pub struct Event {
    header: Header,
    payload: Payload,
    raw: Bytes,
}

impl Event {
    /// Builds an event from a decoded envelope. A payload that does not parse for its event
    /// type is kept as [`Payload::Raw`] rather than refused: a listener keeps working when a
    /// future supervisord adds fields.
    pub fn from_envelope(envelope: Envelope) -> Event {
        let payload = envelope
            .payload()
            .unwrap_or_else(|_| Payload::Raw(envelope.payload.clone()));
        Event {
            header: envelope.header,
            payload,
            raw: envelope.payload,
        }
    }

    /// The header line's fields.
    pub fn header(&self) -> &Header {
        &self.header
    }

    /// The typed payload.
    pub fn payload(&self) -> &Payload {
        &self.payload
    }

    /// The payload bytes exactly as received.
    pub fn raw_payload(&self) -> &Bytes {
        &self.raw
    }

    /// The event type, or `None` for a name this version does not know.
    pub fn event_type(&self) -> Option<EventType> {
        self.header.event_name.event_type()
    }

    /// The event name as sent (`PROCESS_STATE_EXITED`).
    pub fn name(&self) -> &str {
        self.header.event_name.as_str()
    }

    /// Whether this event is a `t`, with the hierarchy: every `PROCESS_STATE_EXITED` is a
    /// `PROCESS_STATE`, every event an `EVENT`.
    pub fn is(&self, t: EventType) -> bool {
        self.event_type()
            .is_some_and(|mine| EventMask::empty().with(t).matches(mine))
    }

    /// The global serial (`serial:`).
    pub fn serial(&self) -> u64 {
        self.header.serial
    }

    /// The pool the event came through (`pool:`).
    pub fn pool(&self) -> &str {
        self.header.pool.as_str()
    }

    /// The pool serial (`poolserial:`).
    pub fn pool_serial(&self) -> u64 {
        self.header.poolserial
    }

    /// The daemon's identifier (`server:`).
    pub fn server(&self) -> &str {
        self.header.server.as_str()
    }

    /// `processname:` of PROCESS_STATE, PROCESS_LOG and PROCESS_COMMUNICATION events.
    pub fn process_name(&self) -> Option<&str> {
        match &self.payload {
            Payload::ProcessState(p) => Some(p.process_name.as_str()),
            Payload::ProcessLog(p) => Some(p.process_name.as_str()),
            Payload::ProcessCommunication(p) => Some(p.process_name.as_str()),
            _ => None,
        }
    }

    /// `groupname:` of process events and PROCESS_GROUP_ADDED/REMOVED.
    pub fn group_name(&self) -> Option<&str> {
        match &self.payload {
            Payload::ProcessState(p) => Some(p.group_name.as_str()),
            Payload::ProcessLog(p) => Some(p.group_name.as_str()),
            Payload::ProcessCommunication(p) => Some(p.group_name.as_str()),
            Payload::ProcessGroup(p) => Some(p.group_name.as_str()),
            _ => None,
        }
    }

    /// `group:process`, as supervisorctl and the RPC API name a process.
    pub fn namespec(&self) -> Option<String> {
        let process = self.process_name()?;
        let group = self.group_name()?;
        Some(if process == group {
            process.to_owned()
        } else {
            format!("{group}:{process}")
        })
    }

    /// The state a PROCESS_STATE event is leaving (`from_state:`).
    pub fn from_state(&self) -> Option<ProcessState> {
        match &self.payload {
            Payload::ProcessState(p) => Some(p.from_state),
            _ => None,
        }
    }

    /// The state a PROCESS_STATE event enters (from its name).
    pub fn to_state(&self) -> Option<ProcessState> {
        let name = self.name().strip_prefix("PROCESS_STATE_")?;
        name.parse().ok()
    }

    /// `expected:` of PROCESS_STATE_EXITED: whether the exit code was in `exitcodes`.
    pub fn expected(&self) -> Option<bool> {
        match &self.payload {
            Payload::ProcessState(p) => p.expected,
            _ => None,
        }
    }

    /// `pid:` where the event carries it.
    pub fn pid(&self) -> Option<u32> {
        match &self.payload {
            Payload::ProcessState(p) => p.pid,
            Payload::ProcessLog(p) => Some(p.pid),
            Payload::ProcessCommunication(p) => Some(p.pid),
            _ => None,
        }
    }

    /// `tries:` of PROCESS_STATE_STARTING and PROCESS_STATE_BACKOFF.
    pub fn tries(&self) -> Option<u32> {
        match &self.payload {
            Payload::ProcessState(p) => p.tries,
            _ => None,
        }
    }

    /// `channel:` of PROCESS_LOG events.
    pub fn channel(&self) -> Option<Channel> {
        match &self.payload {
            Payload::ProcessLog(p) => Some(p.channel),
            _ => None,
        }
    }

    /// The data of PROCESS_LOG, PROCESS_COMMUNICATION and REMOTE_COMMUNICATION events, as
    /// bytes (child output need not be UTF-8).
    pub fn data(&self) -> Option<&[u8]> {
        match &self.payload {
            Payload::ProcessLog(p) => Some(&p.data),
            Payload::ProcessCommunication(p) => Some(&p.data),
            Payload::RemoteCommunication(p) => Some(&p.data),
            _ => None,
        }
    }

    /// [`Event::data`] as text, invalid UTF-8 replaced by U+FFFD.
    pub fn text_lossy(&self) -> Option<Cow<'_, str>> {
        self.data().map(String::from_utf8_lossy)
    }

    /// `type:` of REMOTE_COMMUNICATION.
    pub fn remote_kind(&self) -> Option<&str> {
        match &self.payload {
            Payload::RemoteCommunication(p) => Some(p.kind.as_str()),
            _ => None,
        }
    }

    /// `when:` of TICK events (seconds since the epoch, rounded down to the period).
    pub fn tick_when(&self) -> Option<u64> {
        match &self.payload {
            Payload::Tick(p) => Some(p.when),
            _ => None,
        }
    }
}
