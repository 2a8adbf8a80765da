//! The supervisor task's state: one slot per process, one per pool, the groups in start
//! order, and the shutdown phase. Only plain data and lookups live here; what the task does
//! with them is in the sibling modules.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant, UNIX_EPOCH};

use event_proto::payload::Channel;
use tokio::sync::mpsc;

use super::messages::{PipeId, SpawnId};
use super::waiting;
use crate::daemon::pipes::{spawn_writer, PipeEvent, StdinQueue, WriteFailed};
use crate::daemon::ready_probe::ProbeResult;
use crate::daemon::reaper::Reaped;
use crate::daemon::spawner::Spawner;
use crate::events::tick::TickClock;
use crate::events::EventBus;
use crate::log_level::{LogLevel, LogLine};
use crate::logging::MainLog;
use crate::model::{DaemonModel, ProgramModel};
use crate::output::dispatcher::OutputDispatcher;
use crate::output::rotating::RotatingLog;
use crate::pool::{Pool, PoolSettings};
use crate::process::{Now, Process};

/// One process: its configuration, its machine, and the pipes and logs of its current spawn.
pub(super) struct Slot {
    /// Shared with [`StoredConfig`] while the configuration as read still has it.
    pub(super) model: Arc<ProgramModel>,
    pub(super) machine: Process,
    pub(super) generation: u64,
    pub(super) stdin: Option<StdinQueue>,
    /// The child's stdin before anything was written to it: the writer task is only started
    /// on first use (a listener's first event, `sendProcessStdin`), so quiet programs cost
    /// no task.
    pub(super) stdin_fd: Option<std::process::ChildStdin>,
    pub(super) stdout: Option<OutputDispatcher>,
    pub(super) stderr: Option<OutputDispatcher>,
    pub(super) stdout_log: Option<RotatingLog>,
    pub(super) stderr_log: Option<RotatingLog>,
    /// For a listener: (pool index, member index).
    pub(super) listener: Option<(usize, usize)>,
    /// Start again once stopped (a listener recovering from UNKNOWN).
    pub(super) restart_when_stopped: bool,
    /// When a listener's stdout reached EOF while its process was alive; if it is still
    /// alive [`STDOUT_CLOSED_GRACE`] later it can never answer and is restarted.
    pub(super) stdout_closed_at: Option<Instant>,
    /// A listener's protocol output not yet shown in the main log (debug level): shown up to
    /// and including each `READY\n`, so an answer and the next READY make one line whatever
    /// reads they arrived in.
    pub(super) listener_output: Vec<u8>,
    /// Its group was removed (`removeProcessGroup`): the slot is kept so indices stay
    /// valid, but it is no longer part of the daemon.
    pub(super) removed: bool,
    /// A spawn handed to the spawner thread and not yet taken in.
    pub(super) spawning: Option<PendingSpawn>,
    /// The processes it depends on (`depends_on`, resolved).
    pub(super) deps: Vec<usize>,
    /// The processes that depend on it.
    pub(super) dependants: Vec<usize>,
    /// A start waits for its dependencies to be ready.
    pub(super) start_wanted: bool,
    /// Why it was not started: a dependency failed.
    pub(super) blocked: Option<String>,
    /// A stop waits for its dependants to stop.
    pub(super) stop_wanted: bool,
    /// When its next ready-check probe is due (`None`: now).
    pub(super) probe_due: Option<Instant>,
    /// A probe is in flight.
    pub(super) probing: bool,
    /// How many times it was spawned.
    pub(super) spawns: u64,
}

/// Where pipe readers send what they read.
///
/// A listener's stdout (its `RESULT`s) has a channel of its own, which the task handles before
/// child output: otherwise a reply waits behind up to [`PIPE_CHANNEL_BOUND`] chunks of a
/// flooding producer, and the pool's one event in flight per listener with it. 4.3's select
/// loop reads each ready descriptor once per turn, so a reply never waits behind more than
/// one chunk there either.
///
/// [`PIPE_CHANNEL_BOUND`]: crate::daemon::pipes::PIPE_CHANNEL_BOUND
#[derive(Debug, Clone)]
pub(super) struct PipeSenders {
    /// Every child's stdout and stderr, but a listener's stdout.
    pub(super) output: mpsc::Sender<PipeEvent<PipeId>>,
    /// Listeners' stdout.
    pub(super) replies: mpsc::Sender<PipeEvent<PipeId>>,
}

