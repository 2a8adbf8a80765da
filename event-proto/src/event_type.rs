//! The event-type registry: every event type of supervisor 4.3, its wire name and its place in
//! the hierarchy ([EV-TYPES], [EV-SUB-parent], [EV-SUB-union]).

use std::fmt;
use std::str::FromStr;

macro_rules! event_types {
    ($( $(#[$doc:meta])* $variant:ident = $name:literal, parent: $parent:ident, abstract: $abs:literal; )*) => {
        /// One of supervisor 4.3's event types, concrete or abstract.
        ///
        /// Abstract types (`EVENT`, `PROCESS_STATE`, `TICK`, ...) are only used in subscriptions;
        /// the header of a sent event always carries a concrete type.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum EventType {
            $( $(#[$doc])* $variant, )*
        }

        impl EventType {
            /// Every event type, parents before children.
            pub const ALL: &'static [EventType] = &[ $( EventType::$variant, )* ];

            /// The wire name, e.g. `PROCESS_STATE_RUNNING`.
            pub const fn as_str(self) -> &'static str {
                match self { $( EventType::$variant => $name, )* }
            }

            /// The parent type, `None` for `EVENT`.
            pub const fn parent(self) -> Option<EventType> {
                match self { $( EventType::$variant => event_types!(@parent $parent), )* }
            }

            /// Looks up a wire name exactly (as sent in headers; upper case).
            pub fn from_wire_name(name: &str) -> Option<EventType> {
                match name { $( $name => Some(EventType::$variant), )* _ => None }
            }

            /// Whether the type is only a subscription target, never sent itself.
            pub const fn is_abstract(self) -> bool {
                match self { $( EventType::$variant => $abs, )* }
            }
        }
    };
    (@parent None) => { None };
    (@parent $p:ident) => { Some(EventType::$p) };
}

event_types! {
    /// The root of every event type.
    Event = "EVENT", parent: None, abstract: true;
    /// Any process state change.
    ProcessState = "PROCESS_STATE", parent: Event, abstract: true;
    /// A process entered STOPPED.
    ProcessStateStopped = "PROCESS_STATE_STOPPED", parent: ProcessState, abstract: false;
    /// A process entered STARTING.
    ProcessStateStarting = "PROCESS_STATE_STARTING", parent: ProcessState, abstract: false;
    /// A process entered RUNNING.
    ProcessStateRunning = "PROCESS_STATE_RUNNING", parent: ProcessState, abstract: false;
    /// A process entered BACKOFF.
    ProcessStateBackoff = "PROCESS_STATE_BACKOFF", parent: ProcessState, abstract: false;
    /// A process entered STOPPING.
    ProcessStateStopping = "PROCESS_STATE_STOPPING", parent: ProcessState, abstract: false;
    /// A process entered EXITED.
    ProcessStateExited = "PROCESS_STATE_EXITED", parent: ProcessState, abstract: false;
    /// A process entered FATAL.
    ProcessStateFatal = "PROCESS_STATE_FATAL", parent: ProcessState, abstract: false;
    /// A process entered UNKNOWN.
    ProcessStateUnknown = "PROCESS_STATE_UNKNOWN", parent: ProcessState, abstract: false;
    /// Sent by the `supervisor.sendRemoteCommEvent` RPC.
    RemoteCommunication = "REMOTE_COMMUNICATION", parent: Event, abstract: false;
    /// Child output (when `*_events_enabled`).
    ProcessLog = "PROCESS_LOG", parent: Event, abstract: true;
    /// A chunk of child stdout.
    ProcessLogStdout = "PROCESS_LOG_STDOUT", parent: ProcessLog, abstract: false;
    /// A chunk of child stderr.
    ProcessLogStderr = "PROCESS_LOG_STDERR", parent: ProcessLog, abstract: false;
    /// A capture-mode block ended.
    ProcessCommunication = "PROCESS_COMMUNICATION", parent: Event, abstract: true;
    /// A capture-mode block ended on stdout.
    ProcessCommunicationStdout = "PROCESS_COMMUNICATION_STDOUT", parent: ProcessCommunication, abstract: false;
    /// A capture-mode block ended on stderr.
    ProcessCommunicationStderr = "PROCESS_COMMUNICATION_STDERR", parent: ProcessCommunication, abstract: false;
    /// supervisord itself changed state.
    SupervisorStateChange = "SUPERVISOR_STATE_CHANGE", parent: Event, abstract: true;
    /// supervisord entered its main loop (each start and restart).
    SupervisorStateChangeRunning = "SUPERVISOR_STATE_CHANGE_RUNNING", parent: SupervisorStateChange, abstract: false;
    /// supervisord began a shutdown or restart.
    SupervisorStateChangeStopping = "SUPERVISOR_STATE_CHANGE_STOPPING", parent: SupervisorStateChange, abstract: false;
    /// Clock boundaries.
    Tick = "TICK", parent: Event, abstract: true;
    /// Every 5 second boundary.
    Tick5 = "TICK_5", parent: Tick, abstract: false;
    /// Every 60 second boundary.
    Tick60 = "TICK_60", parent: Tick, abstract: false;
    /// Every 3600 second boundary.
    Tick3600 = "TICK_3600", parent: Tick, abstract: false;
    /// A process group was added or removed.
    ProcessGroup = "PROCESS_GROUP", parent: Event, abstract: true;
    /// A process group was added.
    ProcessGroupAdded = "PROCESS_GROUP_ADDED", parent: ProcessGroup, abstract: false;
    /// A process group was removed.
    ProcessGroupRemoved = "PROCESS_GROUP_REMOVED", parent: ProcessGroup, abstract: false;
}

impl EventType {
    /// The bit of this type in an [`EventMask`].
    const fn bit(self) -> u32 {
        1 << (self as u32)
    }

    /// This type and all its ancestors, as a mask.
    const fn lineage(self) -> u32 {
        let mut mask = self.bit();
        let mut cur = self.parent();
        while let Some(p) = cur {
            mask |= p.bit();
            cur = p.parent();
        }
        mask
    }

    /// The `PROCESS_STATE_*` type announcing entry into `state`.
    pub const fn process_state(state: crate::ProcessState) -> EventType {
        use crate::ProcessState as S;
        match state {
            S::Stopped => EventType::ProcessStateStopped,
            S::Starting => EventType::ProcessStateStarting,
            S::Running => EventType::ProcessStateRunning,
            S::Backoff => EventType::ProcessStateBackoff,
            S::Stopping => EventType::ProcessStateStopping,
            S::Exited => EventType::ProcessStateExited,
            S::Fatal => EventType::ProcessStateFatal,
            S::Unknown => EventType::ProcessStateUnknown,
        }
    }

    /// Whether an event of this type is delivered to a subscriber of `other`: `other` is this
    /// type or one of its ancestors ([EV-SUB-parent]).
    pub const fn is_a(self, other: EventType) -> bool {
        self.lineage() & other.bit() != 0
    }
}

impl fmt::Display for EventType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An event-type name that is not one of supervisor 4.3's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownEventType {
    /// The name as given.
    pub name: String,
}

impl fmt::Display for UnknownEventType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown event type {:?}", self.name)
    }
}

