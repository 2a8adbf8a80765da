//! Beyond 4.3: `depends_on` between processes, their ready checks, and `essential`.
//!
//! - A start of a process with dependencies is *wanted* until every dependency is ready
//!   (RUNNING, which with a ready check means the check passed); its stopped dependencies are
//!   wanted too. A dependency that is FATAL (with no retry scheduled) blocks it.
//! - A stop of a process whose dependants run stops them first; the process itself is
//!   stopped once they all are. Shutdown stops through the same path, so it runs in reverse
//!   dependency order, then by priority.
//! - An essential process that fails for good shuts the daemon down with exit status 1.
//!
//! Each pass ([`Supervisor::advance_dependencies`]) runs on every turn of the loop and looks
//! only at the processes with something pending.

use std::time::Duration;

use event_proto::ProcessState;

use super::state::{Phase, Supervisor};
use crate::daemon::ready_probe::{http_probe_command, probe_binary, spawn_probe, ProbeResult};
use crate::log_level::LogLevel;
use crate::model::{resolve_dependencies, ReadyCheck};
use crate::process::Now;
use crate::rpc::Fault;

impl Supervisor {
    /// Resolves every slot's `depends_on` names to slot indices, and the reverse.
    pub(super) fn wire_dependencies(&mut self) {
        let deps = resolve_dependencies(self.procs.iter().map(|s| (&*s.model, s.removed)));
        for slot in &mut self.procs {
            slot.dependants.clear();
        }
        for (i, list) in deps.iter().enumerate() {
            for &j in list {
                self.procs[j].dependants.push(i);
            }
        }
        for (slot, list) in self.procs.iter_mut().zip(deps) {
            slot.deps = list;
        }
    }

    /// Whether every dependency of `i` is ready.
    fn dependencies_ready(&self, i: usize) -> bool {
        self.procs[i]
            .deps
            .iter()
            .all(|&d| self.procs[d].machine.is_ready())
    }

    /// Starts `i` now if its dependencies are ready, else marks it (and its stopped
    /// dependencies) wanted. Used at startup, by `startProcess` and by `update`.
    pub(super) fn request_start(&mut self, i: usize, now: Now) -> Result<(), Fault> {
        if self.dependencies_ready(i) {
            return self.start_now(i, now);
        }
        self.want_start(i);
        self.advance_dependencies(now);
        Ok(())
    }

    fn start_now(&mut self, i: usize, now: Now) -> Result<(), Fault> {
        let name = self.procs[i].model.params.name.clone();
        let mut out = Vec::new();
        match self.procs[i].machine.start(now, &mut out) {
            Err(crate::process::StartRefused::Unknown) => {
                return Err(Fault::Failed(format!(
                    "{name} is in an unknown process state"
                )))
            }
            Err(_) => return Err(Fault::AlreadyStarted(name)),
            Ok(()) => {}
        }
        self.apply(i, out, now);
        Ok(())
    }

    fn want_start(&mut self, i: usize) {
        let slot = &mut self.procs[i];
        if slot.start_wanted {
            return;
        }
        slot.start_wanted = true;
        slot.blocked = None;
        for d in slot.deps.clone() {
            let state = self.procs[d].machine.state();
            if matches!(
                state,
                ProcessState::Stopped | ProcessState::Exited | ProcessState::Fatal
            ) && !self.procs[d].machine.retry_scheduled()
            {
                self.want_start(d);
            }
        }
    }

