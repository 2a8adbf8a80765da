//! `signal`.

use std::io::Write;

use event_proto::xmlrpc::Value;

use super::{usage, Ctl, ERROR};
use crate::ctl::client::CallError;
use crate::rpc::{Fault, Method};

impl Ctl {
    /// `signal <signal> <name>|<group>:*|all...`.
    pub(super) fn signal(&mut self, out: &mut dyn Write, args: &[&str]) {
        if args.len() < 2 {
            outln!(
                out,
                "Error: signal requires a signal name and a process name"
            );
            outln!(out, "{}", usage("signal"));
            self.fail(ERROR);
            return;
        }
        if !self.upcheck(out, false) {
            return;
        }
        let sig = args[0];
        for a in &args[1..] {
            let outcome = if *a == "all" {
                self.call(Method::SignalAllProcesses, vec![Value::from(sig)])
            } else if let Some(g) = a.strip_suffix(":*") {
                self.call(
                    Method::SignalProcessGroup,
                    vec![Value::from(g), Value::from(sig)],
                )
            } else {
                match self.call(
                    Method::SignalProcess,
                    vec![Value::from(*a), Value::from(sig)],
                ) {
                    Ok(_) => {
                        outln!(out, "{a}: signalled");
                        continue;
                    }
                    Err(e) => Err(e),
                }
            };
            match outcome {
                Ok(v) => self.results(out, &v, "signalled", -1),
                Err(CallError::Fault(Fault::BAD_NAME, _)) if a.ends_with(":*") => {
                    outln!(out, "{}: ERROR (no such group)", a.trim_end_matches(":*"));
                    self.fail(ERROR);
                }
                Err(CallError::Fault(code, string)) => {
                    let d = string.split_once(": ").map_or("", |(_, d)| d).to_owned();
                    self.result(out, a, code, &d, "signalled", -1);
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
    fn a_signal_and_a_name_are_both_required() {
        for words in [&["signal"][..], &["signal", "HUP"][..]] {
            let (text, code) = run(&mut no_daemon(), words);
            assert_eq!(
                text,
                format!(
                    "Error: signal requires a signal name and a process name\n{}\n",
                    usage("signal")
                )
            );
            assert_eq!(code, ERROR);
        }
    }
}
