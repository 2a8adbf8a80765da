//! XML-RPC calls that wait (`startProcess(name, true)`, `stopGroup`...): each parks a
//! [`Pending`] reply that later state changes complete, so nothing else is blocked meanwhile
//! ([RPC-HTTP-deferred]).

use event_proto::xmlrpc::{MethodCall, MethodResponse, Value};
use event_proto::ProcessState;
use tokio::sync::oneshot;

use super::rpc::{arg_bool, arg_str, respond, status};
use super::state::{Phase, Supervisor};
use crate::process::Now;
use crate::rpc::{check_params, Fault, Method, NameSpec};

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

impl Supervisor {
    /// Answers one call now, or parks it until the processes it waits for get there.
    pub(super) fn on_rpc(
        &mut self,
        call: MethodCall,
        reply: oneshot::Sender<MethodResponse>,
        now: Now,
    ) {
        let method = Method::parse(&call.method);
        if method == Some(Method::Multicall)
            && check_params(Method::Multicall, &call.params).is_ok()
        {
            self.begin_multicall(call.params, reply, now);
            return;
        }
        if let Some(pending) = self.begin_wait(&call, reply, now) {
            self.pending.push(pending);
            self.resolve_pending();
        }
    }

    /// Runs a call that may wait: returns the parked reply, or `None` once answered.
    pub(super) fn begin_wait(
        &mut self,
        call: &MethodCall,
        reply: oneshot::Sender<MethodResponse>,
        now: Now,
    ) -> Option<Pending> {
        let p = &call.params;
        let method = Method::parse(&call.method);
        if let Some(Err(f)) = method.map(|m| check_params(m, p)) {
            let _ = reply.send(f.response());
            return None;
        }
        let gated = call.method.starts_with("supervisor.") && self.phase != Phase::Running;
        let waits = method.is_some_and(Method::waits);
        if !waits || gated {
            let outcome = self.call(call, now);
            let _ = reply.send(respond(outcome));
            return None;
        }
        let (kind, wait_arg) = match method {
            Some(Method::StartProcess) | Some(Method::StartProcessGroup) => (WaitFor::Running, 1),
            Some(Method::StopProcess) | Some(Method::StopProcessGroup) => (WaitFor::Stopped, 1),
            Some(Method::StartAllProcesses) => (WaitFor::Running, 0),
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
}