    /// Stops `i`, its running dependants first ([`Supervisor::advance_dependencies`] stops
    /// `i` once they are all stopped). A stop cancels a wanted start.
    pub(super) fn request_stop(&mut self, i: usize, now: Now) -> Result<(), Fault> {
        self.procs[i].start_wanted = false;
        let name = self.procs[i].model.params.name.clone();
        let running: Vec<usize> = self.procs[i]
            .dependants
            .iter()
            .copied()
            .filter(|&d| !self.procs[d].machine.state().is_stopped())
            .collect();
        if running.is_empty() || !self.procs[i].machine.state().is_running() {
            let mut out = Vec::new();
            self.procs[i]
                .machine
                .stop(now, &mut out)
                .map_err(|_| Fault::NotRunning(name))?;
            self.apply(i, out, now);
            return Ok(());
        }
        self.procs[i].stop_wanted = true;
        for d in running {
            self.procs[d].start_wanted = false;
            if self.procs[d].stop_wanted {
                continue;
            }
            let dependant = self.procs[d].model.params.name.clone();
            self.line(
                LogLevel::Info,
                format!("stopping {dependant} first: it depends on {name}"),
            );
            if self.procs[d].machine.state() == ProcessState::Backoff
                || self.procs[d].machine.state().is_running()
            {
                let _ = self.request_stop(d, now);
            }
        }
        Ok(())
    }

    /// Starts the wanted processes whose dependencies are now ready, blocks those whose
    /// dependency failed, and stops the processes whose dependants have all stopped.
    pub(super) fn advance_dependencies(&mut self, now: Now) {
        loop {
            let mut changed = false;
            for i in 0..self.procs.len() {
                if self.procs[i].stop_wanted {
                    let clear = self.procs[i]
                        .dependants
                        .iter()
                        .all(|&d| self.procs[d].machine.state().is_stopped());
                    if clear {
                        self.procs[i].stop_wanted = false;
                        let mut out = Vec::new();
                        let _ = self.procs[i].machine.stop(now, &mut out);
                        self.apply(i, out, now);
                        changed = true;
                    }
                }
                if !self.procs[i].start_wanted {
                    continue;
                }
                if self.phase != Phase::Running {
                    self.procs[i].start_wanted = false;
                    continue;
                }
                if let Some(why) = self.blocking_dependency(i) {
                    let name = self.procs[i].model.params.name.clone();
                    self.line(LogLevel::Info, format!("not starting {name}: {why}"));
                    let slot = &mut self.procs[i];
                    slot.start_wanted = false;
                    slot.blocked = Some(why);
                    changed = true;
                } else if self.dependencies_ready(i) {
                    self.procs[i].start_wanted = false;
                    let _ = self.start_now(i, now);
                    changed = true;
                }
            }
            if !changed {
                return;
            }
        }
    }

    /// Why `i` cannot be started: a dependency that is FATAL for good, or blocked itself.
    fn blocking_dependency(&self, i: usize) -> Option<String> {
        self.procs[i].deps.iter().find_map(|&d| {
            let dep = &self.procs[d];
            let name = &dep.model.params.name;
            if dep.machine.state() == ProcessState::Fatal && !dep.machine.retry_scheduled() {
                Some(format!("its dependency {name} is FATAL"))
            } else if dep.blocked.is_some() && !dep.start_wanted {
                Some(format!("its dependency {name} cannot start"))
            } else {
                None
            }
        })
    }

    /// The description of a process that waits for its dependencies or its ready check, or
    /// was blocked by a dependency.
    pub(super) fn dependency_note(&self, i: usize) -> Option<String> {
        let slot = &self.procs[i];
        if let Some(why) = &slot.blocked {
            return Some(why.clone());
        }
        if slot.machine.awaits_ready_check() {
            let check = slot.model.orchestration.ready_check.as_ref();
            return check.map(|c| format!("waiting for its ready check ({c})"));
        }
        if !slot.start_wanted {
            return None;
        }
        let waiting: Vec<&str> = slot
            .deps
            .iter()
            .filter(|&&d| !self.procs[d].machine.is_ready())
            .map(|&d| self.procs[d].model.params.name.as_str())
            .collect();
        Some(format!("waiting for {}", waiting.join(", ")))
    }

