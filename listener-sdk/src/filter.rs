//! [`Filter`]: which events a handler sees. Events it rejects are acknowledged without
//! calling the handler (supervisord's `events=` is coarse: a listener for one program still
//! receives every program's events).

use event_proto::{EventMask, EventType, EventView};

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
        self.accepts_parts(event.event_type(), || {
            (event.process_name(), event.group_name())
        })
    }

    /// [`accepts`](Self::accepts) for a borrowed event (the payload is only decoded when a
    /// process or group is selected).
    pub fn accepts_view(&self, event: &EventView<'_>) -> bool {
        self.accepts_parts(event.header.event_type, || {
            let payload = event.payload().ok();
            (
                payload.and_then(|p| p.process_name()),
                payload.and_then(|p| p.group_name()),
            )
        })
    }

    fn accepts_parts<'n>(
        &self,
        event_type: Option<EventType>,
        names: impl FnOnce() -> (Option<&'n str>, Option<&'n str>),
    ) -> bool {
        if !self.types.is_empty() && !event_type.is_some_and(|t| self.types.matches(t)) {
            return false;
        }
        if self.names.is_empty() && self.groups.is_empty() {
            return true;
        }
        let (process, group) = names();
        let listed = |list: &[String], name: Option<&str>| {
            list.is_empty() || name.is_some_and(|n| list.iter().any(|x| x == n))
        };
        listed(&self.names, process) && listed(&self.groups, group)
    }
}
