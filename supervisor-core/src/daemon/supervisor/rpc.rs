//! The `supervisor.*` and `system.*` XML-RPC methods (rpc.md §3), run inside the supervisor
//! task. Calls that wait (`startProcess(name, true)` ...) park a [`Pending`] reply that state
//! changes complete later, so nothing else is blocked meanwhile ([RPC-HTTP-deferred]).

use std::io::{Read, Seek, SeekFrom};
use std::path::Path;
use std::time::SystemTime;

use event_proto::payload::RemoteCommunicationPayload;
use event_proto::xmlrpc::{MethodCall, MethodResponse, Value};
use event_proto::{EventType, Payload, ProcessState, Text};
use tokio::sync::oneshot;

use super::methods::{find, METHODS};
use super::{Phase, Supervisor};
use crate::daemon::spawn::resolve_command;
use crate::logging::MainLogTarget;
use crate::process::Now;
use crate::rpc::{Fault, NameSpec};
use crate::signal::Signal;

/// The package version we report (`getSupervisorVersion`): the 4.3 API we implement.
pub const SUPERVISOR_VERSION: &str = "4.3.0";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum WaitFor {
    Running,
    Stopped,
}

/// One process a parked reply waits on: (process, what for, outcome once known).
type WaitItem = (usize, WaitFor, Option<Result<(), Fault>>);

/// A reply waiting for processes to reach a state.
pub(super) struct Pending {
    items: Vec<WaitItem>,
    /// Indices into `items` in the order their outcomes became known: the order 4.3 lists
    /// the status structs in (immediate outcomes first, then completions).
    done: Vec<usize>,
    /// Reply with one boolean (single process) or an array of status structs.
    array: bool,
    reply: oneshot::Sender<MethodResponse>,
}

type Outcome = Result<Value, Fault>;

fn arg_str(params: &[Value], i: usize) -> Result<&str, Fault> {
    params
        .get(i)
        .and_then(Value::as_str)
        .ok_or_else(|| Fault::IncorrectParameters(String::new()))
}

fn arg_bool(params: &[Value], i: usize, default: bool) -> bool {
    params.get(i).and_then(Value::as_bool).unwrap_or(default)
}

fn arg_int(params: &[Value], i: usize) -> Result<i64, Fault> {
    params
        .get(i)
        .and_then(Value::as_int)
        .ok_or_else(|| Fault::IncorrectParameters(String::new()))
}

fn status(name: &str, group: &str, result: &Result<(), Fault>) -> Value {
    let (code, description) = match result {
        Ok(()) => (80, "OK".to_owned()),
        Err(f) => (f.code(), f.text()),
    };
    Value::structure([
        ("name", Value::from(name)),
        ("group", Value::from(group)),
        ("status", Value::Int(code)),
        ("description", Value::from(description)),
    ])
}

impl Supervisor {
    /// Answers one call now, or parks it until the processes it waits for get there.
    pub(super) fn on_rpc(
        &mut self,
        call: MethodCall,
        reply: oneshot::Sender<MethodResponse>,
        now: Now,
    ) {
        if let Some(pending) = self.begin_wait(&call, reply, now) {
            self.pending.push(pending);
            self.resolve_pending();
        }
    }

