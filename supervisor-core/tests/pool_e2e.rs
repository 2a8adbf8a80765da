//! Listener pools end to end (issue 5), in-process daemon, real listener processes (small
//! Python scripts speaking the protocol by hand). One reaper per process, so the scenarios
//! take a lock and run one at a time.

mod common;

use common::{python_has, temp_dir};

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use event_proto::{EventMask, LenUnit};
use supervisor_core::daemon::supervisor::{run, Control};
use supervisor_core::log_level::LogLevel;
use supervisor_core::logging::{MainLog, MainLogTarget};
use supervisor_core::model::{ChannelModel, DaemonModel, ProgramModel};
use supervisor_core::pool::{PoolCounters, PoolSettings};
use supervisor_core::process::AutoRestart;
use tokio::sync::{mpsc, oneshot};

static ONE_DAEMON_AT_A_TIME: Mutex<()> = Mutex::new(());

/// A listener driven by $MODE: `ok` answers OK; `fail-first` answers FAIL to the first
/// event; `garbage-first` writes garbage instead of its first READY after receiving an event;
/// `hang` never answers; `mid-result` exits halfway through its first RESULT;
/// `close-stdout-first` closes its stdout on its first event and sleeps;
/// `stderr-flood` writes 800 KiB to stderr per event; `crash-first` exits while BUSY with its
/// first event; `chaos` exits while BUSY (3 %) or
/// answers FAIL (10 %) at random and records only the events it acknowledges; `slow` sleeps 0.3 s per event; `pieces` writes READY one byte at a time. Every event
/// received is appended to $OUT as `<pid> <serial> <poolserial> <eventname> <payload>`.
const LISTENER: &str = r#"
import os, sys, time
mode, out = os.environ['MODE'], open(os.environ['OUT'], 'a')
state = os.path.join(os.path.dirname(os.environ['OUT']), 'state-' + mode)
first = not os.path.exists(state)
def w(s):
    sys.stdout.write(s); sys.stdout.flush()
if mode == 'pieces':
    for c in 'READY\n':
        w(c); time.sleep(0.05)
else:
    w('READY\n')
while True:
    line = sys.stdin.readline()
    if not line:
        break
    h = dict(t.split(':', 1) for t in line.split())
    payload = sys.stdin.read(int(h['len']))
    if mode == 'chaos':
        import random
        roll = random.random()
        if roll < 0.03:
            os._exit(3)
        if roll < 0.13:
            w('RESULT 4\nFAIL'); w('READY\n'); continue
    out.write('%d %s %s %s %s\n' % (os.getpid(), h['serial'], h['poolserial'], h['eventname'], payload.replace('\n', '|')))
    out.flush()
    if mode == 'slow':
        time.sleep(0.3)
    if first and mode == 'fail-first':
        open(state, 'w').close(); first = False
        w('RESULT 4\nFAIL'); w('READY\n'); continue
    if mode == 'hang':
        time.sleep(3600)
    if first and mode == 'mid-result':
        open(state, 'w').close()
        w('RESULT 2\nO'); os._exit(4)
    if mode == 'stderr-flood':
        for _ in range(200):
            sys.stderr.write('x' * 4096 + '\n')
        sys.stderr.flush()
    if first and mode == 'crash-first':
        open(state, 'w').close()
        os._exit(3)
    if first and mode == 'close-stdout-first':
        open(state, 'w').close()
        sys.stdout.close(); os.close(1)
        time.sleep(3600)
    if first and mode == 'garbage-first':
        open(state, 'w').close(); first = False
        w('this is not the protocol\n'); continue
    w('RESULT 2\nOK'); w('READY\n')
"#;

fn listener(mode: &str, out: &Path, numprocs: usize) -> Vec<ProgramModel> {
    (0..numprocs)
        .map(|n| {
            let name = format!("lst_{n}");
            ProgramModel::builder(&name)
                .group("lst")
                .params(|p| {
                    p.startsecs = 0;
                    p.autorestart = AutoRestart::True;
                })
                .group_priority(-1)
                .priority(-1)
                .argv(["python3", "-c", LISTENER])
                .command("python3 -c LISTENER")
                .env("MODE", mode)
                .env("OUT", out.display().to_string())
                .pool(0)
                .build()
        })
        .collect()
}

fn model(dir: &Path, programs: Vec<ProgramModel>, buffer_size: usize) -> DaemonModel {
    model_for(dir, programs, buffer_size, "REMOTE_COMMUNICATION")
}

