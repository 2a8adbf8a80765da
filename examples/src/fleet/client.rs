//! `fleet`: the view of every host. `fleet status` prints every process on every host from
//! the state bucket, in `supervisorctl status`'s layout with the host in front; `fleet
//! tail` prints the stream's events since a moment, then live ones, a line at a time.

use std::io::Write;
use std::time::{Duration, SystemTime};

use async_nats::jetstream::consumer::pull::OrderedConfig;
use async_nats::jetstream::consumer::DeliverPolicy;
use futures_util::StreamExt;

use super::connect::{self, NatsArgs};
use super::record::{parse_duration, parse_rfc3339, token, Record, StateRecord};
use crate::support::getopt::{self, Spec};

/// The usage text.
pub fn usage() -> String {
    format!(
        "\
usage: fleet status [--host GLOB] [--json] [options]
       fleet tail [--host H] [--process P] [--since 10m] [--no-follow] [--json] [options]

status: every process on every host, from the state bucket.
tail:   the events since --since (default 10m), then live ones as they come
        (--no-follow: stop once caught up). --process matches a name, a group or
        group:name.

Options:
{}  --stream NAME           the stream (SUPERVISOR_EVENTS)
  --subject-prefix P      the forwarders' subject prefix (supervisor)
  --bucket NAME           the state bucket (SUPERVISOR_STATE)
  -h, --help              this text",
        connect::USAGE
    )
}

const fn long(name: &'static str, takes_value: bool) -> Spec {
    Spec {
        short: None,
        long: name,
        takes_value,
    }
}

const SPECS: &[Spec] = &[
    long("nats", true),
    long("creds", true),
    long("user", true),
    long("password", true),
    long("tls-ca", true),
    long("stream", true),
    long("subject-prefix", true),
    long("bucket", true),
    long("host", true),
    long("process", true),
    long("since", true),
    long("json", false),
    long("no-follow", false),
    Spec {
        short: Some('h'),
        long: "help",
        takes_value: false,
    },
];

/// What to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// `fleet status`.
    Status,
    /// `fleet tail`.
    Tail,
}

/// A parsed `fleet` command line.
#[derive(Debug, Clone, PartialEq)]
pub struct Fleet {
    /// The subcommand.
    pub command: Command,
    /// The broker.
    pub nats: NatsArgs,
    /// The stream.
    pub stream: String,
    /// The subject prefix.
    pub prefix: String,
    /// The bucket.
    pub bucket: String,
    /// `--host` (a glob for status, a host name or glob for tail).
    pub host: Option<String>,
    /// `--process`.
    pub process: Option<String>,
    /// `--since`.
    pub since: Duration,
    /// `--json`.
    pub json: bool,
    /// `--no-follow`.
    pub follow: bool,
}

/// Why a command line was refused: the message (empty for `-h`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Usage(pub String);

impl Fleet {
    /// Parses `fleet SUBCOMMAND [options]`.
    pub fn from_args(args: &[String]) -> Result<Fleet, Usage> {
        let command = match args.first().map(String::as_str) {
            Some("status") => Command::Status,
            Some("tail") => Command::Tail,
            Some("-h" | "--help") => return Err(Usage(String::new())),
            Some(other) => return Err(Usage(format!("unknown command {other:?}"))),
            None => return Err(Usage("a command is required: status or tail".into())),
        };
        let (given, rest) = getopt::parse(SPECS, &args[1..]).map_err(Usage)?;
        if let Some(r) = rest.first() {
            return Err(Usage(format!("unexpected argument {r:?}")));
        }
        let mut f = Fleet {
            command,
            nats: NatsArgs::default(),
            stream: super::DEFAULT_STREAM.into(),
            prefix: super::DEFAULT_PREFIX.into(),
            bucket: super::DEFAULT_BUCKET.into(),
            host: None,
            process: None,
            since: Duration::from_secs(600),
            json: false,
            follow: true,
        };
        for (opt, value) in given {
            let value = value.unwrap_or_default();
            if f.nats.take(opt, &value) {
                continue;
            }
            match opt {
                "help" => return Err(Usage(String::new())),
                "stream" => f.stream = value,
                "subject-prefix" => f.prefix = value,
                "bucket" => f.bucket = value,
                "host" => f.host = Some(value),
                "process" => f.process = Some(value),
                "since" => {
                    f.since = parse_duration(&value)
                        .ok_or_else(|| Usage(format!("--since: not a duration: {value:?}")))?
                }
                "json" => f.json = true,
                "no-follow" => f.follow = false,
                _ => return Err(Usage(format!("--{opt} is not an option of fleet"))),
            }
        }
        if f.command == Command::Status && (f.process.is_some() || !f.follow) {
            return Err(Usage(
                "--process and --no-follow are options of tail".into(),
            ));
        }
        f.nats.servers().map_err(Usage)?;
        Ok(f)
    }