    /// Runs a call that may wait: returns the parked reply, or `None` once answered.
    fn begin_wait(
        &mut self,
        call: &MethodCall,
        reply: oneshot::Sender<MethodResponse>,
        now: Now,
    ) -> Option<Pending> {
        let p = &call.params;
        let gated = call.method.starts_with("supervisor.") && self.phase != Phase::Running;
        let waits = matches!(
            call.method.as_str(),
            "supervisor.startProcess"
                | "supervisor.stopProcess"
                | "supervisor.startProcessGroup"
                | "supervisor.stopProcessGroup"
                | "supervisor.startAllProcesses"
                | "supervisor.stopAllProcesses"
        );
        if !waits || gated {
            let outcome = self.call(call, now);
            let _ = reply.send(respond(outcome));
            return None;
        }
        let (kind, wait_arg) = match call.method.as_str() {
            "supervisor.startProcess" | "supervisor.startProcessGroup" => (WaitFor::Running, 1),
            "supervisor.stopProcess" | "supervisor.stopProcessGroup" => (WaitFor::Stopped, 1),
            "supervisor.startAllProcesses" => (WaitFor::Running, 0),
            _ => (WaitFor::Stopped, 0),
        };
        let wait = arg_bool(p, wait_arg, true);
        let targets = if wait_arg == 0 {
            Ok(self.live())
        } else {
            match arg_str(p, 0) {
                Ok(name) => self.lookup(name, call.method.ends_with("Group")),
                Err(f) => Err(f),
            }
        };
        let (targets, single) = match targets {
            Err(f) => {
                let _ = reply.send(f.response());
                return None;
            }
            Ok(t) => {
                let single = wait_arg == 1
                    && !call.method.ends_with("Group")
                    && matches!(
                        arg_str(p, 0).map(NameSpec::parse),
                        Ok(NameSpec::Process { .. })
                    );
                (t, single)
            }
        };
        let mut items = Vec::new();
        for i in targets {
            let result = match kind {
                WaitFor::Running => {
                    if !single && self.procs[i].machine.state().is_running() {
                        continue; // group/all skip what is already running
                    }
                    self.rpc_start(i, now)
                }
                WaitFor::Stopped => {
                    if !single && !self.procs[i].machine.state().is_running() {
                        continue;
                    }
                    self.rpc_stop(i, now)
                }
            };
            match result {
                Err(f) if single => {
                    let _ = reply.send(f.response());
                    return None;
                }
                Err(f) => items.push((i, kind, Some(Err(f)))),
                Ok(()) if !wait => items.push((i, kind, Some(Ok(())))),
                Ok(()) => items.push((i, kind, None)),
            }
        }
        let done = (0..items.len()).filter(|&k| items[k].2.is_some()).collect();
        Some(Pending {
            items,
            done,
            array: !single,
            reply,
        })
    }

    /// Completes parked replies whose processes got where they were going.
    pub(super) fn resolve_pending(&mut self) {
        let mut i = 0;
        while i < self.pending.len() {
            let pending = &mut self.pending[i];
            for (k, item) in pending.items.iter_mut().enumerate() {
                if item.2.is_none() {
                    let slot = &self.procs[item.0];
                    let name = slot.model.params.name.clone();
                    item.2 = match (item.1, slot.machine.state()) {
                        (WaitFor::Running, ProcessState::Running) => Some(Ok(())),
                        (WaitFor::Running, ProcessState::Starting) => None,
                        (WaitFor::Running, ProcessState::Backoff | ProcessState::Fatal) => {
                            Some(Err(Fault::SpawnError(name)))
                        }
                        (WaitFor::Running, _) => Some(Err(Fault::AbnormalTermination(name))),
                        (WaitFor::Stopped, s) if s.is_stopped() => Some(Ok(())),
                        (WaitFor::Stopped, _) => None,
                    };
                    if item.2.is_some() {
                        pending.done.push(k);
                    }
                }
            }
            if self.pending[i].items.iter().all(|it| it.2.is_some()) {
                let p = self.pending.swap_remove(i);
                let response = if p.array {
                    let statuses = p
                        .done
                        .iter()
                        .map(|&k| {
                            let (idx, _, r) = &p.items[k];
                            let m = &self.procs[*idx].model.params;
                            status(&m.name, &m.group, r.as_ref().unwrap_or(&Ok(())))
                        })
                        .collect();
                    MethodResponse::Value(Value::Array(statuses))
                } else {
                    match p.items.first().and_then(|it| it.2.clone()) {
                        Some(Err(f)) => f.response(),
                        _ => MethodResponse::Value(Value::Bool(true)),
                    }
                };
                let _ = p.reply.send(response);
            } else {
                i += 1;
            }
        }
    }

    /// Resolves a name to process indices; `group_call` accepts a bare group name.
    fn lookup(&self, name: &str, group_call: bool) -> Result<Vec<usize>, Fault> {
        let spec = if group_call {
            NameSpec::Group(name.trim_end_matches(":*").trim_end_matches(':').to_owned())
        } else {
            NameSpec::parse(name)
        };
        let found: Vec<usize> = match &spec {
            NameSpec::Group(g) => self
                .live()
                .into_iter()
                .filter(|&i| self.procs[i].model.params.group == *g)
                .collect(),
            NameSpec::Process { group, process } => self
                .live()
                .into_iter()
                .filter(|&i| {
                    let p = &self.procs[i].model.params;
                    p.group == *group && p.name == *process
                })
                .collect(),
        };
        if found.is_empty() {
            Err(Fault::BadName(name.to_owned()))
        } else {
            Ok(found)
        }
    }

    fn one(&self, name: &str) -> Result<usize, Fault> {
        match NameSpec::parse(name) {
            NameSpec::Group(_) => Err(Fault::BadName(name.to_owned())),
            _ => self.lookup(name, false).map(|v| v[0]),
        }
    }

