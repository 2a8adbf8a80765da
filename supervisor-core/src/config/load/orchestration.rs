//! The keys beyond 4.3 in `[program:x]` and `[eventlistener:x]` (4.3 ignores them):
//! `depends_on`, `ready_check`, `ready_timeout`, `ready_interval`, `essential`, `backoff`,
//! `backoff_max` and `fatal_retry_after`; and the check that `depends_on` names exist and
//! form no cycle.

use std::collections::HashMap;

use super::ctx::Ctx;
use crate::config::error::ConfigError;
use crate::config::expand::Expansions;
use crate::config::ini::Section;
use crate::config::values;
use crate::model::{Orchestration, ProgramModel, ReadyCheck};
use crate::process::{BackoffCurve, ProcessParams, RestartPacing};

/// Reads the orchestration and pacing keys of section `s` (for program `unit`); the pacing and
/// ready timeout go into `params`, the rest is returned.
pub(super) fn orchestration(
    ctx: &mut Ctx,
    s: &Section,
    early: &Expansions,
    unit: &str,
    params: &mut ProcessParams,
) -> Orchestration {
    let depends_on = ctx
        .string(s, "depends_on", early)
        .map(|v| values::list(&v))
        .unwrap_or_default();
    let ready_check = ctx.get(s, "ready_check", None, early, |v| {
        ReadyCheck::parse(v).map(Some)
    });
    let seconds = |v: &str| match values::integer(v) {
        Ok(n) if n >= 0 => Ok(n as u64),
        Ok(_) => Err("must not be negative".to_owned()),
        Err(e) => Err(e),
    };
    let ready_timeout = ctx.get(s, "ready_timeout", 60, early, seconds);
    let ready_interval = ctx.get(s, "ready_interval", 1, early, |v| match seconds(v) {
        Ok(0) => Err("must be at least 1".to_owned()),
        other => other,
    });
    let essential = ctx.get(s, "essential", false, early, values::boolean);
    params.pacing = RestartPacing {
        curve: ctx.get(
            s,
            "backoff",
            BackoffCurve::Linear,
            early,
            BackoffCurve::parse,
        ),
        max_secs: ctx.get(s, "backoff_max", 0, early, seconds),
        fatal_retry_after_secs: ctx.get(s, "fatal_retry_after", 0, early, seconds),
    };
    params.ready_timeout = ready_check.is_some().then_some(ready_timeout);
    Orchestration {
        unit: unit.to_owned(),
        depends_on,
        ready_check,
        ready_interval_secs: ready_interval,
        essential,
    }
}

/// Checks every `depends_on`: each name must be a program (section) or group name, and the
/// dependencies must form no cycle. Errors point at the `depends_on` line.
pub(super) fn check_dependencies(
    programs: &[ProgramModel],
    sections: &[Section],
    errors: &mut Vec<ConfigError>,
) {
    let graph = DependencyGraph::new(programs);
    for (name, deps) in &graph.edges {
        for dep in deps {
            if !graph.nodes.contains_key(dep.as_str()) {
                push(
                    errors,
                    sections,
                    name,
                    format!("{dep:?} is neither a program nor a group"),
                );
            }
        }
    }
    if let Some(cycle) = graph.cycle() {
        push(
            errors,
            sections,
            &cycle[0],
            format!("dependency cycle: {}", cycle.join(" -> ")),
        );
    }
}

fn push(errors: &mut Vec<ConfigError>, sections: &[Section], unit: &str, message: String) {
    let section = sections.iter().find(|s| {
        s.name
            .split_once(':')
            .is_some_and(|(kind, n)| n == unit && kind != "group")
    });
    let entry = section.and_then(|s| s.get("depends_on"));
    errors.push(ConfigError {
        file: entry
            .map(|e| e.file.clone())
            .or_else(|| section.map(|s| s.file.clone()))
            .unwrap_or_default(),
        line: entry.map(|e| e.line).or_else(|| section.map(|s| s.line)),
        section: section.map(|s| s.name.clone()),
        key: Some("depends_on".into()),
        message,
    });
}

/// Dependencies between units: a unit is a program section name or a group name; a group
/// depends on whatever its members depend on.
struct DependencyGraph {
    /// Every unit name: for a program, the group it runs in.
    nodes: HashMap<String, ()>,
    /// Program (section) name → the names its `depends_on` lists, in order.
    edges: Vec<(String, Vec<String>)>,
    /// Group name → the program names in it.
    members: HashMap<String, Vec<String>>,
}

impl DependencyGraph {
    fn new(programs: &[ProgramModel]) -> DependencyGraph {
        let mut nodes = HashMap::new();
        let mut edges: Vec<(String, Vec<String>)> = Vec::new();
        let mut members: HashMap<String, Vec<String>> = HashMap::new();
        for p in programs {
            let program = p.orchestration.unit.clone();
            nodes.insert(program.clone(), ());
            nodes.insert(p.params.group.clone(), ());
            let list = members.entry(p.params.group.clone()).or_default();
            if !list.contains(&program) {
                list.push(program.clone());
            }
            if !edges.iter().any(|(n, _)| *n == program) {
                edges.push((program, p.orchestration.depends_on.clone()));
            }
        }
        DependencyGraph {
            nodes,
            edges,
            members,
        }
    }

    /// The programs a name stands for.
    fn programs_of<'a>(&'a self, name: &'a str) -> Vec<&'a str> {
        match self.members.get(name) {
            Some(list) if !(list.len() == 1 && list[0] == name) => {
                list.iter().map(String::as_str).collect()
            }
            _ => vec![name],
        }
    }

