//! After our own crash: the children file ([`crate::daemon::children_file`]) is rewritten
//! whenever children come and go, and removed at a clean exit. At start, a file left by a
//! previous supervisord that is gone names the processes it left running; each one still
//! alive (same pid and start time) is stopped, in shutdown order (highest priority first),
//! with its program's stop signal and then SIGKILL, each logged, before anything is spawned.
//! So no program runs twice (two consumers, a port taken) after supervisord was SIGKILLed or
//! OOM-killed.

use std::time::{Duration, Instant};

use nix::sys::signal::{kill, Signal as NixSignal};
use nix::unistd::Pid;

use super::state::Supervisor;
use crate::daemon::children_file::{self, Child};
use crate::log_level::LogLevel;
use crate::signal::Signal;

/// How long a leftover may take to exit after SIGKILL before we give up waiting.
const KILL_WAIT: Duration = Duration::from_secs(2);

/// Waits until `pid` (started at `start`) is gone, up to `limit`.
fn gone_within(pid: i32, start: u64, limit: Duration) -> bool {
    let deadline = Instant::now() + limit;
    loop {
        if children_file::start_time(pid) != Some(start) {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

impl Supervisor {
    /// Process `i` was spawned as `pid` (its start time is read once, here).
    pub(super) fn child_started(&mut self, i: usize, pid: u32) {
        if self.model.children_file.is_none() {
            return;
        }
        let pid = pid as i32;
        let p = &self.procs[i].model.params;
        let child = Child {
            pid,
            start: children_file::start_time(pid).unwrap_or(0),
            program: format!("{}:{}", p.group, p.name),
        };
        self.children.insert(i, child);
        self.children_dirty = true;
    }

    /// Process `i`'s child was reaped.
    pub(super) fn child_ended(&mut self, i: usize) {
        if self.children.remove(&i).is_some() {
            self.children_dirty = true;
        }
    }

    /// Has the children file rewritten, off the task, if children came or went since it was
    /// last handed over (at most once per turn of the loop).
    pub(super) fn record_children(&mut self) {
        if !self.children_dirty {
            return;
        }
        self.children_dirty = false;
        let Some(path) = self.model.children_file.clone() else {
            return;
        };
        let children: Vec<Child> = self.children.values().cloned().collect();
        let me = std::process::id() as i32;
        if self.own_start == 0 {
            self.own_start = children_file::start_time(me).unwrap_or(0);
        }
        let text = children_file::render(me, self.own_start, &children);
        if self.children_writer.is_none() {
            match children_file::Writer::start(path.clone()) {
                Ok(w) => self.children_writer = Some(w),
                Err(e) => return self.children_file_failed(&path, &e),
            }
        }
        if let Some(w) = &self.children_writer {
            w.submit(text);
        }
    }

    /// Reports, once, a failure of the children file's writer thread.
    pub(super) fn check_children_writer(&mut self) {
        let Some(e) = self.children_writer.as_ref().and_then(|w| w.take_error()) else {
            return;
        };
        if let Some(path) = self.model.children_file.clone() {
            self.children_file_failed(&path, &e);
        }
    }

    fn children_file_failed(&mut self, path: &std::path::Path, e: &std::io::Error) {
        if !self.children_file_failed {
            self.children_file_failed = true;
            self.line(
                LogLevel::Warn,
                format!("cannot write {}: {e} (a crash would leave its children unknown to the next supervisord)", path.display()),
            );
        }
    }

    /// Removes the children file (a clean exit leaves no children), once its writer has
    /// written what was pending.
    pub(super) fn remove_children_file(&mut self) {
        match self.children_writer.take() {
            Some(w) => w.finish(true),
            None => {
                if let Some(path) = &self.model.children_file {
                    let _ = std::fs::remove_file(path);
                }
            }
        }
    }

    /// Stops what a previous supervisord of this config left running, before anything is
    /// spawned. Blocks the task meanwhile: nothing runs yet.
    pub(super) fn stop_leftovers(&mut self) {
        let Some(path) = self.model.children_file.clone() else {
            return;
        };
        let Ok(text) = std::fs::read_to_string(&path) else {
            return;
        };
        let Some((old_pid, old_start, children)) = children_file::parse(&text) else {
            self.line(
                LogLevel::Warn,
                format!("ignoring {}: not a children file", path.display()),
            );
            return;
        };
        let me = std::process::id() as i32;
        if old_pid == me || children_file::start_time(old_pid) == Some(old_start) {
            // Ours (a restart in place), or that supervisord is still running.
            return;
        }
        // Shutdown order: the highest group priority first, as a clean stop would go.
        let config_of = |c: &Child| {
            self.procs
                .iter()
                .find(|s| format!("{}:{}", s.model.params.group, s.model.params.name) == c.program)
        };
        let mut alive: Vec<(Child, i32, Signal, bool, u64)> = children
            .into_iter()
            .filter(|c| children_file::start_time(c.pid) == Some(c.start))
            .map(|c| {
                let (prio, sig, group, wait) =
                    config_of(&c).map_or((0, Signal::TERM, false, 10), |s| {
                        (
                            s.model.group_priority,
                            s.model.params.stopsignal,
                            s.model.params.stopasgroup,
                            s.model.params.stopwaitsecs,
                        )
                    });
                (c, prio, sig, group, wait)
            })
            .collect();
        alive.sort_by(|a, b| b.1.cmp(&a.1).then(b.0.program.cmp(&a.0.program)));
        for (c, _, sig, group, wait) in alive {
            let name = c.program.clone();
            self.line(
                LogLevel::Warn,
                format!(
                    "found pid {} of '{name}' left running by a previous supervisord (pid {old_pid}); stopping it with {sig}",
                    c.pid
                ),
            );
            let target = if group { -c.pid } else { c.pid };
            if let Ok(s) = NixSignal::try_from(sig.number()) {
                let _ = kill(Pid::from_raw(target), s);
            }
            if gone_within(c.pid, c.start, Duration::from_secs(wait)) {
                self.line(
                    LogLevel::Info,
                    format!("stopped leftover pid {} of '{name}'", c.pid),
                );
                continue;
            }
            let _ = kill(Pid::from_raw(target), NixSignal::SIGKILL);
            let outcome = if gone_within(c.pid, c.start, KILL_WAIT) {
                "killed it with SIGKILL"
            } else {
                "SIGKILL sent, but it is still there"
            };
            self.line(
                LogLevel::Warn,
                format!(
                    "leftover pid {} of '{name}' did not stop within {wait}s; {outcome}",
                    c.pid
                ),
            );
        }
        self.kill_leftover_cgroups(old_pid);
        let _ = std::fs::remove_file(&path);
    }

    /// What is left in the cgroups of the previous supervisord's `stoptree` processes (their
    /// descendants, which the children file does not list) is killed, each pid logged.
    fn kill_leftover_cgroups(&mut self, old_pid: i32) {
        let groups = crate::daemon::cgroup::leftovers_of(old_pid);
        for (dir, pids) in &groups {
            for pid in pids {
                self.line(
                    LogLevel::Warn,
                    format!(
                        "killing pid {pid} left in {} by a previous supervisord (pid {old_pid})",
                        dir.display()
                    ),
                );
            }
            crate::daemon::cgroup::kill_all(dir);
            let deadline = Instant::now() + KILL_WAIT;
            while !crate::daemon::cgroup::members(dir).is_empty() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(10));
            }
        }
        let dirs: Vec<_> = groups.into_iter().map(|(d, _)| d).collect();
        crate::daemon::cgroup::remove_leftovers(&dirs);
    }
}
