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
/// encoding them anew would give the same bytes.
///
/// A document not sent again within [`EncodedAllInfo::KEEP`] is dropped, so an idle daemon
/// does not keep half a megabyte for 500 programs resident.
#[derive(Debug, Default)]
pub struct EncodedAllInfo {
    last: std::sync::Mutex<Option<Encoded>>,
}

/// One encoded answer and what it was encoded from.
#[derive(Debug)]
struct Encoded {
    infos: Vec<ProcessInfo>,
    doc: bytes::Bytes,
    /// When it was last sent.
    used: std::time::Instant,
}

impl EncodedAllInfo {
    /// How long an encoded answer is kept after it was last sent. It cannot be sent again
    /// once the clock has passed a second, so keeping it longer than that would only hold
    /// memory.
    pub const KEEP: std::time::Duration = std::time::Duration::from_millis(500);

    /// The document encoded for `infos` last time, if `infos` shows exactly as it did.
    pub fn lookup(&self, infos: &[ProcessInfo], now: std::time::Instant) -> Option<bytes::Bytes> {
        let mut last = self.last.lock().ok()?;
        let hit = last.as_mut()?;
        let same = hit.infos.len() == infos.len()
            && hit.infos.iter().zip(infos).all(|(a, b)| a.shows_as(b));
        if !same {
            return None;
        }
        hit.used = now;
        Some(hit.doc.clone())
    }

    /// Keeps `doc` as the encoding of `infos`.
    pub fn store(&self, infos: Vec<ProcessInfo>, doc: bytes::Bytes, now: std::time::Instant) {
        if let Ok(mut last) = self.last.lock() {
            *last = Some(Encoded {
                infos,
                doc,
                used: now,
            });
        }
    }

    /// Drops the kept document if, at `now`, it has not been sent for [`EncodedAllInfo::KEEP`];
    /// while one is still kept, returns how long until it would be dropped.
    pub fn expire(&self, now: std::time::Instant) -> Option<std::time::Duration> {
        let mut last = self.last.lock().ok()?;
        let left = Self::KEEP.checked_sub(now.saturating_duration_since(last.as_ref()?.used));
        match left {
            Some(left) if !left.is_zero() => Some(left),
            _ => {
                *last = None;
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

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
        let t0 = Instant::now();
        let shown = vec![info(&model, 200, "pid 42, uptime 0:01:40")];
        assert_eq!(memo.lookup(&shown, t0), None);
        memo.store(shown.clone(), bytes::Bytes::from_static(b"doc"), t0);
        assert_eq!(
            memo.lookup(&shown, t0).as_deref(),
            Some(&b"doc"[..]),
            "the same snapshot gets the same bytes"
        );
        // The clock passing a second changes `now` and the uptime: encode again.
        assert_eq!(
            memo.lookup(&[info(&model, 201, "pid 42, uptime 0:01:41")], t0),
            None
        );
        // Another program model with the same numbers is another answer.
        let other = Arc::new(ProgramModel::builder("cat").argv(["cat"]).build());
        assert_eq!(
            memo.lookup(&[info(&other, 200, "pid 42, uptime 0:01:40")], t0),
            None
        );
        assert_eq!(memo.lookup(&[], t0), None, "a different count is a miss");
    }

    #[test]
    fn an_unused_answer_is_dropped_after_keep() {
        let model = Arc::new(ProgramModel::builder("cat").argv(["cat"]).build());
        let memo = EncodedAllInfo::default();
        let t0 = Instant::now();
        let shown = vec![info(&model, 200, "x")];
        memo.store(shown.clone(), bytes::Bytes::from_static(b"doc"), t0);
        let half = EncodedAllInfo::KEEP / 2;
        assert_eq!(memo.expire(t0 + half), Some(half), "still fresh");
        // Sending it again restarts the wait.
        assert!(memo.lookup(&shown, t0 + half).is_some());
        assert_eq!(
            memo.expire(t0 + EncodedAllInfo::KEEP),
            Some(half),
            "sent half a keep ago"
        );
        let late = t0 + half + EncodedAllInfo::KEEP + Duration::from_millis(1);
        assert_eq!(memo.expire(late), None, "dropped once unused for a keep");
        assert_eq!(memo.lookup(&shown, t0 + EncodedAllInfo::KEEP * 2), None);
    }
}