    /// A cycle of program names, first name repeated at the end, if there is one.
    fn cycle(&self) -> Option<Vec<String>> {
        #[derive(Clone, Copy, PartialEq)]
        enum Mark {
            Unseen,
            OnPath,
            Done,
        }
        let index: HashMap<&str, usize> = self
            .edges
            .iter()
            .enumerate()
            .map(|(i, (n, _))| (n.as_str(), i))
            .collect();
        let mut mark = vec![Mark::Unseen; self.edges.len()];
        let next = |i: usize| -> Vec<usize> {
            self.edges[i]
                .1
                .iter()
                .flat_map(|d| self.programs_of(d))
                .filter_map(|p| index.get(p).copied())
                .collect()
        };
        for start in 0..self.edges.len() {
            if mark[start] != Mark::Unseen {
                continue;
            }
            // Iterative depth-first search; `path` holds (node, its successors, next one).
            let mut path: Vec<(usize, Vec<usize>, usize)> = vec![(start, next(start), 0)];
            mark[start] = Mark::OnPath;
            while let Some((node, succ, pos)) = path.last_mut() {
                if *pos == succ.len() {
                    mark[*node] = Mark::Done;
                    path.pop();
                    continue;
                }
                let n = succ[*pos];
                *pos += 1;
                match mark[n] {
                    Mark::OnPath => {
                        let from = path.iter().position(|(p, _, _)| *p == n).unwrap_or(0);
                        let mut cycle: Vec<String> = path[from..]
                            .iter()
                            .map(|(p, _, _)| self.edges[*p].0.clone())
                            .collect();
                        cycle.push(self.edges[n].0.clone());
                        return Some(cycle);
                    }
                    Mark::Unseen => {
                        mark[n] = Mark::OnPath;
                        let s = next(n);
                        path.push((n, s, 0));
                    }
                    Mark::Done => {}
                }
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::config::{load_text, Overrides};

    fn errors(text: &str) -> Vec<String> {
        match load_text(Path::new("/tmp/deps.conf"), text, &Overrides::default()) {
            Ok(_) => Vec::new(),
            Err(e) => e.iter().map(ToString::to_string).collect(),
        }
    }

    const BASE: &str = "[supervisord]\n";

    #[test]
    fn a_cycle_is_refused_at_its_depends_on_line_and_spelled_out() {
        let text = format!(
            "{BASE}[program:a]\ncommand=true\ndepends_on=c\n\n[program:b]\ncommand=true\ndepends_on=a\n\n\
             [program:c]\ncommand=true\ndepends_on = b\n"
        );
        let e = errors(&text);
        assert_eq!(e.len(), 1, "{e:?}");
        assert!(
            e[0].starts_with("deps.conf:4: [program:a] depends_on: dependency cycle"),
            "{}",
            e[0]
        );
        assert!(e[0].contains("a -> c -> b -> a"), "{}", e[0]);
    }

    #[test]
    fn an_unknown_name_is_refused_and_groups_count_as_names() {
        let text = format!(
            "{BASE}[program:web]\ncommand=true\ndepends_on=db, backends\n\n\
             [program:api]\ncommand=true\n[group:backends]\nprograms=api\n"
        );
        let e = errors(&text);
        assert_eq!(e.len(), 1, "{e:?}");
        assert!(
            e[0].starts_with("deps.conf:4: [program:web] depends_on"),
            "{}",
            e[0]
        );
        assert!(e[0].contains("\"db\""), "{}", e[0]);
        // Through a group: web -> backends (api) -> web is a cycle.
        let text = format!(
            "{BASE}[program:web]\ncommand=true\ndepends_on=backends\n\n\
             [program:api]\ncommand=true\ndepends_on=web\n[group:backends]\nprograms=api\n"
        );
        let e = errors(&text);
        assert!(e.iter().any(|l| l.contains("web -> api -> web")), "{e:?}");
    }

    #[test]
    fn the_new_keys_are_read_and_bad_values_named() {
        let text = format!(
            "{BASE}[program:db]\ncommand=true\nready_check=tcp:127.0.0.1:5432\nready_timeout=5\n\
             backoff=exponential\nbackoff_max=30\nfatal_retry_after=60\nessential=true\n\n\
             [program:web]\ncommand=true\ndepends_on=db\n"
        );
        let cfg =
            load_text(Path::new("/tmp/deps.conf"), &text, &Overrides::default()).expect("loads");
        let db = cfg
            .model
            .programs
            .iter()
            .find(|p| p.params.name == "db")
            .expect("db");
        assert_eq!(db.params.ready_timeout, Some(5));
        assert_eq!(db.params.pacing.max_secs, 30);
        assert_eq!(db.params.pacing.fatal_retry_after_secs, 60);
        assert!(db.orchestration.essential);
        let web = cfg
            .model
            .programs
            .iter()
            .find(|p| p.params.name == "web")
            .expect("web");
        assert_eq!(web.orchestration.depends_on, ["db"]);
        assert_eq!(web.params.ready_timeout, None, "no check: RUNNING is ready");
        let e = errors(&format!(
            "{BASE}[program:x]\ncommand=true\nbackoff=sometimes\nready_check=ftp://x\n"
        ));
        assert_eq!(e.len(), 2, "{e:?}");
        assert!(
            e.iter().any(|l| l.contains(":4: [program:x] backoff")),
            "{e:?}"
        );
        assert!(
            e.iter().any(|l| l.contains(":5: [program:x] ready_check")),
            "{e:?}"
        );
    }
}
