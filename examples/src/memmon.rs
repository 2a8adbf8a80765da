//! `memmon`: restart processes whose resident memory grows past a limit; a drop-in for
//! superlance 2.0's `memmon` (same options). Subscribe it to a tick:
//!
//! ```ini
//! [eventlistener:memmon]
//! command=/usr/local/bin/memmon -p web=200MB -g workers=1GB -m ops@example.com
//! events=TICK_60
//! ```
//!
//! On every `TICK_*` it asks supervisord for every process (`getAllProcessInfo`, over the
//! `SUPERVISOR_SERVER_URL` it was started with), reads each running process's RSS from
//! `/proc` (with `-c`, plus all its descendants), and restarts over RPC any process over its
//! limit: `-p name=size` (or `group:name=size`), `-g group=size`, `-a size` for any.

use std::collections::BTreeMap;

use listener_sdk::rpc::{ProcessInfo, RpcClient};
use listener_sdk::{Event, Logger};

use crate::support::getopt::{self, Spec};
use crate::support::{mail, procfs, units};
use crate::Cli;

/// The usage text (`-h`).
pub const USAGE: &str = "\
usage: memmon [-c] [-p NAME=SIZE]... [-g GROUP=SIZE]... [-a SIZE] [-s SENDMAIL]
              [-m ADDRESS] [-u UPTIME] [-n NAME]

Restarts supervised processes whose resident memory exceeds a limit, checked on
every TICK event (run it as an [eventlistener:x] subscribed to TICK_60 or so).

  -c, --cumulative             count a process's descendants too
  -p, --program NAME=SIZE      limit for a process (NAME or GROUP:NAME); repeatable
  -g, --group GROUP=SIZE       limit for every process of a group; repeatable
  -a, --any SIZE               limit for every process
  -s, --sendmail_program CMD   the command that sends mail (default: /usr/sbin/sendmail -t -i)
  -m, --email ADDRESS          mail this address about restarts
  -u, --uptime UPTIME          only mail when the process had been up at most this
                               long (seconds, or with an s/m/h/d suffix)
  -n, --name NAME              name this memmon in mail subjects
  -h, --help                   this text

SIZE is bytes, or with a KB/MB/GB suffix.
";

const SPECS: &[Spec] = &[
    Spec {
        short: Some('h'),
        long: "help",
        takes_value: false,
    },
    Spec {
        short: Some('c'),
        long: "cumulative",
        takes_value: false,
    },
    Spec {
        short: Some('p'),
        long: "program",
        takes_value: true,
    },
    Spec {
        short: Some('g'),
        long: "group",
        takes_value: true,
    },
    Spec {
        short: Some('a'),
        long: "any",
        takes_value: true,
    },
    Spec {
        short: Some('s'),
        long: "sendmail_program",
        takes_value: true,
    },
    Spec {
        short: Some('m'),
        long: "email",
        takes_value: true,
    },
    Spec {
        short: Some('u'),
        long: "uptime",
        takes_value: true,
    },
    Spec {
        short: Some('n'),
        long: "name",
        takes_value: true,
    },
];

/// memmon's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Memmon {
    /// `-c`.
    pub cumulative: bool,
    /// `-p`: limit per process name or namespec.
    pub programs: BTreeMap<String, u64>,
    /// `-g`: limit per group.
    pub groups: BTreeMap<String, u64>,
    /// `-a`.
    pub any: Option<u64>,
    /// `-s`.
    pub sendmail: String,
    /// `-m`.
    pub email: Option<String>,
    /// `-u`, seconds (no limit by default).
    pub uptime_limit: u64,
    /// `-n`.
    pub name: Option<String>,
}

/// A process found over its limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OverLimit {
    /// `group:name`.
    pub namespec: String,
    /// Its RSS in bytes.
    pub rss: u64,
}

fn name_size(v: &str) -> Option<(String, u64)> {
    let (name, size) = v.split_once('=')?;
    if size.contains('=') {
        return None;
    }
    Some((name.to_owned(), units::byte_size(size)?))
}

impl Memmon {
    /// Parses superlance's command line (no arguments at all is a usage error, as there).
    pub fn from_args(args: &[String]) -> Cli<Memmon> {
        if args.is_empty() {
            return Cli::Usage(255);
        }
        let Ok((given, _)) = getopt::parse(SPECS, args) else {
            return Cli::Usage(255);
        };
        let mut m = Memmon {
            cumulative: false,
            programs: BTreeMap::new(),
            groups: BTreeMap::new(),
            any: None,
            sendmail: mail::DEFAULT_SENDMAIL.to_owned(),
            email: None,
            uptime_limit: u64::MAX,
            name: None,
        };
        for (opt, value) in given {
            let value = value.unwrap_or_default();
            match opt {
                "help" => return Cli::Usage(0),
                "cumulative" => m.cumulative = true,
                "program" | "group" => {
                    let Some((name, size)) = name_size(&value) else {
                        eprintln!("Unparseable value {value:?} for --{opt}");
                        return Cli::Usage(255);
                    };
                    if opt == "program" {
                        m.programs.insert(name, size);
                    } else {
                        m.groups.insert(name, size);
                    }
                }
                "any" => match units::byte_size(&value) {
                    Some(size) => m.any = Some(size),
                    None => {
                        eprintln!("Unparseable byte_size in {value:?} for --any");
                        return Cli::Usage(255);
                    }
                },
                "sendmail_program" => m.sendmail = value,
                "email" => m.email = Some(value),
                "uptime" => match units::seconds(&value) {
                    Some(s) => m.uptime_limit = s,
                    None => {
                        eprintln!("Unparseable value for time in {value:?} for --uptime");
                        return Cli::Usage(255);
                    }
                },
                "name" => m.name = Some(value),
                _ => {}
            }
        }
        Cli::Run(m)
    }

