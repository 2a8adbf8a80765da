//! `reread`, `add`, `remove` and `update`: the configuration read again and applied.

use std::io::Write;

use event_proto::xmlrpc::Value;

use super::{s, Ctl, ERROR};
use crate::ctl::client::CallError;
use crate::rpc::{Fault, Method};

impl Ctl {
    /// `reloadConfig` → (added, changed, removed), or the error already printed.
    fn reload_config(&mut self, out: &mut dyn Write) -> Option<[Vec<String>; 3]> {
        match self.call(Method::ReloadConfig, Vec::new()) {
            Ok(Value::Array(outer)) => {
                let lists = match outer.first() {
                    Some(Value::Array(l)) => l.clone(),
                    _ => Vec::new(),
                };
                let names = |k: usize| match lists.get(k) {
                    Some(Value::Array(v)) => v
                        .iter()
                        .filter_map(|x| x.as_str().map(str::to_owned))
                        .collect(),
                    _ => Vec::new(),
                };
                Some([names(0), names(1), names(2)])
            }
            Ok(_) => Some([Vec::new(), Vec::new(), Vec::new()]),
            Err(CallError::Fault(Fault::SHUTDOWN_STATE, _)) => {
                outln!(out, "ERROR: supervisor shutting down");
                self.fail(ERROR);
                None
            }
            Err(CallError::Fault(Fault::CANT_REREAD, string)) => {
                outln!(out, "ERROR: {string}");
                self.fail(ERROR);
                None
            }
            Err(e) => {
                self.generic(out, &e);
                None
            }
        }
    }

    /// `reread`: what `reloadConfig` found added, changed and removed.
    pub(super) fn reread(&mut self, out: &mut dyn Write, args: &[&str]) {
        if !self.no_args(out, "reread", args) {
            return;
        }
        let Some([added, changed, removed]) = self.reload_config(out) else {
            return;
        };
        for l in reread_lines(&added, &changed, &removed) {
            outln!(out, "{l}");
        }
    }

    /// `add <group>...`.
    pub(super) fn add(&mut self, out: &mut dyn Write, args: &[&str]) {
        for g in args {
            match self.call(Method::AddProcessGroup, vec![Value::from(*g)]) {
                Ok(_) => outln!(out, "{g}: added process group"),
                Err(CallError::Fault(Fault::SHUTDOWN_STATE, _)) => {
                    outln!(out, "ERROR: shutting down");
                    self.fail(ERROR);
                }
                Err(CallError::Fault(Fault::ALREADY_ADDED, _)) => {
                    outln!(out, "ERROR: process group already active");
                }
                Err(CallError::Fault(Fault::BAD_NAME, _)) => {
                    outln!(out, "ERROR: no such process/group: {g}");
                    self.fail(ERROR);
                }
                Err(e) => self.generic(out, &e),
            }
        }
    }

    /// `remove <group>...`.
    pub(super) fn remove(&mut self, out: &mut dyn Write, args: &[&str]) {
        for g in args {
            match self.call(Method::RemoveProcessGroup, vec![Value::from(*g)]) {
                Ok(_) => outln!(out, "{g}: removed process group"),
                Err(CallError::Fault(Fault::STILL_RUNNING, _)) => {
                    outln!(out, "ERROR: process/group still running: {g}");
                    self.fail(ERROR);
                }
                Err(CallError::Fault(Fault::BAD_NAME, _)) => {
                    outln!(out, "ERROR: no such process/group: {g}");
                    self.fail(ERROR);
                }
                Err(e) => self.generic(out, &e),
            }
        }
    }

    /// `update [all|<group>...]`: removed groups stopped and removed, changed ones replaced, added ones added.
    pub(super) fn update(&mut self, out: &mut dyn Write, args: &[&str]) {
        let Some([added, changed, removed]) = self.reload_config(out) else {
            return;
        };
        let wanted: Vec<&str> = args.iter().copied().filter(|a| *a != "all").collect();
        if !wanted.is_empty() {
            let known: Vec<String> = match self.call(Method::GetAllConfigInfo, Vec::new()) {
                Ok(Value::Array(items)) => items.iter().map(|p| s(p, "group").to_owned()).collect(),
                _ => Vec::new(),
            };
            for g in &wanted {
                if !known.iter().any(|k| k == g) && !removed.iter().any(|r| r == g) {
                    outln!(out, "ERROR: no such group: {g}");
                    self.fail(ERROR);
                    return;
                }
            }
        }
        let selected = |g: &String| wanted.is_empty() || wanted.contains(&g.as_str());
        for g in removed.iter().filter(|g| selected(g)) {
            let _ = self.call(Method::StopProcessGroup, vec![Value::from(g.as_str())]);
            outln!(out, "{g}: stopped");
            match self.call(Method::RemoveProcessGroup, vec![Value::from(g.as_str())]) {
                Ok(_) => outln!(out, "{g}: removed process group"),
                Err(_) => {
                    outln!(out, "{g}: has problems; not removing");
                    self.fail(ERROR);
                }
            }
        }
        for g in changed.iter().filter(|g| selected(g)) {
            let _ = self.call(Method::StopProcessGroup, vec![Value::from(g.as_str())]);
            outln!(out, "{g}: stopped");
            let _ = self.call(Method::RemoveProcessGroup, vec![Value::from(g.as_str())]);
            let _ = self.call(Method::AddProcessGroup, vec![Value::from(g.as_str())]);
            outln!(out, "{g}: updated process group");
        }
        for g in added.iter().filter(|g| selected(g)) {
            match self.call(Method::AddProcessGroup, vec![Value::from(g.as_str())]) {
                Ok(_) => outln!(out, "{g}: added process group"),
                Err(e) => self.generic(out, &e),
            }
        }
    }
}

/// `reread`'s report: one line per group, sorted, or the line saying nothing changed.
fn reread_lines(added: &[String], changed: &[String], removed: &[String]) -> Vec<String> {
    if added.is_empty() && changed.is_empty() && removed.is_empty() {
        return vec!["No config updates to processes".to_owned()];
    }
    let mut lines: Vec<String> = added
        .iter()
        .map(|g| format!("{g}: available"))
        .chain(changed.iter().map(|g| format!("{g}: changed")))
        .chain(removed.iter().map(|g| format!("{g}: disappeared")))
        .collect();
    lines.sort();
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ctl::commands::tests::{no_daemon, run};
    use crate::ctl::commands::usage;

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn reread_sorts_every_line_together() {
        assert_eq!(
            reread_lines(
                &strings(&["zeta", "alpha"]),
                &strings(&["mid"]),
                &strings(&["beta"])
            ),
            [
                "alpha: available",
                "beta: disappeared",
                "mid: changed",
                "zeta: available"
            ]
        );
        assert_eq!(
            reread_lines(&[], &[], &[]),
            ["No config updates to processes"]
        );
    }

    #[test]
    fn reread_refuses_arguments() {
        let (text, code) = run(&mut no_daemon(), &["reread", "all"]);
        assert_eq!(
            text,
            format!("Error: reread accepts no arguments\n{}\n", usage("reread"))
        );
        assert_eq!(code, ERROR);
    }

    #[test]
    fn update_without_a_server_is_the_generic_error() {
        let mut ctl = no_daemon();
        let url = ctl.client.url.clone();
        let (text, code) = run(&mut ctl, &["update"]);
        assert_eq!(text, format!("error: {url} no such file\n"));
        assert_eq!(code, ERROR);
    }
}
