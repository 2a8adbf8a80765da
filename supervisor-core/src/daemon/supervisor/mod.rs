//! The supervisor task: the one owner of every process, pool and log. OS events arrive as
//! messages (reaped children, pipe data, signals, control requests) and deadlines; the pure
//! machines ([`Process`], [`Pool`], [`EventBus`]) decide; this module does what they ask.

mod config_rpc;
mod methods;
mod rpc;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant, UNIX_EPOCH};

use bytes::Bytes;
use event_proto::payload::{Channel, ProcessGroupPayload, ProcessStatePayload, TickPayload};
use event_proto::{pyfmt, EventType, Payload, ProcessState, Text};
use nix::errno::Errno;
use nix::sys::signal::{kill, Signal as NixSignal};
use nix::unistd::Pid;
use tokio::sync::{mpsc, oneshot};

use super::pipes::{spawn_reader, spawn_writer, PipeEvent, WriteFailed};
use super::reaper::{spawn_reaper, Reaped};
use super::signals::{spawn_signal_listener, DaemonSignal};
use super::spawn::{child_environment, spawn, SpawnRequest};
use crate::events::tick::TickClock;
use crate::events::EventBus;
use crate::log_level::{LogLevel, LogLine};
use crate::logging::MainLog;
use crate::model::{ChannelModel, DaemonModel, ProgramModel};
use crate::output::dispatcher::{ChannelSettings, OutputAction, OutputDispatcher};
use crate::output::rotating::RotatingLog;
use crate::pool::{Pool, PoolAction, PoolCounters};
use crate::process::{Action, Now, Process};

/// Identifies one pipe of one spawn of one process.
type PipeId = (usize, Channel, u64);

/// Requests from outside the task (the RPC layer, tests).
#[derive(Debug)]
#[non_exhaustive]
pub enum Control {
    /// Shut down, as on SIGTERM.
    Shutdown,
    /// Every process's (name, state, pid).
    States(oneshot::Sender<Vec<(String, ProcessState, u32)>>),
    /// Every pool's (name, counters).
    PoolCounters(oneshot::Sender<Vec<(String, PoolCounters)>>),
    /// The main log file and the identifier (for the web pages).
    WebInfo(oneshot::Sender<(Option<std::path::PathBuf>, String)>),
    /// An XML-RPC call, answered on `reply` (possibly much later, for calls that wait).
    Rpc {
        /// The decoded call.
        call: event_proto::xmlrpc::MethodCall,
        /// Where the response goes.
        reply: oneshot::Sender<event_proto::xmlrpc::MethodResponse>,
    },
}

/// The HTTP routes of the control plane: each XML-RPC request becomes a [`Control::Rpc`]
/// for the supervisor task.
#[derive(Debug, Clone)]
pub struct RpcRoutes {
    control: mpsc::UnboundedSender<Control>,
    heap_trim: Arc<super::heap_trim::HeapTrim>,
}

impl RpcRoutes {
    /// Routes that forward to the task behind `control`.
    pub fn new(control: mpsc::UnboundedSender<Control>) -> RpcRoutes {
        RpcRoutes {
            control,
            heap_trim: super::heap_trim::HeapTrim::new(),
        }
    }
}

impl crate::http::Routes for RpcRoutes {
    async fn rpc(&self, body: Bytes) -> crate::http::Reply {
        use crate::http::Reply;
        use event_proto::xmlrpc::MethodCall;
        let Ok(call) = MethodCall::decode(&body) else {
            return Reply::error(hyper::StatusCode::BAD_REQUEST);
        };
        let (reply, rx) = oneshot::channel();
        if self.control.send(Control::Rpc { call, reply }).is_err() {
            return Reply::error(hyper::StatusCode::SERVICE_UNAVAILABLE);
        }
        match rx.await {
            Ok(response) if is_large(&response) => {
                // Encoding (and freeing) a response of hundreds of structs takes longer than
                // building it: do it on the blocking pool so the event loop, and every other
                // client, is not held up by it.
                self.heap_trim.after_large_response();
                match tokio::task::spawn_blocking(move || response.encode()).await {
                    Ok(doc) => Reply::xml(doc),
                    Err(_) => Reply::error(hyper::StatusCode::INTERNAL_SERVER_ERROR),
                }
            }
            Ok(response) => Reply::xml(response.encode()),
            Err(_) => Reply::error(hyper::StatusCode::SERVICE_UNAVAILABLE),
        }
    }
    async fn get(&self, path: &str, query: &str) -> crate::http::Answer {
        self.web(path, query).await
    }
}