    /// Starts the probes that are due, for processes STARTING that wait for a ready check.
    pub(super) fn run_due_probes(&mut self, now: Now) {
        for i in 0..self.procs.len() {
            let slot = &self.procs[i];
            if !slot.machine.awaits_ready_check() || slot.probing {
                continue;
            }
            if slot.probe_due.is_some_and(|t| t > now.mono) {
                continue;
            }
            let Some(check) = slot.model.orchestration.ready_check.clone() else {
                continue;
            };
            let interval = Duration::from_secs(slot.model.orchestration.ready_interval_secs);
            let id = (i, slot.generation);
            self.procs[i].probing = true;
            let mut command = match &check {
                ReadyCheck::Exec { command } => {
                    let mut sh = std::process::Command::new("/bin/sh");
                    sh.args(["-c", command]);
                    sh
                }
                ReadyCheck::Http { url } => http_probe_command(url, interval),
                ReadyCheck::Tcp { .. } => {
                    spawn_probe(&check, interval, id, self.probe_tx.clone());
                    continue;
                }
            };
            let spawned = command
                .stdin(std::process::Stdio::null())
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .spawn();
            match spawned {
                // Reaped by the daemon's reaper: `on_reaped` hands the status back.
                Ok(child) => {
                    let http = matches!(check, ReadyCheck::Http { .. });
                    self.check_pids.insert(child.id(), (id, http));
                }
                Err(e) => {
                    let why = match &check {
                        ReadyCheck::Http { .. } => {
                            format!("cannot run {}: {e}", probe_binary().display())
                        }
                        _ => e.to_string(),
                    };
                    self.on_probe(
                        ProbeResult {
                            id,
                            outcome: Err(why),
                        },
                        now,
                    );
                }
            }
        }
    }

    /// A probe's outcome: ready, or another try after `ready_interval`.
    pub(super) fn on_probe(&mut self, result: ProbeResult<(usize, u64)>, now: Now) {
        let (i, generation) = result.id;
        let Some(slot) = self.procs.get_mut(i) else {
            return;
        };
        slot.probing = false;
        if slot.generation != generation || !slot.machine.awaits_ready_check() {
            return;
        }
        match result.outcome {
            Ok(()) => {
                slot.probe_due = None;
                let name = slot.model.params.name.clone();
                let mut out = Vec::new();
                slot.machine.ready_check_passed(now, &mut out);
                self.line(
                    LogLevel::Info,
                    format!("{name} is ready (ready_check passed)"),
                );
                self.apply(i, out, now);
            }
            Err(why) => {
                let interval = Duration::from_secs(slot.model.orchestration.ready_interval_secs);
                slot.probe_due = Some(now.mono + interval);
                let name = slot.model.params.name.clone();
                self.line(
                    LogLevel::Debug,
                    format!("{name}: ready_check not passed yet: {why}"),
                );
            }
        }
    }

    /// When the next probe is due, if any process waits for one.
    pub(super) fn next_probe(&self) -> Option<std::time::Instant> {
        self.procs
            .iter()
            .filter(|s| s.machine.awaits_ready_check() && !s.probing)
            .filter_map(|s| s.probe_due)
            .min()
    }

    /// An essential process that failed for good (FATAL with no retry scheduled, or EXITED
    /// without a restart coming) shuts the daemon down, exiting 1.
    pub(super) fn check_essential(&mut self) {
        if self.phase != Phase::Running || self.exit_status != 0 {
            return;
        }
        for i in 0..self.procs.len() {
            let slot = &self.procs[i];
            if !slot.model.orchestration.essential || slot.removed {
                continue;
            }
            let why = match slot.machine.state() {
                ProcessState::Fatal if !slot.machine.retry_scheduled() => "entered FATAL",
                ProcessState::Exited => "exited and will not be restarted",
                _ => continue,
            };
            let name = slot.model.params.name.clone();
            self.line(
                LogLevel::Critical,
                format!("essential program {name} {why}: stopping everything, then exiting with status 1"),
            );
            self.exit_status = 1;
            self.shutdown_requested = true;
            return;
        }
    }
}
