//! The task's side of a `/metrics` scrape: a plain snapshot of processes and pools, handed to
//! the HTTP side, which adds `/proc` figures and renders it off the task.

use std::time::UNIX_EPOCH;

use super::state::Supervisor;
use crate::metrics::{MetricsSnapshot, PoolSample, ProcessSample};
use crate::process::Now;

impl Supervisor {
    /// Every active process and live pool, as of `now`.
    pub(super) fn metrics_snapshot(&self, now: Now) -> MetricsSnapshot {
        let processes = self
            .live()
            .into_iter()
            .map(|i| {
                let slot = &self.procs[i];
                let m = &slot.machine;
                ProcessSample {
                    name: slot.model.params.name.clone(),
                    group: slot.model.params.group.clone(),
                    state: m.state(),
                    exitstatus: m.exitstatus(),
                    start: m.start_time(),
                    pid: m.pid(),
                    restarts: slot.spawns.saturating_sub(1),
                    usage: None,
                }
            })
            .collect();
        let pools = self
            .pools
            .iter()
            .filter(|s| s.live)
            .map(|s| PoolSample {
                name: s.pool.name().to_owned(),
                counters: *s.pool.counters(),
                queued: s.pool.queued(),
                listeners: (0..s.members.len())
                    .filter_map(|m| s.pool.listener_state(m))
                    .collect(),
                latency: s.latency.clone(),
            })
            .collect();
        MetricsSnapshot {
            now: now
                .wall
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_secs()),
            processes,
            pools,
        }
    }
}