/// Whether `response` is big enough that encoding it off the event loop pays for the hand-off:
/// `getAllProcessInfo` or `getAllConfigInfo` with many programs, a long `readLog` (about
/// 64 KiB of XML and up).
fn is_large(response: &event_proto::xmlrpc::MethodResponse) -> bool {
    use event_proto::xmlrpc::{MethodResponse, Value};
    match response {
        MethodResponse::Value(Value::Array(items)) => items.len() >= 64,
        MethodResponse::Value(Value::String(s)) => s.len() >= 64 << 10,
        _ => false,
    }
}

impl RpcRoutes {
    /// One XML-RPC call, in process.
    async fn call(
        &self,
        method: &str,
        params: Vec<event_proto::xmlrpc::Value>,
    ) -> Result<event_proto::xmlrpc::Value, String> {
        use event_proto::xmlrpc::{MethodCall, MethodResponse};
        let (reply, rx) = oneshot::channel();
        let call = MethodCall {
            method: method.to_owned(),
            params,
        };
        self.control
            .send(Control::Rpc { call, reply })
            .map_err(|_| "supervisord is shutting down".to_owned())?;
        match tokio::time::timeout(Duration::from_secs(60), rx).await {
            Ok(Ok(MethodResponse::Value(v))) => Ok(v),
            Ok(Ok(MethodResponse::Fault { string, .. })) => Err(string),
            Ok(Err(_)) => Err("supervisord is shutting down".to_owned()),
            Err(_) => Err("timed out".to_owned()),
        }
    }

    /// The web interface ([RPC-HTTP-web]).
    async fn web(&self, path: &str, query: &str) -> crate::http::Answer {
        use super::web;
        use crate::http::{Answer, Reply};
        use event_proto::xmlrpc::Value;
        let not_found = || Answer::Full(Reply::error(hyper::StatusCode::NOT_FOUND));
        let (main_log, identifier) = {
            let (tx, rx) = oneshot::channel();
            if self.control.send(Control::WebInfo(tx)).is_err() {
                return Answer::Full(Reply::error(hyper::StatusCode::SERVICE_UNAVAILABLE));
            }
            rx.await.unwrap_or((None, String::new()))
        };
        if path == "/" || path == "/index.html" {
            let name = web::query_get(query, "processname").unwrap_or_default();
            let action = web::query_get(query, "action").unwrap_or_default();
            let message = match action.as_str() {
                "start" | "stop" | "restart" | "clearlog" if name.is_empty() => {
                    Some("No process name given".to_owned())
                }
                "start" => Some(
                    match self
                        .call(
                            "supervisor.startProcess",
                            vec![name.as_str().into(), true.into()],
                        )
                        .await
                    {
                        Ok(_) => format!("Process {name} started"),
                        Err(e) => format!("Failed to start {name}: {e}"),
                    },
                ),
                "stop" => Some(
                    match self
                        .call(
                            "supervisor.stopProcess",
                            vec![name.as_str().into(), true.into()],
                        )
                        .await
                    {
                        Ok(_) => format!("Process {name} stopped"),
                        Err(e) => format!("Failed to stop {name}: {e}"),
                    },
                ),
                "restart" => {
                    let _ = self
                        .call(
                            "supervisor.stopProcess",
                            vec![name.as_str().into(), true.into()],
                        )
                        .await;
                    Some(
                        match self
                            .call(
                                "supervisor.startProcess",
                                vec![name.as_str().into(), true.into()],
                            )
                            .await
                        {
                            Ok(_) => format!("Process {name} restarted"),
                            Err(e) => format!("Failed to restart {name}: {e}"),
                        },
                    )
                }
                "clearlog" => Some(
                    match self
                        .call("supervisor.clearProcessLogs", vec![name.as_str().into()])
                        .await
                    {
                        Ok(_) => format!("Log for {name} cleared"),
                        Err(e) => format!("Failed to clear the log of {name}: {e}"),
                    },
                ),
                "stopall" => Some(
                    match self
                        .call("supervisor.stopAllProcesses", vec![true.into()])
                        .await
                    {
                        Ok(_) => "All stopped".to_owned(),
                        Err(e) => format!("Failed to stop all: {e}"),
                    },
                ),
                "restartall" => {
                    let _ = self
                        .call("supervisor.stopAllProcesses", vec![true.into()])
                        .await;
                    Some(
                        match self
                            .call("supervisor.startAllProcesses", vec![true.into()])
                            .await
                        {
                            Ok(_) => "All restarted".to_owned(),
                            Err(e) => format!("Failed to restart all: {e}"),
                        },
                    )
                }
                _ => None,
            };
            let infos = match self.call("supervisor.getAllProcessInfo", Vec::new()).await {
                Ok(Value::Array(v)) => v,
                _ => Vec::new(),
            };
            return Answer::Full(Reply::html(web::status_page(
                &identifier,
                &infos,
                message.as_deref(),
            )));
        }
        if path == "/tail.html" {
            let Some(name) = web::query_get(query, "processname") else {
                return not_found();
            };
            let limit = web::query_get(query, "limit")
                .and_then(|l| l.parse::<i64>().ok())
                .unwrap_or(1024);
            let text = match self
                .call(
                    "supervisor.tailProcessStdoutLog",
                    vec![name.as_str().into(), Value::Int(0), Value::Int(limit)],
                )
                .await
            {
                Ok(Value::Array(parts)) => parts
                    .first()
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_owned(),
                Ok(_) => String::new(),
                Err(e) => format!("ERROR: {e}"),
            };
            return Answer::Full(Reply::html(web::tail_page(&name, &text)));
        }
        let log_path = if path == "/mainlogtail" {
            main_log
        } else if let Some(rest) = path.strip_prefix("/logtail/") {
            let rest = web::decode(rest);
            let (name, key) = match rest.rsplit_once('/') {
                Some((n, "stderr")) => (n.to_owned(), "stderr_logfile"),
                Some((n, "stdout")) => (n.to_owned(), "stdout_logfile"),
                _ => (rest.clone(), "stdout_logfile"),
            };
            match self
                .call("supervisor.getProcessInfo", vec![name.as_str().into()])
                .await
            {
                Ok(info) => info
                    .get(key)
                    .and_then(Value::as_str)
                    .filter(|p| !p.is_empty())
                    .map(std::path::PathBuf::from),
                Err(_) => None,
            }
        } else {
            return not_found();
        };
        let Some(log_path) = log_path else {
            return not_found();
        };
        let (tx, chunks) = mpsc::channel(16);
        tokio::spawn(web::follow(log_path, 1024, tx));
        Answer::Stream {
            content_type: "text/plain;charset=utf-8",
            chunks,
        }
    }
}

