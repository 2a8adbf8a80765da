//! `event-forwarder`: every event its `[eventlistener:x]` subscribes to, into one durable
//! NATS JetStream stream, at least once, each exactly once in the stream.
//!
//! Each event becomes a [`Record`] (JSON, schema 1), is written to the on-disk spool
//! (`--spool DIR`, a journal, `fdatasync`ed) and only then answered `RESULT 2\nOK`: a slow or absent broker
//! never stalls supervisord's pool. A publisher thread sends spooled records in order,
//! many in flight, each with `Nats-Msg-Id: <host>/<boot>/<serial>`, and removes a record
//! from the spool only once JetStream acknowledged it; while the broker is away it retries
//! with capped exponential backoff. The server discards a second copy with the same id
//! within the stream's duplicate window, so a record sent again after a lost ack, a
//! SIGKILL or supervisord redelivering an unacknowledged event is stored once.
//!
//! The stream (`--stream`, subjects `P.>`, file storage, `--duplicate-window`) is created
//! if missing, and so is the state bucket (see the README's fleet section).
//!
//! ```ini
//! [eventlistener:fleet]
//! command=/usr/local/bin/event-forwarder --nats nats://nats1:4222,nats://nats2:4222 --spool /var/spool/supervisor-fleet
//! events=PROCESS_STATE,PROCESS_LOG,REMOTE_COMMUNICATION,SUPERVISOR_STATE_CHANGE
//! buffer_size=1000
//! ```

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use listener_sdk::rpc::RpcClient;
use listener_sdk::spool::{Spool, SpoolOptions};
use listener_sdk::{Event, Listener, Logger, Verdict};
use tokio::sync::{mpsc, watch};

use super::connect::{self, NatsArgs};
use super::publisher::{Publisher, Spooled};
use super::record::{parse_duration, rfc3339, Names, Record};
use super::state::{StateTask, StateUpdate};
use crate::support::getopt::{self, Spec};
use crate::Cli;

