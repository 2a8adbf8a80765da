//! The task's loop: it waits for the next message or deadline, and hands each to the handler
//! that decides what it means. Every handler is given the time, so none reads the clock.

use std::time::{Duration, Instant, UNIX_EPOCH};

use event_proto::payload::{Channel, TickPayload};
use event_proto::{pyfmt, Payload};
use tokio::sync::mpsc;

use super::messages::{Control, Ended, PipeId};
use super::state::{Phase, PipeSenders, Supervisor, STDOUT_CLOSED_GRACE};
use crate::daemon::pipes::{PipeEvent, WriteFailed, PIPE_CHANNEL_BOUND};
use crate::daemon::ready_probe::ProbeResult;
use crate::daemon::reaper::{spawn_reaper, Reaped, ReaperEvent};
use crate::daemon::signals::{spawn_signal_listener, DaemonSignal};
use crate::daemon::spawner::Spawner;
use crate::log_level::LogLevel;
use crate::logging::MainLog;
use crate::model::DaemonModel;
use crate::process::Now;

/// Runs the daemon until it has shut down. Must be called inside a tokio runtime; binds the
/// HTTP servers, installs the SIGCHLD reaper and the signal handlers.
pub async fn run(
    model: DaemonModel,
    log: MainLog,
    control_tx: mpsc::UnboundedSender<Control>,
    control: mpsc::UnboundedReceiver<Control>,
) -> std::io::Result<Ended> {
    let servers =
        crate::daemon::servers::open_servers(&model.servers).map_err(std::io::Error::other)?;
    run_with(model, log, servers, control_tx, control).await
}

