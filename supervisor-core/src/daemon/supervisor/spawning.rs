//! Spawning a process, in two halves: [`Supervisor::do_spawn`] prepares the request and
//! opens the logs on the task, the spawner thread runs it, and [`Supervisor::on_spawned`]
//! takes the child in when the result comes back.
//!
//! Between the halves the process is STARTING with no pid. Two things can happen meanwhile:
//! - a stop: the machine goes to STOPPING and signals the pid as soon as it is known;
//! - the child already exited and was reaped (`/bin/true` can exit before its result is
//!   handled): a reaped pid that nothing owns is kept while spawns are in flight, and handed
//!   to its process right after the spawn is taken in. Only once no spawn is in flight is a
//!   pid that nobody claimed logged as unknown, as 4.3 logs it.

use event_proto::payload::Channel;
use event_proto::Text;

use super::messages::SpawnId;
use super::state::{PendingSpawn, Supervisor, TRIM_AFTER_SPAWNS};
use crate::daemon::pipes::spawn_reader_with;
use crate::daemon::reaper::Reaped;
use crate::daemon::spawn::{child_environment, output_goes_nowhere, spawn, SpawnRequest};
use crate::daemon::spawner::{SpawnDone, SpawnJob};
use crate::log_level::LogLevel;
use crate::model::ChannelModel;
use crate::output::dispatcher::{ChannelSettings, OutputDispatcher};
use crate::process::Now;

impl Supervisor {
    /// The first half of a spawn (the machine asked for one): builds the request, opens the
    /// logs, and hands the request to the spawner thread.
    pub(super) fn do_spawn(&mut self, i: usize, now: Now) {
        let cgroup_procs = self.tree_prepare(i);
        let slot = &self.procs[i];
        let params = slot.model.params.clone();
        // Only what is set on top of the daemon's environment: the child inherits the rest.
        let env = child_environment(
            std::iter::empty(),
            &params.name,
            &params.group,
            slot.model
                .server_url
                .as_deref()
                .or(self.model.server_url.as_deref()),
            &self.model.environment,
            &slot.model.environment,
        );
        let req = SpawnRequest {
            argv: slot.model.argv.clone(),
            env,
            directory: slot.model.directory.clone(),
            umask: slot.model.umask,
            user: slot.model.user.clone(),
            redirect_stderr: slot.model.redirect_stderr && slot.listener.is_none(),
            discard_stdout: output_goes_nowhere(
                &slot.model.stdout,
                slot.listener.is_some(),
                self.log.enabled(LogLevel::Debug),
            ),
            discard_stderr: output_goes_nowhere(
                &slot.model.stderr,
                false,
                self.log.enabled(LogLevel::Debug),
            ),
            stdin_socket: slot
                .model
                .fcgi_socket
                .as_ref()
                .and_then(|s| self.fcgi_sockets.get(s).cloned()),
            cgroup_procs,
        };
        if slot.model.fcgi_socket.is_some() && req.stdin_socket.is_none() {
            let mut out = Vec::new();
            let name = params.name.clone();
            self.procs[i].machine.spawn_failed(
                &format!("the fcgi socket of '{name}' could not be created"),
                now,
                &mut out,
            );
            self.apply(i, out, now);
            return;
        }
        // The log files open before the fork, as 4.3 makes its dispatchers; unlike 4.3, only
        // running out of descriptors is a spawn error ([PROC-SPAWN-errors-parent]).
        let logs = self.open_child_logs(i);
        let (stdout_log, stderr_log) = match logs {
            Ok(logs) => logs,
            Err(e) => {
                let name = &params.name;
                let message = match e.raw_os_error() {
                    Some(code) if code == nix::libc::EMFILE => {
                        format!("too many open files to spawn '{name}'")
                    }
                    Some(code) => format!(
                        "unknown error making dispatchers for '{name}': {:?}",
                        nix::errno::Errno::from_raw(code)
                    ),
                    None => format!("unknown error making dispatchers for '{name}': {e}"),
                };
                let mut out = Vec::new();
                self.procs[i].machine.spawn_failed(&message, now, &mut out);
                self.apply(i, out, now);
                return;
            }
        };
        let name = params.name.clone();
        self.next_spawn_token += 1;
        let token = self.next_spawn_token;
        self.procs[i].spawning = Some(PendingSpawn {
            token,
            stdout_log,
            stderr_log,
        });
        self.spawns_in_flight += 1;
        let job = SpawnJob {
            id: (i, token),
            request: req,
            name,
        };
        if let Err(job) = self.spawner.submit(job) {
            // The spawner thread is gone (it cannot end while the task holds its handle,
            // short of a panic): spawn here rather than never.
            let result = spawn(&job.request, &job.name);
            self.on_spawned(SpawnDone { id: job.id, result }, now);
        }
    }

