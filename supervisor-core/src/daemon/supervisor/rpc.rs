//! The `supervisor.*` and `system.*` XML-RPC methods ([RPC-METHODS]), run inside the supervisor
//! task: argument checks, name lookup, and the methods that answer at once. Calls that wait
//! are in the sibling `waiting` module.

use std::time::SystemTime;

use event_proto::payload::RemoteCommunicationPayload;
use event_proto::xmlrpc::{MethodCall, MethodResponse, Value};
use event_proto::{EventType, Payload, ProcessState, Text};

use super::state::{Phase, Supervisor};
use crate::daemon::pipes::StdinRefused;
use crate::daemon::spawn::resolve_command;
use crate::logging::MainLogTarget;
use crate::output::log_reader::{read_log, tail_log};
use crate::process::Now;
use crate::rpc::{check_params, Fault, Method, NameSpec};
use crate::signal::Signal;

/// The package version we report (`getSupervisorVersion`): the 4.3 API we implement.
pub const SUPERVISOR_VERSION: &str = "4.3.0";

pub(super) type Outcome = Result<Value, Fault>;

pub(super) fn arg_str(params: &[Value], i: usize) -> Result<&str, Fault> {
    params
        .get(i)
        .and_then(Value::as_str)
        .ok_or_else(|| Fault::IncorrectParameters(String::new()))
}

pub(super) fn arg_bool(params: &[Value], i: usize, default: bool) -> bool {
    params.get(i).and_then(Value::as_bool).unwrap_or(default)
}

