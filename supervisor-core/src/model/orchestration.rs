//! Beyond 4.3: how a process relates to the others and when it counts as up
//! (`depends_on`, `ready_check`, `ready_interval`, `essential`). 4.3 ignores these keys.

use std::fmt;

use super::ProgramModel;

/// How to tell that a process is ready (`ready_check=`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadyCheck {
    /// `tcp:HOST:PORT`: a TCP connection is accepted.
    Tcp {
        /// Host name or address.
        host: String,
        /// Port.
        port: u16,
    },
    /// `http://…` or `https://…`: a GET answers 2xx.
    Http {
        /// The URL as configured.
        url: String,
    },
    /// `exec:COMMAND`: the command (run by `/bin/sh -c`) exits 0.
    Exec {
        /// The command line.
        command: String,
    },
}

impl ReadyCheck {
    /// Parses a `ready_check=` value.
    pub fn parse(value: &str) -> Result<ReadyCheck, String> {
        let v = value.trim();
        if let Some(rest) = v.strip_prefix("tcp:") {
            let (host, port) = rest
                .rsplit_once(':')
                .ok_or_else(|| "expected tcp:HOST:PORT".to_owned())?;
            let port: u16 = port
                .parse()
                .map_err(|_| format!("invalid port {port:?} in tcp:HOST:PORT"))?;
            let host = host.trim_start_matches('[').trim_end_matches(']');
            if host.is_empty() {
                return Err("expected tcp:HOST:PORT".into());
            }
            return Ok(ReadyCheck::Tcp {
                host: host.to_owned(),
                port,
            });
        }
        if v.starts_with("http://") || v.starts_with("https://") {
            return Ok(ReadyCheck::Http { url: v.to_owned() });
        }
        if let Some(command) = v.strip_prefix("exec:") {
            if command.trim().is_empty() {
                return Err("expected exec:COMMAND".into());
            }
            return Ok(ReadyCheck::Exec {
                command: command.trim().to_owned(),
            });
        }
        Err("expected tcp:HOST:PORT, http://..., https://... or exec:COMMAND".into())
    }
}

impl fmt::Display for ReadyCheck {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadyCheck::Tcp { host, port } if host.contains(':') => {
                write!(f, "tcp:[{host}]:{port}")
            }
            ReadyCheck::Tcp { host, port } => write!(f, "tcp:{host}:{port}"),
            ReadyCheck::Http { url } => f.write_str(url),
            ReadyCheck::Exec { command } => write!(f, "exec:{command}"),
        }
    }
}

/// The orchestration keys of one process. The default is 4.3's behaviour: no dependencies,
/// RUNNING is ready, not essential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Orchestration {
    /// The name of the section this process comes from (`x` of `[program:x]`): what other
    /// programs' `depends_on` name. Empty for a model built in code: its process name is used.
    pub unit: String,
    /// `depends_on=`: program or group names, as written.
    pub depends_on: Vec<String>,
    /// `ready_check=`.
    pub ready_check: Option<ReadyCheck>,
    /// `ready_interval=` in seconds (default 1).
    pub ready_interval_secs: u64,
    /// `essential=`: supervisord shuts down, exiting 1, if this process fails for good.
    pub essential: bool,
}

impl Default for Orchestration {
    fn default() -> Orchestration {
        Orchestration {
            unit: String::new(),
            depends_on: Vec::new(),
            ready_check: None,
            ready_interval_secs: 1,
            essential: false,
        }
    }
}

/// For each process, the indices of the processes its `depends_on` names stand for: every
/// process of a program (`[program:x]` name) or of a group. `removed` processes are skipped.
pub fn resolve_dependencies<'a>(
    programs: impl IntoIterator<Item = (&'a ProgramModel, bool)>,
) -> Vec<Vec<usize>> {
    let list: Vec<(&ProgramModel, bool)> = programs.into_iter().collect();
    let unit = |p: &'a ProgramModel| {
        if p.orchestration.unit.is_empty() {
            p.params.name.as_str()
        } else {
            p.orchestration.unit.as_str()
        }
    };
    list.iter()
        .enumerate()
        .map(|(i, (p, _))| {
            let mut deps = Vec::new();
            for name in &p.orchestration.depends_on {
                for (j, (o, removed)) in list.iter().enumerate() {
                    let named = unit(o) == name || o.params.group == *name;
                    if j != i && !removed && named && !deps.contains(&j) {
                        deps.push(j);
                    }
                }
            }
            deps
        })
        .collect()
}

/// The start order `depends_on` makes: layer 0 depends on nothing, each later layer only on
/// earlier ones. Process names, in config order within a layer. A cycle (refused by the
/// loader) would leave its processes out.
pub fn start_layers(programs: &[ProgramModel]) -> Vec<Vec<String>> {
    let deps = resolve_dependencies(programs.iter().map(|p| (p, false)));
    let mut layer_of: Vec<Option<usize>> = vec![None; programs.len()];
    let mut layers: Vec<Vec<String>> = Vec::new();
    loop {
        let current = layers.len();
        let ready: Vec<usize> = (0..programs.len())
            .filter(|&i| layer_of[i].is_none())
            .filter(|&i| {
                deps[i]
                    .iter()
                    .all(|&d| layer_of[d].is_some_and(|l| l < current))
            })
            .collect();
        if ready.is_empty() {
            return layers;
        }
        for &i in &ready {
            layer_of[i] = Some(current);
        }
        layers.push(
            ready
                .iter()
                .map(|&i| programs[i].params.name.clone())
                .collect(),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layers_follow_the_dependencies_and_groups_stand_for_their_members() {
        let p = |name: &str, group: &str, deps: &[&str]| {
            ProgramModel::builder(name)
                .group(group)
                .orchestration(Orchestration {
                    depends_on: deps.iter().map(|d| (*d).to_owned()).collect(),
                    ..Orchestration::default()
                })
                .build()
        };
        let programs = [
            p("web", "web", &["backends"]),
            p("api", "backends", &["db"]),
            p("worker", "backends", &["db"]),
            p("db", "db", &[]),
        ];
        assert_eq!(
            start_layers(&programs),
            [vec!["db"], vec!["api", "worker"], vec!["web"]]
        );
    }

    #[test]
    fn ready_checks_parse_and_print_back() {
        for v in [
            "tcp:127.0.0.1:5432",
            "tcp:[::1]:80",
            "http://localhost:8080/health",
            "https://example.org/",
            "exec:pg_isready -q",
        ] {
            assert_eq!(ReadyCheck::parse(v).expect(v).to_string(), v);
        }
        for bad in ["tcp:5432", "tcp:host:99999", "ftp://x", "exec:", ""] {
            assert!(ReadyCheck::parse(bad).is_err(), "{bad}");
        }
    }
}