    fn rpc_start(&mut self, i: usize, now: Now) -> Result<(), Fault> {
        let model = &self.procs[i].model;
        let name = model.params.name.clone();
        if let Some(word) = model.argv.first() {
            let path = model
                .environment
                .iter()
                .rev()
                .find(|(k, _)| k == "PATH")
                .map(|(_, v)| v.clone())
                .or_else(|| std::env::var("PATH").ok());
            if let Err(e) = resolve_command(word, path.as_deref()) {
                return Err(if e.0.starts_with("can't find command") {
                    Fault::NoFile(e.0)
                } else {
                    Fault::NotExecutable(e.0)
                });
            }
        }
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
        match self.procs[i].machine.state() {
            ProcessState::Backoff | ProcessState::Fatal => Err(Fault::SpawnError(name)),
            _ => Ok(()),
        }
    }

    /// Deletes and reopens a process's log files; nothing to do unless it is running
    /// ([RPC-supervisor.clearProcessLogs], [LOG-CHILD-clear]).
    fn clear_process_logs(&mut self, i: usize) -> std::io::Result<()> {
        let slot = &mut self.procs[i];
        if slot.machine.pid() == 0 {
            return Ok(());
        }
        for log in [slot.stdout_log.as_mut(), slot.stderr_log.as_mut()]
            .into_iter()
            .flatten()
        {
            log.clear()?;
        }
        Ok(())
    }

    fn rpc_stop(&mut self, i: usize, now: Now) -> Result<(), Fault> {
        let name = self.procs[i].model.params.name.clone();
        let mut out = Vec::new();
        self.procs[i]
            .machine
            .stop(now, &mut out)
            .map_err(|_| Fault::NotRunning(name))?;
        self.apply(i, out, now);
        Ok(())
    }

    fn process_info(&self, i: usize, now: SystemTime) -> Value {
        let slot = &self.procs[i];
        let m = &slot.machine;
        let log = |c: &crate::model::ChannelModel| {
            c.logfile
                .as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_default()
        };
        let now_secs = now
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        Value::structure([
            ("name", Value::from(slot.model.params.name.as_str())),
            ("group", Value::from(slot.model.params.group.as_str())),
            ("start", Value::Int(m.start_time() as i64)),
            ("stop", Value::Int(m.stop_time() as i64)),
            ("now", Value::Int(now_secs as i64)),
            ("state", Value::Int(i64::from(m.state().code()))),
            ("statename", Value::from(m.state().as_str())),
            ("spawnerr", Value::from(m.spawnerr())),
            ("exitstatus", Value::Int(i64::from(m.exitstatus()))),
            ("logfile", Value::from(log(&slot.model.stdout))),
            ("stdout_logfile", Value::from(log(&slot.model.stdout))),
            ("stderr_logfile", Value::from(log(&slot.model.stderr))),
            ("pid", Value::Int(i64::from(m.pid()))),
            ("description", Value::from(m.description(now))),
        ])
    }