impl std::error::Error for UnknownEventType {}

impl FromStr for EventType {
    type Err = UnknownEventType;

    /// Parses a name as `events=` does: case-insensitive, surrounding blanks ignored ([EV-TYPES]).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let trimmed = s.trim();
        EventType::ALL
            .iter()
            .copied()
            .find(|t| t.as_str().eq_ignore_ascii_case(trimmed))
            .ok_or_else(|| UnknownEventType { name: s.to_owned() })
    }
}

/// A set of subscribed event types (a pool's `events=`), matched with the hierarchy.
///
/// An event matching several subscribed types matches once ([EV-SUB-union]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct EventMask(u32);

impl EventMask {
    /// The empty subscription.
    pub const fn empty() -> EventMask {
        EventMask(0)
    }

    /// Adds a subscribed type.
    pub const fn with(self, t: EventType) -> EventMask {
        EventMask(self.0 | t.bit())
    }

    /// Whether nothing is subscribed.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Whether an event of type `t` is delivered to this subscription.
    pub const fn matches(self, t: EventType) -> bool {
        t.lineage() & self.0 != 0
    }

    /// The subscribed types, in registry order.
    pub fn types(self) -> impl Iterator<Item = EventType> {
        EventType::ALL
            .iter()
            .copied()
            .filter(move |t| self.0 & t.bit() != 0)
    }

