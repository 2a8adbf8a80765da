//! `pools` (beyond 4.3): each event-listener pool's counters and its listeners' states, as a
//! table or, with `--json`, as JSON.

use std::io::Write;

use event_proto::xmlrpc::Value;

use super::status::json_value;
use super::{i, s, Ctl, ERROR};
use crate::rpc::Method;

/// The counters shown, in column order.
const COUNTERS: [&str; 6] = [
    "accepted",
    "delivered",
    "rejected",
    "rebuffered",
    "dropped",
    "queued",
];

impl Ctl {
    /// `pools [--json]`.
    pub(super) fn pools(&mut self, out: &mut dyn Write, args: &[&str]) {
        let json = args.contains(&"--json");
        if let Some(bad) = args.iter().find(|a| **a != "--json") {
            outln!(out, "Error: pools takes only --json (got {bad})");
            self.fail(ERROR);
            return;
        }
        if !self.upcheck(out, false) {
            return;
        }
        let pools = match self.call(Method::GetPoolCounters, Vec::new()) {
            Ok(Value::Array(pools)) => pools,
            Ok(_) => Vec::new(),
            Err(e) => {
                self.generic(out, &e);
                return;
            }
        };
        if json {
            let items: Vec<String> = pools.iter().map(json_value).collect();
            outln!(out, "[{}]", items.join(","));
            return;
        }
        let width = pools
            .iter()
            .map(|p| s(p, "name").len())
            .max()
            .unwrap_or(0)
            .max(4)
            + 2;
        let mut header = format!("{:<width$}", "POOL");
        for c in COUNTERS {
            header.push_str(&format!("{:>12}", c.to_uppercase()));
        }
        outln!(out, "{header}  LISTENERS");
        for p in &pools {
            let mut line = format!("{:<width$}", s(p, "name"));
            for c in COUNTERS {
                line.push_str(&format!("{:>12}", i(p, c)));
            }
            let listeners: Vec<String> = match p.get("listeners") {
                Some(Value::Array(ls)) => ls
                    .iter()
                    .map(|l| format!("{}={}", s(l, "name"), s(l, "state")))
                    .collect(),
                _ => Vec::new(),
            };
            outln!(out, "{line}  {}", listeners.join(" "));
        }
    }
}