struct Slot {
    model: ProgramModel,
    machine: Process,
    generation: u64,
    stdin: Option<mpsc::UnboundedSender<Bytes>>,
    /// The child's stdin before anything was written to it: the writer task is only started
    /// on first use (a listener's first event, `sendProcessStdin`), so quiet programs cost
    /// no task.
    stdin_fd: Option<std::process::ChildStdin>,
    stdout: Option<OutputDispatcher>,
    stderr: Option<OutputDispatcher>,
    stdout_log: Option<RotatingLog>,
    stderr_log: Option<RotatingLog>,
    /// For a listener: (pool index, member index).
    listener: Option<(usize, usize)>,
    /// Start again once stopped (a listener recovering from UNKNOWN).
    restart_when_stopped: bool,
    /// When a listener's stdout reached EOF while its process was alive; if it is still
    /// alive [`STDOUT_CLOSED_GRACE`] later it can never answer and is restarted.
    stdout_closed_at: Option<Instant>,
    /// Its group was removed (`removeProcessGroup`): the slot is kept so indices stay
    /// valid, but it is no longer part of the daemon.
    removed: bool,
}

impl Slot {
    fn new(model: ProgramModel, listener: Option<(usize, usize)>) -> Slot {
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
            removed: false,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Running,
    /// Stopping groups from the highest; the index of the group being stopped.
    Stopping(usize),
    Done,
}

/// The supervisor task's state.
struct Supervisor {
    model: DaemonModel,
    /// The configuration as last read (at start or by `reloadConfig`): what
    /// `addProcessGroup` and `getAllConfigInfo` use ([RPC-supervisor.reloadConfig]).
    config: DaemonModel,
    procs: Vec<Slot>,
    /// Group names in ascending (priority, name) order, with their member indices.
    groups: Vec<(String, Vec<usize>)>,
    pools: Vec<Pool>,
    pool_members: Vec<Vec<usize>>,
    /// `false` for the pool of a removed group (it is replaced by an inert pool).
    pool_live: Vec<bool>,
    by_pid: HashMap<u32, usize>,
    bus: EventBus,
    ticks: TickClock,
    log: MainLog,
    /// For `*_syslog=true` channels ([LOG-CHILD-syslog]); connects on first use.
    syslog: crate::logging::syslog::Syslog,
    phase: Phase,
    last_wait_log: Option<Instant>,
    pipe_tx: mpsc::UnboundedSender<PipeEvent<PipeId>>,
    fail_tx: mpsc::UnboundedSender<WriteFailed<usize>>,
    /// RPC replies waiting for processes to reach a state.
    pending: Vec<rpc::Pending>,
    /// `supervisor.shutdown` was called.
    shutdown_requested: bool,
    /// The shutdown in progress is a restart (SIGHUP, `supervisor.restart`).
    restart_requested: bool,
    /// `[fcgi-program:x]` listening sockets, one per distinct socket ([CFG-FCGI-runtime]).
    fcgi_sockets: HashMap<super::model::FcgiSocket, Arc<std::os::fd::OwnedFd>>,
}

/// Why the supervisor task ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    /// SIGTERM/SIGINT/SIGQUIT or `supervisor.shutdown`: exit.
    Shutdown,
    /// SIGHUP or `supervisor.restart`: re-read the config and start again in the same
    /// process ([PROC-SUPD-restart]).
    Restart,
}