    /// Runs the command, writing to `out`.
    pub async fn run(&self, out: &mut impl Write) -> Result<(), String> {
        let options = self.nats.options("fleet").await?;
        let client = options
            .connect(self.nats.servers()?)
            .await
            .map_err(|e| format!("cannot connect: {e}"))?;
        let js = async_nats::jetstream::new(client);
        match self.command {
            Command::Status => self.status(&js, out).await,
            Command::Tail => self.tail(&js, out).await,
        }
    }

    async fn status(
        &self,
        js: &async_nats::jetstream::Context,
        out: &mut impl Write,
    ) -> Result<(), String> {
        let kv = js
            .get_key_value(&self.bucket)
            .await
            .map_err(|e| format!("bucket {}: {e}", self.bucket))?;
        let mut records = Vec::new();
        // Listing the keys of an empty bucket would wait for ever.
        let keys = if kv.status().await.map_or(0, |s| s.values()) == 0 {
            Vec::new()
        } else {
            let mut keys = kv.keys().await.map_err(|e| e.to_string())?;
            let list = async {
                let mut all = Vec::new();
                while let Some(key) = keys.next().await {
                    all.push(key.map_err(|e| e.to_string())?);
                }
                Ok::<_, String>(all)
            };
            tokio::time::timeout(Duration::from_secs(30), list)
                .await
                .map_err(|_| "listing the bucket's keys timed out".to_owned())??
        };
        for key in keys {
            if let Ok(Some(value)) = kv.get(&key).await {
                if let Ok(r) = serde_json::from_slice::<StateRecord>(&value) {
                    if self.host.as_deref().is_none_or(|g| glob(g, &r.host)) {
                        records.push(r);
                    }
                }
            }
        }
        records.sort_by(|a, b| (&a.host, a.namespec()).cmp(&(&b.host, b.namespec())));
        let now = SystemTime::now();
        let width = records.iter().map(|r| r.host.len()).max().unwrap_or(0);
        for r in &records {
            let line = if self.json {
                serde_json::to_string(r).map_err(|e| e.to_string())?
            } else {
                status_line(r, width, now)
            };
            writeln!(out, "{line}").map_err(|e| e.to_string())?;
        }
        out.flush().map_err(|e| e.to_string())
    }

    async fn tail(
        &self,
        js: &async_nats::jetstream::Context,
        out: &mut impl Write,
    ) -> Result<(), String> {
        let host = match &self.host {
            Some(h) if !h.contains(['*', '?']) => token(h),
            _ => "*".into(),
        };
        let mut stream = js
            .get_stream(&self.stream)
            .await
            .map_err(|e| format!("stream {}: {e}", self.stream))?;
        let last = stream
            .info()
            .await
            .map_err(|e| e.to_string())?
            .state
            .last_sequence;
        let start = SystemTime::now()
            .checked_sub(self.since)
            .unwrap_or(SystemTime::UNIX_EPOCH)
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap_or_default();
        let start_time = time::OffsetDateTime::from_unix_timestamp_nanos(start.as_nanos() as i128)
            .map_err(|e| e.to_string())?;
        let consumer = stream
            .create_consumer(OrderedConfig {
                filter_subject: format!("{}.{host}.>", self.prefix),
                deliver_policy: DeliverPolicy::ByStartTime { start_time },
                ..Default::default()
            })
            .await
            .map_err(|e| format!("consumer: {e}"))?;
        if !self.follow && last == 0 {
            return Ok(());
        }
        let mut messages = consumer.messages().await.map_err(|e| e.to_string())?;
        loop {
            let next = if self.follow {
                messages.next().await
            } else {
                // Caught up when nothing more arrives for a moment.
                match tokio::time::timeout(Duration::from_secs(1), messages.next()).await {
                    Ok(m) => m,
                    Err(_) => return Ok(()),
                }
            };
            let Some(message) = next else { return Ok(()) };
            let message = message.map_err(|e| e.to_string())?;
            let seq = message.info().map(|i| i.stream_sequence).unwrap_or(0);
            if let Ok(record) = serde_json::from_slice::<Record>(&message.payload) {
                if self.shows(&record) {
                    let line = if self.json {
                        String::from_utf8_lossy(&message.payload).into_owned()
                    } else {
                        tail_line(&record)
                    };
                    writeln!(out, "{line}")
                        .and_then(|()| out.flush())
                        .map_err(|e| e.to_string())?;
                }
            }
            if !self.follow && seq >= last {
                return Ok(());
            }
        }
    }

