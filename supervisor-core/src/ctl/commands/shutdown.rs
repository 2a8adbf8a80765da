//! `shutdown` and `reload`.

use std::io::Write;

use super::{prompt, Ctl, ERROR};
use crate::ctl::client::CallError;
use crate::rpc::{Fault, Method};

impl Ctl {
    /// `shutdown` or `reload` (`cmd`), asking first in the shell.
    pub(super) fn shutdown(&mut self, out: &mut dyn Write, cmd: &str, args: &[&str]) {
        if !self.no_args(out, cmd, args) {
            return;
        }
        let (method, question, done) = if cmd == "reload" {
            (
                Method::Restart,
                "Really restart the remote supervisord process y/N? ",
                "Restarted supervisord",
            )
        } else {
            (
                Method::Shutdown,
                "Really shut the remote supervisord process down y/N? ",
                "Shut down",
            )
        };
        if self.interactive {
            prompt(out, question);
            let mut answer = String::new();
            let _ = std::io::stdin().read_line(&mut answer);
            if !answer.trim().to_ascii_lowercase().starts_with('y') {
                return;
            }
        }
        match self.call(method, Vec::new()) {
            Ok(_) => outln!(out, "{done}"),
            Err(CallError::Fault(Fault::SHUTDOWN_STATE, _)) => {
                outln!(out, "ERROR: already shutting down");
            }
            Err(CallError::Refused) if cmd == "shutdown" => {
                outln!(
                    out,
                    "ERROR: {} refused connection (already shut down?)",
                    self.client.url
                );
                self.fail(ERROR);
            }
            Err(CallError::NoSuchFile) if cmd == "shutdown" => {
                outln!(
                    out,
                    "ERROR: {} no such file (already shut down?)",
                    self.client.url
                );
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
    use crate::ctl::commands::usage;

    #[test]
    fn shutdown_of_a_gone_server_asks_whether_it_already_shut_down() {
        let mut ctl = no_daemon();
        let url = ctl.client.url.clone();
        let (text, code) = run(&mut ctl, &["shutdown"]);
        assert_eq!(
            text,
            format!("ERROR: {url} no such file (already shut down?)\n")
        );
        assert_eq!(code, ERROR);
        let (text, code) = run(&mut ctl, &["reload"]);
        assert_eq!(text, format!("error: {url} no such file\n"));
        assert_eq!(code, ERROR);
    }

    #[test]
    fn arguments_are_refused() {
        let (text, code) = run(&mut no_daemon(), &["reload", "now"]);
        assert_eq!(
            text,
            format!("Error: reload accepts no arguments\n{}\n", usage("reload"))
        );
        assert_eq!(code, ERROR);
    }
}