/// How many spawns in one burst make it worth trimming the heap after it.
pub(super) const TRIM_AFTER_SPAWNS: usize = 32;

/// What a spawn in flight will need once its child exists.
pub(super) struct PendingSpawn {
    /// Matches the result to this request.
    pub(super) token: u64,
    /// The logs, opened before the spawn as 4.3 does.
    pub(super) stdout_log: Option<RotatingLog>,
    pub(super) stderr_log: Option<RotatingLog>,
}

impl Slot {
    /// The output dispatcher of one of its channels, if that channel has one.
    pub(super) fn dispatcher(&mut self, channel: Channel) -> Option<&mut OutputDispatcher> {
        match channel {
            Channel::Stdout => self.stdout.as_mut(),
            Channel::Stderr => self.stderr.as_mut(),
        }
    }

    pub(super) fn new(model: Arc<ProgramModel>, listener: Option<(usize, usize)>) -> Slot {
        Slot {
            machine: Process::new(model.params.clone()),
            model,
            generation: 0,
            stdin: None,
            stdin_fd: None,
            stdout: None,
            stderr: None,
            stdout_log: None,
            stderr_log: None,
            listener,
            restart_when_stopped: false,
            stdout_closed_at: None,
            listener_output: Vec::new(),
            removed: false,
            spawning: None,
            deps: Vec::new(),
            dependants: Vec::new(),
            start_wanted: false,
            blocked: None,
            stop_wanted: false,
            probe_due: None,
            probing: false,
            spawns: 0,
        }
    }
}

/// One event-listener pool and the processes that are its listeners.
pub(super) struct PoolSlot {
    /// The pool's machine.
    pub(super) pool: Pool,
    /// The process index of each listener, by its member index in the pool.
    pub(super) members: Vec<usize>,
    /// `false` once its group is removed: the pool is then replaced by an inert one, and the
    /// slot kept so that pool indices stay valid.
    pub(super) live: bool,
    /// When each member was last sent an event (for the delivery latency).
    pub(super) sent_at: Vec<Option<Instant>>,
    /// Time from an envelope's write to its `OK`.
    pub(super) latency: crate::metrics::Histogram,
}

impl PoolSlot {
    /// A pool slot with no delivery measured yet.
    pub(super) fn new(pool: Pool, members: Vec<usize>, live: bool) -> PoolSlot {
        PoolSlot {
            pool,
            members,
            live,
            sent_at: Vec::new(),
            latency: crate::metrics::Histogram::default(),
        }
    }

    /// Notes that member `m` was just sent an event.
    pub(super) fn sent(&mut self, m: usize, at: Instant) {
        if self.sent_at.len() <= m {
            self.sent_at.resize(m + 1, None);
        }
        self.sent_at[m] = Some(at);
    }

    /// Member `m` acknowledged its event at `at`: the delivery latency is observed.
    pub(super) fn acknowledged(&mut self, m: usize, at: Instant) {
        if let Some(sent) = self.sent_at.get_mut(m).and_then(Option::take) {
            self.latency.observe(at.duration_since(sent).as_secs_f64());
        }
    }
}

/// Where the daemon is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Phase {
    Running,
    /// Stopping groups from the highest; the index of the group being stopped.
    Stopping(usize),
    Done,
}

/// The programs and pools of the configuration as last read. A program's model is shared
/// with its slot (one copy per program, not two, for 500 programs about 0.3 MB).
#[derive(Debug, Clone, Default)]
pub(super) struct StoredConfig {
    pub(super) programs: Vec<Arc<ProgramModel>>,
    pub(super) pools: Vec<PoolSettings>,
}

impl StoredConfig {
    pub(super) fn new(model: DaemonModel) -> StoredConfig {
        StoredConfig {
            programs: model.programs.into_iter().map(Arc::new).collect(),
            pools: model.pools,
        }
    }
}

