//! `avail`: every configured process and whether it is in use.

use std::io::Write;

use event_proto::xmlrpc::Value;

use super::{i, name_of, Ctl};
use crate::rpc::Method;

impl Ctl {
    /// `avail`: one line per configured process.
    pub(super) fn avail(&mut self, out: &mut dyn Write, args: &[&str]) {
        if !self.no_args(out, "avail", args) {
            return;
        }
        match self.call(Method::GetAllConfigInfo, Vec::new()) {
            Ok(Value::Array(items)) => {
                for p in items {
                    outln!(out, "{}", avail_line(&p));
                }
            }
            Ok(_) => {}
            Err(e) => self.generic(out, &e),
        }
    }
}

/// One line of `avail` for a `getAllConfigInfo` entry.
fn avail_line(p: &Value) -> String {
    let inuse = matches!(p.get("inuse"), Some(Value::Bool(true)));
    let auto = matches!(p.get("autostart"), Some(Value::Bool(true)));
    format!(
        "{:<32} {:<9} {:<9} {}:{}",
        name_of(p),
        if inuse { "in use" } else { "avail" },
        if auto { "auto" } else { "manual" },
        i(p, "group_prio"),
        i(p, "process_prio")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ctl::commands::tests::{no_daemon, run};
    use crate::ctl::commands::{usage, ERROR};

    #[test]
    fn a_line_shows_use_autostart_and_priorities() {
        let p = Value::Struct(vec![
            ("group".into(), Value::from("web")),
            ("name".into(), Value::from("web_0")),
            ("inuse".into(), Value::Bool(true)),
            ("autostart".into(), Value::Bool(false)),
            ("group_prio".into(), Value::Int(999)),
            ("process_prio".into(), Value::Int(5)),
        ]);
        assert_eq!(
            avail_line(&p),
            "web:web_0                        in use    manual    999:5"
        );
        let q = Value::Struct(vec![
            ("group".into(), Value::from("cat")),
            ("name".into(), Value::from("cat")),
            ("inuse".into(), Value::Bool(false)),
            ("autostart".into(), Value::Bool(true)),
        ]);
        assert_eq!(
            avail_line(&q),
            "cat                              avail     auto      0:0"
        );
    }

    #[test]
    fn arguments_are_refused() {
        let (text, code) = run(&mut no_daemon(), &["avail", "x"]);
        assert_eq!(
            text,
            format!("Error: avail accepts no arguments\n{}\n", usage("avail"))
        );
        assert_eq!(code, ERROR);
    }
}