/// Runs the daemon until it has shut down. Must be called inside a tokio runtime; binds the
/// HTTP servers, installs the SIGCHLD reaper and the signal handlers.
pub async fn run(
    model: DaemonModel,
    log: MainLog,
    control_tx: mpsc::UnboundedSender<Control>,
    control: mpsc::UnboundedReceiver<Control>,
) -> std::io::Result<Ended> {
    let servers = super::servers::open_servers(&model.servers).map_err(std::io::Error::other)?;
    run_with(model, log, servers, control_tx, control).await
}

/// [`run`] with the servers already bound (the daemon binds them before it detaches).
pub async fn run_with(
    model: DaemonModel,
    log: MainLog,
    servers: super::servers::OpenServers,
    control_tx: mpsc::UnboundedSender<Control>,
    mut control: mpsc::UnboundedReceiver<Control>,
) -> std::io::Result<Ended> {
    let socket_files = servers.serve(&control_tx)?;
    let (reap_tx, mut reap_rx) = mpsc::unbounded_channel();
    let _reaper = spawn_reaper(reap_tx)?;
    let (sig_tx, mut sig_rx) = mpsc::unbounded_channel();
    let _signals = spawn_signal_listener(sig_tx)?;
    let (pipe_tx, mut pipe_rx) = mpsc::unbounded_channel();
    let (fail_tx, mut fail_rx) = mpsc::unbounded_channel();
    let mut sup = Supervisor::new(model, log, pipe_tx, fail_tx);
    sup.log.set_batching(true);
    sup.bind_fcgi_sockets();
    sup.startup(Now::current());
    while sup.phase != Phase::Done {
        sup.log.flush();
        let deadline = sup.next_deadline();
        tokio::select! {
            Some(r) = reap_rx.recv() => sup.on_reaped(r, Now::current()),
            Some(s) = sig_rx.recv() => sup.on_signal(s, Now::current()),
            Some(p) = pipe_rx.recv() => sup.on_pipe(p, Now::current()),
            Some(f) = fail_rx.recv() => sup.on_write_failed(f, Now::current()),
            Some(c) = control.recv() => sup.on_control(c, Now::current()),
            () = tokio::time::sleep_until(deadline.into()) => {}
        }
        // Under load, pipe data arrives in bursts: handle what is already queued before
        // recomputing deadlines, so their cost is paid once per burst, not per chunk.
        for _ in 0..64 {
            match pipe_rx.try_recv() {
                Ok(p) => sup.on_pipe(p, Now::current()),
                Err(_) => break,
            }
        }
        sup.on_tick(Now::current());
        if sup.shutdown_requested && sup.phase == Phase::Running {
            sup.begin_shutdown(Now::current());
        }
    }
    sup.log_counters();
    sup.log.set_batching(false);
    let ended = if sup.restart_requested {
        Ended::Restart
    } else {
        Ended::Shutdown
    };
    for path in socket_files {
        let _ = std::fs::remove_file(path);
    }
    for spec in sup.fcgi_sockets.keys() {
        if let super::model::FcgiSocket::Unix { path, .. } = spec {
            let _ = std::fs::remove_file(path);
        }
    }
    Ok(ended)
}

