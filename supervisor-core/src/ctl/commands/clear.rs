//! `clear`: empty process logs.

use std::io::Write;

use event_proto::xmlrpc::Value;

use super::{usage, Ctl, ERROR};
use crate::ctl::client::CallError;
use crate::rpc::{Fault, Method};

impl Ctl {
    /// `clear <name>...|all`.
    pub(super) fn clear(&mut self, out: &mut dyn Write, args: &[&str]) {
        if args.is_empty() {
            outln!(out, "Error: clear requires a process name");
            outln!(out, "{}", usage("clear"));
            self.fail(ERROR);
            return;
        }
        if !self.upcheck(out, false) {
            return;
        }
        for a in args {
            if *a == "all" {
                match self.call(Method::ClearAllProcessLogs, Vec::new()) {
                    Ok(v) => self.results(out, &v, "cleared", -1),
                    Err(e) => self.generic(out, &e),
                }
                continue;
            }
            match self.call(Method::ClearProcessLogs, vec![Value::from(*a)]) {
                Ok(_) => outln!(out, "{a}: cleared"),
                Err(CallError::Fault(Fault::BAD_NAME, _)) => {
                    outln!(out, "{a}: ERROR (no such process)");
                    self.fail(ERROR);
                }
                Err(CallError::Fault(Fault::FAILED, _)) => {
                    outln!(out, "{a}: ERROR (failed)");
                    self.fail(ERROR);
                }
                Err(e) => self.generic(out, &e),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ctl::commands::tests::{no_daemon, run};

    #[test]
    fn no_name_is_a_usage_error() {
        let (text, code) = run(&mut no_daemon(), &["clear"]);
        assert_eq!(
            text,
            format!("Error: clear requires a process name\n{}\n", usage("clear"))
        );
        assert_eq!(code, ERROR);
    }
}