    /// Every method that answers at once.
    fn call(&mut self, call: &MethodCall, now: Now) -> Outcome {
        let p = &call.params;
        if call.method.starts_with("supervisor.")
            && self.phase != Phase::Running
            && call.method != "supervisor.sendRemoteCommEvent"
        {
            return Err(Fault::ShutdownState);
        }
        match call.method.as_str() {
            "supervisor.getAPIVersion" | "supervisor.getVersion" => Ok(Value::from("3.0")),
            "supervisor.getSupervisorVersion" => Ok(Value::from(SUPERVISOR_VERSION)),
            "supervisor.getIdentification" => Ok(Value::from(self.model.identifier.as_str())),
            "supervisor.getPID" => Ok(Value::Int(i64::from(std::process::id()))),
            "supervisor.getState" => {
                let (code, name) = match self.phase {
                    Phase::Running => (1, "RUNNING"),
                    _ => (-1, "SHUTDOWN"),
                };
                Ok(Value::structure([
                    ("statecode", Value::Int(code)),
                    ("statename", Value::from(name)),
                ]))
            }
            "supervisor.getProcessInfo" => {
                let i = self.one(arg_str(p, 0)?)?;
                Ok(self.process_info(i, now.wall))
            }
            "supervisor.getAllProcessInfo" => {
                let mut order = self.live();
                order.sort_by(|&a, &b| {
                    let (x, y) = (&self.procs[a].model.params, &self.procs[b].model.params);
                    (&x.group, &x.name).cmp(&(&y.group, &y.name))
                });
                Ok(Value::Array(
                    order
                        .into_iter()
                        .map(|i| self.process_info(i, now.wall))
                        .collect(),
                ))
            }
            "supervisor.signalProcess"
            | "supervisor.signalProcessGroup"
            | "supervisor.signalAllProcesses" => self.rpc_signal(call, now),
            "supervisor.sendProcessStdin" => {
                let name = arg_str(p, 0)?;
                let i = self.one(name)?;
                let chars = match p.get(1) {
                    Some(Value::String(s)) => s.clone(),
                    other => {
                        return Err(Fault::IncorrectParameters(format!("{other:?}")));
                    }
                };
                let slot = &self.procs[i];
                if slot.machine.pid() == 0 || slot.machine.state() == ProcessState::Stopping {
                    return Err(Fault::NotRunning(name.to_owned()));
                }
                match self.stdin(i) {
                    Some(tx) if tx.send(chars.into_bytes().into()).is_ok() => Ok(Value::Bool(true)),
                    _ => Err(Fault::NoFile(name.to_owned())),
                }
            }
            "supervisor.sendRemoteCommEvent" => {
                let kind = arg_str(p, 0)?;
                let data = arg_str(p, 1)?;
                let payload = Payload::RemoteCommunication(RemoteCommunicationPayload {
                    kind: Text::from(kind),
                    data: data.as_bytes().to_vec().into(),
                });
                self.emit(EventType::RemoteCommunication, &payload);
                Ok(Value::Bool(true))
            }
            "supervisor.shutdown" => {
                self.shutdown_requested = true;
                Ok(Value::Bool(true))
            }
            "supervisor.restart" => {
                // A file that no longer loads is refused now rather than after everything
                // has been stopped.
                self.config_still_loads().map_err(Fault::CantReread)?;
                self.shutdown_requested = true;
                self.restart_requested = true;
                Ok(Value::Bool(true))
            }
            "supervisor.readLog" | "supervisor.readMainLog" => {
                let MainLogTarget::File { path, .. } = &self.model.main_log else {
                    return Err(Fault::NoFile(String::new()));
                };
                read_log(path, arg_int(p, 0)?, arg_int(p, 1)?)
            }
            "supervisor.readProcessStdoutLog"
            | "supervisor.readProcessLog"
            | "supervisor.readProcessStderrLog" => {
                let i = self.one(arg_str(p, 0)?)?;
                let path = self.channel_log(i, call.method.contains("Stderr"))?;
                read_log(&path, arg_int(p, 1)?, arg_int(p, 2)?)
            }
            "supervisor.tailProcessStdoutLog"
            | "supervisor.tailProcessLog"
            | "supervisor.tailProcessStderrLog" => {
                let i = self.one(arg_str(p, 0)?)?;
                let (offset, length) = (arg_int(p, 1)?, arg_int(p, 2)?);
                match self.channel_log(i, call.method.contains("Stderr")) {
                    Ok(path) => Ok(tail_log(&path, offset, length)),
                    Err(_) => Ok(Value::Array(vec![
                        Value::from(""),
                        Value::Int(0),
                        Value::Bool(false),
                    ])),
                }
            }
            "supervisor.getPoolCounters" => Ok(Value::Array(
                self.pools
                    .iter()
                    .zip(&self.pool_live)
                    .filter(|(_, live)| **live)
                    .map(|(pool, _)| {
                        let c = pool.counters();
                        Value::structure([
                            ("name", Value::from(pool.name())),
                            ("accepted", Value::Int(c.accepted as i64)),
                            ("sent", Value::Int(c.sent as i64)),
                            ("delivered", Value::Int(c.delivered as i64)),
                            ("rejected", Value::Int(c.rejected as i64)),
                            ("rebuffered", Value::Int(c.rebuffered as i64)),
                            ("dropped", Value::Int(c.dropped as i64)),
                            ("queued", Value::Int(pool.queued() as i64)),
                        ])
                    })
                    .collect(),
            )),
            "system.listMethods" => Ok(Value::Array(
                METHODS.iter().map(|m| Value::from(m.name)).collect(),
            )),
            "system.methodSignature" => {
                let doc = find(arg_str(p, 0)?).ok_or(Fault::SignatureUnsupported)?;
                Ok(Value::Array(
                    doc.signature.iter().map(|t| Value::from(*t)).collect(),
                ))
            }
            "system.methodHelp" => {
                let doc = find(arg_str(p, 0)?).ok_or(Fault::SignatureUnsupported)?;
                Ok(Value::from(doc.help))
            }
            "supervisor.reloadConfig" => self.reload_config(),
            "supervisor.addProcessGroup" => self.add_group(arg_str(p, 0)?, now),
            "supervisor.removeProcessGroup" => self.remove_group(arg_str(p, 0)?),
            "supervisor.getAllConfigInfo" => Ok(self.all_config_info()),
            "supervisor.clearLog" => match self.log.clear() {
                Ok(true) => {
                    self.line(crate::log_level::LogLevel::Info, "reopening log file");
                    Ok(Value::Bool(true))
                }
                Ok(false) => Err(Fault::NoFile(String::new())),
                Err(e) => Err(Fault::Failed(e.to_string())),
            },
            "supervisor.clearProcessLogs" | "supervisor.clearProcessLog" => {
                let name = arg_str(p, 0)?;
                let i = self.one(name)?;
                self.clear_process_logs(i)
                    .map(|()| Value::Bool(true))
                    .map_err(|e| Fault::Failed(format!("{name}: {e}")))
            }
            "supervisor.clearAllProcessLogs" => {
                let mut order = self.live();
                order.sort_by(|&a, &b| {
                    let (x, y) = (&self.procs[a].model.params, &self.procs[b].model.params);
                    (&x.group, &x.name).cmp(&(&y.group, &y.name))
                });
                let statuses = order
                    .into_iter()
                    .map(|i| {
                        let result = self.clear_process_logs(i).map_err(|e| {
                            Fault::Failed(format!("{}: {e}", self.procs[i].model.params.name))
                        });
                        let m = &self.procs[i].model.params;
                        status(&m.name, &m.group, &result)
                    })
                    .collect();
                Ok(Value::Array(statuses))
            }
            "system.multicall" => self.multicall(p, now),
            _ => Err(Fault::UnknownMethod),
        }
    }

