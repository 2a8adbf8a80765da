//! Startup and shutdown sequencing: groups start in ascending priority and stop one group at a
//! time from the highest.

use std::time::Duration;

use event_proto::payload::ProcessGroupPayload;
use event_proto::{EventType, Payload, ProcessState, Text};

use super::state::{Phase, Supervisor};
use crate::log_level::LogLevel;
use crate::process::Now;

impl Supervisor {
    /// PROCESS_GROUP_ADDED per group, SUPERVISOR_STATE_CHANGE_RUNNING, then autostart in
    /// ascending order ([PROC-SUPD-startup], [PROC-PRIO-start]).
    pub(super) fn startup(&mut self, now: Now) {
        for g in 0..self.groups.len() {
            let payload = Payload::ProcessGroup(ProcessGroupPayload {
                group_name: Text::from(self.groups[g].0.as_str()),
            });
            // A pool sees only groups created after it ([EV-SELF-group]).
            let created = self.pools_created_up_to(g);
            self.emit_to(EventType::ProcessGroupAdded, &payload, created);
        }
        self.emit(
            EventType::SupervisorStateChangeRunning,
            &Payload::SupervisorStateChange,
        );
        for i in 0..self.procs.len() {
            if self.procs[i].model.params.autostart {
                let _ = self.request_start(i, now);
            }
        }
    }

    /// [PROC-SUPD-shutdown]: SUPERVISOR_STATE_CHANGE_STOPPING once, then groups one at a time
    /// from the highest priority.
    pub(super) fn begin_shutdown(&mut self, now: Now) {
        if self.phase != Phase::Running {
            return;
        }
        for slot in &mut self.procs {
            slot.machine.set_supervisor_running(false);
            slot.start_wanted = false;
        }
        self.emit(
            EventType::SupervisorStateChangeStopping,
            &Payload::SupervisorStateChange,
        );
        self.phase = Phase::Stopping(self.groups.len());
        self.advance_shutdown(now);
    }

    pub(super) fn advance_shutdown(&mut self, now: Now) {
        while let Phase::Stopping(g) = self.phase {
            if g == 0 {
                self.phase = Phase::Done;
                return;
            }
            let members = self.groups[g - 1].1.clone();
            for &i in members.iter().rev() {
                let mut out = Vec::new();
                match self.procs[i].machine.state() {
                    // Its dependants (in any group) are stopped first.
                    ProcessState::Starting | ProcessState::Running
                        if !self.procs[i].stop_wanted =>
                    {
                        let _ = self.request_stop(i, now);
                    }
                    ProcessState::Backoff => self.procs[i].machine.give_up(now, &mut out),
                    _ => {}
                }
                self.apply(i, out, now);
            }
            let waiting: Vec<String> = members
                .iter()
                .filter(|&&i| !self.procs[i].machine.state().is_stopped())
                .map(|&i| self.procs[i].model.params.name.clone())
                .collect();
            if !waiting.is_empty() {
                let due = self
                    .last_wait_log
                    .is_none_or(|t| now.mono.duration_since(t) >= Duration::from_secs(3));
                if due {
                    self.last_wait_log = Some(now.mono);
                    self.line(
                        LogLevel::Info,
                        format!("waiting for {} to die", waiting.join(", ")),
                    );
                }
                return;
            }
            self.phase = Phase::Stopping(g - 1);
        }
    }

    /// Beyond 4.3: what every pool did, so a drop is never silent.
    pub(super) fn log_counters(&mut self) {
        let lines: Vec<String> = self
            .live_pools()
            .map(|p| {
                let c = p.counters();
                format!(
                    "pool {} events: {} accepted, {} delivered, {} rejected, {} rebuffered, {} dropped, {} left queued",
                    p.name(),
                    c.accepted,
                    c.delivered,
                    c.rejected,
                    c.rebuffered,
                    c.dropped,
                    p.queued()
                )
            })
            .collect();
        for l in lines {
            self.line(LogLevel::Info, l);
        }
    }
}
