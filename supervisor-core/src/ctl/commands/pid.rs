//! `pid`: supervisord's, or processes'.

use std::io::Write;

use event_proto::xmlrpc::Value;

use super::{i, Ctl, ERROR, NOT_RUNNING};
use crate::ctl::client::CallError;
use crate::rpc::{Fault, Method};

impl Ctl {
    /// `pid [<name>...|all]`: supervisord's pid, or each process's (0 when it is not running).
    pub(super) fn pid(&mut self, out: &mut dyn Write, args: &[&str]) {
        if !self.upcheck(out, false) {
            return;
        }
        if args.is_empty() {
            match self.call(Method::GetPid, Vec::new()) {
                Ok(v) => outln!(out, "{}", v.as_int().unwrap_or(0)),
                Err(e) => self.generic(out, &e),
            }
            return;
        }
        for a in args {
            if *a == "all" {
                if let Some(infos) = self.all_info(out) {
                    for p in infos {
                        outln!(out, "{}", i(&p, "pid"));
                    }
                }
                continue;
            }
            match self.call(Method::GetProcessInfo, vec![Value::from(*a)]) {
                Ok(p) => {
                    let pid = i(&p, "pid");
                    outln!(out, "{pid}");
                    if pid == 0 {
                        self.fail(NOT_RUNNING);
                    }
                }
                Err(CallError::Fault(Fault::BAD_NAME, _)) => {
                    outln!(out, "No such process {a}");
                    self.fail(ERROR);
                }
                Err(e) => self.generic(out, &e),
            }
        }
    }
}
