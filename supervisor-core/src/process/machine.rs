//! The per-process state machine ([PROC-STATE-*], [PROC-TR-*], [PROC-START-*],
//! [PROC-BACKOFF-*], [PROC-EXIT-*], [PROC-AUTORESTART], [PROC-STOP-*]).
//!
//! ```text
//!            start                 startsecs elapsed
//!  STOPPED ─────────► STARTING ─────────────────────► RUNNING ──exit──► EXITED
//!  EXITED  ─────────►   │  ▲ │                           │                │ autorestart
//!  FATAL   ─────────►   │  │ │ stop                      │ stop           ▼
//!                       │  │ └────────► STOPPING ◄───────┘            STARTING
//!       spawn error or  │  │ retry         │ exit (SIGKILL after stopwaitsecs)
//!       exit too quick  ▼  │               ▼
//!                     BACKOFF ─stop─► STOPPED
//!                       │ retries exhausted
//!                       ▼
//!                     FATAL
//! ```
//!
//! Pure and deterministic: time comes in as [`Now`], and effects go out as [`Action`]s (spawn,
//! signal, state-change event, log line). The caller wakes it at [`Process::next_deadline`].
//! Unlike 4.3's 1 s main loop it reacts at once: the same states and lines, sooner.
//!
//! Beyond 4.3, and only when configured: with a ready check a process stays STARTING until
//! the check passes (and is a failed start if it does not in time); BACKOFF waits follow
//! [`RestartPacing`](super::RestartPacing); and FATAL may be retried after a while.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use event_proto::ProcessState;

use super::exit_status::ExitStatus;
use super::params::{AutoRestart, ProcessParams};
use crate::log_level::{LogLevel, LogLine};
use crate::signal::Signal;

/// The current time, monotonic for deadlines and wall-clock for what RPC reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Now {
    /// For deadlines.
    pub mono: Instant,
    /// For `start`/`stop`/`now` in process info.
    pub wall: SystemTime,
}

impl Now {
    /// The real current time.
    pub fn current() -> Now {
        Now {
            mono: Instant::now(),
            wall: SystemTime::now(),
        }
    }

    /// This time plus `d` (for tests and deadlines).
    pub fn after(self, d: Duration) -> Now {
        Now {
            mono: self.mono + d,
            wall: self.wall + d,
        }
    }

    fn wall_secs(self) -> u64 {
        self.wall
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs())
    }
}

/// A state change, with the data its PROCESS_STATE_* event carries ([EV-PAY-*]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StateChange {
    /// The state left.
    pub from: ProcessState,
    /// The state entered.
    pub to: ProcessState,
    /// The backoff count at the change ([EV-PAY-tries]).
    pub tries: u32,
    /// The pid at the change (0 when none, [EV-PAY-pid]).
    pub pid: u32,
    /// EXITED: whether the exit was expected.
    pub expected: bool,
    /// EXITED, BACKOFF and FATAL after an exit: that exit's raw wait status (for listeners
    /// that asked for `exit_details`).
    pub exit: Option<i32>,
}

/// Something the daemon must do for a process.
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use]
pub enum Action {
    /// Spawn the process now, then report [`Process::spawned`] or [`Process::spawn_failed`].
    Spawn,
    /// Send `signal` to `pid`, or to its process group when `group`; report a failure other
    /// than "no such process" with [`Process::signal_failed`].
    Kill {
        /// The process id.
        pid: u32,
        /// Signal the whole process group (`kill(-pid)`).
        group: bool,
        /// The signal.
        signal: Signal,
    },
    /// Emit a PROCESS_STATE_* event.
    Event(StateChange),
    /// Write a main-log line.
    Log(LogLine),
}

/// Why a start request was refused (the RPC layer maps these to faults).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartRefused {
    /// STARTING, RUNNING or BACKOFF: `ALREADY_STARTED`.
    AlreadyStarted,
    /// STOPPING: cannot start until stopped.
    Stopping,
    /// UNKNOWN: `FAILED: x is in an unknown process state`.
    Unknown,
}

/// Why a stop or signal request was refused: the process is not running (`NOT_RUNNING`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotRunning;

