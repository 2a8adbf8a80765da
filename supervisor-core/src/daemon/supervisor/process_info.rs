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
    /// Whether `other` would be shown exactly as this one is: the same program model and the
    /// same state, times, pid and description.
    fn shows_as(&self, other: &ProcessInfo) -> bool {
        Arc::ptr_eq(&self.model, &other.model)
            && self.start == other.start
            && self.stop == other.stop
            && self.now == other.now
            && self.state == other.state
            && self.exitstatus == other.exitstatus
            && self.pid == other.pid
            && self.ready == other.ready
            && self.spawnerr == other.spawnerr
            && self.description == other.description
    }

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

/// The last encoded `getAllProcessInfo` answer, with the snapshots it was encoded from.
///
/// Dashboards poll `getAllProcessInfo` several times a second, and the answer changes only
/// when a process does or when the clock passes a second (`now`, the uptime in
/// `description`). Every call still takes a fresh snapshot on the supervisor task; when that
/// snapshot shows exactly as the last one did, the bytes encoded then are sent again, since
/// encoding them anew would give the same bytes. The routes [`clear`](Self::clear) it once
/// the calls have been quiet for a moment, so an idle daemon does not keep half a megabyte for
/// 500 programs resident.
#[derive(Debug, Default)]
pub struct EncodedAllInfo {
    last: std::sync::Mutex<Option<(Vec<ProcessInfo>, bytes::Bytes)>>,
}

impl EncodedAllInfo {
    /// The document encoded for `infos` last time, if `infos` shows exactly as it did.
    pub fn lookup(&self, infos: &[ProcessInfo]) -> Option<bytes::Bytes> {
        let last = self.last.lock().ok()?;
        let (seen, doc) = last.as_ref()?;
        (seen.len() == infos.len() && seen.iter().zip(infos).all(|(a, b)| a.shows_as(b)))
            .then(|| doc.clone())
    }

    /// Keeps `doc` as the encoding of `infos`.
    pub fn store(&self, infos: Vec<ProcessInfo>, doc: bytes::Bytes) {
        if let Ok(mut last) = self.last.lock() {
            *last = Some((infos, doc));
        }
    }

    /// Drops the kept document.
    pub fn clear(&self) {
        if let Ok(mut last) = self.last.lock() {
            *last = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(model: &Arc<ProgramModel>, now: u64, description: &str) -> ProcessInfo {
        ProcessInfo {
            model: Arc::clone(model),
            start: 100,
            stop: 0,
            now,
            state: ProcessState::Running,
            spawnerr: String::new(),
            exitstatus: 0,
            pid: 42,
            description: description.to_owned(),
            ready: true,
        }
    }

    #[test]
    fn an_encoded_answer_is_reused_only_while_it_shows_the_same() {
        let model = Arc::new(ProgramModel::builder("cat").argv(["cat"]).build());
        let memo = EncodedAllInfo::default();
        let shown = vec![info(&model, 200, "pid 42, uptime 0:01:40")];
        assert_eq!(memo.lookup(&shown), None);
        memo.store(shown.clone(), bytes::Bytes::from_static(b"doc"));
        assert_eq!(
            memo.lookup(&shown).as_deref(),
            Some(&b"doc"[..]),
            "the same snapshot gets the same bytes"
        );
        // The clock passing a second changes `now` and the uptime: encode again.
        assert_eq!(
            memo.lookup(&[info(&model, 201, "pid 42, uptime 0:01:41")]),
            None
        );
        // Another program model with the same numbers is another answer.
        let other = Arc::new(ProgramModel::builder("cat").argv(["cat"]).build());
        assert_eq!(
            memo.lookup(&[info(&other, 200, "pid 42, uptime 0:01:40")]),
            None
        );
        assert_eq!(memo.lookup(&[]), None, "a different count is a miss");
        memo.clear();
        assert_eq!(memo.lookup(&shown), None, "nothing kept once cleared");
    }
}
