//! `system.multicall` ([RPC-system.multicall]) as 4.3 runs it: the calls run in order, and a
//! call that waits (`startProcess(name, true)`) completes before the next one starts; the
//! answer, one value or fault struct per call, is sent once the last one is done. A parked
//! multicall is advanced on every turn of the loop, like the waits it contains.

use event_proto::xmlrpc::{MethodCall, MethodResponse, Value};
use tokio::sync::oneshot;

use super::state::Supervisor;
use crate::process::Now;
use crate::rpc::{Fault, Method};

/// A multicall part way through its calls.
pub(super) struct Multicall {
    /// The calls not started yet.
    remaining: std::vec::IntoIter<Value>,
    /// One value or fault struct per call done, in order.
    results: Vec<Value>,
    /// The answer of the call in progress, when it waits.
    waiting: Option<oneshot::Receiver<MethodResponse>>,
    reply: oneshot::Sender<MethodResponse>,
}

fn fault_struct(code: i64, string: String) -> Value {
    Value::structure([
        ("faultCode", Value::Int(code)),
        ("faultString", Value::from(string)),
    ])
}

/// One entry of the calls array as a call, or the fault 4.3 records for it.
fn sub_call(entry: &Value) -> Result<MethodCall, Fault> {
    let method = entry
        .get("methodName")
        .and_then(Value::as_str)
        .ok_or_else(|| Fault::IncorrectParameters("No methodName".into()))?;
    if Method::parse(method) == Some(Method::Multicall) {
        return Err(Fault::IncorrectParameters(
            "Recursive system.multicall forbidden".into(),
        ));
    }
    let params = match entry.get("params") {
        Some(Value::Array(p)) => p.clone(),
        None => Vec::new(),
        // 4.3 calls the method with them spread, which fails.
        Some(_) => return Err(Fault::IncorrectParameters(String::new())),
    };
    Ok(MethodCall {
        method: method.to_owned(),
        params,
    })
}

impl Supervisor {
    /// Starts a multicall (its parameters already checked): runs its calls up to the first
    /// that waits, or answers if none does.
    pub(super) fn begin_multicall(
        &mut self,
        params: Vec<Value>,
        reply: oneshot::Sender<MethodResponse>,
        now: Now,
    ) {
        let calls = match params.into_iter().next() {
            Some(Value::Array(calls)) => calls,
            _ => {
                let _ = reply.send(Fault::IncorrectParameters(String::new()).response());
                return;
            }
        };
        let m = Multicall {
            remaining: calls.into_iter(),
            results: Vec::new(),
            waiting: None,
            reply,
        };
        if let Some(m) = self.advance_multicall(m, now) {
            self.multicalls.push(m);
        }
    }

    /// Advances every parked multicall whose waiting call has been answered.
    pub(super) fn advance_multicalls(&mut self, now: Now) {
        for m in std::mem::take(&mut self.multicalls) {
            if let Some(m) = self.advance_multicall(m, now) {
                self.multicalls.push(m);
            }
        }
    }

    /// Runs calls until one waits (the multicall is returned, parked) or none are left (it
    /// is answered).
    fn advance_multicall(&mut self, mut m: Multicall, now: Now) -> Option<Multicall> {
        loop {
            if let Some(rx) = m.waiting.as_mut() {
                let value = match rx.try_recv() {
                    Err(oneshot::error::TryRecvError::Empty) => return Some(m),
                    Ok(MethodResponse::Value(v)) => v,
                    Ok(MethodResponse::Fault { code, string }) => fault_struct(code, string),
                    Err(oneshot::error::TryRecvError::Closed) => {
                        let f = Fault::Failed("the call was not answered".into());
                        fault_struct(f.code(), f.text())
                    }
                };
                m.results.push(value);
                m.waiting = None;
            }
            let Some(entry) = m.remaining.next() else {
                let _ = m
                    .reply
                    .send(MethodResponse::Value(Value::Array(std::mem::take(
                        &mut m.results,
                    ))));
                return None;
            };
            match sub_call(&entry) {
                Err(f) => m.results.push(fault_struct(f.code(), f.text())),
                Ok(call) => {
                    let (tx, rx) = oneshot::channel();
                    self.on_rpc(call, tx, now);
                    m.waiting = Some(rx);
                }
            }
        }
    }
}
