//! [`Filter`]: which events a handler sees. Events it rejects are acknowledged without
//! calling the handler (supervisord's `events=` is coarse: a listener for one program still
//! receives every program's events).

use event_proto::{EventMask, EventType};

use crate::Event;

/// Selects events by type (with the hierarchy) and by program or group name. The default
/// accepts everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    types: EventMask,
    names: Vec<String>,
    groups: Vec<String>,
}

impl Filter {
    /// Accepts every event.
    pub fn new() -> Filter {
        Filter::default()
    }

    /// Also accept events of type `t` (and its subtypes). Once any type is given, events of
    /// other types are rejected.
    pub fn event(mut self, t: EventType) -> Filter {
        self.types = self.types.with(t);
        self
    }

    /// Only events about the process `name` (`processname:`), or any of the names given.
    /// Events that carry no process name are rejected once a name is given.
    pub fn process(mut self, name: impl Into<String>) -> Filter {
        self.names.push(name.into());
        self
    }

    /// Only events about processes in group `name` (`groupname:`), or any of the groups
    /// given.
    pub fn group(mut self, name: impl Into<String>) -> Filter {
        self.groups.push(name.into());
        self
    }

    /// Whether the handler should see `event`.
    pub fn accepts(&self, event: &Event) -> bool {
        if !self.types.is_empty() && !event.event_type().is_some_and(|t| self.types.matches(t)) {
            return false;
        }
        if !self.names.is_empty()
            && !event
                .process_name()
                .is_some_and(|n| self.names.iter().any(|x| x == n))
        {
            return false;
        }
        if !self.groups.is_empty()
            && !event
                .group_name()
                .is_some_and(|g| self.groups.iter().any(|x| x == g))
        {
            return false;
        }
        true
    }
}