    fn shows(&self, r: &Record) -> bool {
        let host_ok = self.host.as_deref().is_none_or(|g| glob(g, &r.host));
        let process_ok = self.process.as_deref().is_none_or(|p| {
            let name = r.headers.get("processname");
            let group = r.headers.get("groupname");
            name.is_some_and(|n| glob(p, n))
                || group.is_some_and(|g| glob(p, g))
                || r.namespec().is_some_and(|n| glob(p, &n))
        });
        host_ok && process_ok
    }
}

/// `supervisorctl status`'s line with the host in front; a running process's uptime is
/// counted to `now` from `since`.
pub fn status_line(r: &StateRecord, host_width: usize, now: SystemTime) -> String {
    let description = match (r.state.as_str(), parse_rfc3339(&r.since)) {
        ("RUNNING", Some(since)) => {
            let up = now.duration_since(since).unwrap_or_default().as_secs();
            format!("pid {}, uptime {}", r.pid, uptime(up))
        }
        _ => r.description.clone(),
    };
    format!(
        "{:<host_width$}  {:<33}{:<10}{}",
        r.host,
        r.namespec(),
        r.state,
        description
    )
    .trim_end()
    .to_owned()
}

/// Python's `str(timedelta)`: `0:01:02`, `1 day, 2:03:04`, `3 days, 0:00:00`.
fn uptime(secs: u64) -> String {
    let (days, rest) = (secs / 86_400, secs % 86_400);
    let clock = format!("{}:{:02}:{:02}", rest / 3600, rest / 60 % 60, rest % 60);
    match days {
        0 => clock,
        1 => format!("1 day, {clock}"),
        n => format!("{n} days, {clock}"),
    }
}

/// One event as a line: time, host, event name, the process, the other header tokens, and
/// the data (newlines as `\n`).
pub fn tail_line(r: &Record) -> String {
    let mut line = format!("{} {} {}", r.time, r.host, r.eventname);
    if let Some(n) = r.namespec() {
        line.push(' ');
        line.push_str(&n);
    }
    for (k, v) in &r.headers {
        if k != "processname" && k != "groupname" {
            line.push_str(&format!(" {k}={v}"));
        }
    }
    if let Some(d) = &r.data {
        line.push_str(" | ");
        line.push_str(&d.replace('\\', "\\\\").replace('\n', "\\n"));
    }
    line
}

/// Shell-style glob with `*` and `?`.
pub fn glob(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn globs() {
        assert!(glob("web*", "web1.example.com"));
        assert!(glob("*.example.com", "db.example.com"));
        assert!(glob("h?", "h1") && !glob("h?", "h12"));
        assert!(!glob("web*", "db1"));
        assert!(glob("*", ""));
    }

    #[test]
    fn status_lines_look_like_supervisorctl() {
        let r = StateRecord {
            schema: 1,
            host: "h1".into(),
            group: "web".into(),
            name: "web_0".into(),
            state: "RUNNING".into(),
            pid: 42,
            since: "2026-12-03T13:00:00.000Z".into(),
            exitstatus: 0,
            description: "stale".into(),
            updated: String::new(),
        };
        let now = parse_rfc3339("2026-12-04T14:01:02Z").expect("time");
        assert_eq!(
            status_line(&r, 4, now),
            format!(
                "h1    {:<33}RUNNING   pid 42, uptime 1 day, 1:01:02",
                "web:web_0"
            )
        );
        let stopped = StateRecord {
            state: "STOPPED".into(),
            description: "Dec 03 01:00 PM".into(),
            ..r
        };
        assert!(status_line(&stopped, 2, now).ends_with("STOPPED   Dec 03 01:00 PM"));
    }

    #[test]
    fn command_lines() {
        let f = Fleet::from_args(&args(&["tail", "--host", "h1", "--since", "5s", "--json"]))
            .expect("parses");
        assert_eq!(
            (f.command, f.since, f.json),
            (Command::Tail, Duration::from_secs(5), true)
        );
        assert!(Fleet::from_args(&args(&["status", "--process", "x"])).is_err());
        assert!(Fleet::from_args(&args(&["purge"])).is_err());
        assert!(Fleet::from_args(&args(&[])).is_err());
        assert!(Fleet::from_args(&args(&["tail", "--since", "soon"])).is_err());
    }
}