    /// The second half of a spawn: the child exists (or could not be made). Wires its pipes
    /// and logs, tells the machine, then hands over an exit that was reaped early.
    pub(super) fn on_spawned(&mut self, done: SpawnDone<SpawnId>, now: Now) {
        let (i, token) = done.id;
        self.spawns_in_flight = self.spawns_in_flight.saturating_sub(1);
        self.burst_spawns += 1;
        if self.spawns_in_flight == 0 {
            // Each queued request held its argv, environment and log handles until now.
            if self.burst_spawns >= TRIM_AFTER_SPAWNS {
                self.heap_trim.after_burst();
            }
            self.burst_spawns = 0;
        }
        let pending = self
            .procs
            .get_mut(i)
            .and_then(|slot| slot.spawning.take_if(|p| p.token == token));
        let Some(pending) = pending else {
            // Nothing asked for this child any more; it must not run unsupervised.
            if let Ok(child) = done.result {
                let _ = nix::sys::signal::kill(
                    nix::unistd::Pid::from_raw(child.pid as i32),
                    nix::sys::signal::Signal::SIGKILL,
                );
                self.line(
                    LogLevel::Warn,
                    format!("killed pid {}: its spawn was no longer wanted", child.pid),
                );
            }
            self.release_unclaimed_exits();
            return;
        };
        let mut out = Vec::new();
        let mut spawned_pid = None;
        match done.result {
            Err(e) => self.procs[i].machine.spawn_failed(&e.0, now, &mut out),
            Ok(child) => {
                let pid = child.pid;
                spawned_pid = Some(pid);
                let slot = &mut self.procs[i];
                slot.generation += 1;
                slot.listener_output.clear();
                slot.spawns += 1;
                slot.stdout_closed_at = None;
                slot.probe_due = None;
                slot.probing = false;
                let generation = slot.generation;
                self.by_pid.insert(pid, i);
                let to_main = self.log.enabled(LogLevel::Debug);
                let settings = |model: &ChannelModel, channel| ChannelSettings {
                    process_name: Text::from(slot.model.params.name.as_str()),
                    group_name: Text::from(slot.model.params.group.as_str()),
                    channel,
                    strip_ansi: slot.model.strip_ansi,
                    events_enabled: model.events_enabled,
                    capture_maxbytes: model.capture_maxbytes,
                    to_main_log: to_main,
                };
                // A listener's stdout is the protocol channel: no dispatcher, no log.
                slot.stdout = slot.listener.is_none().then(|| {
                    OutputDispatcher::new(settings(&slot.model.stdout, Channel::Stdout), pid)
                });
                slot.stderr = Some(OutputDispatcher::new(
                    settings(&slot.model.stderr, Channel::Stderr),
                    pid,
                ));
                slot.stdout_log = pending.stdout_log;
                slot.stderr_log = pending.stderr_log;
                // Only a pipe whose chunks are plain log data is grown when busy.
                let grows = |m: &ChannelModel| !m.events_enabled && m.capture_maxbytes == 0;
                if let Some(stdout) = child.stdout {
                    let _ = spawn_reader_with(
                        stdout,
                        (i, Channel::Stdout, generation),
                        if slot.listener.is_some() {
                            self.pipes.replies.clone()
                        } else {
                            self.pipes.output.clone()
                        },
                        slot.listener.is_none() && grows(&slot.model.stdout),
                    );
                }
                if let Some(err) = child.stderr {
                    let _ = spawn_reader_with(
                        err,
                        (i, Channel::Stderr, generation),
                        self.pipes.output.clone(),
                        grows(&slot.model.stderr),
                    );
                }
                slot.stdin = None;
                slot.stdin_fd = child.stdin;
                if let Some((k, m)) = slot.listener {
                    self.pools[k].pool.listener_spawned(m);
                }
                self.tree_spawned(i, pid);
                self.child_started(i, pid);
                self.procs[i].machine.spawned(pid, now, &mut out);
            }
        }
        self.apply(i, out, now);
        if let Some(pid) = spawned_pid {
            if let Some(at) = self.early_exits.iter().position(|r| r.pid == pid) {
                let reaped = self.early_exits.swap_remove(at);
                self.on_reaped(reaped, now);
            }
        }
        self.release_unclaimed_exits();
    }

    /// Keeps a reaped pid that no process owns while a spawn is in flight (it may be that
    /// spawn's child). Hands it back when no spawn is in flight.
    pub(super) fn keep_early_exit(&mut self, reaped: Reaped) -> Result<(), Reaped> {
        if self.spawns_in_flight == 0 {
            return Err(reaped);
        }
        self.early_exits.push(reaped);
        Ok(())
    }

    /// Once no spawn is in flight, the pids nobody claimed are logged as 4.3 logs them.
    fn release_unclaimed_exits(&mut self) {
        if self.spawns_in_flight > 0 {
            return;
        }
        for r in std::mem::take(&mut self.early_exits) {
            self.log_unknown_reap(&r);
        }
    }

    /// `reaped unknown pid N (exit status)` ([PROC-SIG-CHLD]).
    pub(super) fn log_unknown_reap(&mut self, r: &Reaped) {
        let status = crate::process::ExitStatus::decode(r.status);
        self.line(
            LogLevel::Info,
            format!("reaped unknown pid {} ({})", r.pid, status.text),
        );
    }
}
