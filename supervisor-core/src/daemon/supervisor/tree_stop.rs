//! `stoptree = true`: a stop reaches every process the program started, and nothing it
//! started outlives it. Each such process runs in a cgroup of its own where cgroup v2 is
//! writable ([`crate::daemon::cgroup`]); elsewhere its tree is found through `/proc` and the
//! subreaper ([`crate::daemon::tree`]). The stop signal (and the later SIGKILL) the machine
//! sends its process also goes to the rest of the tree; when the process exits, whatever is
//! left of its tree is killed, each pid logged.

use std::collections::HashMap;
use std::path::PathBuf;

use nix::sys::signal::{kill, Signal as NixSignal};
use nix::unistd::Pid;

use super::state::Supervisor;
use crate::daemon::{cgroup, tree};
use crate::log_level::LogLevel;

/// The environment variable that makes `stoptree` use `/proc` even where cgroups could be
/// used (`SUPERVISORD_STOPTREE=proc`; for tests and for hosts whose cgroups are managed
/// elsewhere).
pub const STOPTREE_ENV: &str = "SUPERVISORD_STOPTREE";

/// What the task keeps for `stoptree`.
#[derive(Debug, Default)]
pub(super) struct Trees {
    /// The cgroup base, once tried: `Err` says why cgroups are not used.
    base: Option<Result<cgroup::CgroupBase, String>>,
    /// The cgroup of each process that has one.
    dirs: HashMap<usize, PathBuf>,
}

impl Supervisor {
    /// Before process `i` is spawned: with `stoptree` and cgroups, its cgroup, made if
    /// needed; the child moves itself into `cgroup.procs` before it execs.
    pub(super) fn tree_prepare(&mut self, i: usize) -> Option<PathBuf> {
        if !self.procs[i].model.stoptree {
            return None;
        }
        if self.trees.base.is_none() {
            let base = if std::env::var(STOPTREE_ENV).is_ok_and(|v| v == "proc") {
                Err(format!("{STOPTREE_ENV}=proc"))
            } else {
                cgroup::CgroupBase::create().map_err(|e| e.to_string())
            };
            match &base {
                Ok(b) => self.line(
                    LogLevel::Info,
                    format!("stoptree: processes run in cgroups under {}", b.dir().display()),
                ),
                Err(why) => self.line(
                    LogLevel::Info,
                    format!("stoptree: cgroups cannot be used ({why}); process trees are found through /proc"),
                ),
            }
            self.trees.base = Some(base);
        }
        let Some(Ok(base)) = &self.trees.base else {
            return None;
        };
        let p = &self.procs[i].model.params;
        match base.process_dir(&p.group, &p.name) {
            Ok(dir) => Some(dir.join("cgroup.procs")),
            Err(e) => {
                let name = p.name.clone();
                self.line(
                    LogLevel::Warn,
                    format!(
                        "stoptree: no cgroup for '{name}' ({e}); its tree is found through /proc"
                    ),
                );
                None
            }
        }
    }

    /// Process `i` was spawned as `pid`: with `stoptree`, it is in its cgroup (moved again
    /// from here in case the child could not move itself).
    pub(super) fn tree_spawned(&mut self, i: usize, pid: u32) {
        if !self.procs[i].model.stoptree {
            return;
        }
        let Some(Ok(base)) = &self.trees.base else {
            return;
        };
        let p = &self.procs[i].model.params;
        match base.enter(&p.group, &p.name, pid) {
            Ok(dir) => {
                self.trees.dirs.insert(i, dir);
            }
            Err(e) => {
                let name = p.name.clone();
                self.trees.dirs.remove(&i);
                self.line(
                    LogLevel::Warn,
                    format!("stoptree: '{name}' could not be put in its cgroup ({e}); its tree is found through /proc"),
                );
            }
        }
    }

    /// The rest of process `i`'s tree (all but `pid`, its main process).
    fn tree_members(&self, i: usize, pid: Option<u32>) -> Vec<i32> {
        let root = pid.map(|p| p as i32);
        let mut pids = match self.trees.dirs.get(&i) {
            Some(dir) => cgroup::members(dir),
            None => Vec::new(),
        };
        let p = &self.procs[i].model.params;
        pids.extend(tree::members(
            std::process::id() as i32,
            root,
            &p.group,
            &p.name,
        ));
        pids.sort_unstable();
        pids.dedup();
        pids.retain(|&q| Some(q) != root);
        pids
    }

    /// The machine signalled process `i` (`pid`) with `signal`: with `stoptree`, while it is
    /// being stopped (its stop signal, then SIGKILL), the rest of its tree gets the same
    /// signal. Other signals (`signalProcess`) go to the process alone, as configured.
    pub(super) fn tree_signal(&mut self, i: usize, pid: u32, signal: crate::signal::Signal) {
        if !self.procs[i].model.stoptree
            || self.procs[i].machine.state() != event_proto::ProcessState::Stopping
        {
            return;
        }
        let Ok(sig) = NixSignal::try_from(signal.number()) else {
            return;
        };
        let others = self.tree_members(i, Some(pid));
        if others.is_empty() {
            return;
        }
        for &q in &others {
            let _ = kill(Pid::from_raw(q), sig);
        }
        let name = self.procs[i].model.params.name.clone();
        self.line(
            LogLevel::Debug,
            format!("stoptree: sent {signal} to the rest of {name}'s tree: {others:?}"),
        );
    }

    /// Process `i`'s main process exited: with `stoptree`, what is left of its tree is
    /// killed, each pid logged.
    pub(super) fn tree_exited(&mut self, i: usize, pid: u32) {
        if !self.procs[i].model.stoptree {
            return;
        }
        let left = self.tree_members(i, Some(pid));
        let name = self.procs[i].model.params.name.clone();
        for &q in &left {
            let _ = kill(Pid::from_raw(q), NixSignal::SIGKILL);
            self.line(
                LogLevel::Info,
                format!("stoptree: killed pid {q}, left by '{name}' when it exited"),
            );
        }
        if let Some(dir) = self.trees.dirs.get(&i) {
            cgroup::kill_all(dir);
        }
    }

    /// At shutdown: the cgroups are removed.
    pub(super) fn tree_cleanup(&mut self) {
        if let Some(Ok(base)) = &self.trees.base {
            base.remove();
        }
    }
}
