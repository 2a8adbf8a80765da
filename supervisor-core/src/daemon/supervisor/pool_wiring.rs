//! The listener pools' wiring: events go into the pools, and every action a pool asks for
//! comes out through one entry point, [`Supervisor::with_pool`].

use std::collections::VecDeque;

use event_proto::{EventType, Payload};

use super::state::{Phase, Supervisor};
use crate::log_level::LogLevel;
use crate::pool::{Pool, PoolAction};
use crate::process::Now;

impl Supervisor {
    /// How many pools (in group order) exist once group `g` has been created.
    pub(super) fn pools_created_up_to(&self, g: usize) -> usize {
        let first_member_of = |k: usize| self.pools[k].members.first().copied();
        let group_end = self.groups[g].1.last().copied().unwrap_or(0);
        (0..self.pools.len())
            .filter(|&k| first_member_of(k).is_some_and(|m| m <= group_end))
            .count()
    }

    /// Emits an event to every pool.
    pub(super) fn emit(&mut self, event_type: EventType, payload: &Payload) {
        let n = self.pools.len();
        self.emit_to(event_type, payload, n);
    }

    /// Emits an event to the first `npools` pools (those that exist at that point of startup).
    pub(super) fn emit_to(&mut self, event_type: EventType, payload: &Payload, npools: usize) {
        self.recent
            .record(event_type, payload, std::time::Instant::now());
        let mut out = Vec::new();
        let npools = npools.min(self.pools.len());
        let pools = self.pools[..npools].iter_mut().map(|s| &mut s.pool);
        self.bus.emit(event_type, payload, pools, &mut out);
        self.apply_pool_actions(out.into());
    }

    /// Emits a state event to every pool, `details` appended for pools with `exit_details`.
    pub(super) fn emit_detailed(
        &mut self,
        event_type: EventType,
        payload: &Payload,
        details: Option<&str>,
    ) {
        self.recent
            .record(event_type, payload, std::time::Instant::now());
        let mut out = Vec::new();
        let pools = self.pools.iter_mut().map(|s| &mut s.pool);
        self.bus
            .emit_detailed(event_type, payload, details, pools, &mut out);
        self.apply_pool_actions(out.into());
    }

    /// The one way to act on pool `k`: `f` drives the pool's machine, and every action it asks
    /// for (and every action those cause) is then carried out, in order.
    pub(super) fn with_pool(&mut self, k: usize, f: impl FnOnce(&mut Pool, &mut Vec<PoolAction>)) {
        let mut out = Vec::new();
        f(&mut self.pools[k].pool, &mut out);
        self.apply_pool_actions(out.into_iter().map(|a| (k, a)).collect());
    }

    /// Carries out pool actions from a work list. An action that makes its pool ask for more
    /// (a failed send) puts those first, so the order is the order the pool asked in.
    fn apply_pool_actions(&mut self, mut work: VecDeque<(usize, PoolAction)>) {
        while let Some((k, action)) = work.pop_front() {
            let mut more = Vec::new();
            self.apply_pool(k, action, &mut more);
            for a in more.into_iter().rev() {
                work.push_front((k, a));
            }
        }
    }

    /// Carries out one action of pool `k`; what the pool asks for in response goes to `more`.
    fn apply_pool(&mut self, k: usize, action: PoolAction, more: &mut Vec<PoolAction>) {
        match action {
            PoolAction::Log(l) => self.log.log(&l),
            PoolAction::Send { listener, bytes } => {
                let i = self.pools[k].members[listener];
                let sent = self.stdin(i).is_some_and(|tx| tx.send(bytes).is_ok());
                if sent {
                    self.pools[k].sent(listener, std::time::Instant::now());
                } else {
                    self.pools[k].pool.send_failed(listener, more);
                }
            }
            PoolAction::RestartUnknown { listener } => {
                let i = self.pools[k].members[listener];
                let slot = &mut self.procs[i];
                let policy = slot.model.params.autorestart;
                if policy != crate::process::AutoRestart::False && self.phase == Phase::Running {
                    let name = slot.model.params.name.clone();
                    slot.restart_when_stopped = true;
                    self.line(
                        LogLevel::Warn,
                        format!("{name}: restarting event listener stuck in UNKNOWN state"),
                    );
                    let now = Now::current();
                    let mut out = Vec::new();
                    let _ = self.procs[i].machine.stop(now, &mut out);
                    self.apply(i, out, now);
                }
            }
        }
    }
}