/// The supervisor task's state.
pub(super) struct Supervisor {
    pub(super) model: DaemonModel,
    /// The configuration as last read (at start or by `reloadConfig`): what
    /// `addProcessGroup` and `getAllConfigInfo` use ([RPC-supervisor.reloadConfig]).
    pub(super) config: StoredConfig,
    pub(super) procs: Vec<Slot>,
    /// Group names in ascending (priority, name) order, with their member indices.
    pub(super) groups: Vec<(String, Vec<usize>)>,
    /// One slot per pool, in the order of `model.pools`.
    pub(super) pools: Vec<PoolSlot>,
    pub(super) by_pid: HashMap<u32, usize>,
    pub(super) bus: EventBus,
    pub(super) ticks: TickClock,
    pub(super) log: MainLog,
    /// For `*_syslog=true` channels ([LOG-CHILD-syslog]); connects on first use.
    pub(super) syslog: crate::logging::syslog::Syslog,
    pub(super) phase: Phase,
    pub(super) last_wait_log: Option<Instant>,
    pub(super) pipes: PipeSenders,
    pub(super) fail_tx: mpsc::UnboundedSender<WriteFailed<usize>>,
    /// RPC replies waiting for processes to reach a state.
    pub(super) pending: Vec<waiting::Pending>,
    /// Multicalls waiting for one of their calls.
    pub(super) multicalls: Vec<super::multicall::Multicall>,
    /// `stoptree`'s cgroups.
    pub(super) trees: super::tree_stop::Trees,
    /// The running children as the children file records them, by process index.
    pub(super) children: std::collections::BTreeMap<usize, crate::daemon::children_file::Child>,
    /// Children came or went since the children file was written.
    pub(super) children_dirty: bool,
    /// supervisord's own start time, for the children file (0: not read yet).
    pub(super) own_start: u64,
    /// Writing the children file failed (reported once).
    pub(super) children_file_failed: bool,
    /// The thread that writes the children file (started with the first write).
    pub(super) children_writer: Option<crate::daemon::children_file::Writer>,
    /// `supervisor.shutdown` was called.
    pub(super) shutdown_requested: bool,
    /// The shutdown in progress is a restart (SIGHUP, `supervisor.restart`).
    pub(super) restart_requested: bool,
    /// `[fcgi-program:x]` listening sockets, one per distinct socket ([CFG-FCGI-runtime]).
    pub(super) fcgi_sockets: HashMap<crate::model::FcgiSocket, Arc<std::os::fd::OwnedFd>>,
    /// Runs spawns off the task; results come back as `SpawnDone` messages.
    pub(super) spawner: Spawner<SpawnId>,
    /// The last spawn token handed out.
    pub(super) next_spawn_token: u64,
    /// Spawns handed to the spawner and not yet taken in.
    pub(super) spawns_in_flight: usize,
    /// Spawns taken in since none was last in flight: a burst (500 programs at start) that
    /// ends with at least [`TRIM_AFTER_SPAWNS`] gives its freed memory back.
    pub(super) burst_spawns: usize,
    /// Trims the heap once a burst of spawns is over.
    pub(super) heap_trim: Arc<crate::daemon::heap_trim::HeapTrim>,
    /// Reaped pids that no process owned while spawns were in flight.
    pub(super) early_exits: Vec<Reaped>,
    /// Where `tcp:` ready-check probes report.
    pub(super) probe_tx: mpsc::UnboundedSender<ProbeResult<(usize, u64)>>,
    /// Running `exec:` and `http(s)://` ready checks: pid → ((process, spawn generation),
    /// whether it is `supervisord-probe`, whose exit status names the outcome).
    pub(super) check_pids: HashMap<u32, ((usize, u64), bool)>,
    /// The daemon's exit status: 1 once an essential process failed.
    pub(super) exit_status: i32,
    /// The last events, for the web console.
    pub(super) recent: super::recent_events::RecentEvents,
}

/// How long a listener may live on after closing its stdout before it is treated as broken
/// (a listener that exits closes its stdout first; its exit is usually reaped well within this).
pub(super) const STDOUT_CLOSED_GRACE: Duration = Duration::from_secs(1);

pub(super) fn sort_key(p: &ProgramModel) -> (i32, String, i32, String) {
    (
        p.group_priority,
        p.params.group.clone(),
        p.priority,
        p.params.name.clone(),
    )
}

