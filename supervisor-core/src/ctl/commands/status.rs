//! `status`: the process table, or with `--json` the process info structs as JSON.

use std::io::Write;

use event_proto::xmlrpc::Value;

use super::{name_of, s, Ctl, STOPPED, UNREACHABLE};
pub(super) use crate::rpc::json_value;

impl Ctl {
    /// `status [--json] [<name>|<group>:*|all]...`.
    pub(super) fn status(&mut self, out: &mut dyn Write, args: &[&str]) {
        let json = args.contains(&"--json");
        let args: Vec<&str> = args.iter().copied().filter(|a| *a != "--json").collect();
        if !self.upcheck(out, true) {
            return;
        }
        let Some(infos) = self.all_info(out) else {
            return;
        };
        let (shown, bad) = select(out, &infos, &args);
        let width = name_width(&shown);
        let mut any_stopped = false;
        if json {
            // Beyond 4.3 (its issue #1274): the process info structs as a JSON array; an
            // event listener's also carries its pool's counters as `pool`.
            let pools = match self.call(crate::rpc::Method::GetPoolCounters, Vec::new()) {
                Ok(Value::Array(pools)) => pools,
                _ => Vec::new(),
            };
            let items: Vec<String> = shown
                .iter()
                .map(|p| {
                    let pool = pools.iter().find(|pool| s(pool, "name") == s(p, "group"));
                    match (pool, p) {
                        (Some(pool), Value::Struct(members)) => {
                            let mut members = members.clone();
                            members.push(("pool".into(), pool.clone()));
                            json_value(&Value::Struct(members))
                        }
                        _ => json_value(p),
                    }
                })
                .collect();
            outln!(out, "[{}]", items.join(","));
        }
        for p in &shown {
            if matches!(
                s(p, "statename"),
                "STOPPED" | "EXITED" | "FATAL" | "UNKNOWN"
            ) {
                any_stopped = true;
            }
            if json {
                continue;
            }
            outln!(out, "{}", status_line(p, width));
        }
        if bad {
            self.fail(UNREACHABLE);
        } else if any_stopped {
            self.fail(STOPPED);
        }
    }
}

/// The processes `args` name (all of them for none or `all`), in the order named, each name
/// that matches nothing reported; and whether any did.
fn select<'a>(out: &mut dyn Write, infos: &'a [Value], args: &[&str]) -> (Vec<&'a Value>, bool) {
    let mut shown: Vec<&Value> = Vec::new();
    let mut bad = false;
    if args.is_empty() || args.contains(&"all") {
        shown.extend(infos.iter());
        return (shown, bad);
    }
    for a in args {
        let (group, name) = match a.split_once(':') {
            Some((g, n)) => (g, n),
            None => (*a, *a),
        };
        let group_form = a.ends_with(':') || a.ends_with(":*");
        let matches: Vec<&Value> = infos
            .iter()
            .filter(|p| {
                if group_form {
                    s(p, "group") == group
                } else if a.contains(':') {
                    s(p, "group") == group && s(p, "name") == name
                } else {
                    name_of(p) == *a
                }
            })
            .collect();
        if matches.is_empty() {
            if group_form {
                outln!(out, "{group}: ERROR (no such group)");
            } else {
                outln!(out, "{a}: ERROR (no such process)");
            }
            bad = true;
        }
        shown.extend(matches);
    }
    (shown, bad)
}

/// The name column's width: the longest name shown, at least 30, and 3 more.
fn name_width(shown: &[&Value]) -> usize {
    shown
        .iter()
        .map(|p| name_of(p).len())
        .max()
        .unwrap_or(0)
        .max(30)
        + 3
}

/// One row of the table: the name padded to `width`, the state to 10, the description.
fn status_line(info: &Value, width: usize) -> String {
    format!(
        "{:<width$}{:<10}{}",
        name_of(info),
        s(info, "statename"),
        s(info, "description")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ctl::commands::tests::info;

    #[test]
    fn a_row_pads_the_name_to_the_width_and_the_state_to_ten() {
        let p = info("web", "web_0", "RUNNING", "pid 42, uptime 0:00:05");
        assert_eq!(
            status_line(&p, 33),
            "web:web_0                        RUNNING   pid 42, uptime 0:00:05"
        );
        let solo = info("cat", "cat", "STOPPED", "Not started");
        assert_eq!(
            status_line(&solo, 33),
            "cat                              STOPPED   Not started"
        );
    }

    #[test]
    fn the_name_column_is_at_least_thirty_and_three_wider_than_the_longest_name() {
        let short = info("a", "a", "RUNNING", "");
        assert_eq!(name_width(&[&short]), 33);
        assert_eq!(name_width(&[]), 33);
        let long_name = "x".repeat(40);
        let long = info("g", &long_name, "RUNNING", "");
        // "g:" and 40 characters, and 3.
        assert_eq!(name_width(&[&short, &long]), 45);
    }

    #[test]
    fn names_select_processes_and_unknown_names_are_reported() {
        let infos = vec![
            info("web", "web_0", "RUNNING", ""),
            info("web", "web_1", "RUNNING", ""),
            info("cat", "cat", "STOPPED", ""),
        ];
        let mut out = Vec::new();
        let (shown, bad) = select(&mut out, &infos, &["web:*", "cat", "nosuch", "none:"]);
        let names: Vec<String> = shown.iter().map(|p| name_of(p)).collect();
        assert_eq!(names, ["web:web_0", "web:web_1", "cat"]);
        assert!(bad);
        assert_eq!(
            String::from_utf8(out).expect("the output is UTF-8"),
            "nosuch: ERROR (no such process)\nnone: ERROR (no such group)\n"
        );
        let mut out = Vec::new();
        let (shown, bad) = select(&mut out, &infos, &["web:web_1", "all"]);
        assert_eq!(shown.len(), 3);
        assert!(!bad);
        assert!(out.is_empty());
    }

    #[test]
    fn json_escapes_strings_and_keeps_member_order() {
        let p = Value::Struct(vec![
            ("name".into(), Value::from("a\"b\\c\n\u{1}")),
            ("pid".into(), Value::Int(7)),
            ("ok".into(), Value::Bool(true)),
            ("x".into(), Value::Double(f64::NAN)),
            ("l".into(), Value::Array(vec![Value::Int(1), Value::Int(2)])),
        ]);
        assert_eq!(
            json_value(&p),
            r#"{"name":"a\"b\\c\n\u0001","pid":7,"ok":true,"x":null,"l":[1,2]}"#
        );
    }
}