    /// What is being checked, as superlance prints it on every tick.
    pub fn status_lines(&self) -> Vec<String> {
        let list = |map: &BTreeMap<String, u64>| {
            map.iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut lines = Vec::new();
        if !self.programs.is_empty() {
            lines.push(format!("Checking programs {}", list(&self.programs)));
        }
        if !self.groups.is_empty() {
            lines.push(format!("Checking groups {}", list(&self.groups)));
        }
        if let Some(any) = self.any {
            lines.push(format!("Checking any={any}"));
        }
        lines
    }

    /// The limit that applies to a process: its `-p` entry (by name or namespec), else its
    /// group's `-g`, else `-a`.
    pub fn limit_for(&self, info: &ProcessInfo) -> Option<u64> {
        self.programs
            .get(&info.name)
            .or_else(|| self.programs.get(&format!("{}:{}", info.group, info.name)))
            .or_else(|| self.groups.get(&info.group))
            .copied()
            .or(self.any)
    }

    /// The running processes over their limit, given a way to measure RSS.
    pub fn over_limit(
        &self,
        infos: &[ProcessInfo],
        rss_of: impl Fn(u32) -> Option<u64>,
        log: &Logger,
    ) -> Vec<OverLimit> {
        let mut over = Vec::new();
        for info in infos.iter().filter(|i| i.pid != 0) {
            let Some(limit) = self.limit_for(info) else {
                continue;
            };
            let Some(rss) = rss_of(info.pid) else {
                continue;
            };
            let namespec = format!("{}:{}", info.group, info.name);
            log.log(format_args!("RSS of {namespec} is {rss}"));
            if rss > limit {
                over.push(OverLimit { namespec, rss });
            }
        }
        over
    }

    fn subject(&self, what: &str) -> String {
        match &self.name {
            Some(n) => format!("memmon [{n}]: {what}"),
            None => format!("memmon: {what}"),
        }
    }

    fn mail(&self, subject: &str, text: &str, log: &Logger) {
        if let Some(to) = &self.email {
            if let Err(e) = mail::send(&self.sendmail, &mail::message(to, subject, text)) {
                log.log(format_args!("could not mail: {e}"));
            }
        }
    }

    /// Stops and starts `p` over RPC and mails about it (within the uptime limit).
    pub fn restart(&self, rpc: &RpcClient, p: &OverLimit, log: &Logger) {
        let uptime = rpc
            .get_process_info(&p.namespec)
            .map(|i| i.now.saturating_sub(i.start))
            .unwrap_or(0);
        log.log(format_args!("Restarting {}", p.namespec));
        if let Err(e) = rpc.stop_process(&p.namespec, true) {
            let text = format!("Failed to stop process {} (RSS {}): {e}", p.namespec, p.rss);
            log.log(&text);
            self.mail(
                &self.subject(&format!("failed to stop process {}", p.namespec)),
                &text,
                log,
            );
            return;
        }
        if let Err(e) = rpc.start_process(&p.namespec, true) {
            let text = format!(
                "Failed to start process {} after stopping it: {e}",
                p.namespec
            );
            log.log(&text);
            self.mail(
                &self.subject(&format!("failed to start process {}", p.namespec)),
                &text,
                log,
            );
            return;
        }
        if u64::try_from(uptime).unwrap_or(0) <= self.uptime_limit {
            let text = format!(
                "memmon restarted the process named {} at {} because it was using too much memory ({} bytes RSS)",
                p.namespec,
                mail::asctime_now(),
                p.rss
            );
            self.mail(
                &self.subject(&format!("process {} restarted", p.namespec)),
                &text,
                log,
            );
        }
    }

    /// Handles one event: on a tick, check every process and restart those over limit.
    pub fn handle(&self, event: &Event, rpc: &RpcClient, log: &Logger) -> Result<(), String> {
        if !event.name().starts_with("TICK") {
            return Ok(());
        }
        for line in self.status_lines() {
            log.log(line);
        }
        let infos = rpc
            .get_all_process_info()
            .map_err(|e| format!("getAllProcessInfo failed: {e}"))?;
        let measure = |pid| {
            if self.cumulative {
                procfs::cumulative_rss(pid)
            } else {
                procfs::rss(pid)
            }
        };
        for p in self.over_limit(&infos, measure, log) {
            self.restart(rpc, &p, log);
        }
        Ok(())
    }
}
