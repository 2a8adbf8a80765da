//! `tail` and `maintail`: the end of a log, or with `-f` the log followed.

use std::io::Write;

use event_proto::xmlrpc::Value;

use super::{usage, Ctl, ERROR};
use crate::ctl::client::CallError;
use crate::rpc::{Fault, Method};

/// `-f` or `-<bytes>` → (follow, bytes); anything else is an error message.
fn tail_flags(args: &mut Vec<&str>) -> Result<(bool, i64), String> {
    let mut follow = false;
    let mut bytes = 1600;
    if let Some(first) = args.first().copied() {
        if let Some(flag) = first.strip_prefix('-') {
            if flag == "f" {
                follow = true;
            } else {
                bytes = flag
                    .parse()
                    .map_err(|_| format!("Error: bad argument {first}"))?;
            }
            args.remove(0);
        }
    }
    Ok((follow, bytes))
}

impl Ctl {
    /// Streams `path` to `out` until the server ends it, each chunk flushed as it comes.
    fn follow(&mut self, out: &mut dyn Write, path: &str) {
        outln!(out, "==> Press Ctrl-C to exit <==");
        let client = self.client.clone();
        let result = self.rt.block_on(client.follow(path, |chunk| {
            let _ = out.write_all(chunk);
            let _ = out.flush();
        }));
        if let Err(e) = result {
            self.generic(out, &e);
        }
    }

    /// `tail [-f|-<bytes>] <name> [stdout|stderr]`.
    pub(super) fn tail(&mut self, out: &mut dyn Write, args: &[&str]) {
        let mut args = args.to_vec();
        let (follow, bytes) = match tail_flags(&mut args) {
            Ok(f) => f,
            Err(m) => {
                outln!(out, "{m}");
                self.fail(ERROR);
                return;
            }
        };
        if args.is_empty() {
            outln!(out, "Error: too few arguments");
            outln!(out, "{}", usage("tail"));
            self.fail(ERROR);
            return;
        }
        if args.len() > 2 {
            outln!(out, "Error: too many arguments");
            outln!(out, "{}", usage("tail"));
            self.fail(ERROR);
            return;
        }
        let name = args[0];
        let channel = args.get(1).copied().unwrap_or("stdout");
        if channel != "stdout" && channel != "stderr" {
            outln!(out, "Error: bad channel '{channel}'");
            self.fail(ERROR);
            return;
        }
        if !self.upcheck(out, false) {
            return;
        }
        if follow {
            self.follow(out, &format!("/logtail/{name}/{channel}"));
            return;
        }
        let method = if channel == "stderr" {
            Method::ReadProcessStderrLog
        } else {
            Method::ReadProcessStdoutLog
        };
        match self.call(
            method,
            vec![Value::from(name), Value::Int(-bytes), Value::Int(0)],
        ) {
            Ok(v) => outln!(out, "{}", v.as_str().unwrap_or("")),
            Err(CallError::Fault(Fault::BAD_NAME, _)) => {
                outln!(out, "{name}: ERROR (no such process name)");
                self.fail(ERROR);
            }
            Err(CallError::Fault(Fault::NO_FILE, _)) => {
                outln!(out, "{name}: ERROR (no log file)");
                self.fail(ERROR);
            }
            Err(CallError::Fault(Fault::FAILED, _)) => {
                outln!(out, "{name}: ERROR (unknown error reading log)");
                self.fail(ERROR);
            }
            Err(e) => self.generic(out, &e),
        }
    }

    /// `maintail [-f|-<bytes>]`.
    pub(super) fn maintail(&mut self, out: &mut dyn Write, args: &[&str]) {
        let mut args = args.to_vec();
        let (follow, bytes) = match tail_flags(&mut args) {
            Ok(f) if args.is_empty() => f,
            Ok(_) => {
                outln!(out, "Error: bad argument {}", args[0]);
                self.fail(ERROR);
                return;
            }
            Err(m) => {
                outln!(out, "{m}");
                self.fail(ERROR);
                return;
            }
        };
        if !self.upcheck(out, false) {
            return;
        }
        if follow {
            self.follow(out, "/mainlogtail");
            return;
        }
        match self.call(Method::ReadLog, vec![Value::Int(-bytes), Value::Int(0)]) {
            Ok(v) => outln!(out, "{}", v.as_str().unwrap_or("")),
            Err(CallError::Fault(Fault::NO_FILE, _)) => {
                outln!(out, "supervisord: ERROR (no log file)");
                self.fail(ERROR);
            }
            Err(e) => self.generic(out, &e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ctl::commands::tests::{no_daemon, run};

    #[test]
    fn flags_are_follow_or_a_byte_count() {
        let mut args = vec!["-f", "cat"];
        assert_eq!(tail_flags(&mut args), Ok((true, 1600)));
        assert_eq!(args, ["cat"]);
        let mut args = vec!["-200", "cat", "stderr"];
        assert_eq!(tail_flags(&mut args), Ok((false, 200)));
        assert_eq!(args, ["cat", "stderr"]);
        let mut args = vec!["cat"];
        assert_eq!(tail_flags(&mut args), Ok((false, 1600)));
        assert_eq!(args, ["cat"]);
        let mut args = vec!["-x", "cat"];
        assert_eq!(
            tail_flags(&mut args),
            Err("Error: bad argument -x".to_owned())
        );
    }

    #[test]
    fn tail_argument_errors() {
        let usage = usage("tail");
        let cases: &[(&[&str], String)] = &[
            (&["tail"], format!("Error: too few arguments\n{usage}\n")),
            (
                &["tail", "-f"],
                format!("Error: too few arguments\n{usage}\n"),
            ),
            (
                &["tail", "a", "stdout", "b"],
                format!("Error: too many arguments\n{usage}\n"),
            ),
            (
                &["tail", "a", "stdin"],
                "Error: bad channel 'stdin'\n".into(),
            ),
            (&["tail", "-1x", "a"], "Error: bad argument -1x\n".into()),
        ];
        for (words, expected) in cases {
            let (text, code) = run(&mut no_daemon(), words);
            assert_eq!(&text, expected, "{words:?}");
            assert_eq!(code, ERROR, "{words:?}");
        }
    }

    #[test]
    fn maintail_argument_errors() {
        let (text, code) = run(&mut no_daemon(), &["maintail", "cat"]);
        assert_eq!(text, "Error: bad argument cat\n");
        assert_eq!(code, ERROR);
        let (text, code) = run(&mut no_daemon(), &["maintail", "-f", "x"]);
        assert_eq!(text, "Error: bad argument x\n");
        assert_eq!(code, ERROR);
        let (text, code) = run(&mut no_daemon(), &["maintail", "-z"]);
        assert_eq!(text, "Error: bad argument -z\n");
        assert_eq!(code, ERROR);
    }
}
