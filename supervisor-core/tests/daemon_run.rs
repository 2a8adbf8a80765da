//! The supervisor task end to end, in-process, with real children: a program whose output is
//! logged and evented, and a pool running a listener written with Python's
//! `supervisor.childutils` (the interop that matters most), then a clean shutdown.
//! Its own test binary: the daemon reaps every child of its process.

mod common;

use common::python_reference;

use std::path::{Path, PathBuf};
use std::time::Duration;

use event_proto::{EventMask, LenUnit};
use supervisor_core::daemon::supervisor::{run, Control};
use supervisor_core::http::UnixSocketOptions;
use supervisor_core::log_level::LogLevel;
use supervisor_core::logging::{MainLog, MainLogTarget};
use supervisor_core::model::{ChannelModel, DaemonModel, ProgramModel, ServerModel};
use supervisor_core::pool::PoolSettings;
use supervisor_core::process::AutoRestart;
use tokio::sync::{mpsc, oneshot};

const LISTENER: &str = r#"
import sys
from supervisor import childutils
out = open(sys.argv[1], 'a')
while True:
    headers, payload = childutils.listener.wait(sys.stdin, sys.stdout)
    out.write(headers['eventname'] + ' ' + payload.replace('\n', '|') + '\n')
    out.flush()
    childutils.listener.ok(sys.stdout)
"#;

fn program(name: &str, argv: &[&str], dir: &Path) -> ProgramModel {
    ProgramModel::builder(name)
        .argv(argv.iter().copied())
        .params(|p| {
            p.startsecs = 0;
            p.autorestart = AutoRestart::False;
            p.stopwaitsecs = 5;
        })
        .stdout(ChannelModel {
            logfile: Some(dir.join(format!("{name}.out"))),
            events_enabled: true,
            ..Default::default()
        })
        .stderr(ChannelModel {
            logfile: Some(dir.join(format!("{name}.err"))),
            ..Default::default()
        })
        .build()
}