/// One supervised process.
#[derive(Debug)]
pub struct Process {
    params: ProcessParams,
    state: ProcessState,
    pid: u32,
    backoff: u32,
    /// When the current STARTING began (monotonic) and its wall time for RPC.
    laststart: Option<Now>,
    laststop: Option<SystemTime>,
    /// BACKOFF: when to retry.
    retry_at: Option<Instant>,
    /// STOPPING: when to send SIGKILL.
    kill_at: Option<Instant>,
    exitstatus: i32,
    spawnerr: String,
    /// Autorestart applies only while supervisord is RUNNING ([PROC-AUTORESTART]).
    supervisor_running: bool,
    /// FATAL with `fatal_retry_after`: when to try again.
    fatal_retry_at: Option<Instant>,
    /// With a ready check: it passed for the current spawn.
    ready: bool,
    /// With a ready check: the timeout passed and the process was killed.
    ready_failed: bool,
    /// The raw wait status of the current attempt's exit, if it exited.
    last_exit: Option<i32>,
}

impl Process {
    /// A process that has not been started (STOPPED).
    pub fn new(params: ProcessParams) -> Process {
        Process {
            params,
            state: ProcessState::Stopped,
            pid: 0,
            backoff: 0,
            laststart: None,
            laststop: None,
            retry_at: None,
            kill_at: None,
            exitstatus: 0,
            spawnerr: String::new(),
            supervisor_running: true,
            fatal_retry_at: None,
            ready: false,
            ready_failed: false,
            last_exit: None,
        }
    }

    /// Its settings.
    pub fn params(&self) -> &ProcessParams {
        &self.params
    }

    /// Its state.
    pub fn state(&self) -> ProcessState {
        self.state
    }

    /// Its pid, 0 when not running.
    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// The last exit status (`exitstatus` in process info).
    pub fn exitstatus(&self) -> i32 {
        self.exitstatus
    }

    /// The last spawn error (`spawnerr` in process info).
    pub fn spawnerr(&self) -> &str {
        &self.spawnerr
    }

    /// Wall time of the last start, Unix seconds (0: never started).
    pub fn start_time(&self) -> u64 {
        self.laststart.map_or(0, Now::wall_secs)
    }

    /// Whether it was ever started.
    pub(super) fn was_started(&self) -> bool {
        self.laststart.is_some()
    }

    /// Wall time of the last stop, if any.
    pub(super) fn last_stop(&self) -> Option<SystemTime> {
        self.laststop
    }