/// The usage text (`-h`).
pub fn usage() -> String {
    format!(
        "\
usage: event-forwarder [options]

Forwards every event this [eventlistener:x] subscribes to into a NATS JetStream
stream, at least once: each is spooled to disk before it is acknowledged.

Options:
{}  --spool DIR             the on-disk spool (default $TMPDIR/event-forwarder-NAME.spool)
  --stream NAME           the stream (SUPERVISOR_EVENTS), created if missing
  --subject-prefix P      subjects are P.<host>.<EVENTNAME> (supervisor)
  --host NAME             the host name published (default: this machine's)
  --duplicate-window D    the new stream's de-duplication window (10m)
  --bucket NAME           the state bucket (SUPERVISOR_STATE)
  --state-max-age D       state entries expire after D unless refreshed (15m; refreshed every D/3)
  --no-state              do not keep the state bucket
  --spool-size N          spooled events kept before the oldest is dropped (100000)
  --no-fsync              do not fsync each spooled event (survives a crash of the
                          forwarder, not of the machine)
  --window N              publishes awaiting their ack at once (512)
  --ack-timeout D         wait this long for a publish ack before sending again (5s)
  --backoff D             first wait after a failure, doubled (0.5s)
  --max-backoff D         the longest wait (10s)
  -h, --help              this text

Durations: 500ms, 5s, 1.5s, 10m, 2h, 1d or seconds.",
        connect::USAGE
    )
}

const SPECS: &[Spec] = &[
    long("nats", true),
    long("creds", true),
    long("user", true),
    long("password", true),
    long("tls-ca", true),
    long("spool", true),
    long("stream", true),
    long("subject-prefix", true),
    long("host", true),
    long("duplicate-window", true),
    long("bucket", true),
    long("state-max-age", true),
    long("no-state", false),
    long("spool-size", true),
    long("no-fsync", false),
    long("window", true),
    long("ack-timeout", true),
    long("backoff", true),
    long("max-backoff", true),
    Spec {
        short: Some('h'),
        long: "help",
        takes_value: false,
    },
];

const fn long(name: &'static str, takes_value: bool) -> Spec {
    Spec {
        short: None,
        long: name,
        takes_value,
    }
}

/// The forwarder's settings.
#[derive(Debug, Clone, PartialEq)]
pub struct Forwarder {
    /// The broker.
    pub nats: NatsArgs,
    /// The spool directory.
    pub spool_dir: PathBuf,
    /// The stream.
    pub stream: String,
    /// The subject prefix.
    pub prefix: String,
    /// The host name published.
    pub host: String,
    /// The stream's duplicate window, when this forwarder creates it.
    pub duplicate_window: Duration,
    /// The state bucket, or `None` (`--no-state`).
    pub bucket: Option<String>,
    /// The state entries' age limit.
    pub state_max_age: Duration,
    /// Spool capacity.
    pub spool_size: usize,
    /// `fsync` each spooled event.
    pub fsync: bool,
    /// Publishes in flight.
    pub window: usize,
    /// How long to wait for one publish ack.
    pub ack_timeout: Duration,
    /// The first wait after a failure.
    pub backoff: Duration,
    /// The longest wait.
    pub max_backoff: Duration,
}

impl Forwarder {
    /// Parses the command line.
    pub fn from_args(args: &[String]) -> Cli<Forwarder> {
        let bad = |m: String| {
            eprintln!("event-forwarder: {m}");
            Cli::Usage(2)
        };
        let (given, rest) = match getopt::parse(SPECS, args) {
            Ok(g) => g,
            Err(e) => return bad(e),
        };
        if let Some(r) = rest.first() {
            return bad(format!("unexpected argument {r:?}"));
        }
        let name =
            std::env::var("SUPERVISOR_PROCESS_NAME").unwrap_or_else(|_| "event-forwarder".into());
        let mut f = Forwarder {
            nats: NatsArgs::default(),
            spool_dir: std::env::temp_dir().join(format!("event-forwarder-{name}.spool")),
            stream: super::DEFAULT_STREAM.into(),
            prefix: super::DEFAULT_PREFIX.into(),
            host: super::hostname(),
            duplicate_window: Duration::from_secs(600),
            bucket: Some(super::DEFAULT_BUCKET.into()),
            state_max_age: Duration::from_secs(900),
            spool_size: 100_000,
            fsync: true,
            window: 512,
            ack_timeout: Duration::from_secs(5),
            backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(10),
        };
        for (opt, value) in given {
            let value = value.unwrap_or_default();
            if f.nats.take(opt, &value) {
                continue;
            }
            let duration = || {
                parse_duration(&value)
                    .filter(|d| !d.is_zero() || opt == "backoff")
                    .ok_or_else(|| format!("--{opt}: not a duration: {value:?}"))
            };
            let count = || {
                value
                    .parse::<usize>()
                    .ok()
                    .filter(|&n| n > 0)
                    .ok_or_else(|| format!("--{opt}: not a positive number: {value:?}"))
            };
            let nonempty = || {
                Some(value.clone())
                    .filter(|v| !v.is_empty() && !v.contains(['.', '*', '>', ' ']))
                    .ok_or_else(|| format!("--{opt}: not a valid name: {value:?}"))
            };
            let set: Result<(), String> = (|| {
                match opt {
                    "help" => return Err(String::new()),
                    "spool" => f.spool_dir = value.clone().into(),
                    "stream" => f.stream = nonempty()?,
                    "subject-prefix" => {
                        f.prefix = Some(value.clone())
                            .filter(|v| {
                                !v.is_empty()
                                    && v.split('.').all(|t| !t.is_empty())
                                    && !v.contains(['*', '>', ' '])
                            })
                            .ok_or_else(|| format!("--{opt}: not a subject prefix: {value:?}"))?
                    }
                    "host" if !value.is_empty() => f.host = value.clone(),
                    "duplicate-window" => f.duplicate_window = duration()?,
                    "bucket" => f.bucket = Some(nonempty()?),
                    "state-max-age" => f.state_max_age = duration()?,
                    "no-state" => f.bucket = None,
                    "spool-size" => f.spool_size = count()?,
                    "no-fsync" => f.fsync = false,
                    "window" => f.window = count()?,
                    "ack-timeout" => f.ack_timeout = duration()?,
                    "backoff" => f.backoff = duration()?,
                    "max-backoff" => f.max_backoff = duration()?,
                    _ => return Err(format!("--{opt}: bad value {value:?}")),
                }
                Ok(())
            })();
            match set {
                Ok(()) => {}
                Err(m) if m.is_empty() => return Cli::Usage(0),
                Err(m) => return bad(m),
            }
        }
        if let Err(e) = f.nats.servers() {
            return bad(e);
        }
        Cli::Run(f)
    }

    /// Runs the forwarder on stdin/stdout until supervisord stops it; the exit status.
    pub fn run(self, log: &Logger) -> ExitCode {
        let options = SpoolOptions {
            capacity: self.spool_size,
            sync: self.fsync,
        };
        let spool = match Spool::open(&self.spool_dir, options) {
            Ok(s) => Arc::new(s),
            Err(e) => {
                log.log(format_args!(
                    "cannot open the spool {}: {e}",
                    self.spool_dir.display()
                ));
                return ExitCode::from(2);
            }
        };
        let backlog = spool.entries();
        if !backlog.is_empty() {
            log.log(format_args!(
                "{} spooled events from an earlier run",
                backlog.len()
            ));
        }
        let rpc = RpcClient::from_env().ok();
        let boot = super::boot::boot_id(super::boot::supervisord_pid(rpc.as_ref()));
        log.log(format_args!(
            "forwarding as host {:?}, supervisord run {boot}, to stream {}",
            self.host, self.stream
        ));
        let (tx, rx) = mpsc::channel::<Spooled>(CHANNEL);
        let (state_tx, state_rx) = mpsc::channel::<StateUpdate>(CHANNEL);
        let overflow = Arc::new(AtomicBool::new(false));
        let state_overflow = Arc::new(AtomicBool::new(false));
        let (stop_tx, stop_rx) = watch::channel(false);
        let publisher = Publisher {
            spool: Arc::clone(&spool),
            log: log.clone(),
            stream: self.stream.clone(),
            prefix: self.prefix.clone(),
            duplicate_window: self.duplicate_window,
            window: self.window,
            backoff: (self.backoff, self.max_backoff),
            overflow: Arc::clone(&overflow),
            drain: DRAIN,
        };
        let state = self.bucket.clone().map(|bucket| StateTask {
            bucket,
            host: self.host.clone(),
            max_age: self.state_max_age,
            rpc: rpc.clone(),
            log: log.clone(),
            overflow: Arc::clone(&state_overflow),
        });
        let nats = self.nats.clone();
        let (name, ack_timeout) = (format!("event-forwarder {}", self.host), self.ack_timeout);
        let worker_log = log.clone();
        let worker = std::thread::spawn(move || {
            let rt = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(rt) => rt,
                Err(e) => {
                    worker_log.log(format_args!("cannot start the publisher: {e}"));
                    std::process::exit(2);
                }
            };
            rt.block_on(async move {
                // A setting that can never work (an unreadable --creds): exit, so that
                // supervisord shows it; what is spooled stays for the next run.
                let fatal = |e: &dyn std::fmt::Display| -> ! {
                    worker_log.log(e);
                    std::process::exit(2)
                };
                let servers = nats.servers().unwrap_or_else(|e| fatal(&e));
                let options = match nats.options(&name).await {
                    Ok(o) => o.retry_on_initial_connect(),
                    Err(e) => fatal(&e),
                };
                let client = match options.connect(servers).await {
                    Ok(c) => c,
                    Err(e) => fatal(&format_args!("cannot connect: {e}")),
                };
                let js = async_nats::jetstream::ContextBuilder::new()
                    .timeout(Duration::from_secs(5))
                    .ack_timeout(ack_timeout)
                    .max_ack_inflight(publisher.window.max(1) * 2)
                    .build(client.clone());
                let state_job =
                    state.map(|s| tokio::spawn(s.run(js.clone(), state_rx, stop_rx.clone())));
                publisher.run(js, backlog, rx, stop_rx).await;
                if let Some(job) = state_job {
                    job.abort();
                }
                let _ = tokio::time::timeout(Duration::from_secs(2), client.flush()).await;
            });
        });
        let (host, boot_ref) = (self.host.clone(), boot.clone());
        let names = Names::new(&self.prefix, &self.host, &boot);
        let protocol_log = log.clone();
        // The record is written straight into this buffer, reused for every event.
        let mut json = Vec::with_capacity(1024);
        let result = Listener::new().run_verdicts(move |event: &Event| {
            let time = rfc3339(SystemTime::now());
            json.clear();
            Record::write_json(event, &host, &boot_ref, &time, &mut json);
            match spool.push(&json) {
                Ok(pushed) => {
                    if let Some(old) = pushed.dropped {
                        protocol_log.log(format_args!(
                            "spool full: dropped entry {old} ({} dropped in all)",
                            spool.dropped()
                        ));
                    }
                    // While the publisher is behind, it reads the spool instead.
                    if !overflow.load(Ordering::SeqCst)
                        && tx
                            .try_send(Spooled {
                                seq: pushed.seq,
                                data: Bytes::copy_from_slice(&json),
                                subject: names.subject(event.name()),
                                msg_id: names.msg_id(event.serial()),
                            })
                            .is_err()
                    {
                        overflow.store(true, Ordering::SeqCst);
                    }
                    if let Some(update) = StateUpdate::from_event(event, &time) {
                        if state_tx.try_send(update).is_err() {
                            state_overflow.store(true, Ordering::SeqCst);
                        }
                    }
                    Verdict::Ok
                }
                Err(e) => {
                    protocol_log.log(format_args!(
                        "could not spool {} (serial {}): {e}; answering FAIL",
                        event.name(),
                        event.serial()
                    ));
                    Verdict::Fail
                }
            }
        });
        let _ = stop_tx.send(true);
        let _ = worker.join();
        match result {
            Ok(_) => ExitCode::SUCCESS,
            Err(e) => {
                log.log(e);
                ExitCode::FAILURE
            }
        }
    }
}