/// [`run`] with the servers already bound (the daemon binds them before it detaches).
pub async fn run_with(
    model: DaemonModel,
    log: MainLog,
    servers: crate::daemon::servers::OpenServers,
    control_tx: mpsc::UnboundedSender<Control>,
    mut control: mpsc::UnboundedReceiver<Control>,
) -> std::io::Result<Ended> {
    let (socket_files, servers) = servers.serve(&control_tx)?;
    // Orphaned descendants of children come to us, not init: reaped, and found by stoptree.
    let subreaper = crate::daemon::tree::become_subreaper();
    let (reap_tx, mut reap_rx) = mpsc::unbounded_channel();
    let _reaper = spawn_reaper(reap_tx)?;
    let (sig_tx, mut sig_rx) = mpsc::unbounded_channel();
    let _signals = spawn_signal_listener(sig_tx)?;
    let (pipe_tx, mut pipe_rx) = mpsc::channel(PIPE_CHANNEL_BOUND);
    let (reply_tx, mut reply_rx) = mpsc::channel(PIPE_CHANNEL_BOUND);
    let (fail_tx, mut fail_rx) = mpsc::unbounded_channel();
    let (spawned_tx, mut spawned_rx) = mpsc::unbounded_channel();
    let spawner = Spawner::start(spawned_tx)?;
    let (probe_tx, mut probe_rx) = mpsc::unbounded_channel();
    let mut sup = Supervisor::new(
        model,
        log,
        PipeSenders {
            output: pipe_tx,
            replies: reply_tx,
        },
        fail_tx,
        spawner,
        probe_tx,
        Now::current(),
    );
    sup.log.set_batching(true);
    if let Err(e) = subreaper {
        sup.line(
            LogLevel::Warn,
            format!("could not become a child subreaper ({e}): orphaned descendants go to init"),
        );
    }
    sup.bind_fcgi_sockets();
    sup.stop_leftovers();
    sup.startup(Now::current());
    while sup.phase != Phase::Done {
        sup.log.flush();
        let deadline = sup.next_deadline(Now::current());
        let mut sigchld = false;
        // In this order: listeners' replies first (see `PipeSenders`), and RPC calls before
        // child output, which alone can arrive faster than it is handled.
        tokio::select! {
            biased;
            Some(p) = reply_rx.recv() => sup.on_pipe(p, Now::current()),
            Some(r) = reap_rx.recv() => match r {
                ReaperEvent::Reaped(r) => sup.on_reaped(r, Now::current()),
                ReaperEvent::Signal => sigchld = true,
            },
            Some(d) = spawned_rx.recv() => sup.on_spawned(d, Now::current()),
            Some(r) = probe_rx.recv() => sup.on_probe(r, Now::current()),
            Some(s) = sig_rx.recv() => sup.on_signal(s, Now::current()),
            Some(c) = control.recv() => sup.on_control(c, Now::current()),
            Some(f) = fail_rx.recv() => sup.on_write_failed(f, Now::current()),
            Some(p) = pipe_rx.recv() => sup.on_pipe(p, Now::current()),
            () = tokio::time::sleep_until(deadline.into()) => {}
        }
        // Under load, pipe data arrives in bursts: handle what is already queued before
        // recomputing deadlines, so their cost is paid once per burst, not per chunk.
        for _ in 0..64 {
            while let Ok(p) = reply_rx.try_recv() {
                sup.on_pipe(p, Now::current());
            }
            match pipe_rx.try_recv() {
                Ok(p) => sup.on_pipe(p, Now::current()),
                Err(_) => break,
            }
        }
        if sigchld {
            // As 4.3 orders it: what the children wrote before exiting, then their exits,
            // then the signal's debug line. One yield lets the pipe readers read what is
            // already in the pipes; the exits the reaper found are queued behind the signal.
            tokio::task::yield_now().await;
            while let Ok(p) = reply_rx.try_recv() {
                sup.on_pipe(p, Now::current());
            }
            while let Ok(p) = pipe_rx.try_recv() {
                sup.on_pipe(p, Now::current());
            }
            while let Ok(r) = reap_rx.try_recv() {
                match r {
                    ReaperEvent::Reaped(r) => sup.on_reaped(r, Now::current()),
                    ReaperEvent::Signal => {}
                }
            }
            sup.line(LogLevel::Debug, "received SIGCHLD indicating a child quit");
        }
        sup.on_tick(Now::current());
        if sup.shutdown_requested && sup.phase == Phase::Running {
            sup.begin_shutdown(Now::current());
        }
    }
    sup.tree_cleanup();
    sup.remove_children_file();
    sup.log_counters();
    sup.log.set_batching(false);
    let ended = if sup.exit_status != 0 {
        Ended::Failed(sup.exit_status)
    } else if sup.restart_requested {
        Ended::Restart
    } else {
        Ended::Shutdown
    };
    // The sockets close before their files go (and before a restart binds them again).
    drop(servers);
    for path in socket_files {
        let _ = std::fs::remove_file(path);
    }
    for spec in sup.fcgi_sockets.keys() {
        if let crate::model::FcgiSocket::Unix { path, .. } = spec {
            let _ = std::fs::remove_file(path);
        }
    }
    Ok(ended)
}

impl Supervisor {
    pub(super) fn on_reaped(&mut self, r: Reaped, now: Now) {
        if let Some((id, http)) = self.check_pids.remove(&r.pid) {
            let status = crate::process::ExitStatus::decode(r.status);
            let outcome = match r.status {
                0 => Ok(()),
                _ if http && status.code >= 0 => Err(
                    crate::daemon::ready_probe::HttpOutcome::describe(status.code),
                ),
                _ => Err(status.text),
            };
            self.on_probe(ProbeResult { id, outcome }, now);
            return;
        }
        let Some(i) = self.by_pid.remove(&r.pid) else {
            if let Err(r) = self.keep_early_exit(r) {
                self.log_unknown_reap(&r);
            }
            return;
        };
        if let Some((k, m)) = self.procs[i].listener {
            self.with_pool(k, |pool, out| pool.listener_exited(m, out));
        }
        self.procs[i].stdin = None;
        self.procs[i].stdin_fd = None;
        self.procs[i].stdout_closed_at = None;
        let mut out = Vec::new();
        self.procs[i].machine.exited(r.status, now, &mut out);
        self.tree_exited(i, r.pid);
        self.child_ended(i);
        self.apply(i, out, now);
    }