fn model_for(
    dir: &Path,
    programs: Vec<ProgramModel>,
    buffer_size: usize,
    events: &str,
) -> DaemonModel {
    DaemonModel {
        main_log: MainLogTarget::File {
            path: dir.join("supervisord.log"),
            maxbytes: 0,
            backups: 0,
        },
        loglevel: LogLevel::Debug,
        programs,
        pools: vec![PoolSettings {
            name: "lst".into(),
            events: EventMask::parse_list(events).expect("events"),
            buffer_size,
            len_unit: LenUnit::Chars,
            server: "supervisor".into(),
            exit_details: false,
        }],
        ..DaemonModel::default()
    }
}

struct Running {
    ctl: mpsc::UnboundedSender<Control>,
    task: tokio::task::JoinHandle<std::io::Result<supervisor_core::daemon::supervisor::Ended>>,
    dir: PathBuf,
}

impl Running {
    fn start(model: DaemonModel, dir: PathBuf) -> Running {
        let log = MainLog::open(&model.main_log, model.loglevel, false).expect("log");
        let (ctl, rx) = mpsc::unbounded_channel();
        let task = tokio::spawn(run(model, log, ctl.clone(), rx));
        Running { ctl, task, dir }
    }

    async fn rpc(
        &self,
        method: &str,
        params: Vec<event_proto::xmlrpc::Value>,
    ) -> event_proto::xmlrpc::MethodResponse {
        let (reply, rx) = oneshot::channel();
        let call = event_proto::xmlrpc::MethodCall {
            method: method.into(),
            params,
        };
        self.ctl
            .send(Control::Rpc { call, reply })
            .expect("control");
        rx.await.expect("reply")
    }

    async fn remote(&self, data: &str) {
        self.rpc(
            "supervisor.sendRemoteCommEvent",
            vec!["t".into(), data.into()],
        )
        .await;
    }

    async fn counters(&self) -> PoolCounters {
        let (tx, rx) = oneshot::channel();
        self.ctl.send(Control::PoolCounters(tx)).expect("control");
        rx.await.expect("counters")[0].1
    }

    fn received(&self) -> Vec<Vec<String>> {
        std::fs::read_to_string(self.dir.join("events.txt"))
            .unwrap_or_default()
            .lines()
            .map(|l| l.splitn(5, ' ').map(str::to_owned).collect())
            .collect()
    }

    fn main_log(&self) -> String {
        std::fs::read_to_string(self.dir.join("supervisord.log")).unwrap_or_default()
    }