/// How long a listener may live on after closing its stdout before it is treated as broken
/// (a listener that exits closes its stdout first; its exit is usually reaped well within this).
const STDOUT_CLOSED_GRACE: Duration = Duration::from_secs(1);

fn sort_key(p: &ProgramModel) -> (i32, String, i32, String) {
    (
        p.group_priority,
        p.params.group.clone(),
        p.priority,
        p.params.name.clone(),
    )
}

impl Supervisor {
    fn new(
        mut model: DaemonModel,
        log: MainLog,
        pipe_tx: mpsc::UnboundedSender<PipeEvent<PipeId>>,
        fail_tx: mpsc::UnboundedSender<WriteFailed<usize>>,
    ) -> Supervisor {
        model.programs.sort_by_key(sort_key);
        let mut groups: Vec<(String, Vec<usize>)> = Vec::new();
        for (i, p) in model.programs.iter().enumerate() {
            match groups.last_mut() {
                Some((g, members)) if *g == p.params.group => members.push(i),
                _ => groups.push((p.params.group.clone(), vec![i])),
            }
        }
        // The configuration as read stays whole (reloadConfig compares against it); the
        // running copies of the programs move into their slots.
        let config = model.clone();
        let programs = std::mem::take(&mut model.programs);
        let mut pool_members = vec![Vec::new(); model.pools.len()];
        let mut procs = Vec::with_capacity(programs.len());
        for (i, p) in programs.into_iter().enumerate() {
            let listener = p.pool.filter(|&k| k < pool_members.len()).map(|k| {
                pool_members[k].push(i);
                (k, pool_members[k].len() - 1)
            });
            procs.push(Slot::new(p, listener));
        }
        let pools: Vec<Pool> = model
            .pools
            .iter()
            .zip(&pool_members)
            .map(|(settings, members)| {
                let names = members
                    .iter()
                    .map(|&i| procs[i].model.params.name.clone())
                    .collect();
                Pool::new(settings.clone(), names)
            })
            .collect();
        let now_secs = std::time::SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        Supervisor {
            syslog: crate::logging::syslog::Syslog::new(),
            config,
            pool_live: vec![true; pools.len()],
            model,
            procs,
            groups,
            pools,
            pool_members,
            by_pid: HashMap::new(),
            bus: EventBus::new(),
            ticks: TickClock::new(now_secs),
            log,
            phase: Phase::Running,
            last_wait_log: None,
            pipe_tx,
            fail_tx,
            pending: Vec::new(),
            shutdown_requested: false,
            restart_requested: false,
            fcgi_sockets: HashMap::new(),
        }
    }