    /// `system.multicall` ([RPC-system.multicall]): bare values or fault structs. Calls that
    /// would wait run without waiting here.
    fn multicall(&mut self, params: &[Value], now: Now) -> Outcome {
        let Some(Value::Array(calls)) = params.first() else {
            return Err(Fault::IncorrectParameters(String::new()));
        };
        let mut results = Vec::with_capacity(calls.len());
        for c in calls {
            let result = match c.get("methodName").and_then(Value::as_str) {
                None => Err(Fault::IncorrectParameters("No methodName".into())),
                Some("system.multicall") => Err(Fault::IncorrectParameters(
                    "Recursive system.multicall forbidden".into(),
                )),
                Some(method) => {
                    let params = match c.get("params") {
                        Some(Value::Array(p)) => p.clone(),
                        _ => Vec::new(),
                    };
                    let mut sub = MethodCall {
                        method: method.to_owned(),
                        params,
                    };
                    self.call_no_wait(&mut sub, now)
                }
            };
            results.push(match result {
                Ok(v) => v,
                Err(f) => Value::structure([
                    ("faultCode", Value::Int(f.code())),
                    ("faultString", Value::from(f.text())),
                ]),
            });
        }
        Ok(Value::Array(results))
    }

    fn call_no_wait(&mut self, call: &mut MethodCall, now: Now) -> Outcome {
        let (tx, mut rx) = oneshot::channel();
        match call.method.as_str() {
            "supervisor.startProcess"
            | "supervisor.stopProcess"
            | "supervisor.startProcessGroup"
            | "supervisor.stopProcessGroup" => {
                call.params.truncate(1);
                call.params.push(Value::Bool(false));
            }
            "supervisor.startAllProcesses" | "supervisor.stopAllProcesses" => {
                call.params = vec![Value::Bool(false)];
            }
            _ => return self.call(call, now),
        }
        if let Some(p) = self.begin_wait(call, tx, now) {
            self.pending.push(p);
            self.resolve_pending();
        }
        match rx.try_recv() {
            Ok(MethodResponse::Value(v)) => Ok(v),
            Ok(MethodResponse::Fault { code, string }) => {
                Err(Fault::Failed(format!("{code}: {string}")))
            }
            Err(_) => Err(Fault::Failed("no result".into())),
        }
    }