impl Supervisor {
    pub(super) fn new(
        mut model: DaemonModel,
        log: MainLog,
        pipes: PipeSenders,
        fail_tx: mpsc::UnboundedSender<WriteFailed<usize>>,
        spawner: Spawner<SpawnId>,
        probe_tx: mpsc::UnboundedSender<ProbeResult<(usize, u64)>>,
        now: Now,
    ) -> Supervisor {
        model.programs.sort_by_key(sort_key);
        let mut groups: Vec<(String, Vec<usize>)> = Vec::new();
        for (i, p) in model.programs.iter().enumerate() {
            match groups.last_mut() {
                Some((g, members)) if *g == p.params.group => members.push(i),
                _ => groups.push((p.params.group.clone(), vec![i])),
            }
        }
        // The configuration as read stays whole (reloadConfig compares against it), sharing
        // each program's model with its slot.
        let config = StoredConfig {
            programs: std::mem::take(&mut model.programs)
                .into_iter()
                .map(Arc::new)
                .collect(),
            pools: model.pools.clone(),
        };
        let programs = config.programs.clone();
        let mut pool_members = vec![Vec::new(); model.pools.len()];
        let mut procs = Vec::with_capacity(programs.len());
        for (i, p) in programs.into_iter().enumerate() {
            let listener = p.pool.filter(|&k| k < pool_members.len()).map(|k| {
                pool_members[k].push(i);
                (k, pool_members[k].len() - 1)
            });
            procs.push(Slot::new(p, listener));
        }
        let pools: Vec<PoolSlot> = model
            .pools
            .iter()
            .zip(pool_members)
            .map(|(settings, members)| {
                let names = members
                    .iter()
                    .map(|&i| procs[i].model.params.name.clone())
                    .collect();
                PoolSlot::new(Pool::new(settings.clone(), names), members, true)
            })
            .collect();
        let now_secs = now
            .wall
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let mut sup = Supervisor {
            syslog: crate::logging::syslog::Syslog::new(),
            config,
            model,
            procs,
            groups,
            pools,
            by_pid: HashMap::new(),
            bus: EventBus::new(),
            ticks: TickClock::new(now_secs),
            log,
            phase: Phase::Running,
            last_wait_log: None,
            pipes,
            fail_tx,
            pending: Vec::new(),
            multicalls: Vec::new(),
            trees: Default::default(),
            children: Default::default(),
            children_dirty: false,
            children_file_failed: false,
            children_writer: None,
            own_start: 0,
            shutdown_requested: false,
            restart_requested: false,
            fcgi_sockets: HashMap::new(),
            spawner,
            next_spawn_token: 0,
            spawns_in_flight: 0,
            burst_spawns: 0,
            heap_trim: crate::daemon::heap_trim::HeapTrim::new(),
            early_exits: Vec::new(),
            probe_tx,
            check_pids: HashMap::new(),
            exit_status: 0,
            recent: Default::default(),
        };
        sup.wire_dependencies();
        sup
    }

    /// Every process of every active group, in start order (group priority, then process
    /// priority).
    pub(super) fn live(&self) -> Vec<usize> {
        self.groups
            .iter()
            .flat_map(|(_, members)| members.iter().copied())
            .collect()
    }

    /// Whether the configuration file still loads, checked before a restart so that a broken
    /// file leaves the daemon running on the configuration it has (4.3 stops everything and
    /// exits; see COMPATIBILITY.md). `Err` holds every problem, one per `; `.
    pub(super) fn config_still_loads(&self) -> Result<(), String> {
        let Some(source) = &self.model.source else {
            return Ok(());
        };
        crate::config::load(&source.path, &source.overrides)
            .map(|_| ())
            .map_err(|errors| {
                errors
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("; ")
            })
    }

    /// The writer of process `i`'s stdin, started on first use.
    /// The pools of groups that are still part of the daemon.
    pub(super) fn live_pools(&self) -> impl Iterator<Item = &Pool> {
        self.pools.iter().filter(|s| s.live).map(|s| &s.pool)
    }

    pub(super) fn stdin(&mut self, i: usize) -> Option<&StdinQueue> {
        let slot = &mut self.procs[i];
        if slot.stdin.is_none() {
            if let Some(fd) = slot.stdin_fd.take() {
                slot.stdin = spawn_writer(fd, i, self.fail_tx.clone()).ok();
            }
        }
        self.procs[i].stdin.as_ref()
    }

    pub(super) fn line(&mut self, level: LogLevel, message: impl Into<String>) {
        self.log.log(&LogLine::new(level, message));
    }
}