    /// Binds every fcgi group's socket; a failure is logged and the group's processes will
    /// fail to spawn with a clear spawnerr.
    fn bind_fcgi_sockets(&mut self) {
        let specs: Vec<_> = self
            .procs
            .iter()
            .filter_map(|s| s.model.fcgi_socket.clone())
            .collect();
        for spec in specs {
            if self.fcgi_sockets.contains_key(&spec) {
                continue;
            }
            match super::fcgi::bind_socket(&spec) {
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

    /// Every process of every active group, in start order (group priority, then process
    /// priority).
    fn live(&self) -> Vec<usize> {
        self.groups
            .iter()
            .flat_map(|(_, members)| members.iter().copied())
            .collect()
    }

    /// Whether the configuration file still loads, checked before a restart so that a broken
    /// file leaves the daemon running on the configuration it has (4.3 stops everything and
    /// exits; see COMPATIBILITY.md). `Err` holds every problem, one per `; `.
    fn config_still_loads(&self) -> Result<(), String> {
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
    fn stdin(&mut self, i: usize) -> Option<&mpsc::UnboundedSender<Bytes>> {
        let slot = &mut self.procs[i];
        if slot.stdin.is_none() {
            if let Some(fd) = slot.stdin_fd.take() {
                slot.stdin = spawn_writer(fd, i, self.fail_tx.clone()).ok();
            }
        }
        self.procs[i].stdin.as_ref()
    }

    fn line(&mut self, level: LogLevel, message: impl Into<String>) {
        self.log.log(&LogLine::new(level, message));
    }

    /// PROCESS_GROUP_ADDED per group, SUPERVISOR_STATE_CHANGE_RUNNING, then autostart in
    /// ascending order ([PROC-SUPD-startup], [PROC-PRIO-start]).
    fn startup(&mut self, now: Now) {
        for g in 0..self.groups.len() {
            let payload = Payload::ProcessGroup(ProcessGroupPayload {
                group_name: Text::from(self.groups[g].0.as_str()),
            });
            // A pool sees only groups created after it ([EV-SELF-group]).
            let created = self.pools_created_up_to(g);
            self.emit_to(EventType::ProcessGroupAdded, &payload, created);
        }
        self.emit(
            EventType::SupervisorStateChangeRunning,
            &Payload::SupervisorStateChange,
        );
        for i in 0..self.procs.len() {
            if self.procs[i].model.params.autostart {
                let mut out = Vec::new();
                let _ = self.procs[i].machine.start(now, &mut out);
                self.apply(i, out, now);
            }
        }
    }

    /// How many pools (in group order) exist once group `g` has been created.
    fn pools_created_up_to(&self, g: usize) -> usize {
        let first_member_of = |k: usize| self.pool_members[k].first().copied();
        let group_end = self.groups[g].1.last().copied().unwrap_or(0);
        (0..self.pools.len())
            .filter(|&k| first_member_of(k).is_some_and(|m| m <= group_end))
            .count()
    }

    fn emit(&mut self, event_type: EventType, payload: &Payload) {
        let n = self.pools.len();
        self.emit_to(event_type, payload, n);
    }

    fn emit_to(&mut self, event_type: EventType, payload: &Payload, npools: usize) {
        let mut out = Vec::new();
        let npools = npools.min(self.pools.len());
        self.bus
            .emit(event_type, payload, &mut self.pools[..npools], &mut out);
        for (p, action) in out {
            self.apply_pool(p, action);
        }
    }

    /// Carries out what a process machine asked for.
    fn apply(&mut self, i: usize, actions: Vec<Action>, now: Now) {
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
                        let mut out = Vec::new();
                        self.pools[k].listener_running(
                            m,
                            change.to == ProcessState::Running,
                            &mut out,
                        );
                        for a in out {
                            self.apply_pool(k, a);
                        }
                    }
                    self.emit(
                        EventType::process_state(change.to),
                        &Payload::ProcessState(payload),
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

    fn do_spawn(&mut self, i: usize, now: Now) {
        let slot = &self.procs[i];
        let params = &slot.model.params;
        let env = child_environment(
            std::env::vars(),
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
            stdin_socket: slot
                .model
                .fcgi_socket
                .as_ref()
                .and_then(|s| self.fcgi_sockets.get(s).cloned()),
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
        // The log files open before the fork, as 4.3 makes its dispatchers: one that cannot
        // be opened is a spawn error ([PROC-SPAWN-errors-parent]).
        let logs = open_log(&slot.model.stdout, slot.listener.is_none())
            .and_then(|out| Ok((out, open_log(&slot.model.stderr, true)?)));
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
        let mut out = Vec::new();
        match spawn(&req, &params.name) {
            Err(e) => {
                self.procs[i].machine.spawn_failed(&e.0, now, &mut out);
            }
            Ok(child) => {
                let pid = child.pid;
                let slot = &mut self.procs[i];
                slot.generation += 1;
                slot.stdout_closed_at = None;
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
                slot.stdout_log = stdout_log;
                slot.stderr_log = stderr_log;
                let _ = spawn_reader(
                    child.stdout,
                    (i, Channel::Stdout, generation),
                    self.pipe_tx.clone(),
                );
                if let Some(err) = child.stderr {
                    let _ =
                        spawn_reader(err, (i, Channel::Stderr, generation), self.pipe_tx.clone());
                }
                slot.stdin = None;
                slot.stdin_fd = child.stdin;
                if let Some((k, m)) = slot.listener {
                    self.pools[k].listener_spawned(m);
                }
                self.procs[i].machine.spawned(pid, now, &mut out);
            }
        }
        self.apply(i, out, now);
    }

    fn do_kill(
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

    fn apply_pool(&mut self, k: usize, action: PoolAction) {
        match action {
            PoolAction::Log(l) => self.log.log(&l),
            PoolAction::Send { listener, bytes } => {
                let i = self.pool_members[k][listener];
                let sent = self.stdin(i).is_some_and(|tx| tx.send(bytes).is_ok());
                if !sent {
                    let mut out = Vec::new();
                    self.pools[k].send_failed(listener, &mut out);
                    for a in out {
                        self.apply_pool(k, a);
                    }
                }
            }
            PoolAction::RestartUnknown { listener } => {
                let i = self.pool_members[k][listener];
                let slot = &mut self.procs[i];
                let policy = slot.model.params.autorestart;
                if policy != crate::process::AutoRestart::False && self.phase == Phase::Running {
                    let name = slot.model.params.name.clone();
                    slot.restart_when_stopped = true;
                    self.line(
                        LogLevel::Warn,
                        format!("{name}: restarting event listener stuck in UNKNOWN state"),
                    );
                    let now = Now::current();
                    let mut out = Vec::new();
                    let _ = self.procs[i].machine.stop(now, &mut out);
                    self.apply(i, out, now);
                }
            }
        }
    }

    fn on_reaped(&mut self, r: Reaped, now: Now) {
        let Some(i) = self.by_pid.remove(&r.pid) else {
            let status = crate::process::ExitStatus::decode(r.status);
            self.line(
                LogLevel::Info,
                format!("reaped unknown pid {} ({})", r.pid, status.text),
            );
            return;
        };
        if let Some((k, m)) = self.procs[i].listener {
            let mut out = Vec::new();
            self.pools[k].listener_exited(m, &mut out);
            for a in out {
                self.apply_pool(k, a);
            }
        }
        self.procs[i].stdin = None;
        self.procs[i].stdin_fd = None;
        self.procs[i].stdout_closed_at = None;
        let mut out = Vec::new();
        self.procs[i].machine.exited(r.status, now, &mut out);
        self.apply(i, out, now);
    }

    fn on_pipe(&mut self, ev: PipeEvent<PipeId>, now: Now) {
        match ev {
            PipeEvent::Data((i, channel, generation), data) => {
                let slot = &mut self.procs[i];
                if let (Some((k, m)), Channel::Stdout) = (slot.listener, channel) {
                    if generation != slot.generation {
                        return; // protocol bytes of a previous instance
                    }
                    if self.log.enabled(LogLevel::Debug) {
                        let name = slot.model.params.name.clone();
                        self.line(
                            LogLevel::Debug,
                            format!("'{name}' stdout output:\n{}", pyfmt::bytes_repr(&data)),
                        );
                    }
                    let mut out = Vec::new();
                    self.pools[k].listener_output(m, &data, &mut out);
                    for a in out {
                        self.apply_pool(k, a);
                    }
                    return;
                }
                let mut out = Vec::new();
                let dispatcher = match channel {
                    Channel::Stdout => slot.stdout.as_mut(),
                    Channel::Stderr => slot.stderr.as_mut(),
                };
                if let Some(d) = dispatcher {
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
                    return;
                }
                let mut out = Vec::new();
                let dispatcher = match channel {
                    Channel::Stdout => slot.stdout.as_mut(),
                    Channel::Stderr => slot.stderr.as_mut(),
                };
                if let Some(d) = dispatcher {
                    d.finish(&mut out);
                }
                self.apply_output(i, channel, out);
            }
        }
    }

    fn apply_output(&mut self, i: usize, channel: Channel, actions: Vec<OutputAction>) {
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

    fn on_write_failed(&mut self, f: WriteFailed<usize>, _now: Now) {
        let i = f.id;
        self.procs[i].stdin = None;
        if let Some((k, m)) = self.procs[i].listener {
            let mut out = Vec::new();
            self.pools[k].send_failed(m, &mut out);
            for a in out {
                self.apply_pool(k, a);
            }
        }
    }

    fn on_signal(&mut self, s: DaemonSignal, now: Now) {
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

    fn on_control(&mut self, c: Control, now: Now) {
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
            Control::WebInfo(reply) => {
                let path = match &self.model.main_log {
                    crate::logging::MainLogTarget::File { path, .. } => Some(path.clone()),
                    crate::logging::MainLogTarget::None | crate::logging::MainLogTarget::Syslog => {
                        None
                    }
                };
                let _ = reply.send((path, self.model.identifier.clone()));
            }
            Control::PoolCounters(reply) => {
                let counters = self
                    .pools
                    .iter()
                    .zip(&self.pool_live)
                    .filter(|(_, live)| **live)
                    .map(|(p, _)| (p.name().to_owned(), *p.counters()))
                    .collect();
                let _ = reply.send(counters);
            }
        }
    }

    /// [PROC-SUPD-shutdown]: SUPERVISOR_STATE_CHANGE_STOPPING once, then groups one at a time
    /// from the highest priority.
    fn begin_shutdown(&mut self, now: Now) {
        if self.phase != Phase::Running {
            return;
        }
        for slot in &mut self.procs {
            slot.machine.set_supervisor_running(false);
        }
        self.emit(
            EventType::SupervisorStateChangeStopping,
            &Payload::SupervisorStateChange,
        );
        self.phase = Phase::Stopping(self.groups.len());
        self.advance_shutdown(now);
    }

    fn advance_shutdown(&mut self, now: Now) {
        while let Phase::Stopping(g) = self.phase {
            if g == 0 {
                self.phase = Phase::Done;
                return;
            }
            let members = self.groups[g - 1].1.clone();
            for &i in members.iter().rev() {
                let mut out = Vec::new();
                match self.procs[i].machine.state() {
                    ProcessState::Starting | ProcessState::Running => {
                        let _ = self.procs[i].machine.stop(now, &mut out);
                    }
                    ProcessState::Backoff => self.procs[i].machine.give_up(&mut out),
                    _ => {}
                }
                self.apply(i, out, now);
            }
            let waiting: Vec<String> = members
                .iter()
                .filter(|&&i| !self.procs[i].machine.state().is_stopped())
                .map(|&i| self.procs[i].model.params.name.clone())
                .collect();
            if !waiting.is_empty() {
                let due = self
                    .last_wait_log
                    .is_none_or(|t| now.mono.duration_since(t) >= Duration::from_secs(3));
                if due {
                    self.last_wait_log = Some(now.mono);
                    self.line(
                        LogLevel::Info,
                        format!("waiting for {} to die", waiting.join(", ")),
                    );
                }
                return;
            }
            self.phase = Phase::Stopping(g - 1);
        }
    }

    fn next_deadline(&self) -> Instant {
        let now = Instant::now();
        let tick_secs = self.ticks.next_deadline();
        let now_secs = std::time::SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let tick = now + Duration::from_secs(tick_secs.saturating_sub(now_secs));
        let mut next = self
            .procs
            .iter()
            .filter_map(|s| s.machine.next_deadline())
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

    fn on_tick(&mut self, now: Now) {
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
        if matches!(self.phase, Phase::Stopping(_)) {
            self.advance_shutdown(now);
        }
    }

    /// A listener whose stdout closed [`STDOUT_CLOSED_GRACE`] ago and is still running can
    /// never answer: beyond 4.3 (where it stays BUSY forever holding its event), it goes to
    /// UNKNOWN, its event back to the queue, and is restarted.
    fn check_closed_listener_stdout(&mut self, now: Now) {
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
            let mut out = Vec::new();
            self.pools[k].listener_output_closed(m, &mut out);
            for a in out {
                self.apply_pool(k, a);
            }
        }
    }

    /// Beyond 4.3: what every pool did, so a drop is never silent.
    fn log_counters(&mut self) {
        let lines: Vec<String> = self
            .pools
            .iter()
            .zip(&self.pool_live)
            .filter(|(_, live)| **live)
            .map(|(p, _)| {
                let c = p.counters();
                format!(
                    "pool {} events: {} accepted, {} delivered, {} rejected, {} rebuffered, {} dropped, {} left queued",
                    p.name(),
                    c.accepted,
                    c.delivered,
                    c.rejected,
                    c.rebuffered,
                    c.dropped,
                    p.queued()
                )
            })
            .collect();
        for l in lines {
            self.line(LogLevel::Info, l);
        }
    }
}

/// The channel's log file, if it has one (and `wanted`).
fn open_log(model: &ChannelModel, wanted: bool) -> std::io::Result<Option<RotatingLog>> {
    match &model.logfile {
        Some(path) if wanted => {
            if model.auto {
                // 4.3 makes AUTO names with mkstemp: the file starts out private (0600).
                use std::os::unix::fs::OpenOptionsExt;
                let created = std::fs::OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .mode(0o600)
                    .open(path);
                match created {
                    Ok(_) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                    Err(e) => return Err(e),
                }
            }
            RotatingLog::open(path, model.maxbytes, model.backups).map(Some)
        }
        _ => Ok(None),
    }
}
