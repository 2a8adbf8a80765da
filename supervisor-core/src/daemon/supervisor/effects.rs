//! The task's effects: what the process machines ask for (spawn, kill, events) and what child
//! output asks for (log writes, syslog, events) is carried out here.

use std::sync::Arc;

use event_proto::payload::{Channel, ProcessStatePayload};
use event_proto::{EventType, Payload, ProcessState, Text};
use nix::errno::Errno;
use nix::sys::signal::{kill, Signal as NixSignal};
use nix::unistd::Pid;

use super::state::Supervisor;
use crate::log_level::LogLevel;
use crate::output::dispatcher::OutputAction;
use crate::process::{Action, Now};

impl Supervisor {
    /// Binds every fcgi group's socket; a failure is logged and the group's processes will
    /// fail to spawn with a clear spawnerr.
    pub(super) fn bind_fcgi_sockets(&mut self) {
        let specs: Vec<_> = self
            .procs
            .iter()
            .filter_map(|s| s.model.fcgi_socket.clone())
            .collect();
        for spec in specs {
            if self.fcgi_sockets.contains_key(&spec) {
                continue;
            }
            match crate::daemon::fcgi::bind_socket(&spec) {
                Ok(fd) => {
                    self.fcgi_sockets.insert(spec, Arc::new(fd));
                }
                Err(e) => self.line(
                    LogLevel::Critical,
                    format!("cannot create fcgi socket {spec:?}: {e}"),
                ),
            }
        }
    }

    /// Carries out what a process machine asked for.
    pub(super) fn apply(&mut self, i: usize, actions: Vec<Action>, now: Now) {
        for action in actions {
            match action {
                Action::Log(l) => self.log.log(&l),
                Action::Spawn => self.do_spawn(i, now),
                Action::Kill { pid, group, signal } => self.do_kill(i, pid, group, signal, now),
                Action::Event(change) => {
                    let slot = &self.procs[i];
                    let payload = ProcessStatePayload::transition(
                        Text::from(slot.model.params.name.as_str()),
                        Text::from(slot.model.params.group.as_str()),
                        change.from,
                        change.to,
                        change.tries,
                        change.pid,
                        change.expected,
                    );
                    if let Some((k, m)) = slot.listener {
                        self.with_pool(k, |pool, out| {
                            pool.listener_running(m, change.to == ProcessState::Running, out)
                        });
                    }
                    let details = change.exit.map(exit_details);
                    self.emit_detailed(
                        EventType::process_state(change.to),
                        &Payload::ProcessState(payload),
                        details.as_deref(),
                    );
                    self.resolve_pending();
                    if change.to == ProcessState::Stopped && self.procs[i].restart_when_stopped {
                        self.procs[i].restart_when_stopped = false;
                        let mut out = Vec::new();
                        let _ = self.procs[i].machine.start(now, &mut out);
                        self.apply(i, out, now);
                    }
                }
            }
        }
    }

    pub(super) fn do_kill(
        &mut self,
        i: usize,
        pid: u32,
        group: bool,
        signal: crate::signal::Signal,
        now: Now,
    ) {
        let target = if group { -(pid as i32) } else { pid as i32 };
        let sig = NixSignal::try_from(signal.number()).ok();
        let result = match sig {
            Some(s) => kill(Pid::from_raw(target), s),
            None => kill(Pid::from_raw(target), None),
        };
        self.tree_signal(i, pid, signal);
        match result {
            Ok(()) => {}
            Err(Errno::ESRCH) => {
                let name = self.procs[i].model.params.name.clone();
                self.line(
                    LogLevel::Debug,
                    format!("unable to signal {name} (pid {pid}), it probably just exited on its own: [Errno 3] No such process"),
                );
            }
            Err(e) => {
                let mut out = Vec::new();
                self.procs[i]
                    .machine
                    .signal_failed(&e.to_string(), &mut out);
                self.apply(i, out, now);
            }
        }
    }

    pub(super) fn apply_output(&mut self, i: usize, channel: Channel, actions: Vec<OutputAction>) {
        for a in actions {
            match a {
                OutputAction::WriteLog(bytes) => {
                    let slot = &mut self.procs[i];
                    let to_syslog = match channel {
                        Channel::Stdout => slot.model.stdout.syslog,
                        Channel::Stderr => slot.model.stderr.syslog,
                    };
                    if to_syslog {
                        // 4.3: `<process name> <line>` per line of the chunk.
                        let prefix = format!("{} ", slot.model.params.name);
                        self.syslog
                            .send_lines(&prefix, &String::from_utf8_lossy(&bytes), "");
                    }
                    let slot = &mut self.procs[i];
                    let log = match channel {
                        Channel::Stdout => slot.stdout_log.as_mut(),
                        Channel::Stderr => slot.stderr_log.as_mut(),
                    };
                    if let Some(log) = log {
                        // A failure is reported once, and so is the recovery: a chatty child
                        // writing into a full disk must not flood the main log.
                        let was_failing = log.failing();
                        let result = log.write(&bytes);
                        let path = log.path().display().to_string();
                        match result {
                            Err(e) if !was_failing => self.line(
                                LogLevel::Error,
                                format!(
                                    "cannot write {path}: {e} (output is lost until it can be \
                                     written again)"
                                ),
                            ),
                            Ok(()) if was_failing => {
                                self.line(LogLevel::Info, format!("writing {path} again"))
                            }
                            _ => {}
                        }
                    }
                }
                OutputAction::Log(l) => self.log.log(&l),
                OutputAction::Event(t, payload) => self.emit(t, &payload),
            }
        }
    }
}

/// The tokens `exit_details=true` pools get after a state payload: ` exitcode:N` for an exit,
/// ` signal:NAME` for a death by signal.
fn exit_details(raw_status: i32) -> String {
    if libc::WIFSIGNALED(raw_status) {
        format!(
            " signal:{}",
            crate::signal::signame(libc::WTERMSIG(raw_status))
        )
    } else {
        format!(" exitcode:{}", libc::WEXITSTATUS(raw_status))
    }
}
