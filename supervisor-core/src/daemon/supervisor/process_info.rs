//! What `getProcessInfo` and `getAllProcessInfo` answer for one process, taken in two steps:
//! the supervisor task copies the few fields that change ([`ProcessInfo`]: numbers, the
//! description, a handle on the program's model), and the XML-RPC struct is built from the
//! copy. For `getAllProcessInfo` over HTTP the second step, with the encoding, runs on the
//! server thread's blocking pool, so 500 programs cost the supervisor task 500 small copies,
//! not 500 structs of 15 members.

use std::sync::Arc;
use std::time::SystemTime;

use event_proto::xmlrpc::Value;
use event_proto::ProcessState;

use super::state::Supervisor;
use crate::model::{ChannelModel, ProgramModel};

/// One process's state as `getProcessInfo` shows it.
#[derive(Debug, Clone)]
pub struct ProcessInfo {
    model: Arc<ProgramModel>,
    start: u64,
    stop: u64,
    now: u64,
    state: ProcessState,
    spawnerr: String,
    exitstatus: i32,
    pid: u32,
    description: String,
    ready: bool,
}

impl ProcessInfo {
    /// The XML-RPC struct, with 4.3's members in 4.3's order (and `ready` beyond it).
    pub fn into_value(self) -> Value {
        let log = |c: &ChannelModel| {
            c.logfile
                .as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_default()
        };
        let stdout = log(&self.model.stdout);
        Value::structure([
            ("name", Value::from(self.model.params.name.as_str())),
            ("group", Value::from(self.model.params.group.as_str())),
            ("start", Value::Int(self.start as i64)),
            ("stop", Value::Int(self.stop as i64)),
            ("now", Value::Int(self.now as i64)),
            ("state", Value::Int(i64::from(self.state.code()))),
            ("statename", Value::from(self.state.as_str())),
            ("spawnerr", Value::from(self.spawnerr)),
            ("exitstatus", Value::Int(i64::from(self.exitstatus))),
            ("logfile", Value::from(stdout.clone())),
            ("stdout_logfile", Value::from(stdout)),
            ("stderr_logfile", Value::from(log(&self.model.stderr))),
            ("pid", Value::Int(i64::from(self.pid))),
            ("description", Value::from(self.description)),
            // Beyond 4.3: RUNNING and, with a ready check, the check passed.
            ("ready", Value::Bool(self.ready)),
        ])
    }
}

impl Supervisor {
    /// Process `i`'s info at `now`.
    pub(super) fn process_snapshot(&self, i: usize, now: SystemTime) -> ProcessInfo {
        let slot = &self.procs[i];
        let m = &slot.machine;
        ProcessInfo {
            model: Arc::clone(&slot.model),
            start: m.start_time(),
            stop: m.stop_time(),
            now: now
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs()),
            state: m.state(),
            spawnerr: m.spawnerr().to_owned(),
            exitstatus: m.exitstatus(),
            pid: m.pid(),
            description: self
                .dependency_note(i)
                .unwrap_or_else(|| m.description(now)),
            ready: m.is_ready(),
        }
    }

    /// Every process's info, in `getAllProcessInfo`'s order (by group, then name).
    pub(super) fn all_process_snapshots(&self, now: SystemTime) -> Vec<ProcessInfo> {
        let mut order = self.live();
        order.sort_by(|&a, &b| {
            let (x, y) = (&self.procs[a].model.params, &self.procs[b].model.params);
            (&x.group, &x.name).cmp(&(&y.group, &y.name))
        });
        order
            .into_iter()
            .map(|i| self.process_snapshot(i, now))
            .collect()
    }
}
