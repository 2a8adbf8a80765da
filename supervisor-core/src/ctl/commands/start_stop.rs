//! `start`, `stop` and `restart`.

use std::io::Write;

use event_proto::xmlrpc::Value;

use super::{usage, Ctl, ERROR, NO_NAME};
use crate::ctl::client::CallError;
use crate::rpc::{Fault, Method};

impl Ctl {
    /// `start <name>|<group>:*|all...`.
    pub(super) fn start(&mut self, out: &mut dyn Write, args: &[&str]) {
        self.start_or_stop(out, args, true);
    }

    /// `stop <name>|<group>:*|all...`.
    pub(super) fn stop(&mut self, out: &mut dyn Write, args: &[&str]) {
        self.start_or_stop(out, args, false);
    }

    /// `restart`: `stop`, then `start`, of the same names.
    pub(super) fn restart(&mut self, out: &mut dyn Write, args: &[&str]) {
        if args.is_empty() {
            outln!(out, "Error: restart requires a process name");
            outln!(out, "{}", usage("restart"));
            self.fail(ERROR);
        } else {
            self.stop(out, args);
            self.start(out, args);
        }
    }

    fn start_or_stop(&mut self, out: &mut dyn Write, args: &[&str], start: bool) {
        let (verb, ok_word, ignored) = if start {
            ("start", "started", Fault::ALREADY_STARTED)
        } else {
            ("stop", "stopped", Fault::NOT_RUNNING)
        };
        if args.is_empty() {
            outln!(out, "Error: {verb} requires a process name");
            outln!(out, "{}", usage(verb));
            self.fail(if start { NO_NAME } else { ERROR });
            return;
        }
        if !self.upcheck(out, false) {
            return;
        }
        let (one, group, all) = if start {
            (
                Method::StartProcess,
                Method::StartProcessGroup,
                Method::StartAllProcesses,
            )
        } else {
            (
                Method::StopProcess,
                Method::StopProcessGroup,
                Method::StopAllProcesses,
            )
        };
        for a in args {
            if *a == "all" {
                match self.call(all, Vec::new()) {
                    Ok(v) => self.results(out, &v, ok_word, ignored),
                    Err(e) => self.generic(out, &e),
                }
            } else if let Some(g) = a.strip_suffix(":*") {
                match self.call(group, vec![Value::from(g)]) {
                    Ok(v) => self.results(out, &v, ok_word, ignored),
                    Err(CallError::Fault(Fault::BAD_NAME, _)) => {
                        outln!(out, "{g}: ERROR (no such group)");
                        self.fail(if start { NO_NAME } else { ERROR });
                    }
                    Err(e) => self.generic(out, &e),
                }
            } else {
                match self.call(one, vec![Value::from(*a)]) {
                    Ok(_) => outln!(out, "{a}: {ok_word}"),
                    Err(CallError::Fault(code, string)) => {
                        let shown = fault_description(code, &string);
                        self.result(out, a, code, shown, ok_word, ignored);
                    }
                    Err(e) => self.generic(out, &e),
                }
            }
        }
    }
}

/// What a one-process start/stop fault shows when its code has no words of its own: the
/// whole fault string for `FAILED`, else the part after `NAME: `.
fn fault_description(code: i64, string: &str) -> &str {
    if code == Fault::FAILED {
        string
    } else {
        string.split_once(": ").map_or("", |(_, d)| d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ctl::commands::tests::{no_daemon, run};

    #[test]
    fn a_fault_shows_its_detail_but_failed_shows_the_whole_string() {
        assert_eq!(
            fault_description(Fault::FAILED, "FAILED: cat: spawn exploded"),
            "FAILED: cat: spawn exploded"
        );
        assert_eq!(
            fault_description(Fault::BAD_NAME, "BAD_NAME: nosuch"),
            "nosuch"
        );
        assert_eq!(
            fault_description(Fault::SHUTDOWN_STATE, "SHUTDOWN_STATE"),
            ""
        );
    }

    #[test]
    fn no_name_is_a_usage_error_with_4_3s_statuses() {
        let (text, code) = run(&mut no_daemon(), &["start"]);
        assert_eq!(
            text,
            format!("Error: start requires a process name\n{}\n", usage("start"))
        );
        assert_eq!(code, NO_NAME);
        let (text, code) = run(&mut no_daemon(), &["stop"]);
        assert_eq!(
            text,
            format!("Error: stop requires a process name\n{}\n", usage("stop"))
        );
        assert_eq!(code, ERROR);
        let (text, code) = run(&mut no_daemon(), &["restart"]);
        assert_eq!(
            text,
            format!(
                "Error: restart requires a process name\n{}\n",
                usage("restart")
            )
        );
        assert_eq!(code, ERROR);
    }

    #[test]
    fn restart_reports_the_unreachable_server_for_stop_and_start() {
        let mut ctl = no_daemon();
        let url = ctl.client.url.clone();
        let (text, code) = run(&mut ctl, &["restart", "cat"]);
        assert_eq!(text, format!("{url} no such file\n{url} no such file\n"));
        assert_eq!(code, 7);
    }
}