    /// Wall time of the last stop, Unix seconds (0: never stopped).
    pub fn stop_time(&self) -> u64 {
        self.laststop
            .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_secs())
    }

    /// Tells the machine whether supervisord is RUNNING (autorestart is off while it shuts
    /// down or restarts).
    pub fn set_supervisor_running(&mut self, running: bool) {
        self.supervisor_running = running;
    }

    /// When [`Process::tick`] next has something to do.
    pub fn next_deadline(&self) -> Option<Instant> {
        match self.state {
            ProcessState::Starting if self.pid != 0 => {
                let secs = match self.params.ready_timeout {
                    Some(t) if !self.ready && !self.ready_failed => t,
                    Some(_) if self.ready_failed => return None,
                    _ => self.params.startsecs,
                };
                self.laststart.map(|s| s.mono + Duration::from_secs(secs))
            }
            ProcessState::Backoff => self.retry_at,
            ProcessState::Stopping => self.kill_at,
            ProcessState::Fatal => self.fatal_retry_at,
            _ => None,
        }
    }

    /// Whether it is ready: RUNNING (with a ready check, RUNNING is only entered once the
    /// check has passed).
    pub fn is_ready(&self) -> bool {
        self.state == ProcessState::Running
    }

    /// Whether it is STARTING and waits for its ready check.
    pub fn awaits_ready_check(&self) -> bool {
        self.state == ProcessState::Starting
            && self.pid != 0
            && self.params.ready_timeout.is_some()
            && !self.ready
            && !self.ready_failed
    }

    /// The ready check of the current spawn passed: RUNNING as soon as `startsecs` allows.
    pub fn ready_check_passed(&mut self, now: Now, out: &mut Vec<Action>) {
        if self.awaits_ready_check() {
            self.ready = true;
            self.tick(now, out);
        }
    }

    /// Whether a FATAL process will be tried again (`fatal_retry_after`).
    pub fn retry_scheduled(&self) -> bool {
        self.fatal_retry_at.is_some()
    }

    fn change(&mut self, to: ProcessState, out: &mut Vec<Action>) {
        self.change_expected(to, false, out);
    }

    fn change_expected(&mut self, to: ProcessState, expected: bool, out: &mut Vec<Action>) {
        let from = self.state;
        if from == to {
            return;
        }
        self.state = to;
        let exit = match to {
            ProcessState::Exited | ProcessState::Backoff | ProcessState::Fatal => self.last_exit,
            _ => None,
        };
        out.push(Action::Event(StateChange {
            from,
            to,
            exit,
            tries: self.backoff,
            pid: self.pid,
            expected,
        }));
    }

    fn log(&self, out: &mut Vec<Action>, level: LogLevel, message: String) {
        out.push(Action::Log(LogLine::new(level, message)));
    }

    /// A start request (autostart, autorestart, RPC) ([PROC-TR-STOPPED-STARTING],
    /// [PROC-TR-EXITED-STARTING], [PROC-TR-FATAL-STARTING]).
    pub fn start(&mut self, now: Now, out: &mut Vec<Action>) -> Result<(), StartRefused> {
        match self.state {
            ProcessState::Starting | ProcessState::Running | ProcessState::Backoff => {
                Err(StartRefused::AlreadyStarted)
            }
            ProcessState::Stopping => Err(StartRefused::Stopping),
            ProcessState::Unknown => Err(StartRefused::Unknown),
            ProcessState::Stopped | ProcessState::Exited | ProcessState::Fatal => {
                self.backoff = 0;
                self.begin_spawn(now, out);
                Ok(())
            }
        }
    }

    fn begin_spawn(&mut self, now: Now, out: &mut Vec<Action>) {
        self.laststart = Some(now);
        self.retry_at = None;
        self.fatal_retry_at = None;
        self.ready = false;
        self.ready_failed = false;
        self.last_exit = None;
        self.change(ProcessState::Starting, out);
        out.push(Action::Spawn);
    }

    /// The spawn succeeded ([LOG-LINE-spawned]). The spawn runs off the supervisor task, so
    /// a stop may have come first: the process is then STOPPING, and is signalled at once.
    pub fn spawned(&mut self, pid: u32, now: Now, out: &mut Vec<Action>) {
        self.pid = pid;
        self.spawnerr.clear();
        // A new instance has no exit status yet (getProcessInfo shows 0).
        self.exitstatus = 0;
        self.log(
            out,
            LogLevel::Info,
            format!("spawned: '{}' with pid {pid}", self.params.name),
        );
        if self.state == ProcessState::Stopping {
            // A stop came while the spawn was in flight: the signal goes out now.
            self.kill(self.params.stopsignal, self.params.stopasgroup, out);
            return;
        }
        // startsecs=0 reaches RUNNING at the first check ([PROC-START-startsecs]).
        self.tick(now, out);
    }

    /// The spawn failed before the child existed ([PROC-SPAWN-errors-parent]).
    pub fn spawn_failed(&mut self, error: &str, now: Now, out: &mut Vec<Action>) {
        self.spawnerr = error.to_owned();
        self.exitstatus = 0;
        self.log(out, LogLevel::Info, format!("spawnerr: {error}"));
        if self.state == ProcessState::Stopping {
            // A stop came while the spawn was in flight: nothing ran, nothing to retry.
            self.kill_at = None;
            self.laststop = Some(now.wall);
            self.change(ProcessState::Stopped, out);
            return;
        }
        self.enter_backoff(now, out);
    }

    fn enter_backoff(&mut self, now: Now, out: &mut Vec<Action>) {
        self.backoff += 1;
        self.retry_at = Some(now.mono + self.params.pacing.delay(self.backoff));
        self.change(ProcessState::Backoff, out);
        if self.backoff > self.params.startretries {
            self.give_up(now, out);
        }
    }

    /// BACKOFF → FATAL ([PROC-TR-BACKOFF-FATAL]): retries exhausted, or a shutdown began.
    /// With `fatal_retry_after`, a retry is scheduled (not during a shutdown).
    pub fn give_up(&mut self, now: Now, out: &mut Vec<Action>) {
        if self.state != ProcessState::Backoff {
            return;
        }
        self.log(
            out,
            LogLevel::Info,
            format!(
                "gave up: {} entered FATAL state, too many start retries too quickly",
                self.params.name
            ),
        );
        self.retry_at = None;
        self.change(ProcessState::Fatal, out);
        self.backoff = 0;
        if let Some(after) = self
            .params
            .pacing
            .fatal_retry()
            .filter(|_| self.supervisor_running)
        {
            self.fatal_retry_at = Some(now.mono + after);
            self.log(
                out,
                LogLevel::Info,
                format!(
                    "{} will be tried again in {} seconds (fatal_retry_after)",
                    self.params.name,
                    after.as_secs()
                ),
            );
        }
    }

    /// Deadlines: RUNNING after startsecs, BACKOFF retries, SIGKILL after stopwaitsecs.
    pub fn tick(&mut self, now: Now, out: &mut Vec<Action>) {
        match self.state {
            ProcessState::Starting if self.pid != 0 => {
                let up = self.laststart.map_or(Duration::ZERO, |s| now.mono - s.mono);
                if let Some(timeout) = self.params.ready_timeout {
                    if !self.ready {
                        if !self.ready_failed && up >= Duration::from_secs(timeout) {
                            self.ready_failed = true;
                            self.log(
                                out,
                                LogLevel::Warn,
                                format!(
                                    "{} was not ready {timeout} seconds after it started (ready_check): treated as a failed start",
                                    self.params.name
                                ),
                            );
                            let group = self.params.killasgroup || self.params.stopasgroup;
                            self.kill(Signal::KILL, group, out);
                        }
                        return;
                    }
                }
                if up >= Duration::from_secs(self.params.startsecs) {
                    self.backoff = 0;
                    self.change(ProcessState::Running, out);
                    self.log(
                        out,
                        LogLevel::Info,
                        format!(
                            "success: {} entered RUNNING state, process has stayed up for > than {} seconds (startsecs)",
                            self.params.name, self.params.startsecs
                        ),
                    );
                }
            }
            ProcessState::Backoff => {
                if self.backoff > self.params.startretries {
                    self.give_up(now, out);
                } else if self.retry_at.is_some_and(|t| now.mono >= t) {
                    self.begin_spawn(now, out);
                }
            }
            ProcessState::Fatal
                if self.supervisor_running
                    && self.fatal_retry_at.is_some_and(|t| now.mono >= t) =>
            {
                self.log(
                    out,
                    LogLevel::Info,
                    format!(
                        "retrying {} after FATAL (fatal_retry_after), with its retries counted afresh",
                        self.params.name
                    ),
                );
                self.backoff = 0;
                self.begin_spawn(now, out);
            }
            ProcessState::Stopping if self.kill_at.is_some_and(|t| now.mono >= t) => {
                self.log(
                    out,
                    LogLevel::Warn,
                    format!("killing '{}' ({}) with SIGKILL", self.params.name, self.pid),
                );
                let group = self.params.killasgroup || self.params.stopasgroup;
                self.kill(Signal::KILL, group, out);
                self.kill_at = Some(now.mono + Duration::from_secs(self.params.stopwaitsecs));
            }
            _ => {}
        }
    }

    /// Signals the process. While its spawn is still in flight (STARTING or STOPPING with no
    /// pid yet) there is nothing to signal: [`Process::spawned`] sends the stop signal once
    /// the pid is known.
    fn kill(&mut self, signal: Signal, group: bool, out: &mut Vec<Action>) {
        if self.pid == 0 {
            return;
        }
        let what = if group { " process group" } else { "" };
        self.log(
            out,
            LogLevel::Debug,
            format!(
                "killing {} (pid {}){what} with signal {signal}",
                self.params.name, self.pid
            ),
        );
        out.push(Action::Kill {
            pid: self.pid,
            group,
            signal,
        });
    }

    /// With a ready check, STARTING and not ready (whether or not the timeout passed).
    fn awaits_ready(&self) -> bool {
        self.params.ready_timeout.is_some() && !self.ready
    }

    /// A stop request ([PROC-TR-RUNNING-STOPPING], [PROC-TR-BACKOFF-STOPPED], [PROC-STOP-*]).
    pub fn stop(&mut self, now: Now, out: &mut Vec<Action>) -> Result<(), NotRunning> {
        match self.state {
            ProcessState::Starting | ProcessState::Running => {
                self.kill(self.params.stopsignal, self.params.stopasgroup, out);
                self.kill_at = Some(now.mono + Duration::from_secs(self.params.stopwaitsecs));
                self.change(ProcessState::Stopping, out);
                Ok(())
            }
            ProcessState::Fatal if self.fatal_retry_at.is_some() => {
                // A stop cancels the scheduled retry.
                self.fatal_retry_at = None;
                self.laststop = Some(now.wall);
                self.change(ProcessState::Stopped, out);
                Ok(())
            }
            ProcessState::Backoff => {
                self.log(
                    out,
                    LogLevel::Debug,
                    format!(
                        "Attempted to kill {}, which is in BACKOFF state.",
                        self.params.name
                    ),
                );
                self.retry_at = None;
                self.backoff = 0;
                self.laststop = Some(now.wall);
                self.change(ProcessState::Stopped, out);
                Ok(())
            }
            _ => Err(NotRunning),
        }
    }

    /// An arbitrary signal (RPC `signalProcess`, [PROC-SIGNAL]); no state change.
    pub fn signal(&mut self, signal: Signal, out: &mut Vec<Action>) -> Result<(), NotRunning> {
        if !self.state.is_signallable() || self.pid == 0 {
            return Err(NotRunning);
        }
        self.log(
            out,
            LogLevel::Debug,
            format!(
                "sending {} (pid {}) sig {signal}",
                self.params.name, self.pid
            ),
        );
        out.push(Action::Kill {
            pid: self.pid,
            group: false,
            signal,
        });
        Ok(())
    }

    /// Sending a signal failed with an error other than "no such process"
    /// ([PROC-TR-any-UNKNOWN]).
    pub fn signal_failed(&mut self, error: &str, out: &mut Vec<Action>) {
        self.log(
            out,
            LogLevel::Critical,
            format!(
                "unknown problem killing {} ({}):{error}",
                self.params.name, self.pid
            ),
        );
        self.kill_at = None;
        self.change(ProcessState::Unknown, out);
    }

    /// The process exited with raw wait status `status` ([PROC-EXIT-*], [PROC-TR-exit-stopping],
    /// [PROC-START-too-quick], [PROC-AUTORESTART]).
    pub fn exited(&mut self, status: i32, now: Now, out: &mut Vec<Action>) {
        if self.pid == 0 {
            return;
        }
        let exit = ExitStatus::decode(status);
        self.last_exit = Some(status);
        let expected = exit.is_expected(&self.params.exitcodes);
        let name = self.params.name.clone();
        let up = self.laststart.map_or(Duration::MAX, |s| now.mono - s.mono);
        let too_quick = up < Duration::from_secs(self.params.startsecs);
        self.laststop = Some(now.wall);
        self.kill_at = None;
        match self.state {
            ProcessState::Stopping => {
                self.exitstatus = exit.code;
                let level = if expected {
                    LogLevel::Info
                } else {
                    LogLevel::Warn
                };
                self.log(out, level, format!("stopped: {name} ({})", exit.text));
                self.change(ProcessState::Stopped, out);
                self.pid = 0;
            }
            ProcessState::Starting if too_quick || self.awaits_ready() => {
                self.log(
                    out,
                    LogLevel::Warn,
                    format!("exited: {name} ({}; not expected)", exit.text),
                );
                self.spawnerr = if too_quick {
                    "Exited too quickly (process log may have details)".to_owned()
                } else if self.ready_failed {
                    "Not ready before ready_timeout (ready_check)".to_owned()
                } else {
                    "Exited before its ready check passed".to_owned()
                };
                self.pid = 0;
                self.enter_backoff(now, out);
            }
            ProcessState::Starting | ProcessState::Running => {
                if self.state == ProcessState::Starting {
                    // Reaped after startsecs: RUNNING first, silently ([PROC-START-late-reap]).
                    self.change(ProcessState::Running, out);
                }
                self.backoff = 0;
                self.exitstatus = exit.code;
                if expected {
                    self.log(
                        out,
                        LogLevel::Info,
                        format!("exited: {name} ({}; expected)", exit.text),
                    );
                } else {
                    self.spawnerr = format!("Bad exit code {}", exit.code);
                    self.log(
                        out,
                        LogLevel::Warn,
                        format!("exited: {name} ({}; not expected)", exit.text),
                    );
                }
                self.change_expected(ProcessState::Exited, expected, out);
                self.pid = 0;
                let restart = match self.params.autorestart {
                    AutoRestart::False => false,
                    AutoRestart::Unexpected => !expected,
                    AutoRestart::True => true,
                };
                if restart && self.supervisor_running {
                    let _ = self.start(now, out);
                }
            }
            _ => self.pid = 0,
        }
    }
}