    fn rpc_signal(&mut self, call: &MethodCall, now: Now) -> Outcome {
        let p = &call.params;
        let (targets, sig_arg, single) = match call.method.as_str() {
            "supervisor.signalAllProcesses" => (self.live(), 0, false),
            "supervisor.signalProcessGroup" => (self.lookup(arg_str(p, 0)?, true)?, 1, false),
            _ => {
                let name = arg_str(p, 0)?;
                match NameSpec::parse(name) {
                    NameSpec::Group(_) => (self.lookup(name, true)?, 1, false),
                    _ => (vec![self.one(name)?], 1, true),
                }
            }
        };
        let raw = match p.get(sig_arg) {
            Some(Value::Int(n)) => n.to_string(),
            Some(Value::String(s)) => s.clone(),
            _ => return Err(Fault::IncorrectParameters(String::new())),
        };
        let signal = Signal::parse(&raw).map_err(|_| Fault::BadSignal(raw.clone()));
        let mut statuses = Vec::new();
        for i in targets {
            if !single && !self.procs[i].machine.state().is_signallable() {
                continue;
            }
            let name = self.procs[i].model.params.name.clone();
            let result = match signal {
                Err(ref f) => Err(f.clone()),
                Ok(sig) => {
                    let mut out = Vec::new();
                    let r = self.procs[i].machine.signal(sig, &mut out);
                    self.apply(i, out, now);
                    r.map_err(|_| Fault::NotRunning(name.clone()))
                }
            };
            if single {
                return result.map(|()| Value::Bool(true));
            }
            statuses.push(status(&name, &self.procs[i].model.params.group, &result));
        }
        Ok(Value::Array(statuses))
    }

    fn channel_log(&self, i: usize, stderr: bool) -> Result<std::path::PathBuf, Fault> {
        let m = &self.procs[i].model;
        let c = if stderr { &m.stderr } else { &m.stdout };
        c.logfile
            .clone()
            .ok_or_else(|| Fault::NoFile(String::new()))
    }
}

fn respond(outcome: Outcome) -> MethodResponse {
    match outcome {
        Ok(v) => MethodResponse::Value(v),
        Err(f) => f.response(),
    }
}

/// `readLog` offset/length rules ([RPC-supervisor.readLog]); the text is decoded lossily
/// (4.3 fails with HTTP 500 on invalid UTF-8, [RPC-BUG-undecodable-log]).
fn read_log(path: &Path, offset: i64, length: i64) -> Outcome {
    if (offset < 0 && length != 0) || length < 0 {
        return Err(Fault::BadArguments);
    }
    let mut f = std::fs::File::open(path).map_err(|_| Fault::NoFile(path.display().to_string()))?;
    let size = f
        .metadata()
        .map_err(|e| Fault::Failed(e.to_string()))?
        .len() as i64;
    let (start, len) = if offset < 0 {
        ((size + offset).max(0), size)
    } else if length == 0 {
        (offset, size)
    } else {
        (offset, length)
    };
    if start >= size {
        return Ok(Value::from(""));
    }
    let len = len.min(size - start);
    let mut buf = vec![0; len as usize];
    f.seek(SeekFrom::Start(start as u64))
        .map_err(|e| Fault::Failed(e.to_string()))?;
    f.read_exact(&mut buf)
        .map_err(|e| Fault::Failed(e.to_string()))?;
    Ok(Value::from(String::from_utf8_lossy(&buf).into_owned()))
}

/// `tailProcess*Log` ([RPC-supervisor.tailProcessStdoutLog]): `[data, new_offset, overflow]`.
fn tail_log(path: &Path, offset: i64, length: i64) -> Value {
    let empty = Value::Array(vec![Value::from(""), Value::Int(0), Value::Bool(false)]);
    let Ok(mut f) = std::fs::File::open(path) else {
        return empty;
    };
    let Ok(meta) = f.metadata() else {
        return empty;
    };
    let sz = meta.len() as i64;
    let (mut offset, mut length) = (offset, length);
    let mut overflow = false;
    if sz > offset + length {
        overflow = true;
        offset = sz - 1;
    }
    if offset + length > sz {
        if offset > sz - 1 {
            length = 0;
        }
        offset = sz - length;
    }
    let (offset, length) = (offset.max(0), length.max(0));
    let mut buf = vec![0; length as usize];
    let data = f
        .seek(SeekFrom::Start(offset as u64))
        .and_then(|_| f.read(&mut buf))
        .map(|n| String::from_utf8_lossy(&buf[..n]).into_owned())
        .unwrap_or_default();
    Value::Array(vec![
        Value::from(data),
        Value::Int(sz),
        Value::Bool(overflow),
    ])
}