async fn wait_for(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while !cond() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Runs the Python supervisorctl against `url`; (stdout, exit code).
///
/// The daemon under test reaps every child of this process (`waitpid(-1)`), so the command
/// cannot be waited for: a shell runs it and writes its output and exit status to files,
/// which are polled, and the daemon's reaper reaps the shell.
async fn ctl_cmd(url: &str, args: &[&str]) -> (String, i32) {
    static RUN: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = RUN.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let base = std::env::temp_dir().join(format!("rsv-ctl-{}-{n}", std::process::id()));
    let (out, rc) = (base.with_extension("out"), base.with_extension("rc"));
    // Not waited for: the daemon's reaper reaps it (see above).
    #[allow(clippy::zombie_processes)]
    let _shell = std::process::Command::new("sh")
        .arg("-c")
        .arg("supervisorctl -s \"$0\" \"$@\" > \"$OUT\"; echo $? > \"$RC.tmp\" && mv \"$RC.tmp\" \"$RC\"")
        .arg(url)
        .args(args)
        .env("OUT", &out)
        .env("RC", &rc)
        .spawn()
        .expect("supervisorctl runs");
    wait_for("supervisorctl to finish", || rc.exists()).await;
    let code = std::fs::read_to_string(&rc)
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(-1);
    let text = std::fs::read_to_string(&out).unwrap_or_default();
    let _ = std::fs::remove_file(&out);
    let _ = std::fs::remove_file(&rc);
    (text, code)
}

fn read(p: &PathBuf) -> String {
    std::fs::read_to_string(p).unwrap_or_default()
}

#[tokio::test(flavor = "current_thread")]
async fn programs_logs_events_and_a_childutils_listener_then_shutdown() {
    if !python_reference() {
        return;
    }
    let dir = std::env::temp_dir().join(format!("rsv-daemon-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    let events = dir.join("events.txt");
    let sock = dir.join("supervisor.sock");
    let url = format!("unix://{}", sock.display());

    let talker = program(
        "talker",
        &[
            "sh",
            "-c",
            "sleep 0.5; echo hello; echo oops >&2; exec sleep 1000",
        ],
        &dir,
    );
    let mut listener = program(
        "dumper",
        &["python3", "-c", LISTENER, events.to_str().expect("utf-8")],
        &dir,
    );
    listener.group_priority = -1;
    listener.priority = -1;
    listener.pool = Some(0);
    let model = DaemonModel {
        main_log: MainLogTarget::File {
            path: dir.join("supervisord.log"),
            maxbytes: 0,
            backups: 0,
        },
        loglevel: LogLevel::Debug,
        server_url: Some(url.clone()),
        servers: vec![ServerModel::Unix {
            socket: UnixSocketOptions {
                path: sock.clone(),
                mode: 0o700,
                owner: None,
            },
            credentials: None,
        }],
        programs: vec![talker, listener],
        pools: vec![PoolSettings {
            name: "dumper".into(),
            events: EventMask::parse_list("PROCESS_STATE, PROCESS_LOG, REMOTE_COMMUNICATION")
                .expect("events"),
            buffer_size: 50,
            len_unit: LenUnit::Chars,
            server: "supervisor".into(),
            exit_details: false,
        }],
        ..DaemonModel::default()
    };
    let log = MainLog::open(&model.main_log, model.loglevel, false).expect("main log");
    let (ctl, rx) = mpsc::unbounded_channel();
    let daemon = tokio::spawn(run(model, log, ctl.clone(), rx));

    wait_for("talker's output event at the listener", || {
        read(&events).contains("PROCESS_LOG_STDOUT processname:talker groupname:talker pid:")
            && read(&events).contains("channel:stdout|hello|")
    })
    .await;
    let got = read(&events);
    assert!(
        got.contains(
            "PROCESS_STATE_RUNNING processname:talker groupname:talker from_state:STARTING pid:"
        ),
        "{got}"
    );
    assert!(
        got.contains(
            "PROCESS_STATE_STARTING processname:talker groupname:talker from_state:STOPPED tries:0"
        ),
        "{got}"
    );
    wait_for("log files", || {
        read(&dir.join("talker.out")) == "hello\n" && read(&dir.join("talker.err")) == "oops\n"
    })
    .await;

    let (tx, states) = oneshot::channel();
    ctl.send(Control::States(tx)).expect("control");
    let states = states.await.expect("states");
    let pids: Vec<u32> = states.iter().map(|s| s.2).collect();
    assert!(
        states
            .iter()
            .all(|s| s.1 == event_proto::ProcessState::Running),
        "{states:?}"
    );

    // The real Python clients against our daemon ([RPC-CU-getRPCInterface], [CTL-COMMANDS]).
    let (out, code) = ctl_cmd(&url, &["status"]).await;
    assert_eq!(code, 0, "{out}");
    let status_line = out
        .lines()
        .find(|l| l.starts_with("talker"))
        .expect("talker listed");
    assert!(status_line.contains("RUNNING   pid "), "{out}");
    assert!(status_line.contains(", uptime 0:00:0"), "{out}");
    let (out, _) = ctl_cmd(&url, &["pid"]).await;
    assert_eq!(out.trim(), std::process::id().to_string());
    let (out, _) = ctl_cmd(&url, &["tail", "talker"]).await;
    assert!(out.contains("hello"), "{out}");
    let (out, code) = ctl_cmd(&url, &["stop", "talker"]).await;
    assert_eq!((out.trim(), code), ("talker: stopped", 0));
    let (out, code) = ctl_cmd(&url, &["status", "talker"]).await;
    assert!(out.contains("STOPPED"), "{out}");
    assert_eq!(code, 3, "a stopped process makes status exit 3");
    let (out, code) = ctl_cmd(&url, &["start", "talker"]).await;
    assert_eq!((out.trim(), code), ("talker: started", 0));
    let (out, code) = ctl_cmd(&url, &["start", "nosuch"]).await;
    assert_eq!((out.trim(), code), ("nosuch: ERROR (no such process)", 1));
    let script = format!(
        "from supervisor import childutils\n\
         s = childutils.getRPCInterface({{'SUPERVISOR_SERVER_URL': '{url}'}})\n\
         print(s.supervisor.getState(), s.supervisor.sendRemoteCommEvent('mytype', 'some data'))"
    );
    let out = tokio::process::Command::new("python3")
        .args(["-c", &script])
        .output()
        .await
        .expect("python");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "{'statecode': 1, 'statename': 'RUNNING'} True"
    );
    wait_for("the remote event at the listener", || {
        read(&events).contains("REMOTE_COMMUNICATION type:mytype|some data")
    })
    .await;

    let (out, _) = ctl_cmd(&url, &["shutdown"]).await;
    assert_eq!(out.trim(), "Shut down");
    let _ = ctl;
    tokio::time::timeout(Duration::from_secs(30), daemon)
        .await
        .expect("shutdown within 30 s")
        .expect("task")
        .expect("run ok");
    assert!(!sock.exists(), "socket removed at exit");
    for pid in pids {
        assert!(
            !Path::new(&format!("/proc/{pid}")).exists(),
            "pid {pid} still exists"
        );
    }
    let main = read(&dir.join("supervisord.log"));
    for expected in [
        "INFO spawned: 'talker' with pid",
        "INFO success: talker entered RUNNING state, process has stayed up for > than 0 seconds (startsecs)",
        "DEBG dumper: ACKNOWLEDGED -> READY",
        "WARN stopped: talker (terminated by SIGTERM)",
        "pool dumper events:",
    ] {
        assert!(main.contains(expected), "main log lacks {expected:?}:\n{main}");
    }
    assert!(!main.contains("overflowed"), "{main}");
    std::fs::remove_dir_all(&dir).expect("cleanup");
}