    async fn wait(&self, what: &str, mut cond: impl FnMut(&Running) -> bool) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        while !cond(self) {
            assert!(
                tokio::time::Instant::now() < deadline,
                "timed out waiting for {what}; main log:\n{}",
                self.main_log()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    async fn stop(self) {
        self.ctl.send(Control::Shutdown).expect("control");
        tokio::time::timeout(Duration::from_secs(30), self.task)
            .await
            .expect("shutdown within 30 s")
            .expect("task")
            .expect("run");
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

async fn ready(r: &Running, n: usize) {
    r.wait("listeners READY", |r| {
        r.main_log().matches("ACKNOWLEDGED -> READY").count() >= n
    })
    .await;
}

/// Runs `check` against an in-process daemon whose pool `lst` has `numprocs` listeners in
/// `mode` and a `buffer_size` of `buffer`, once they are READY; one scenario at a time, and
/// skipped without python3.
fn scenario(
    label: &str,
    mode: &str,
    numprocs: usize,
    buffer: usize,
    check: impl AsyncFnOnce(&Running),
) {
    let _one = ONE_DAEMON_AT_A_TIME
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    if !python_has("import sys") {
        return;
    }
    runtime().block_on(async {
        let dir = temp_dir(label);
        let out = dir.join("events.txt");
        let r = Running::start(model(&dir, listener(mode, &out, numprocs), buffer), dir);
        ready(&r, numprocs).await;
        check(&r).await;
        r.stop().await;
    });
}

#[test]
fn fail_is_redelivered_with_the_same_serials_ev_lst_busy_fail() {
    scenario("fail", "fail-first", 1, 10, async |r: &Running| {
        r.remote("x").await;
        r.wait("the redelivery", |r| r.received().len() >= 2).await;
        let got = r.received();
        assert_eq!(
            (&got[0][1], &got[0][2]),
            (&got[1][1], &got[1][2]),
            "same serial and poolserial"
        );
        assert!(r.main_log().contains("WARN lst_0: event was rejected"));
        let c = r.counters().await;
        assert_eq!(
            (c.delivered, c.rejected, c.rebuffered, c.dropped),
            (1, 1, 1, 0)
        );
    });
}

#[test]
fn crash_while_busy_is_redelivered_to_the_restarted_listener_ev_lst_busy_exit() {
    scenario("crash", "crash-first", 1, 10, async |r: &Running| {
        r.remote("x").await;
        r.wait("the redelivery to a new instance", |r| {
            r.received().len() >= 2
        })
        .await;
        let got = r.received();
        assert_ne!(got[0][0], got[1][0], "a different listener process");
        assert_eq!(
            (&got[0][1], &got[0][2], &got[0][4]),
            (&got[1][1], &got[1][2], &got[1][4]),
            "the same event, serial and poolserial"
        );
        r.wait("the acknowledgement", |r| {
            r.main_log().contains("lst_0: BUSY -> ACKNOWLEDGED")
        })
        .await;
        let c = r.counters().await;
        assert_eq!((c.delivered, c.rebuffered, c.dropped), (1, 1, 0));
    });
}

#[test]
fn overflow_drops_the_oldest_and_counts_it_ev_buf_overflow() {
    scenario("overflow", "slow", 1, 3, async |r: &Running| {
        for i in 0..8 {
            r.remote(&i.to_string()).await;
        }
        r.wait("the queue drained", |r| {
            r.main_log().matches("event was processed").count() >= 4
        })
        .await;
        let got: Vec<String> = r.received().iter().map(|e| e[4].clone()).collect();
        assert_eq!(
            got,
            ["type:t|0", "type:t|5", "type:t|6", "type:t|7"],
            "oldest dropped"
        );
        let log = r.main_log();
        for serial in 1..=4 {
            assert!(
                log.contains(&format!(
                    "ERRO pool lst event buffer overflowed, discarding event {serial}"
                )),
                "{log}"
            );
        }
        let c = r.counters().await;
        assert_eq!(
            (c.accepted, c.delivered, c.dropped),
            (8, 4, 4),
            "every event delivered or counted"
        );
    });
}

#[test]
fn garbage_means_unknown_then_restart_and_redelivery_issue_1417() {
    scenario("garbage", "garbage-first", 1, 10, async |r: &Running| {
        r.remote("held").await;
        r.wait("redelivery to the restarted listener", |r| {
            r.received().len() >= 2
        })
        .await;
        let got = r.received();
        assert_ne!(got[0][0], got[1][0], "a new listener process");
        assert_eq!(got[0][1], got[1][1], "the event it held, same serial");
        let log = r.main_log();
        assert!(
            log.contains(
                "WARN lst_0: has entered the UNKNOWN state and will no longer receive events"
            ),
            "{log}"
        );
        assert!(
            log.contains("WARN lst_0: restarting event listener stuck in UNKNOWN state"),
            "{log}"
        );
    });
}

#[test]
fn ready_in_pieces_and_numprocs_dispatch_ev_proto_partial_ev_pool_choice() {
    scenario("pieces", "pieces", 2, 10, async |r: &Running| {
        for i in 0..6 {
            r.remote(&i.to_string()).await;
        }
        r.wait("six events acknowledged", |r| {
            r.main_log().matches("event was processed").count() >= 6
        })
        .await;
        let c = r.counters().await;
        assert_eq!(
            (c.delivered, c.rejected, c.dropped),
            (6, 0, 0),
            "READY in pieces is a valid READY"
        );
    });
}

/// Soak (bounded): a program floods PROCESS_LOG_STDOUT events while three listeners FAIL and
/// crash at random. Every event ends acknowledged exactly once or counted as an overflow
/// drop: no third fate (issue 5). `SOAK_LINES` sets the flood size (default 2000 lines, one every 2 ms).
#[test]
fn flood_with_failing_and_crashing_listeners_loses_nothing_uncounted() {
    let _one = ONE_DAEMON_AT_A_TIME
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    if !python_has("import random") {
        return;
    }
    let lines: u32 = std::env::var("SOAK_LINES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000);
    runtime().block_on(async {
        let dir = temp_dir("soak");
        let out = dir.join("events.txt");
        let mut programs = listener("chaos", &out, 3);
        let script = format!(
            "import sys, time\nfor i in range({lines}):\n    sys.stdout.write('line %d\\n' % i); sys.stdout.flush(); time.sleep(0.002)\n"
        );
        programs.push(
            ProgramModel::builder("flood")
                .params(|p| {
                    p.startsecs = 0;
                    p.autostart = false;
                    p.autorestart = AutoRestart::False;
                })
                .argv(["python3".to_owned(), "-c".to_owned(), script.clone()])
                .command(format!("python3 -c {script}"))
                .stdout(ChannelModel {
                    events_enabled: true,
                    ..Default::default()
                })
                .build(),
        );
        let r = Running::start(
            model_for(&dir, programs, 50, "PROCESS_LOG_STDOUT"),
            dir,
        );
        ready(&r, 3).await;
        r.rpc("supervisor.startProcess", vec!["flood".into(), false.into()])
            .await;
        r.wait("the flood to end", |_| {
            std::fs::read_to_string(r.dir.join("supervisord.log"))
                .unwrap_or_default()
                .contains("exited: flood")
        })
        .await;
        let mut settled = None;
        let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
        while tokio::time::Instant::now() < deadline {
            let c = r.counters().await;
            if c.accepted > 0 && c.accepted == c.delivered + c.dropped {
                settled = Some(c);
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let c = settled.expect("every accepted event delivered or dropped within 60 s");
        eprintln!("soak: {lines} lines, {c:?}");
        let acked = r.received();
        let mut serials: Vec<&str> = acked.iter().map(|e| e[1].as_str()).collect();
        serials.sort_unstable();
        let unique = serials.len();
        serials.dedup();
        assert_eq!(unique, serials.len(), "no event acknowledged twice");
        assert_eq!(acked.len() as u64, c.delivered, "acknowledged == delivered");
        assert!(c.rejected > 0 && c.rebuffered >= c.rejected, "chaos happened: {c:?}");
        // Every line the program wrote is either in an acknowledged event or the daemon
        // counted a drop.
        let seen: usize = acked
            .iter()
            .map(|e| e[4].matches("line ").count())
            .sum();
        assert!(seen as u64 <= u64::from(lines));
        if c.dropped == 0 {
            assert_eq!(seen as u64, u64::from(lines), "no drop counted, so no line lost");
        }
        r.stop().await;
    });
}

/// Faults (issue 9): a listener that hangs forever while BUSY stalls only its pool — the
/// daemon keeps answering and counts what overflows; one that exits halfway through its
/// RESULT has the event redelivered; one that floods stderr is still served.
#[test]
fn a_hung_listener_stalls_only_its_pool_and_overflow_is_counted() {
    scenario("hang", "hang", 1, 3, async |r: &Running| {
        for i in 0..10 {
            r.remote(&i.to_string()).await;
        }
        r.wait("six drops counted", |r| {
            r.main_log().matches("event buffer overflowed").count() >= 6
        })
        .await;
        let state = r.rpc("supervisor.getState", Vec::new()).await;
        assert!(format!("{state:?}").contains("RUNNING"), "{state:?}");
        let c = r.counters().await;
        assert_eq!(c.accepted, 10);
        assert_eq!(c.sent, 1, "one event is held by the hung listener");
        assert_eq!(c.delivered, 0);
        assert_eq!(c.dropped, 6, "10 accepted = 1 sent + 3 queued + 6 dropped");
    });
}

#[test]
fn exit_in_the_middle_of_a_result_means_redelivery() {
    scenario("midresult", "mid-result", 1, 10, async |r: &Running| {
        r.remote("x").await;
        r.wait("the redelivery", |r| r.received().len() >= 2).await;
        let got = r.received();
        assert_eq!(got[0][1], got[1][1], "the same serial");
        r.wait("acknowledged by the new instance", |r| {
            r.main_log().contains("lst_0: event was processed")
        })
        .await;
        let c = r.counters().await;
        assert_eq!((c.delivered, c.rebuffered), (1, 1));
    });
}

/// A listener that closes its stdout while BUSY and lives on can never answer: it is put in
/// UNKNOWN, its event goes to the restarted listener (4.3 leaves it BUSY forever).
#[test]
fn a_listener_closing_its_stdout_is_restarted_and_its_event_redelivered() {
    scenario(
        "closeout",
        "close-stdout-first",
        1,
        10,
        async |r: &Running| {
            r.remote("x").await;
            r.wait("the redelivery to a new instance", |r| {
                r.received().len() >= 2
            })
            .await;
            let got = r.received();
            assert_ne!(got[0][0], got[1][0], "a different listener process");
            assert_eq!((&got[0][1], &got[0][4]), (&got[1][1], &got[1][4]));
            r.wait("acknowledged by the new instance", |r| {
                r.main_log().contains("lst_0: event was processed")
            })
            .await;
            let log = r.main_log();
            assert!(
                log.contains("lst_0: closed its stdout but is still running"),
                "{log}"
            );
            assert!(
                log.contains("lst_0: protocol error: stdout closed (state BUSY"),
                "{log}"
            );
            let c = r.counters().await;
            assert_eq!((c.delivered, c.rebuffered, c.dropped), (1, 1, 0));
        },
    );
}

#[test]
fn a_listener_flooding_stderr_is_still_served() {
    scenario("flood", "stderr-flood", 1, 10, async |r: &Running| {
        for i in 0..5 {
            r.remote(&i.to_string()).await;
        }
        r.wait("five events acknowledged", |r| {
            r.main_log().matches("event was processed").count() >= 5
        })
        .await;
        let c = r.counters().await;
        assert_eq!((c.delivered, c.dropped), (5, 0));
    });
}