    /// Parses a comma-separated `events=` value (`PROCESS_STATE, tick_60`). Blank items are
    /// skipped; an unknown name is an error naming it.
    pub fn parse_list(list: &str) -> Result<EventMask, UnknownEventType> {
        list.split(',')
            .map(str::trim)
            .filter(|item| !item.is_empty())
            .try_fold(EventMask::empty(), |mask, item| {
                Ok(mask.with(item.parse::<EventType>()?))
            })
    }
}

impl FromIterator<EventType> for EventMask {
    fn from_iter<I: IntoIterator<Item = EventType>>(iter: I) -> Self {
        iter.into_iter().fold(EventMask::empty(), EventMask::with)
    }
}

/// The event name in a header: a known type, or a name this version does not know, kept as
/// is so a newer daemon's events still frame correctly (forward compatible).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum EventName {
    /// One of supervisor 4.3's concrete types.
    Known(EventType),
    /// A name not in the registry.
    Other(String),
}

impl EventName {
    /// The name as it appears on the wire.
    pub fn as_str(&self) -> &str {
        match self {
            EventName::Known(t) => t.as_str(),
            EventName::Other(s) => s,
        }
    }

    /// Resolves a header name: registry lookup first, raw otherwise.
    pub fn from_wire(name: &str) -> EventName {
        match EventType::from_wire_name(name) {
            Some(t) => EventName::Known(t),
            None => EventName::Other(name.to_owned()),
        }
    }

    /// The known type, if any.
    pub fn event_type(&self) -> Option<EventType> {
        match self {
            EventName::Known(t) => Some(*t),
            EventName::Other(_) => None,
        }
    }
}

impl From<EventType> for EventName {
    fn from(t: EventType) -> Self {
        EventName::Known(t)
    }
}

impl fmt::Display for EventName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_has_every_4_3_type_ev_types() {
        assert_eq!(EventType::ALL.len(), 27);
        for t in EventType::ALL {
            assert_eq!(EventType::from_wire_name(t.as_str()), Some(*t));
            assert_eq!(t.as_str().to_lowercase().parse::<EventType>(), Ok(*t));
        }
        let concrete = EventType::ALL.iter().filter(|t| !t.is_abstract()).count();
        assert_eq!(concrete, 20);
    }

    #[test]
    fn hierarchy_ev_sub_parent() {
        use EventType::*;
        assert!(ProcessStateRunning.is_a(ProcessState));
        assert!(ProcessStateRunning.is_a(Event));
        assert!(!ProcessStateRunning.is_a(ProcessLog));
        assert!(Tick60.is_a(Tick));
        assert!(!Tick60.is_a(Tick5));
        assert!(ProcessCommunicationStderr.is_a(ProcessCommunication));
        assert!(RemoteCommunication.is_a(Event));
        for t in EventType::ALL {
            assert!(t.is_a(Event), "{t}");
            assert!(t.is_a(*t));
        }
    }

    #[test]
    fn subscription_lists_ev_sub_union() {
        let mask = EventMask::parse_list("PROCESS_STATE, tick_60,,").expect("valid list");
        assert!(mask.matches(EventType::ProcessStateExited));
        assert!(mask.matches(EventType::Tick60));
        assert!(!mask.matches(EventType::Tick5));
        assert_eq!(
            mask.types().collect::<Vec<_>>(),
            [EventType::ProcessState, EventType::Tick60]
        );
        let err = EventMask::parse_list("PROCESS_STATE, BOGUS").expect_err("unknown name");
        assert_eq!(err.name, "BOGUS");
        assert!(EventMask::parse_list("EVENT")
            .expect("valid")
            .matches(EventType::Tick3600));
    }

    #[test]
    fn unknown_wire_names_are_kept() {
        assert_eq!(
            EventName::from_wire("FUTURE_EVENT"),
            EventName::Other("FUTURE_EVENT".into())
        );
        assert_eq!(
            EventName::from_wire("TICK_5").event_type(),
            Some(EventType::Tick5)
        );
        // Header names are exact: lower case is not a known wire name.
        assert_eq!(EventName::from_wire("tick_5").event_type(), None);
    }
}