    pub(super) fn on_pipe(&mut self, ev: PipeEvent<PipeId>, now: Now) {
        match ev {
            PipeEvent::Data((i, channel, generation), data) => {
                let slot = &mut self.procs[i];
                if let (Some((k, m)), Channel::Stdout) = (slot.listener, channel) {
                    if generation != slot.generation {
                        return; // protocol bytes of a previous instance
                    }
                    if self.log.enabled(LogLevel::Debug) {
                        // 4.3 logs each read; a read holding `RESULT 2\nOK` and the next
                        // `READY\n` (as tests and tools expect) is shown whatever the reads.
                        slot.listener_output.extend_from_slice(&data);
                        if slot.listener_output.ends_with(b"READY\n")
                            || slot.listener_output.len() >= 4096
                        {
                            self.log_listener_output(i);
                        }
                    }
                    let delivered = self.pools[k].pool.counters().delivered;
                    self.with_pool(k, |pool, out| pool.listener_output(m, &data, out));
                    if self.pools[k].pool.counters().delivered > delivered {
                        self.pools[k].acknowledged(m, now.mono);
                    }
                    return;
                }
                let mut out = Vec::new();
                if let Some(d) = slot.dispatcher(channel) {
                    d.feed_bytes(data, &mut out);
                }
                self.apply_output(i, channel, out);
            }
            PipeEvent::Closed((i, channel, generation)) => {
                let slot = &mut self.procs[i];
                if generation != slot.generation {
                    return;
                }
                if slot.listener.is_some() && channel == Channel::Stdout {
                    // Usually the process is exiting; if it is not, on_tick acts.
                    slot.stdout_closed_at = Some(now.mono);
                    self.log_listener_output(i);
                    return;
                }
                let mut out = Vec::new();
                if let Some(d) = slot.dispatcher(channel) {
                    d.finish(&mut out);
                }
                self.apply_output(i, channel, out);
            }
        }
    }

    /// Shows a listener's protocol output held so far, as 4.3's debug line.
    fn log_listener_output(&mut self, i: usize) {
        let slot = &mut self.procs[i];
        if slot.listener_output.is_empty() {
            return;
        }
        let bytes = std::mem::take(&mut slot.listener_output);
        let name = slot.model.params.name.clone();
        self.line(
            LogLevel::Debug,
            format!("'{name}' stdout output:\n{}", pyfmt::bytes_repr(&bytes)),
        );
    }

    pub(super) fn on_write_failed(&mut self, f: WriteFailed<usize>, _now: Now) {
        let i = f.id;
        self.procs[i].stdin = None;
        if let Some((k, m)) = self.procs[i].listener {
            self.with_pool(k, |pool, out| pool.send_failed(m, out));
        }
    }

    pub(super) fn on_signal(&mut self, s: DaemonSignal, now: Now) {
        let shutting_down = self.phase != Phase::Running;
        self.log.log(&s.log_line(shutting_down));
        match s {
            DaemonSignal::Exit(_) => self.begin_shutdown(now),
            // Restart is a shutdown followed by a fresh start by the caller (the binary
            // re-reads the config); the task itself stops here.
            DaemonSignal::Restart if !shutting_down => {
                if let Err(problems) = self.config_still_loads() {
                    self.line(
                        LogLevel::Error,
                        format!("not restarting: the configuration no longer loads; still running the current one: {problems}"),
                    );
                    return;
                }
                self.restart_requested = true;
                self.begin_shutdown(now);
            }
            DaemonSignal::Restart => {}
            DaemonSignal::ReopenLogs => {
                self.line(LogLevel::Info, "supervisord logreopen");
                let _ = self.log.reopen();
                for slot in &mut self.procs {
                    for log in [slot.stdout_log.as_mut(), slot.stderr_log.as_mut()]
                        .into_iter()
                        .flatten()
                    {
                        let _ = log.reopen();
                    }
                }
            }
        }
    }