/// Records handed to the publisher in memory (beyond that it reads the spool).
const CHANNEL: usize = 8192;
/// At end of input or SIGTERM, how long to keep publishing what is spooled.
const DRAIN: Duration = Duration::from_secs(3);

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn the_command_line_in_the_readme() {
        let Cli::Run(f) = Forwarder::from_args(&args(&[
            "--nats",
            "nats://a:4222,nats://b:4222",
            "--spool",
            "/tmp/s",
            "--stream",
            "EV",
            "--subject-prefix",
            "sv.prod",
            "--host",
            "web1",
            "--user",
            "u",
            "--password",
            "p",
            "--state-max-age",
            "1m",
            "--backoff",
            "250ms",
        ])) else {
            panic!("parses")
        };
        assert_eq!(f.nats.urls.len(), 2);
        assert_eq!(
            (f.stream.as_str(), f.prefix.as_str(), f.host.as_str()),
            ("EV", "sv.prod", "web1")
        );
        assert_eq!(f.state_max_age, Duration::from_secs(60));
        assert_eq!(f.backoff, Duration::from_millis(250));
        assert_eq!(f.spool_dir, PathBuf::from("/tmp/s"));
    }

    #[test]
    fn bad_values_are_refused() {
        for bad in [
            &["--stream", "a.b"][..],
            &["--subject-prefix", "a..b"],
            &["--window", "0"],
            &["--ack-timeout", "soon"],
            &["--nats", "nats://bad host"],
            &["extra"],
        ] {
            assert_eq!(Forwarder::from_args(&args(bad)), Cli::Usage(2), "{bad:?}");
        }
        assert_eq!(Forwarder::from_args(&args(&["-h"])), Cli::Usage(0));
    }
}