pub(super) fn arg_int(params: &[Value], i: usize) -> Result<i64, Fault> {
    match params.get(i) {
        Some(Value::Int(n)) => Some(*n),
        // 4.3 calls int() on it, so "10" reads as 10.
        Some(Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    }
    .ok_or_else(|| Fault::IncorrectParameters(String::new()))
}

pub(super) fn status(name: &str, group: &str, result: &Result<(), Fault>) -> Value {
    let (code, description) = match result {
        Ok(()) => (Fault::SUCCESS, "OK".to_owned()),
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
    /// Resolves a name to process indices; `group_call` accepts a bare group name.
    pub(super) fn lookup(&self, name: &str, group_call: bool) -> Result<Vec<usize>, Fault> {
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

    pub(super) fn one(&self, name: &str) -> Result<usize, Fault> {
        match NameSpec::parse(name) {
            NameSpec::Group(_) => Err(Fault::BadName(name.to_owned())),
            _ => self.lookup(name, false).map(|v| v[0]),
        }
    }

    pub(super) fn rpc_start(&mut self, i: usize, now: Now) -> Result<(), Fault> {
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
        if self.procs[i].start_wanted {
            return Err(Fault::AlreadyStarted(name));
        }
        self.request_start(i, now)?;
        match self.procs[i].machine.state() {
            ProcessState::Backoff | ProcessState::Fatal => Err(Fault::SpawnError(name)),
            _ => Ok(()),
        }
    }

    /// Deletes and reopens a process's log files; nothing to do unless it is running
    /// ([RPC-supervisor.clearProcessLogs], [LOG-CHILD-clear]).
    pub(super) fn clear_process_logs(&mut self, i: usize) -> std::io::Result<()> {
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

    pub(super) fn rpc_stop(&mut self, i: usize, now: Now) -> Result<(), Fault> {
        self.request_stop(i, now)
    }

    pub(super) fn process_info(&self, i: usize, now: SystemTime) -> Value {
        self.process_snapshot(i, now).into_value()
    }

    /// Every method that answers at once.
    pub(super) fn call(&mut self, call: &MethodCall, now: Now) -> Outcome {
        let p = &call.params;
        let method = Method::parse(&call.method);
        if let Some(m) = method {
            check_params(m, p)?;
        }
        if call.method.starts_with("supervisor.")
            && self.phase != Phase::Running
            && method != Some(Method::SendRemoteCommEvent)
        {
            return Err(Fault::ShutdownState);
        }
        match method {
            Some(Method::GetApiVersion) | Some(Method::GetVersion) => Ok(Value::from("3.0")),
            Some(Method::GetSupervisorVersion) => Ok(Value::from(SUPERVISOR_VERSION)),
            Some(Method::GetIdentification) => Ok(Value::from(self.model.identifier.as_str())),
            Some(Method::GetPid) => Ok(Value::Int(i64::from(std::process::id()))),
            Some(Method::GetState) => {
                let (code, name) = match self.phase {
                    Phase::Running => (1, "RUNNING"),
                    _ => (-1, "SHUTDOWN"),
                };
                Ok(Value::structure([
                    ("statecode", Value::Int(code)),
                    ("statename", Value::from(name)),
                ]))
            }
            Some(Method::GetProcessInfo) => {
                let i = self.one(arg_str(p, 0)?)?;
                Ok(self.process_info(i, now.wall))
            }
            Some(Method::GetAllProcessInfo) => Ok(Value::Array(
                self.all_process_snapshots(now.wall)
                    .into_iter()
                    .map(super::process_info::ProcessInfo::into_value)
                    .collect(),
            )),
            Some(Method::SignalProcess)
            | Some(Method::SignalProcessGroup)
            | Some(Method::SignalAllProcesses) => self.rpc_signal(call, now),
            Some(Method::SendProcessStdin) => {
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
                match self.stdin(i).map(|tx| tx.offer(chars.into_bytes().into())) {
                    Some(Ok(())) => Ok(Value::Bool(true)),
                    Some(Err(StdinRefused::Full(waiting))) => Err(Fault::Failed(format!(
                        "{name}: {waiting} bytes sent to its stdin are not read yet"
                    ))),
                    Some(Err(StdinRefused::Closed)) | None => Err(Fault::NoFile(name.to_owned())),
                }
            }
            Some(Method::SendRemoteCommEvent) => {
                let kind = arg_str(p, 0)?;
                let data = arg_str(p, 1)?;
                let payload = Payload::RemoteCommunication(RemoteCommunicationPayload {
                    kind: Text::from(kind),
                    data: data.as_bytes().to_vec().into(),
                });
                self.emit(EventType::RemoteCommunication, &payload);
                Ok(Value::Bool(true))
            }
            Some(Method::Shutdown) => {
                self.shutdown_requested = true;
                Ok(Value::Bool(true))
            }
            Some(Method::Restart) => {
                // A file that no longer loads is refused now rather than after everything
                // has been stopped.
                self.config_still_loads().map_err(Fault::CantReread)?;
                self.shutdown_requested = true;
                self.restart_requested = true;
                Ok(Value::Bool(true))
            }
            Some(Method::ReadLog) | Some(Method::ReadMainLog) => {
                let MainLogTarget::File { path, .. } = &self.model.main_log else {
                    return Err(Fault::NoFile(String::new()));
                };
                read_log(path, arg_int(p, 0)?, arg_int(p, 1)?)
            }
            Some(Method::ReadProcessStdoutLog)
            | Some(Method::ReadProcessLog)
            | Some(Method::ReadProcessStderrLog) => {
                let i = self.one(arg_str(p, 0)?)?;
                let stderr = call.method.contains("Stderr");
                let path = self.channel_log(i, stderr)?;
                read_log(&path, arg_int(p, 1)?, arg_int(p, 2)?)
                    .map(|v| self.unstamped(i, stderr, v))
            }
            Some(Method::TailProcessStdoutLog)
            | Some(Method::TailProcessLog)
            | Some(Method::TailProcessStderrLog) => {
                let i = self.one(arg_str(p, 0)?)?;
                let (offset, length) = (arg_int(p, 1)?, arg_int(p, 2)?);
                let stderr = call.method.contains("Stderr");
                match self.channel_log(i, stderr) {
                    Ok(path) => Ok(self.unstamped(i, stderr, tail_log(&path, offset, length))),
                    Err(_) => Ok(Value::Array(vec![
                        Value::from(""),
                        Value::Int(0),
                        Value::Bool(false),
                    ])),
                }
            }
            Some(Method::GetPoolCounters) => Ok(Value::Array(
                self.live_pools()
                    .map(|pool| {
                        let c = pool.counters();
                        let listeners = pool
                            .listener_names()
                            .enumerate()
                            .filter_map(|(m, name)| {
                                let state = pool.listener_state(m)?;
                                Some(Value::structure([
                                    ("name", Value::from(name)),
                                    ("state", Value::from(state.as_str())),
                                ]))
                            })
                            .collect();
                        Value::structure([
                            ("name", Value::from(pool.name())),
                            ("accepted", Value::Int(c.accepted as i64)),
                            ("sent", Value::Int(c.sent as i64)),
                            ("delivered", Value::Int(c.delivered as i64)),
                            ("rejected", Value::Int(c.rejected as i64)),
                            ("rebuffered", Value::Int(c.rebuffered as i64)),
                            ("dropped", Value::Int(c.dropped as i64)),
                            ("queued", Value::Int(pool.queued() as i64)),
                            ("listeners", Value::Array(listeners)),
                        ])
                    })
                    .collect(),
            )),
            Some(Method::ListMethods) => Ok(Value::Array(
                Method::ALL.iter().map(|m| Value::from(m.wire())).collect(),
            )),
            Some(Method::MethodSignature) => {
                let m = Method::parse(arg_str(p, 0)?).ok_or(Fault::SignatureUnsupported)?;
                Ok(Value::Array(
                    m.signature().iter().map(|t| Value::from(*t)).collect(),
                ))
            }
            Some(Method::MethodHelp) => {
                let m = Method::parse(arg_str(p, 0)?).ok_or(Fault::SignatureUnsupported)?;
                Ok(Value::from(m.help()))
            }
            Some(Method::ReloadConfig) => self.reload_config(),
            Some(Method::AddProcessGroup) => self.add_group(arg_str(p, 0)?, now),
            Some(Method::RemoveProcessGroup) => self.remove_group(arg_str(p, 0)?),
            Some(Method::GetAllConfigInfo) => Ok(self.all_config_info()),
            Some(Method::ClearLog) => match self.log.clear() {
                Ok(true) => {
                    self.line(crate::log_level::LogLevel::Info, "reopening log file");
                    Ok(Value::Bool(true))
                }
                Ok(false) => Err(Fault::NoFile(String::new())),
                Err(e) => Err(Fault::Failed(e.to_string())),
            },
            Some(Method::ClearProcessLogs) | Some(Method::ClearProcessLog) => {
                let name = arg_str(p, 0)?;
                let i = self.one(name)?;
                self.clear_process_logs(i)
                    .map(|()| Value::Bool(true))
                    .map_err(|e| Fault::Failed(format!("{name}: {e}")))
            }
            Some(Method::ClearAllProcessLogs) => {
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
            // Run by the multicall module, which refuses it inside itself.
            Some(Method::Multicall) => Err(Fault::IncorrectParameters(
                "Recursive system.multicall forbidden".into(),
            )),
            _ => Err(Fault::UnknownMethod),
        }
    }

    pub(super) fn rpc_signal(&mut self, call: &MethodCall, now: Now) -> Outcome {
        let p = &call.params;
        let (targets, sig_arg, single) = match Method::parse(&call.method) {
            Some(Method::SignalAllProcesses) => (self.live(), 0, false),
            Some(Method::SignalProcessGroup) => (self.lookup(arg_str(p, 0)?, true)?, 1, false),
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

    /// A log slice (a string, or tail's `[string, offset, overflow]`) without the stamps of
    /// `*_log_timestamps`, when the channel has them.
    fn unstamped(&self, i: usize, stderr: bool, v: Value) -> Value {
        let m = &self.procs[i].model;
        if !(if stderr { &m.stderr } else { &m.stdout }).timestamps {
            return v;
        }
        match v {
            Value::String(s) => Value::String(crate::output::timestamps::strip(&s)),
            Value::Array(mut a) => {
                if let Some(Value::String(s)) = a.first_mut() {
                    *s = crate::output::timestamps::strip(s);
                }
                Value::Array(a)
            }
            v => v,
        }
    }

    pub(super) fn channel_log(&self, i: usize, stderr: bool) -> Result<std::path::PathBuf, Fault> {
        let m = &self.procs[i].model;
        let c = if stderr { &m.stderr } else { &m.stdout };
        c.logfile
            .clone()
            .ok_or_else(|| Fault::NoFile(String::new()))
    }
}

pub(super) fn respond(outcome: Outcome) -> MethodResponse {
    match outcome {
        Ok(v) => MethodResponse::Value(v),
        Err(f) => f.response(),
    }
}