    pub(super) fn on_control(&mut self, c: Control, now: Now) {
        match c {
            Control::Shutdown => {
                if self.phase == Phase::Running {
                    self.begin_shutdown(now);
                }
            }
            Control::States(reply) => {
                let states = self
                    .procs
                    .iter()
                    .filter(|s| !s.removed)
                    .map(|s| {
                        (
                            s.model.params.name.clone(),
                            s.machine.state(),
                            s.machine.pid(),
                        )
                    })
                    .collect();
                let _ = reply.send(states);
            }
            Control::Rpc { call, reply } => self.on_rpc(call, reply, now),
            Control::AllProcessInfo(reply) => {
                let answer = if self.phase == Phase::Running {
                    Ok(self.all_process_snapshots(now.wall))
                } else {
                    Err(crate::rpc::Fault::ShutdownState.response())
                };
                let _ = reply.send(answer);
            }
            Control::WebInfo(reply) => {
                let path = match &self.model.main_log {
                    crate::logging::MainLogTarget::File { path, .. } => Some(path.clone()),
                    crate::logging::MainLogTarget::None | crate::logging::MainLogTarget::Syslog => {
                        None
                    }
                };
                let _ = reply.send((path, self.model.identifier.clone()));
            }
            Control::RecentEvents { after, reply } => {
                let _ = reply.send(self.recent.since(after, now.mono));
            }
            Control::Metrics(reply) => {
                let _ = reply.send(self.metrics_snapshot(now));
            }
            Control::PoolCounters(reply) => {
                let counters = self
                    .live_pools()
                    .map(|p| (p.name().to_owned(), *p.counters()))
                    .collect();
                let _ = reply.send(counters);
            }
        }
    }

    /// When the loop must wake up next, at the latest, given that it is `now`.
    pub(super) fn next_deadline(&self, now: Now) -> Instant {
        let tick_secs = self.ticks.next_deadline();
        let now_secs = now
            .wall
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let now = now.mono;
        let tick = now + Duration::from_secs(tick_secs.saturating_sub(now_secs));
        let mut next = self
            .procs
            .iter()
            .filter_map(|s| s.machine.next_deadline())
            .chain(self.next_probe())
            .fold(tick, Instant::min);
        if matches!(self.phase, Phase::Stopping(_)) {
            next = next.min(now + Duration::from_secs(1));
        }
        self.procs
            .iter()
            .filter_map(|s| s.stdout_closed_at)
            .map(|at| at + STDOUT_CLOSED_GRACE)
            .fold(next, Instant::min)
    }

    pub(super) fn on_tick(&mut self, now: Now) {
        self.record_children();
        self.check_children_writer();
        if !self.multicalls.is_empty() {
            self.advance_multicalls(now);
        }
        self.check_closed_listener_stdout(now);
        for i in 0..self.procs.len() {
            if self.procs[i]
                .machine
                .next_deadline()
                .is_some_and(|d| d <= now.mono)
            {
                let mut out = Vec::new();
                self.procs[i].machine.tick(now, &mut out);
                self.apply(i, out, now);
            }
        }
        let wall = now
            .wall
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        for (event_type, when) in self.ticks.poll(wall) {
            self.emit(event_type, &Payload::Tick(TickPayload { when }));
        }
        self.run_due_probes(now);
        self.advance_dependencies(now);
        self.check_essential();
        if matches!(self.phase, Phase::Stopping(_)) {
            self.advance_shutdown(now);
        }
    }

    /// A listener whose stdout closed [`STDOUT_CLOSED_GRACE`] ago and is still running can
    /// never answer: beyond 4.3 (where it stays BUSY forever holding its event), it goes to
    /// UNKNOWN, its event back to the queue, and is restarted.
    pub(super) fn check_closed_listener_stdout(&mut self, now: Now) {
        for i in 0..self.procs.len() {
            let slot = &mut self.procs[i];
            let Some(at) = slot.stdout_closed_at else {
                continue;
            };
            if now.mono < at + STDOUT_CLOSED_GRACE {
                continue;
            }
            slot.stdout_closed_at = None;
            let Some((k, m)) = slot.listener else {
                continue;
            };
            if slot.machine.pid() == 0 {
                continue;
            }
            let name = slot.model.params.name.clone();
            self.line(
                LogLevel::Warn,
                format!("{name}: closed its stdout but is still running, so it can no longer answer events"),
            );
            self.with_pool(k, |pool, out| pool.listener_output_closed(m, out));
        }
    }
}
